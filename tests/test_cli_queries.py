"""`eee list|show|search|stats|tree` end to end on the test registry: exit codes, parsed outputs, golden text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from eee.cli import main

from .conftest import cli, write_files


def eee(capsys: pytest.CaptureFixture[str], registry: Path, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--registry", str(registry), *args])
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def test_list_table_for_people(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    code, out, err = eee(capsys, registry, "list", "clee")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "2 CLEE"
    assert lines[1].split()[:3] == ["Identifiant", "Nom", "Statut"]
    assert "Académie de Toulouse" in out and "Lycée polyvalent Pyrène" in out  # labels and names, not codes


@pytest.mark.parametrize("kind", ["clee", "cmq", "pft", "partenariats", "partenaires", "etablissements", "actions",
                                  "evenements", "club"])
def test_list_every_kind_as_json(capsys: pytest.CaptureFixture[str], registry: Path, kind: str) -> None:
    code, out, _ = eee(capsys, registry, "list", kind, "--format", "json")
    assert code == 0
    records = json.loads(out)
    assert records and all("nom" in r for r in records)


def test_list_json_keeps_codes(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    records = json.loads(eee(capsys, registry, "list", "actions", "--format", "json")[1])
    assert records == [{"id": "visites-exemple", "nom": "Visites d'entreprises pour les élèves",
                        "type": "visite_entreprise", "annee": "2022-2023", "statut": "realisee",
                        "organisateurs": ["clee-ariege"], "eleves": 25, "eleves_precision": "exact",
                        "enseignants": None, "enseignants_precision": None, "departements": []}]


def test_list_csv_for_french_excel(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    code, out, _ = eee(capsys, registry, "list", "etablissements", "--format", "csv", "--separateur", ";", "--bom",
                       "--departement", "09", "--tri", "uai")
    assert code == 0 and out.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(out[1:]), delimiter=";"))
    assert [r["uai"] for r in rows] == ["0090015T", "0090056M"]
    assert rows[0]["clee"] == "clee-ariege" and rows[0]["academie"] == "toulouse"


@pytest.mark.parametrize("options", [[], ["--separateur", ";", "--bom"]])
def test_list_csv_neutralises_formulas(capsys: pytest.CaptureFixture[str], registry: Path, options: list[str]) -> None:
    """A text a spreadsheet would take for a formula gets a `'` (docs/export.md); numbers stay as they are."""
    from .test_export import formula_values, write_formulas

    write_formulas(registry)
    code, out, _ = eee(capsys, registry, "list", "partenaires", "--format", "csv", *options)
    assert code == 0
    separator = ";" if options else ","
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out.removeprefix("\ufeff"), newline=""),
                                                delimiter=separator)}
    assert set(rows) == {"exemple-bois", "exemple-aero"}
    values = formula_values()
    assert rows["exemple-bois"]["nom"] == "'" + values["exemple-bois"]["nom"]
    assert rows["exemple-bois"]["siret"] == "'-2+3"
    assert rows["exemple-aero"]["nom"] == "'" + values["exemple-aero"]["nom"]
    tab_led = rows["exemple-aero"]["siret"]  # (a listing may show the tab as a space, after the apostrophe)
    assert tab_led.startswith("'") and tab_led[1:].replace(" ", "\t") == values["exemple-aero"]["siret"]
    records = json.loads(eee(capsys, registry, "list", "partenaires", "--format", "json")[1])
    counts = {r["id"]: r["references"] for r in records}
    assert all(isinstance(n, int) for n in counts.values())
    assert {name: int(row["references"]) for name, row in rows.items()} == counts  # numbers as they are


def test_list_csv_values() -> None:
    from eee.present import _csv_value

    assert [_csv_value(v) for v in (-3, -0.5, 12, None, True)] == ["-3", "-0.5", "12", "", "true"]
    assert [_csv_value(v) for v in ("=1", "+1", "-1", "@1", "\t1", "\r1", "\x1b=1", "'=1")] == [
        "'=1", "'+1", "'-1", "'@1", "'\t1", "'\n1", "'\x1b=1", "''=1"]
    assert _csv_value(["-a", "=b"]) == "'-a|=b"  # one apostrophe, at the start of the cell
    assert _csv_value("a\r\nb\rc") == "a\nb\nc"
    # As `eee list` writes it (lines end with \n): a carriage return no longer ends the row.
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([["nom", "siret"], [_csv_value("x\r=1+1"), "y"]])
    assert list(csv.reader(io.StringIO(out.getvalue(), newline=""))) == [["nom", "siret"], ["x\n=1+1", "y"]]
    assert _csv_value("Rue des Lilas - Foix") == "Rue des Lilas - Foix"


def test_list_yaml_and_markdown(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    data = yaml.safe_load(eee(capsys, registry, "list", "cmq", "--format", "yaml")[1])
    assert data[0]["support"] == "0312686b" and data[0]["excellence"] is True
    markdown = eee(capsys, registry, "list", "cmq", "--format", "markdown")[1].splitlines()
    assert markdown[0].startswith("| Identifiant | Nom | Statut |") and markdown[1].startswith("|---|")
    assert "Lycée polyvalent Saint Exupéry" in markdown[2] and "| oui |" in markdown[2]


@pytest.mark.parametrize("args", [
    ["--departement", "30"], ["--academie", "montpellier"], ["--statut", "actif", "--departement", "30"],
    ["--membre", "0300002p"], ["--partenaire", "exemple-aero"], ["--tri", "-nom", "--academie", "montpellier"],
])
def test_list_filters(capsys: pytest.CaptureFixture[str], registry: Path, args: list[str]) -> None:
    records = json.loads(eee(capsys, registry, "list", "clee", "--format", "json", *args)[1])
    assert [r["id"] for r in records] == ["clee-ales"]


@pytest.mark.parametrize("args, message", [
    (["list", "partenaries"], "type d'entité inconnu"), (["list", "clee", "--departement", "75"], "--departement"),
    (["list", "clee", "--tri", "nmo"], "colonne inconnue"), (["list", "clee", "--separateur", ";;"], "--separateur"),
    (["list", "clee", "--type", "x"], "--type"), (["stats", "--annee", "2023"], "année scolaire"),
])
def test_query_usage_errors(capsys: pytest.CaptureFixture[str], registry: Path, args: list[str], message: str) -> None:
    code, out, err = eee(capsys, registry, *args)
    assert code == 2 and out == "" and message in err


@pytest.mark.parametrize("year", ["2023-2022", "2022-2024", "0000-0001", "\uff12\uff10\uff12\uff12-\uff12\uff10\uff12\uff13"])
@pytest.mark.parametrize("command", [["stats"], ["list", "actions"], ["report", "--format", "markdown"], ["diff"]])
def test_a_school_year_that_is_none_is_refused_by_every_command(capsys: pytest.CaptureFixture[str], registry: Path,
                                                                 tmp_path: Path, command: list[str], year: str) -> None:
    """Years out of order, not consecutive, before any calendar (year 0: an internal error once) or in other digits
    than ASCII: a usage error before anything is read or written, with how to write one."""
    out_file = tmp_path / "bilan.md"
    extra = ["--out", str(out_file)] if command[0] == "report" else []
    code, out, err = eee(capsys, registry, *command, "--annee", year, *extra)
    assert (code, out) == (2, "") and f"« {year} » n'est pas une année scolaire" in err, err
    assert "2022-2023" in err and "interne" not in err and not out_file.exists()


def test_show_text(capsys: pytest.CaptureFixture[str], registry: Path, golden: Callable[[str, str], None]) -> None:
    code, out, _ = eee(capsys, registry, "show", "clee-ariege")
    assert code == 0
    golden("show-clee-ariege.txt", out)
    code, out, _ = eee(capsys, registry, "show", "exemple-aero")
    golden("show-exemple-aero.txt", out)


def test_show_json(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    data = json.loads(eee(capsys, registry, "show", "exemple-bois", "--format", "json")[1])
    assert data["type"] == "partenaire" and data["fichier"] == "partenaires/exemple-bois.yaml"
    assert {(r["type"], r["id"], r["champ"]) for r in data["referencee_par"]} == {
        ("clee", "clee-ariege", "co_animation.partenaire.partenaire"), ("clee", "clee-ariege", "membres.partenaires"),
        ("partenariat", "stages-exemple", "partenaires"), ("action", "visites-exemple", "partenaires")}
    shown = yaml.safe_load(eee(capsys, registry, "show", "exemple-bois", "--format", "yaml")[1])
    assert shown["donnees"]["secteur"] == "bois_foret"


def test_show_unknown_id_exits_1_with_suggestions(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    code, out, err = eee(capsys, registry, "show", "clee-arriege")
    assert code == 1 and out == ""
    assert "aucune entité n'a l'identifiant « clee-arriege »" in err and "« clee-ariege »" in err


def test_search(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    code, out, _ = eee(capsys, registry, "search", "pamiers", "--format", "json")
    assert code == 0
    hits = json.loads(out)
    assert [h["id"] for h in hits] == ["0090015t", "0090056m"]
    assert hits[0]["champ"] == "commune" and hits[0]["texte"] == "Pamiers"
    code, out, err = eee(capsys, registry, "search", "jean", "baptiste", "--type", "etablissements")
    assert code == 0 and "0300002p" in out and err == ""
    code, _, _ = eee(capsys, registry, "search", "jean", "baptiste", "--type", "partenaires")
    assert code == 1
    code, out, _ = eee(capsys, registry, "search", "introuvable")
    assert (code, out) == (1, "Aucun résultat.\n")


@pytest.mark.parametrize("spelling", ["--kind", "-k"])
def test_search_former_kind_option_still_works_with_a_notice(capsys: pytest.CaptureFixture[str], registry: Path,
                                                             spelling: str) -> None:
    code, out, err = eee(capsys, registry, "search", "jean", "baptiste", spelling, "etablissements")
    assert code == 0 and "0300002p" in out
    assert err.startswith("eee : --kind est remplacé par --type")
    code, _, _ = eee(capsys, registry, "search", "jean", "baptiste", spelling, "partenaires")
    assert code == 1


def test_every_command_says_type_for_the_kind_of_entity() -> None:
    from typer.main import get_command

    from eee.cli.app import app

    group = get_command(app)
    shown: dict[str, list[str]] = {}
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        for sub_name, sub in getattr(command, "commands", {name: command}).items():
            shown[sub_name] = [opt for param in sub.params if not getattr(param, "hidden", False)
                               for opt in param.opts]
    assert not [name for name, opts in shown.items() if "--kind" in opts or "-k" in opts]
    assert "--type" in shown["search"] and "--type" in shown["export"] and "--type" in shown["list"]


def test_stats(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    code, out, _ = eee(capsys, registry, "stats", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["couverture"]["clee"] == {"decrits": 2, "attendus": 2}
    code, out, _ = eee(capsys, registry, "stats")
    assert "Couverture" in out and "2 décrits sur 2 attendus" in out and "Visite d'entreprise" in out


def test_tree(capsys: pytest.CaptureFixture[str], registry: Path, golden: Callable[[str, str], None]) -> None:
    code, out, _ = eee(capsys, registry, "tree")
    assert code == 0
    golden("tree.txt", out)
    data = json.loads(eee(capsys, registry, "tree", "--format", "json")[1])
    assert data["libelle"] == "Occitanie" or data["libelle"].endswith("Occitanie")


def test_a_broken_registry_still_answers_with_a_warning(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    write_files(registry, {"clee/clee-ales.yaml": "id: clee-ales\nnom: [cassé\n"})
    code, out, err = eee(capsys, registry, "list", "clee", "--format", "json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == ["clee-ariege"]
    assert err.count("\n") == 1 and "eee validate" in err


def test_queries_do_not_import_jsonschema(tmp_path: Path, registry: Path) -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom eee.cli import main\n"
            f"try:\n    main(['-r', {str(registry)!r}, 'list', 'clee'])\nexcept SystemExit:\n    pass\n"
            "print('HEAVY=' + ','.join(m for m in ('jsonschema', 'jinja2') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "HEAVY=", result.stderr


def test_queries_count_as_unreadable_only_files_they_could_not_read(capsys: pytest.CaptureFixture[str],
                                                                    registry: Path) -> None:
    bois = registry / "partenaires/exemple-bois.yaml"
    bois.write_text(bois.read_text(encoding="utf-8").replace("statut: actif", "statut: inconnu"), encoding="utf-8")
    (registry / "partenaires/casse.yaml").write_text("id: casse\nnom: [\n", encoding="utf-8")
    assert cli(capsys, "-r", str(registry), "validate")[0] == 1  # the cache now holds the schema problem too
    code, out, err = cli(capsys, "-r", str(registry), "list", "partenaires")
    assert code == 0 and "Exemple Bois" in out
    assert "1 fichier du registre est illisible" in err


def test_stats_and_lists_keep_minimums_and_never_turn_an_unknown_into_0(capsys: pytest.CaptureFixture[str],
                                                                       registry: Path) -> None:
    from .test_bilan import SECOND_YEAR

    write_files(registry, SECOND_YEAR)  # 2023-2024: « environ 40 », 30, and a forum without any number
    code, out, _ = cli(capsys, "-r", str(registry), "stats", "--annee", "2023-2024", "--format", "json")
    data = json.loads(out)
    forum = data["actions_par_type"]["forum_metiers"]
    assert forum == {"actions": 1, "eleves": None, "eleves_precision": None, "enseignants": None,
                     "enseignants_precision": None, "sans_nombre": 1}
    assert data["actions_par_annee"]["2023-2024"]["eleves"] == 70
    assert data["actions_par_annee"]["2023-2024"]["eleves_precision"] == "au_moins"  # approximate, and a forum left out
    code, out, _ = cli(capsys, "-r", str(registry), "stats", "--annee", "2023-2024")
    line = next(x for x in out.splitlines() if x.startswith("Forum des métiers"))
    assert line.split()[-5:] == ["non", "renseigné", "non", "renseigné", "1"] and " 0 " not in line
    code, out, _ = cli(capsys, "-r", str(registry), "list", "actions", "--annee", "2023-2024")
    immersion = next(x for x in out.splitlines() if x.startswith("immersions-exemple"))
    assert "environ 40" in immersion
    forum_row = next(x for x in out.splitlines() if x.startswith("forum-sans-nombre"))
    assert forum_row.count("non renseigné") == 2
    code, out, _ = cli(capsys, "-r", str(registry), "list", "actions", "--annee", "2023-2024", "--format", "csv")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out))}
    assert (rows["immersions-exemple"]["eleves"], rows["immersions-exemple"]["eleves_precision"]) == ("40", "environ")
    assert (rows["forum-sans-nombre"]["eleves"], rows["forum-sans-nombre"]["eleves_precision"]) == ("", "")
    code, out, _ = cli(capsys, "-r", str(registry), "list", "actions", "--annee", "2023-2024", "--format", "json")
    records = {r["id"]: r for r in json.loads(out)}
    assert records["forum-sans-nombre"]["eleves"] is None and records["stages-exemple-2024"]["eleves"] == 30
    assert records["stages-exemple-2024"]["eleves_precision"] == "exact"


def test_stats_of_a_year_count_the_structures_of_that_year(capsys: pytest.CaptureFixture[str],
                                                           registry: Path) -> None:
    from .test_bilan import THIRD_YEAR

    write_files(registry, {"clee/clee-nouveau.yaml": THIRD_YEAR["clee/clee-nouveau.yaml"]})  # created 2024-10-01
    of = {}
    for year in ("2023-2024", "2024-2025", None):
        args = ["stats", "--format", "json"] + (["--annee", year] if year else [])
        of[year] = json.loads(cli(capsys, "-r", str(registry), *args)[1])
    assert [of[y]["par_type"]["clee"] for y in ("2023-2024", "2024-2025", None)] == [2, 3, 3]
    assert of["2023-2024"]["couverture"]["clee"] == {"decrits": 2, "attendus": 2}
    assert of["2023-2024"]["sans_date"] == {"clee": ["clee-ales", "clee-ariege"], "partenariat": ["stages-exemple"],
                                            "pft": ["pft-exemple"]}  # counted, and said to be undated
    assert of[None]["sans_date"] == {}  # as of today, every structure of the registry counts
    text = cli(capsys, "-r", str(registry), "stats", "--annee", "2023-2024")[1]
    assert "2 décrits sur 2 attendus (dont 2 sans date connue, comptés)" in text


def test_an_actions_page_and_show_never_part_a_number_from_its_precision(capsys: pytest.CaptureFixture[str],
                                                                         registry: Path, tmp_path: Path) -> None:
    from .test_bilan import SECOND_YEAR

    write_files(registry, SECOND_YEAR)  # immersions-exemple: « environ 40 » pupils
    out = cli(capsys, "-r", str(registry), "show", "immersions-exemple")[1]
    assert "Nombre : environ 40" in out and "Précision" not in out
    assert cli(capsys, "-r", str(registry), "render", "html", "--out", str(tmp_path / "site"))[0] == 0
    page = (tmp_path / "site" / "actions" / "immersions-exemple.html").read_text(encoding="utf-8")
    assert "<dt>Nombre</dt><dd>environ 40</dd>" in page and "<dt>Précision</dt>" not in page
