"""`eee import annuaire`: schools from the official Annuaire de l'éducation."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from eee.annuaire import import_schools, read
from eee.cli import main
from eee.errors import EeeError, UsageError
from eee.loader import SourceDoc, read_text
from eee.validate import run

from .conftest import TESTS

EXTRACT = TESTS / "data" / "annuaire-extrait.csv"
TODAY = "2026-11-28"


def _rows() -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(EXTRACT.read_text(encoding="utf-8-sig")), delimiter=";")
    header = next(reader)
    return header, [r for r in reader if r]


def _write(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ";", bom: bool = True) -> Path:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
    path.write_text(("\ufeff" if bom else "") + out.getvalue(), encoding="utf-8")
    return path


def _data(path: Path) -> dict:
    doc = read_text(SourceDoc("x.yaml", None), path.read_text(encoding="utf-8"))
    assert doc.problems == []
    return doc.data


def test_import_creates_valid_files(registry: Path) -> None:
    result = import_schools(EXTRACT, registry, ["0340011c", "0341065Y", "0090037S"], [], [], today=TODAY)
    assert result.created == ["etablissements/0340011c.yaml", "etablissements/0341065y.yaml",
                              "etablissements/0090037s.yaml"]
    assert result.problems == [] and result.exit_code == 0
    lycee = _data(registry / "etablissements/0340011c.yaml")
    assert lycee == {
        "id": "0340011c", "nom": "Lycée polyvalent Jean Moulin", "statut": "ouvert", "uai": "0340011C",
        "uai_secondaires": ["0340013E"], "nature": "lycee_polyvalent", "secteur": "public", "commune": "Béziers",
        "code_commune": "34032", "code_postal": "34521", "departement": "34", "academie": "montpellier",
        "bassin": {"code": "11071", "nom": "BEZIERS"}, "siret": "19340011600011",
        "site_web": lycee["site_web"],
        "sources": [{"titre": "Ministère de l'Éducation nationale – Annuaire de l'éducation, Licence Ouverte 2.0",
                     "url": "https://data.education.gouv.fr/explore/dataset/fr-en-annuaire-education/",
                     "date": "2024-11-26"}],
        "mis_a_jour": TODAY,
    }
    assert _data(registry / "etablissements/0341065y.yaml")["education_prioritaire"] == "REP+"
    assert _data(registry / "etablissements/0090037s.yaml")["secteur"] == "prive"
    report = run(registry)
    assert not report.errors, report.sorted()
    assert not [p for p in report.problems if p.code.startswith(("EEE-Y", "EEE-S"))]


def test_reimport_is_idempotent_and_respects_hand_edits(registry: Path) -> None:
    import_schools(EXTRACT, registry, ["0340011C", "0300950V"], [], [], today=TODAY)
    again = import_schools(EXTRACT, registry, ["0340011C", "0300950V"], [], [], today="2027-01-01")
    assert again.unchanged == ["etablissements/0340011c.yaml", "etablissements/0300950v.yaml"]
    edited = registry / "etablissements/0340011c.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Lycée polyvalent Jean Moulin", "LPO Jean Moulin"),
                      encoding="utf-8")
    kept = import_schools(EXTRACT, registry, ["0340011C"], [], [], today=TODAY)
    assert kept.skipped == ["etablissements/0340011c.yaml"]
    assert "LPO Jean Moulin" in edited.read_text(encoding="utf-8")
    forced = import_schools(EXTRACT, registry, ["0340011C"], [], [], force=True, today=TODAY)
    assert forced.updated == ["etablissements/0340011c.yaml"]
    assert "LPO Jean Moulin" not in edited.read_text(encoding="utf-8")


def test_a_file_written_by_hand_is_never_replaced_without_force(registry: Path) -> None:
    hand = registry / "etablissements/0300002p.yaml"
    before = hand.read_text(encoding="utf-8")
    result = import_schools(EXTRACT, registry, ["0300002P"], [], [], today=TODAY)
    assert result.skipped == ["etablissements/0300002p.yaml"] and hand.read_text(encoding="utf-8") == before


def test_dry_run_writes_nothing(registry: Path) -> None:
    result = import_schools(EXTRACT, registry, ["0110007Y"], [], [], dry_run=True, today=TODAY)
    assert result.created == ["etablissements/0110007y.yaml"]
    assert not (registry / "etablissements/0110007y.yaml").exists()


def test_columns_are_found_by_name_whatever_the_export(registry: Path, tmp_path: Path) -> None:
    header, rows = _rows()
    # Newer exports: no Nombre_d_eleves, dates as 26/11/2024, another order, commas, no BOM.
    drop = header.index("Nombre_d_eleves")
    header2 = [h for i, h in enumerate(header) if i != drop][::-1]
    rows2 = [[v for i, v in enumerate(r) if i != drop][::-1] for r in rows]
    date_col = header2.index("date_maj_ligne")
    for r in rows2:
        r[date_col] = "26/11/2024"
    variant = _write(tmp_path / "national.csv", header2, rows2, delimiter=",", bom=False)
    result = import_schools(variant, registry, ["0340011C"], [], [], today=TODAY)
    assert result.created == ["etablissements/0340011c.yaml"]
    data = _data(registry / "etablissements/0340011c.yaml")
    assert data["sources"][0]["date"] == "2024-11-26" and data["uai_secondaires"] == ["0340013E"]


def test_bad_siret_is_a_warning_and_a_gap(registry: Path) -> None:
    result = import_schools(EXTRACT, registry, ["0301702M"], [], [], today=TODAY)
    assert [(p.code, p.severity.value) for p in result.problems] == [("EEE-I002", "avertissement")]
    assert result.exit_code == 0
    data = _data(registry / "etablissements/0301702m.yaml")
    assert "siret" not in data and data["a_completer"][0]["champ"] == "siret"
    assert data["nature"] == "medico_social"


def test_spreadsheet_mangled_siret_is_refused(registry: Path, tmp_path: Path) -> None:
    header, rows = _rows()
    col = header.index("SIREN_SIRET")
    row = next(r for r in rows if r[0] == "0110007Y")
    row[col] = "1,91100072E+13"
    mangled = _write(tmp_path / "tableur.csv", header, rows)
    result = import_schools(mangled, registry, ["0110007Y", "0300950V"], [], [], today=TODAY)
    assert result.exit_code == 1
    assert [p.code for p in result.problems] == ["EEE-I001"] and "tableur" in result.problems[0].message
    assert result.created == ["etablissements/0300950v.yaml"]


def test_filters(registry: Path) -> None:
    result = import_schools(EXTRACT, registry, [], ["09"], ["college"], today=TODAY)
    assert result.created == ["etablissements/0090037s.yaml"]
    assert result.skipped == ["etablissements/0090056m.yaml"]  # the test registry's own file
    with pytest.raises(UsageError):
        import_schools(EXTRACT, registry, [], [], [], today=TODAY)
    with pytest.raises(UsageError):
        import_schools(EXTRACT, registry, [], [], ["lycée"], today=TODAY)
    # A département by its name or without its zero, as `eee list --departement` takes it; a mistyped one is refused
    # with a guess (it imported nothing, silently).
    assert import_schools(EXTRACT, registry, [], ["Ariège"], ["college"], dry_run=True, today=TODAY).skipped == \
        ["etablissements/0090056m.yaml"]
    # A type by its name with its accent, as the help says it (« collège »); a typo gets a guess.
    accented = import_schools(EXTRACT, registry, [], ["09"], ["collège"], dry_run=True, today=TODAY)
    plain = import_schools(EXTRACT, registry, [], ["09"], ["college"], dry_run=True, today=TODAY)
    assert (accented.created, accented.unchanged, accented.skipped) == (plain.created, plain.unchanged, plain.skipped)
    assert plain.unchanged == ["etablissements/0090037s.yaml"]  # (imported above)
    with pytest.raises(UsageError) as caught:
        import_schools(EXTRACT, registry, [], ["09"], ["colege"], today=TODAY)
    assert "vouliez-vous dire « college » ?" in caught.value.hint
    for typo, guess in (("90", "« 09 »"), ("abc", "")):
        with pytest.raises(UsageError) as caught:
            import_schools(EXTRACT, registry, [], [typo], [], today=TODAY)
        assert "--departement" in caught.value.message and guess in caught.value.hint


def test_unknown_uai_suggests_the_close_one(registry: Path) -> None:
    result = import_schools(EXTRACT, registry, ["0340011D"], [], [], today=TODAY)
    assert result.exit_code == 1 and "0340011C" in result.problems[0].hint


def test_not_an_annuaire_file(tmp_path: Path) -> None:
    (tmp_path / "autre.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(EeeError, match="colonne"):
        read(tmp_path / "autre.csv")
    (tmp_path / "latin1.csv").write_bytes("Identifiant;Nom\n1;Ari\xe8ge\n".encode("latin-1"))
    with pytest.raises(EeeError, match="UTF-8"):
        read(tmp_path / "latin1.csv")


def test_cli(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["-r", str(registry), "import", "annuaire", str(EXTRACT), "--uai", "0110007Y", "--uai", "0301702M"])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 0
    assert "créé      " in out and "0110007y.yaml" in out
    assert out.strip().endswith("Import terminé : 2 créé(s), 0 mis à jour, 0 inchangé(s), 0 ignoré(s).")
    assert "[avertissement] SIRET « 77593285899999 »" in err


# --------------------------------------------------------------------------- hostile or broken files


def _with_uai(tmp_path: Path, uai: str) -> Path:
    """The extract with the Ariège college 0090037S given another identifier (and its département kept)."""
    header, rows = _rows()
    row = next(r for r in rows if r[0] == "0090037S")
    row[0] = uai
    return _write(tmp_path / "hostile.csv", header, rows)


@pytest.mark.parametrize("uai", ["../../../evil", "", "x/y", "/tmp/evil-absolute", "0090037S/..",
                                 "..", "0090037"])
@pytest.mark.parametrize("force", [False, True])
def test_a_row_whose_identifier_is_no_uai_is_refused_before_anything_is_written(
        registry: Path, tmp_path: Path, uai: str, force: bool) -> None:
    csv_path = _with_uai(tmp_path, uai)
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    result = import_schools(csv_path, registry, [], ["09"], [], force=force, today=TODAY)
    after = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert result.exit_code == 1
    refused = [p for p in result.problems if p.code == "EEE-I001"]
    assert len(refused) == 1 and refused[0].line > 1 and "n'est pas un UAI" in refused[0].message
    assert refused[0].path == "hostile.csv"
    # Only the other Ariège school of the extract may be touched, inside etablissements/.
    assert set(after) - set(before) <= {"registry/etablissements/0090056m.yaml"}
    assert not Path("/tmp/evil-absolute.yaml").exists()


def test_cli_names_the_refused_row(capsys: pytest.CaptureFixture[str], registry: Path, tmp_path: Path) -> None:
    csv_path = _with_uai(tmp_path, "../../../evil")
    with pytest.raises(SystemExit) as exit_info:
        main(["-r", str(registry), "import", "annuaire", str(csv_path), "--departement", "09"])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 1
    assert "hostile.csv:" in err and "« ../../../evil » n'est pas un UAI" in err and "(EEE-I001)" in err
    assert "erreur interne" not in err and not (tmp_path.parent / "evil.yaml").exists()


def _broken(tmp_path: Path, mutate: Callable[[str], str], name: str = "abime.csv") -> Path:
    text = EXTRACT.read_text(encoding="utf-8-sig")
    path = tmp_path / name
    path.write_text(mutate(text), encoding="utf-8")
    return path


@pytest.mark.parametrize("mutate, expected", [
    (lambda t: t.replace("Lycée polyvalent Jean Moulin", "Lycée\x00Jean Moulin"), "caractère nul"),
    (lambda t: t.replace("Lycée polyvalent Jean Moulin", "L" * 200_000), "128 Ko"),
    (lambda t: t.replace(";Lycée polyvalent Jean Moulin;", ';"Lycée polyvalent Jean Moulin;'), "jamais refermés"),
])
def test_a_file_the_csv_reader_cannot_read_to_its_end_imports_nothing(
        registry: Path, tmp_path: Path, mutate: Callable[[str], str], expected: str) -> None:
    path = _broken(tmp_path, mutate)
    result = import_schools(path, registry, [], ["09", "34"], [], today=TODAY)
    assert result.exit_code == 1 and result.created == [] and result.updated == []
    assert [p.code for p in result.problems] == ["EEE-I001"]
    assert expected in result.problems[0].message and "rien n'est importé" in result.problems[0].message
    # Located where the message says the unreadable part begins (it gave the line where the reader stopped).
    assert f"à la ligne {result.problems[0].line}" in result.problems[0].message \
        or f"à partir de la ligne {result.problems[0].line} " in result.problems[0].message


def test_a_carriage_return_inside_a_field_shifts_nothing(registry: Path, tmp_path: Path) -> None:
    # A CR inside a quoted field is part of the field; a row cut in two by a bare line break has too few
    # fields, and is refused by its line instead of being imported with its columns shifted.
    path = _broken(tmp_path, lambda t: t.replace("Lycée polyvalent Jean Moulin", '"Lycée\rpolyvalent"', 1)
                   .replace(";Béziers;", ";Bé\nziers;", 1))
    result = import_schools(path, registry, [], ["34"], [], today=TODAY)
    assert result.exit_code == 1
    assert any("champs au lieu de" in p.message for p in result.problems)
    imported = registry / "etablissements/0340011c.yaml"
    assert not imported.exists() or "\r" not in imported.read_text(encoding="utf-8")


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    import os

    with pytest.raises(EeeError, match="fichier ordinaire"):
        read(Path("/dev/zero"))
    os.mkfifo(tmp_path / "tube.csv")
    with pytest.raises(EeeError, match="fichier ordinaire"):
        read(tmp_path / "tube.csv")
    with pytest.raises(EeeError, match="fichier ordinaire"):
        read(tmp_path)


def test_an_existing_special_file_is_never_read_nor_replaced_without_force(registry: Path) -> None:
    import os
    import stat

    os.mkfifo(registry / "etablissements/0110007y.yaml")
    result = import_schools(EXTRACT, registry, ["0110007Y"], [], [], today=TODAY)
    assert result.skipped == ["etablissements/0110007y.yaml"]
    assert stat.S_ISFIFO(os.lstat(registry / "etablissements/0110007y.yaml").st_mode)
