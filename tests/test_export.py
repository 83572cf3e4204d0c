"""Exports (JSON, CSV, SQLite), editor schemas and the CI integration files."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import yaml

from eee import export
from eee.errors import EeeError, UsageError
from eee.export import _csv_bytes
from eee.kinds import KINDS
from eee.stats import stats
from eee.validate import load

from .conftest import REPO, write_files

# Distinctive internal values: none of them may appear in a public export.
SECRET_NOTE = "NOTE-INTERNE-ZQX81"
SECRET_MAIL = "interne.zqx81@example.org"
SECRET_PHONE = "05 99 81 81 81"
DEFAULT_INTERNAL_MAIL = "camille.exemple@example.org"  # base contact without `visibilite`: internal by default
PUBLIC_MAIL = "publique.zqx81@example.org"
SECRETS = (SECRET_NOTE, SECRET_MAIL, SECRET_PHONE, DEFAULT_INTERNAL_MAIL)

EXTRA = f"""notes_internes: "{SECRET_NOTE}"
"""
CONTACTS = f"""contacts:
  - nom: Camille Exemple
    fonction: secrétaire du CLEE
    courriel: {DEFAULT_INTERNAL_MAIL}
  - fonction: chargée de mission
    courriel: {SECRET_MAIL}
    telephone: "{SECRET_PHONE}"
    visibilite: interne
  - fonction: accueil
    courriel: {PUBLIC_MAIL}
    visibilite: publique
