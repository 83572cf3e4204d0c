"""The workbook of `eee export xlsx`, read back with openpyxl, and the CSV preset `eee export csv --excel`."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from eee import workbook
from eee.errors import EeeError, UsageError
from eee.validate import load

from .conftest import cli
from .test_export import CONTACTS, EXTRA, PUBLIC_MAIL, SECRETS, formula_values, write_formulas

GAP_NOTE = "NOTE-A-COMPLETER-ZQX81"  # an officer's note in a_completer: internal
SIRET = "73282932000017"  # starts with exemple-aero's SIREN, valid checksum
TODAY = date(2024, 3, 1)


@pytest.fixture
def loaded(registry: Path):
    """The test registry with internal contacts, notes and a gap's note, and a SIRET for a partner."""
    clee = registry / "clee" / "clee-ariege.yaml"
    text = clee.read_text(encoding="utf-8")
    text = text[:text.index("contacts:")] + CONTACTS + text[text.index("sources:"):] + EXTRA
    clee.write_text(text + f"a_completer:\n  - champ: date_creation\n    note: {GAP_NOTE}\n", encoding="utf-8")
    partner = registry / "partenaires" / "exemple-aero.yaml"
    partner.write_text(partner.read_text(encoding="utf-8") + f'siret: "{SIRET}"\n', encoding="utf-8")
    model, report = load(registry)
    assert not report.errors, [p.message for p in report.errors]
    return model


def sheet_rows(path: Path, title: str) -> list[dict[str, Any]]:
    """A sheet's rows as {header: cell}, the cells themselves (value, data_type, number_format)."""
    ws = load_workbook(path)[title]
    rows = list(ws.iter_rows())
    headers = [c.value for c in rows[0]]
    return [dict(zip(headers, row)) for row in rows[1:]]


def by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["Identifiant"].value: row for row in rows}


def every_text(path: Path) -> Iterator[str]:
    for ws in load_workbook(path).worksheets:
        for row in ws.iter_rows(values_only=True):
            yield from (str(v) for v in row if v is not None)


@pytest.fixture
def public(loaded, tmp_path: Path) -> Path:
    path = tmp_path / "out" / "registre.xlsx"
    workbook.export_xlsx(loaded, path, today=TODAY)
    return path


def test_sheets_and_about(loaded, public: Path) -> None:
    book = load_workbook(public)
    assert book.sheetnames == ["À propos", "Réseau", "Club", "CLEE", "CMQ", "PFT", "Partenariats", "Partenaires",
                               "Établissements", "Actions", "Événements", "Relations"]
    about = {row[0]: row[1] for row in book["À propos"].iter_rows(values_only=True) if row[0]}
    assert about["Produit le"] == datetime(2024, 3, 1)
    assert about["Diffusion"].startswith("Version publique")
    assert "non suivi par git" in about["Registre"]
    assert about["Actions"] == "1 action" and about["CLEE"] == "2 CLEE"
    assert "jamais 0" in about["Bénéficiaires"]


def test_about_names_the_commit(loaded, registry: Path, tmp_path: Path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=registry,
                              check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "registre")
    commit = git("rev-parse", "HEAD")
    assert workbook.registry_version(registry).startswith(f"commit {commit} du ")
    assert "modifications" not in workbook.registry_version(registry)
    (registry / "clee" / "clee-ales.yaml").write_text("id: clee-ales\n", encoding="utf-8")
    assert "modifications pas encore enregistrées" in workbook.registry_version(registry)
    workbook.export_xlsx(loaded, tmp_path / "r.xlsx")
    about = {r[0]: r[1] for r in load_workbook(tmp_path / "r.xlsx")["À propos"].iter_rows(values_only=True) if r[0]}
    assert commit in about["Registre"]