"""


@pytest.fixture
def loaded(registry: Path):
    """The test registry with internal notes and contacts added to clee-ariege and a partner."""
    clee = registry / "clee" / "clee-ariege.yaml"
    text = clee.read_text(encoding="utf-8")
    start = text.index("contacts:")
    end = text.index("sources:")
    clee.write_text(text[:start] + CONTACTS + text[end:] + EXTRA, encoding="utf-8")
    partner = registry / "partenaires" / "exemple-aero.yaml"
    partner.write_text(partner.read_text(encoding="utf-8") + f'notes_internes: "{SECRET_NOTE} bis"\n',
                       encoding="utf-8")
    model, report = load(registry)
    assert not report.errors, [p.message for p in report.errors]
    return model


def _read_csv(path: Path, separator: str, bom: bool) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") is bom
    text = raw.decode("utf-8-sig" if bom else "utf-8")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=separator))


def _sqlite_text(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return "\n".join(connection.iterdump())


# --------------------------------------------------------------------------- JSON


def test_json_shape(loaded) -> None:
    doc = export.export_json(loaded, internal=False, today=date(2024, 3, 1))
    assert list(doc) == ["version", "genere_le", "public", "entites", "relations"]
    assert doc["version"] == 2 and doc["genere_le"] == "2024-03-01" and doc["public"] is True
    assert list(doc["entites"]) == list(KINDS)
    counts = stats(loaded)["par_type"]
    for kind, items in doc["entites"].items():
        if kind in counts:
            assert len(items) == counts[kind], kind
        assert [i["id"] for i in items] == sorted(i["id"] for i in items)
        for item in items:
            assert list(item) == ["id", "fichier", "donnees"] + (["effectifs"] if kind == "action" else [])
            assert (loaded.root / item["fichier"]).is_file()
            assert item["donnees"]["id"] == item["id"]
    assert len(doc["entites"]["reseau"]) == 1
    assert len(doc["relations"]) == len(loaded.references)
    for relation in doc["relations"]:
        assert list(relation) == ["source", "type_source", "champ", "cible", "type_cible"]
        assert relation["type_cible"] == KINDS[loaded.get(relation["cible"]).kind.name].name
    assert {"source": "clee-ariege", "type_source": "clee", "champ": "membres.partenaires", "cible": "exemple-bois",
            "type_cible": "partenaire"} in doc["relations"]
    json.dumps(doc, ensure_ascii=False)  # plain JSON values only
    clee = next(i for i in doc["entites"]["clee"] if i["id"] == "clee-ariege")["donnees"]
    assert [c["courriel"] for c in clee["contacts"]] == [PUBLIC_MAIL]
    assert "notes_internes" not in clee


def test_json_internal_keeps_everything(loaded) -> None:
    doc = export.export_json(loaded, internal=True)
    assert doc["public"] is False
    text = json.dumps(doc, ensure_ascii=False)
    for secret in SECRETS + (PUBLIC_MAIL,):
        assert secret in text


def test_json_kind_filter(loaded) -> None:
    doc = export.export_json(loaded, kinds=["partenaires", "clee"])
    assert list(doc["entites"]) == ["clee", "partenaire"]
    assert {r["type_source"] for r in doc["relations"]} == {"clee"}
    with pytest.raises(UsageError):
        export.export_json(loaded, kinds=["clees-inconnus"])


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(("separator", "bom"), [(",", False), (";", True)])
def test_csv_read_back(loaded, tmp_path: Path, separator: str, bom: bool) -> None:
    out = tmp_path / "csv"
    written = export.export_csv(loaded, out, internal=False, separator=separator, bom=bom)
    assert [p.name for p in written] == [f"{k}.csv" for k in KINDS] + ["relations.csv"]
    counts = stats(loaded)["par_type"]
    tables = {p.stem: _read_csv(p, separator, bom) for p in written}
    for kind, count in counts.items():
        assert len(tables[kind]) == count, kind
    assert len(tables["reseau"]) == 1
    assert len(tables["relations"]) == len(loaded.references)
    ariege = next(r for r in tables["clee"] if r["id"] == "clee-ariege")
    assert ariege["nom"] == "CLEE de l'Ariège"
    assert ariege["co_animation.partenaire.partenaire"] == "exemple-bois"
    assert ariege["membres.etablissements"] == "0090015t|0090056m"
    assert ariege["departements"] == "09"
    assert json.loads(ariege["territoire.bassins"]) == [{"code": "16125", "nom": "ARIEGE"}]
    assert [c["courriel"] for c in json.loads(ariege["contacts"])] == [PUBLIC_MAIL]
    assert ariege["charte.signee"] == ""  # a column of the schema the entity leaves empty
    for path in written:
        text = path.read_text(encoding="utf-8-sig")
        for secret in SECRETS:
            assert secret not in text, (path.name, secret)
        assert "notes_internes" not in text


def test_csv_columns_follow_the_schema(loaded, tmp_path: Path) -> None:
    written = export.export_csv(loaded, tmp_path, kinds=["clee"])
    assert [p.name for p in written] == ["clee.csv", "relations.csv"]
    header = next(csv.reader(io.StringIO(written[0].read_text(encoding="utf-8"))))
    expected = [".".join(c) for c, _ in export.schema_columns(loaded, KINDS["clee"]) if "notes_internes" not in c]
    assert header == expected
    assert header[:3] == ["id", "nom", "statut"]
    assert header.index("co_animation.etablissement.etablissement") < header.index("membres.etablissements")
    # Same header for an empty kind: scripts can rely on it.
    (loaded.root / "clee" / "clee-ales.yaml").unlink()
    (loaded.root / "clee" / "clee-ariege.yaml").unlink()
    empty, _ = load(loaded.root, check_schemas=False)
    again = export.export_csv(empty, tmp_path / "vide", kinds=["clee"])
    assert again[0].read_text(encoding="utf-8").splitlines() == [",".join(expected)]


def test_csv_internal_columns(loaded, tmp_path: Path) -> None:
    written = export.export_csv(loaded, tmp_path, internal=True, kinds=["clee"])
    rows = _read_csv(written[0], ",", False)
    ariege = next(r for r in rows if r["id"] == "clee-ariege")
    assert ariege["notes_internes"] == SECRET_NOTE
    assert SECRET_MAIL in ariege["contacts"] and DEFAULT_INTERNAL_MAIL in ariege["contacts"]


def test_csv_cells() -> None:
    assert export.csv_cell(None) == ""
    assert export.csv_cell(True) == "true"
    assert export.csv_cell(12) == "12"
    assert export.csv_cell(["a", "b"]) == "a|b"
    assert export.csv_cell(["a|b", "c"]) == '["a|b","c"]'
    assert export.csv_cell([{"k": "é"}]) == '[{"k":"é"}]'


# Texts a spreadsheet would take for formulas (OWASP « CSV Injection »), as written in YAML double quotes,
# and numbers, which stay numbers. Used by tests/test_cli_queries.py too.
FORMULAS_BOIS = {"nom": r'=HYPERLINK(\"http://evil\",\"x\")', "siret": "-2+3", "telephone_accueil": "+33 5 61 00 00 00",
                 "description": "'=déjà une apostrophe"}
FORMULAS_AERO = {"nom": "@SUM(A1)", "siret": r"\tcaché"}
NUMBERS = {"solde": -3, "taux": -0.5}


def write_formulas(root: Path) -> None:
    """FORMULAS_* and NUMBERS in the two partners, a list that starts with `-`, and a reference to `=1+1`."""
    for name, values in (("exemple-bois", {**FORMULAS_BOIS, **NUMBERS}), ("exemple-aero", FORMULAS_AERO)):
        path = root / "partenaires" / f"{name}.yaml"
        lines = [line for line in path.read_text(encoding="utf-8").splitlines()
                 if line.split(":")[0] not in values]
        lines += [f'{key}: "{value}"' if isinstance(value, str) else f"{key}: {value}" for key, value in values.items()]
        if name == "exemple-bois":
            lines.append('etiquettes: ["-a", "b"]')
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    clee = root / "clee" / "clee-ariege.yaml"
    clee.write_text(clee.read_text(encoding="utf-8").replace("partenaires: [exemple-bois]",
                                                             'partenaires: [exemple-bois, "=1+1"]'), encoding="utf-8")


def formula_values() -> dict[str, dict[str, str]]:
    """The texts of FORMULAS_* as the registry holds them."""
    return {name: {key: yaml.safe_load(f'"{value}"') for key, value in values.items()}
            for name, values in (("exemple-bois", FORMULAS_BOIS), ("exemple-aero", FORMULAS_AERO))}


def test_csv_cells_that_would_be_formulas(registry: Path, tmp_path: Path) -> None:
    write_formulas(registry)
    model, _ = load(registry, check_schemas=False)
    written = export.export_csv(model, tmp_path, kinds=["partenaire", "clee"], separator=";", bom=True)
    rows = {r["id"]: r for r in _read_csv(tmp_path / "partenaire.csv", ";", True)}
    for name, values in formula_values().items():
        for key, value in values.items():
            assert rows[name][key] == "'" + value, (name, key)
    for key, number in NUMBERS.items():
        assert rows["exemple-bois"][key] == str(number)  # numbers stay numbers
    assert rows["exemple-bois"]["etiquettes"] == "'-a|b"  # the cell, not each item
    assert rows["exemple-aero"]["type"] == "entreprise"  # texts without a formula are as they are
    relations = _read_csv(tmp_path / "relations.csv", ";", True)
    assert {r["cible"] for r in relations if r["champ"] == "membres.partenaires"} >= {"exemple-bois", "'=1+1"}
    # What a spreadsheet sees: the raw file has no cell that starts with a formula character.
    for path in written:
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""), delimiter=";"):
            assert not [cell for cell in row if cell[:1] in ("=", "+", "@", "\t", "\r", "\n")
                        or cell.startswith("-") and not re.fullmatch(r"-[0-9.]+", cell)], (path.name, row)
    # JSON and SQLite keep the exact values.
    doc = export.export_json(model)
    bois = next(e["donnees"] for e in doc["entites"]["partenaire"] if e["id"] == "exemple-bois")
    assert {k: bois[k] for k in FORMULAS_BOIS} == formula_values()["exemple-bois"]
    assert {k: bois[k] for k in NUMBERS} == NUMBERS
    export.export_sqlite(model, tmp_path / "registre.db")
    with sqlite3.connect(tmp_path / "registre.db") as connection:
        names = dict(connection.execute("SELECT id, nom FROM partenaire").fetchall())
    assert names == {name: values["nom"] for name, values in formula_values().items()}


def test_csv_cells_keep_numbers_and_neutralise_formula_texts() -> None:
    assert export.csv_cell(-3) == "-3" and export.csv_cell(-0.5) == "-0.5" and export.csv_cell(False) == "false"
    for text in ("=1+1", "+33 5 61 00 00 00", "-2+3", "@SUM(A1)", "\tx", "\rx", "\nx", "\x1b=1", "\x85=1", "'=x",
                 "''-x"):
        assert export.csv_cell(text) == "'" + text
    # A carriage return inside a cell: quoted (the files end their lines with \r\n), one row read back.
    text = _csv_bytes(["a", "b"], [[export.csv_cell("x\r=1+1"), "y"]], ",", False).decode("utf-8")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["a", "b"], ["x\r=1+1", "y"]]
    for text in ("a=1", "'a", "''", "", "3", "Rue des Lilas - Foix"):
        assert export.csv_cell(text) == text
    assert export.csv_cell(["-1", 2]) == "'-1|2" and export.csv_cell([-1, 2]) == "'-1|2"  # a list is a text
    assert export.csv_cell([{"k": "=x"}]) == '[{"k":"=x"}]'  # JSON starts with `[`


@pytest.mark.parametrize("separator", ["", ";;", '"', "|", "\n"])
def test_csv_bad_separator(loaded, tmp_path: Path, separator: str) -> None:
    with pytest.raises(UsageError):
        export.export_csv(loaded, tmp_path, separator=separator)
    assert not list(tmp_path.glob("*.csv"))


# --------------------------------------------------------------------------- SQLite


def test_sqlite_read_back(loaded, tmp_path: Path) -> None:
    path = tmp_path / "out" / "registre.db"
    export.export_sqlite(loaded, path, internal=False, today=date(2024, 3, 1))
    assert [p.name for p in path.parent.iterdir()] == ["registre.db"]  # no temporary file left
    connection = sqlite3.connect(path)
    try:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == set(KINDS) | {"relations", "eee_export"}
        for kind, count in stats(loaded)["par_type"].items():
            assert connection.execute(f'SELECT count(*) FROM "{kind}"').fetchone()[0] == count, kind
        assert connection.execute("SELECT count(*) FROM relations").fetchone()[0] == len(loaded.references)
        assert connection.execute("SELECT * FROM eee_export").fetchone() == (2, "2024-03-01", 1)
        info = connection.execute('PRAGMA table_info("clee")').fetchall()
        assert [(r[1], r[5]) for r in info if r[5]] == [("id", 1)]  # id is the primary key
        row = connection.execute('SELECT "membres.etablissements", "co_animation.partenaire.partenaire", contacts '
                                 'FROM clee WHERE id = ?', ("clee-ariege",)).fetchone()
        assert json.loads(row[0]) == ["0090015t", "0090056m"]
        assert row[1] == "exemple-bois"
        assert [c["courriel"] for c in json.loads(row[2])] == [PUBLIC_MAIL]
        assert "notes_internes" not in {r[1] for r in info}
        keys = {(r[3], r[2]) for r in connection.execute('PRAGMA foreign_key_list("clee")')}
        assert ("etablissement_siege", "etablissement") in keys
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        clee_count = connection.execute('SELECT "effectifs_attendus.clee" FROM reseau').fetchone()[0]
        assert clee_count == 2 and isinstance(clee_count, int)
    finally:
        connection.close()
    text = _sqlite_text(path)
    for secret in SECRETS:
        assert secret not in text, secret


def test_sqlite_replaces_in_one_go(loaded, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    path = out / "registre.db"
    path.write_bytes(b"ancien contenu")
    export.export_sqlite(loaded, path, internal=True)
    text = _sqlite_text(path)
    for secret in SECRETS:
        assert secret in text
    export.export_sqlite(loaded, path, internal=False)  # over an existing database
    assert SECRET_MAIL not in _sqlite_text(path)
    assert sorted(p.name for p in out.iterdir()) == ["registre.db"]


def test_sqlite_failure_keeps_the_old_file(loaded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    path = out / "registre.db"
    path.write_bytes(b"ancien contenu")

    def broken(*args, **kwargs):
        raise RuntimeError("panne")

    monkeypatch.setattr(export, "relations", broken)
    with pytest.raises(RuntimeError):
        export.export_sqlite(loaded, path, internal=False)
    assert path.read_bytes() == b"ancien contenu"
    assert sorted(p.name for p in out.iterdir()) == ["registre.db"]


# --------------------------------------------------------------------------- editor schemas


def test_write_schemas(loaded, tmp_path: Path) -> None:
    repo = tmp_path / "depot"
    (repo / "registry").mkdir(parents=True)
    for path in loaded.root.rglob("*.yaml"):
        target = repo / "registry" / path.relative_to(loaded.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    written = export.write_schemas(repo)
    names = {p.name for p in written}
    assert {k.schema_file for k in KINDS.values()} | {"common.schema.json", "settings.json"} <= names
    for path in written:
        json.loads(path.read_text(encoding="utf-8"))
    mapping = json.loads((repo / ".vscode" / "settings.json").read_text(encoding="utf-8"))["yaml.schemas"]
    assert set(mapping) == {f"./schemas/{k.schema_file}" for k in KINDS.values()}
    for schema in mapping:
        assert (repo / schema).is_file()
    assert mapping["./schemas/reseau.schema.json"] == ["registry/reseau.yaml"]
    assert mapping["./schemas/action.schema.json"] == ["registry/actions/*/*.yaml"]
    assert mapping["./schemas/clee.schema.json"] == ["registry/clee/*.yaml"]
    # Every file of the registry is matched by the glob of its kind, and by no other.
    for entity in loaded:
        matched = [s for s, globs in mapping.items() for g in globs
                   if (repo / "registry" / entity.path) in set(repo.glob(g))]
        assert matched == [f"./schemas/{entity.kind.schema_file}"], entity.path


def test_write_schemas_merges_settings(tmp_path: Path) -> None:
    settings = tmp_path / ".vscode" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{\n  // réglages de l\'équipe\n  "editor.tabSize": 2,\n  "files.exclude": {"**/site": true,},\n'
                        '  "yaml.schemas": {"https://example.org/autre.json": ["autre/*.yaml"]},\n'
                        '  /* fin */\n  "url": "https://example.org/a//b"\n}\n', encoding="utf-8")
    export.write_schemas(tmp_path)
    merged = json.loads(settings.read_text(encoding="utf-8"))
    assert merged["editor.tabSize"] == 2
    assert merged["files.exclude"] == {"**/site": True}
    assert merged["url"] == "https://example.org/a//b"
    assert merged["yaml.schemas"]["https://example.org/autre.json"] == ["autre/*.yaml"]
    assert merged["yaml.schemas"]["./schemas/clee.schema.json"] == ["registry/clee/*.yaml"]
    export.write_schemas(tmp_path)  # idempotent
    assert json.loads(settings.read_text(encoding="utf-8")) == merged


def test_write_schemas_never_overwrites_a_broken_settings_file(tmp_path: Path) -> None:
    settings = tmp_path / ".vscode" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{"editor.tabSize": 2', encoding="utf-8")
    with pytest.raises(EeeError) as caught:
        export.write_schemas(tmp_path)
    assert "settings.json" in caught.value.message
    assert settings.read_text(encoding="utf-8") == '{"editor.tabSize": 2'


# --------------------------------------------------------------------------- integration files


def test_pre_commit_hooks() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"eee-validate", "eee-fmt"}
    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= set(hook) and hook["language"] == "python"
    # eee-validate: the whole registry at every commit, errors only. A commit that only deletes or renames a file (which
    # pre-commit passes no file for) leaves references broken in other files: it must be refused too.
    validate = by_id["eee-validate"]
    assert validate["entry"] == "eee validate --quiet"
    assert validate["always_run"] is True and validate["pass_filenames"] is False and "files" not in validate
    # eee-fmt: the changed YAML files of the registry.
    fmt = by_id["eee-fmt"]
    assert fmt["entry"] == "eee fmt" and fmt["pass_filenames"] is True
    pattern = re.compile(fmt["files"])
    assert pattern.search("registry/clee/clee-ariege.yaml")
    assert pattern.search("registry/actions/2022-2023/visites.yaml")
    assert pattern.search("registry/reseau.yaml")
    assert not pattern.search("schemas/clee.schema.json")
    assert not pattern.search("registry/clee/notes.txt")
    assert not pattern.search(".gitlab-ci.yaml")
    # Both spread their work over the cores themselves and share one cache: one call at a time.
    assert by_id["eee-validate"]["require_serial"] is True and by_id["eee-fmt"]["require_serial"] is True


def test_the_hook_s_command_refuses_a_commit_that_breaks_another_file(capsys, registry: Path) -> None:  # type: ignore[no-untyped-def]
    """What eee-validate runs (its entry, no file passed), after a partner still cited is deleted: code 1, the
    errors of the files that cite it shown, and nothing else (valid: nothing at all)."""
    import shlex

    from .conftest import cli

    hook = next(h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
                if h["id"] == "eee-validate")
    command = shlex.split(hook["entry"])[1:]  # after « eee »
    assert cli(capsys, "-r", str(registry), *command) == (0, "", "")
    (registry / "partenaires" / "exemple-aero.yaml").unlink()
    code, out, _ = cli(capsys, "-r", str(registry), *command)
    assert code == 1 and "EEE-R003" in out and "exemple-aero" in out and "avertissement" not in out


def test_gitlab_ci() -> None:
    ci = yaml.safe_load((REPO / "integration" / "gitlab-ci.yml").read_text(encoding="utf-8"))
    jobs = {k: v for k, v in ci.items() if isinstance(v, dict) and "script" in v}
    validate = next(j for j in jobs.values() if any("--format gitlab" in str(line) for line in j["script"]))
    assert "gl-code-quality-report.json" in " ".join(map(str, validate["script"]))
    assert validate["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert validate["artifacts"]["when"] == "always"
    assert any("merge_request_event" in r.get("if", "") for r in validate["rules"])
    pages = ci["pages"]
    assert any("eee build --out public" in str(line) for line in pages["script"])
    assert "public" in pages["artifacts"]["paths"]
    assert any("CI_DEFAULT_BRANCH" in r.get("if", "") for r in pages["rules"])
    text = (REPO / "integration" / "gitlab-ci.yml").read_text(encoding="utf-8")
    assert "EEE_PIP_SPEC" in text and 'pip install "$EEE_PIP_SPEC"' in text


def test_github_actions() -> None:
    text = (REPO / "integration" / "github-actions.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in triggers and "push" in triggers
    steps = [s for job in workflow["jobs"].values() for s in job.get("steps", [])]
    runs = " ".join(s.get("run", "") for s in steps)
    uses = [s.get("uses", "") for s in steps]
    assert "eee validate --format github" in runs
    assert "eee build --out" in runs
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    deploy = next(j for j in workflow["jobs"].values()
                  if any(s.get("uses", "").startswith("actions/deploy-pages@") for s in j.get("steps", [])))
    assert deploy["permissions"]["pages"] == "write" and deploy["permissions"]["id-token"] == "write"
    assert "EEE_PIP_SPEC" in text and 'pip install "$EEE_PIP_SPEC"' in text


def test_integration_readme_snippet_is_valid_yaml() -> None:
    text = (REPO / "integration" / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    config = next(yaml.safe_load(b) for b in blocks if "repos:" in b)
    hook_ids = {h["id"] for repo in config["repos"] for h in repo["hooks"]}
    assert hook_ids == {"eee-validate", "eee-fmt"}


# --------------------------------------------------------------------------- figures


ACTION = """id: {id}
nom: Action {id}
statut: realisee
type: visite_entreprise
annee_scolaire: 2022-2023
organisateurs: [clee-ariege]
beneficiaires:
{lines}
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
"""


def test_every_export_keeps_a_number_beside_its_precision(registry: Path, tmp_path: Path) -> None:
    """A minimum stays a minimum and an unknown stays unknown in JSON, CSV and SQLite, in columns a spreadsheet
    can add up (effectifs.eleves) beside their qualifier (effectifs.eleves.precision)."""
    write_files(registry, {
        "actions/2022-2023/minimum.yaml": ACTION.format(id="minimum", lines="  - {categorie: eleves, nombre: 350, "
                                                         "precision: au_moins}\n  - {categorie: enseignants, nombre: 4}"),
        "actions/2022-2023/sans-nombre.yaml": ACTION.format(id="sans-nombre", lines="").replace("beneficiaires:\n", ""),
    })
    model = load(registry)[0]
    doc = export.export_json(model)
    figures = {a["id"]: a["effectifs"] for a in doc["entites"]["action"]}
    assert figures["minimum"] == {"eleves": {"nombre": 350, "precision": "au_moins", "sans_nombre": 0},
                                  "enseignants": {"nombre": 4, "precision": "exact", "sans_nombre": 0}}
    assert figures["sans-nombre"] == {}  # nothing given: no number, never 0
    export.export_csv(model, tmp_path / "csv")
    text = (tmp_path / "csv" / "action.csv").read_text(encoding="utf-8")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert (rows["minimum"]["effectifs.eleves"], rows["minimum"]["effectifs.eleves.precision"]) == ("350", "au_moins")
    assert (rows["sans-nombre"]["effectifs.eleves"], rows["sans-nombre"]["effectifs.eleves.precision"]) == ("", "")
    export.export_sqlite(model, tmp_path / "r.sqlite")
    connection = sqlite3.connect(tmp_path / "r.sqlite")
    try:
        found = dict(connection.execute('SELECT id, "effectifs.eleves" FROM action').fetchall())
        assert found["minimum"] == 350 and found["sans-nombre"] is None
        assert connection.execute('SELECT sum("effectifs.eleves") FROM action WHERE '
                                  '"effectifs.eleves.precision" = \'au_moins\'').fetchone() == (350,)
    finally:
        connection.close()


def test_a_csv_export_is_a_folder_of_its_own_replaced_whole(capsys, registry: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Never mixed into a folder eee did not make (a user's own clee.csv is not replaced), a previous export replaced
    whole (with --type, only the kinds asked for)."""
    from .conftest import cli

    mine = tmp_path / "mes-fichiers"
    mine.mkdir()
    (mine / "clee.csv").write_text("mes notes\n", encoding="utf-8")
    code, _, err = cli(capsys, "-r", str(registry), "export", "csv", "-o", str(mine))
    assert code == 3 and "n'a pas été produit par eee" in err
    assert sorted(p.name for p in mine.iterdir()) == ["clee.csv"] and (mine / "clee.csv").read_text() == "mes notes\n"
    out = tmp_path / "export"
    assert cli(capsys, "-r", str(registry), "export", "csv", "-o", str(out))[0] == 0
    assert "action.csv" in {p.name for p in out.iterdir()}
    assert cli(capsys, "-r", str(registry), "export", "csv", "--type", "clee", "-o", str(out))[0] == 0
    assert sorted(p.name for p in out.iterdir()) == [".eee-sortie", "clee.csv", "relations.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "mes-fichiers", "registry"]


@pytest.mark.parametrize("args, to_stdout", [
    (["export", "json"], True), (["report", "--format", "markdown"], True), (["report", "--format", "html"], True),
    (["export", "csv"], False), (["export", "sqlite"], False), (["export", "xlsx"], False), (["build"], False),
    (["render", "html"], False),
])
def test_out_dash_is_the_standard_output_never_a_file_named_dash(capsys, registry: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                 monkeypatch: pytest.MonkeyPatch, args: list[str],
                                                                 to_stdout: bool) -> None:
    from .conftest import cli

    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "-r", str(registry), *args, "--out", "-")
    if to_stdout:
        assert code == 0 and out.lstrip().startswith(("{", "#", "<!DOCTYPE", "<!doctype")), out[:80]
    else:
        assert code == 2 and "--out - :" in err and "ne s'écrit pas sur la sortie standard" in err
    assert not (tmp_path / "-").exists()


def test_no_internal_contact_s_name_is_anywhere_in_the_shipped_registry_s_public_export() -> None:
    """Not in the contacts (removed), nor in any other text of a public export, a source's note for instance: the
    name of each person the shipped registry keeps as an internal contact."""
    from eee.validate import load


    model, _ = load(REPO / "registry", check_schemas=False)
    internal = {str(c["nom"]) for e in model for c in e.items("contacts")
                if isinstance(c, dict) and c.get("visibilite") != "publique" and c.get("nom")}
    assert internal  # the mission's contact, at least
    text = json.dumps(export.export_json(model, internal=False), ensure_ascii=False)
    assert not [name for name in internal if name in text]