def test_french_headers_labels_and_relations_by_name(public: Path) -> None:
    actions = sheet_rows(public, "Actions")
    headers = list(actions[0])
    assert headers[:3] == ["Identifiant", "Nom", "Statut"]
    assert {"Type d'action", "Date de début", "Organisateurs", "Organisateurs (identifiants)", "Élèves",
            "Élèves : précision", "Public – Niveaux"} <= set(headers)
    assert not [h for h in headers if "_" in h or "." in h], headers  # no field name of the YAML
    row = actions[0]
    assert row["Statut"].value == "Réalisée" and row["Type d'action"].value == "Visite d'entreprise"
    assert row["Organisateurs"].value == "CLEE de l'Ariège"
    assert row["Organisateurs (identifiants)"].value == "clee-ariege"
    assert row["Public – Niveaux"].value == "Troisième"
    relations = sheet_rows(public, "Relations")
    assert {(r["Source"].value, r["Champ"].value, r["Cible"].value, r["Cible (identifiant)"].value)
            for r in relations} >= {("CLEE de l'Ariège", "Membres – Partenaires membres", "Exemple Bois",
                                     "exemple-bois")}


def test_numbers_are_numbers_and_unknown_is_empty(loaded, registry: Path, tmp_path: Path) -> None:
    second = registry / "actions" / "2022-2023" / "visites-sans-nombre.yaml"
    text = (registry / "actions" / "2022-2023" / "visites-exemple.yaml").read_text(encoding="utf-8")
    text = text.replace("id: visites-exemple", "id: visites-sans-nombre")
    second.write_text(text[:text.index("beneficiaires:")] + text[text.index("sources:"):], encoding="utf-8")
    third = registry / "actions" / "2022-2023" / "visites-au-moins.yaml"
    third.write_text(text.replace("id: visites-sans-nombre", "id: visites-au-moins").replace(
        "    nombre: 25", "    nombre: 40\n    precision: au_moins\n  - categorie: enseignants\n    nombre: 3"),
        encoding="utf-8")
    model, report = load(registry)
    assert not report.errors, [p.message for p in report.errors]
    workbook.export_xlsx(model, tmp_path / "r.xlsx")
    rows = by_id(sheet_rows(tmp_path / "r.xlsx", "Actions"))
    exact, unknown, minimum = rows["visites-exemple"], rows["visites-sans-nombre"], rows["visites-au-moins"]
    assert exact["Élèves"].value == 25 and exact["Élèves"].data_type == "n"
    assert exact["Élèves : précision"].value == "exactement"
    assert exact["Enseignants"].value is None and exact["Enseignants : précision"].value is None
    assert minimum["Élèves"].value == 40 and minimum["Élèves : précision"].value == "au moins"
    assert minimum["Enseignants"].value == 3
    # Nothing known is an empty cell, never 0.
    assert unknown["Élèves"].value is None and unknown["Élèves : précision"].value is None
    assert minimum["Bénéficiaires"].value == "Élèves : au moins 40\nEnseignants : 3"


def test_codes_are_text_and_dates_are_dates(public: Path) -> None:
    schools = by_id(sheet_rows(public, "Établissements"))
    school = schools["0090056m"]
    for header, expected in (("Département", "09"), ("Code UAI", "0090056M")):
        assert school[header].value == expected and school[header].data_type == "s"
        assert school[header].number_format == "@"
    partner = by_id(sheet_rows(public, "Partenaires"))["exemple-aero"]
    assert partner["SIRET"].value == SIRET and partner["SIRET"].data_type == "s"
    assert partner["SIRET"].number_format == "@"
    assert partner["SIREN"].value == "732829320" and partner["SIREN"].number_format == "@"
    clee = by_id(sheet_rows(public, "CLEE"))["clee-ariege"]
    assert clee["Départements"].value == "09" and clee["Départements"].number_format == "@"
    action = sheet_rows(public, "Actions")[0]
    assert action["Date de début"].value == datetime(2023, 3, 1) and action["Date de début"].is_date
    assert action["Date de début"].number_format == "DD/MM/YYYY"
    assert action["Mis à jour le"].value == datetime(2024, 1, 15)


def test_no_json_in_any_cell(public: Path) -> None:
    texts = list(every_text(public))
    assert len(texts) > 100
    assert not [t for t in texts if "[{" in t or '{"' in t or t.startswith("[")]
    clee = by_id(sheet_rows(public, "CLEE"))["clee-ariege"]
    assert clee["Sources"].value.startswith("Titre : ")
    assert "Courriel : " + PUBLIC_MAIL in clee["Contacts"].value


def test_frozen_header_filters_and_widths(public: Path) -> None:
    book = load_workbook(public)
    for title in book.sheetnames[1:]:
        ws = book[title]
        assert ws.freeze_panes in ("B2", "C2"), title
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}", title
        widths = [ws.column_dimensions[ws.cell(1, c).column_letter].width for c in range(1, ws.max_column + 1)]
        assert all(8 <= w <= 60 for w in widths), (title, widths)
        assert all(ws.cell(1, c).font.bold for c in range(1, ws.max_column + 1))


def test_public_by_default_internal_on_demand(loaded, public: Path, tmp_path: Path) -> None:
    text = "\n".join(every_text(public))
    for secret in SECRETS + (GAP_NOTE,):
        assert secret not in text, secret
    assert PUBLIC_MAIL in text
    headers = {h for ws in load_workbook(public).worksheets for h in next(ws.iter_rows(values_only=True))}
    assert "Notes internes" not in headers
    internal = tmp_path / "interne.xlsx"
    workbook.export_xlsx(loaded, internal, internal=True)
    text = "\n".join(every_text(internal))
    for secret in SECRETS + (GAP_NOTE, PUBLIC_MAIL):
        assert secret in text, secret
    about = {r[0]: r[1] for r in load_workbook(internal)["À propos"].iter_rows(values_only=True) if r[0]}
    assert about["Diffusion"].startswith("VERSION INTERNE")


def test_formula_looking_text_stays_text(registry: Path, tmp_path: Path) -> None:
    write_formulas(registry)
    model, _ = load(registry, check_schemas=False)
    path = tmp_path / "r.xlsx"
    workbook.export_xlsx(model, path, kinds=["partenaire", "clee"])
    rows = by_id(sheet_rows(path, "Partenaires"))
    for name, values in formula_values().items():
        cell = rows[name]["Nom"]
        assert cell.value == values["nom"] and cell.data_type == "s", name  # exactly the text, no apostrophe
        assert cell.quotePrefix
    clee = by_id(sheet_rows(path, "CLEE"))["clee-ariege"]
    assert clee["Membres – Partenaires membres (identifiants)"].value == "exemple-bois; =1+1"
    # No formula anywhere in the file: no <f> element in any sheet.
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", archive.read(name)), name


def test_file_mode_follows_the_umask(loaded, tmp_path: Path) -> None:
    for mask, mode in ((0o022, 0o644), (0o027, 0o640)):
        previous = os.umask(mask)
        try:
            path = tmp_path / f"r{mask:o}.xlsx"
            workbook.export_xlsx(loaded, path)
        finally:
            os.umask(previous)
        assert stat.S_IMODE(path.stat().st_mode) == mode


def test_written_whole_or_not_at_all(loaded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "r.xlsx"
    path.write_bytes(b"ancien")
    import openpyxl.workbook.workbook as module

    def broken(self: Any, filename: Any) -> None:
        Path(filename).write_bytes(b"moiti")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(module.Workbook, "save", broken)
    with pytest.raises(EeeError) as caught:
        workbook.export_xlsx(loaded, path)
    assert "le disque est plein" in caught.value.message
    assert path.read_bytes() == b"ancien" and [p.name for p in path.parent.iterdir()] == ["r.xlsx"]


def test_refuses_a_bad_name_or_a_link_out(loaded, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        workbook.export_xlsx(loaded, tmp_path / "registre.csv")
    outside = tmp_path / "ailleurs"
    outside.mkdir()
    (tmp_path / "ici").mkdir()
    (tmp_path / "ici" / "r.xlsx").symlink_to(outside / "r.xlsx")
    with pytest.raises(EeeError, match="sortirait du dossier"):
        workbook.export_xlsx(loaded, tmp_path / "ici" / "r.xlsx")
    assert not (outside / "r.xlsx").exists()


def test_cli(capsys: pytest.CaptureFixture[str], loaded, registry: Path, tmp_path: Path) -> None:
    path = tmp_path / "classeur.xlsx"
    code, out, _ = cli(capsys, "-r", str(registry), "export", "xlsx", "--out", str(path), "--kind", "etablissement")
    assert code == 0 and "Classeur public écrit" in out
    assert load_workbook(path).sheetnames == ["À propos", "Établissements", "Relations"]
    code, _, err = cli(capsys, "-r", str(registry), "export", "xlsx", "--out", str(tmp_path / "x.ods"))
    assert code == 2 and ".xlsx" in err
    code, _, err = cli(capsys, "-r", str(registry), "export", "xlsx", "--excel")
    assert code == 2 and "--excel ne vaut que pour l'export csv" in err


def test_cli_without_openpyxl(capsys: pytest.CaptureFixture[str], loaded, registry: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "openpyxl", None)  # import openpyxl raises ImportError
    code, _, err = cli(capsys, "-r", str(registry), "export", "xlsx")
    assert code == 3 and "openpyxl" in err and "pip install" in err and "Traceback" not in err


def test_csv_excel_preset(capsys: pytest.CaptureFixture[str], loaded, registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    code, text, _ = cli(capsys, "-r", str(registry), "export", "csv", "--excel", "--out", str(out))
    assert code == 0 and "pour Excel" in text
    raw = (out / "etablissement.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")
    header = raw.decode("utf-8-sig").split("\r\n")[0]
    assert header.startswith("id;nom;statut;")
    body = raw.decode("utf-8-sig")
    assert '"=""09"""' in body  # the département: Excel reads the text 09
    partners = (out / "partenaire.csv").read_text(encoding="utf-8-sig")
    assert f'"=""{SIRET}"""' in partners
    assert ";;" in partners and "=" not in partners.replace(f'"=""{SIRET}"""', "").replace('"=""732829320"""', "") \
        .replace('"=""31"""', "")
    # Without --excel, the same codes are written as they are.
    cli(capsys, "-r", str(registry), "export", "csv", "--out", str(tmp_path / "plain"))
    assert '"=""' not in (tmp_path / "plain" / "etablissement.csv").read_text(encoding="utf-8")


def test_excel_code() -> None:
    from eee.export import excel_code

    assert excel_code("09", "09") == '="09"'
    assert excel_code(SIRET, SIRET) == f'="{SIRET}"'
    assert excel_code(9, "9") == "9"  # a number of the data stays a number
    for text in ("0090056M", "2A004", "09|31", "", "'=x", "2022-2023"):
        assert excel_code(text, text) == text


def test_a_text_longer_than_a_cell_is_cut_and_says_so(registry: Path, tmp_path: Path) -> None:
    partner = registry / "partenaires" / "exemple-bois.yaml"
    partner.write_text(partner.read_text(encoding="utf-8") + f"description: {'mot ' * 10000}fin\n", encoding="utf-8")
    model, report = load(registry)
    assert not report.errors, [p.message for p in report.errors]
    workbook.export_xlsx(model, tmp_path / "r.xlsx", kinds=["partenaire"])
    text = by_id(sheet_rows(tmp_path / "r.xlsx", "Partenaires"))["exemple-bois"]["Description"].value
    assert len(text) == 32767 and text.startswith("mot mot") and text.endswith("(texte coupé : voir le registre)")
