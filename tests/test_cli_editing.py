"""The editing workflow's commands end to end: export, schema, rename, diff."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from .conftest import cli

eee = cli


def test_export(capsys: pytest.CaptureFixture[str], registry: Path, tmp_path: Path) -> None:
    code, out, _ = eee(capsys, "-r", str(registry), "export", "json")
    assert code == 0 and json.loads(out)["public"] is True
    code, out, _ = eee(capsys, "-r", str(registry), "export", "sqlite", "--out", str(tmp_path / "r.sqlite"))
    assert code == 0
    assert sqlite3.connect(tmp_path / "r.sqlite").execute("select count(*) from clee").fetchone() == (2,)
    code, out, err = eee(capsys, "-r", str(registry), "export", "csv", "--out", str(tmp_path / "csv"), "--type", "clee")
    assert code == 0 and err == ""
    assert sorted(p.name for p in (tmp_path / "csv").glob("*.csv")) == ["clee.csv", "relations.csv"]
    code, _, err = eee(capsys, "-r", str(registry), "export", "csv", "--type", "clees-x")
    assert code == 2 and "type d'entité inconnu" in err
    code, out, err = eee(capsys, "-r", str(registry), "export", "csv", "--out", str(tmp_path / "old"), "--kind", "cmq")
    assert code == 0 and sorted(p.name for p in (tmp_path / "old").glob("*.csv")) == ["cmq.csv", "relations.csv"]
    assert err.startswith("eee : --kind est remplacé par --type")


def test_schema(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = eee(capsys, "schema", "--out", str(tmp_path))
    assert code == 0 and (tmp_path / "schemas" / "clee.schema.json").exists()
    settings = json.loads((tmp_path / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert "registry/clee/*.yaml" in settings["yaml.schemas"]["./schemas/clee.schema.json"]


def test_rename_and_diff(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=registry.parent,
                       check=True, capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "départ")
    code, out, _ = eee(capsys, "-r", str(registry), "rename", "exemple-bois", "scierie-exemple", "--dry-run")
    assert code == 0 and "-id: exemple-bois" in out and "+id: scierie-exemple" in out
    assert (registry / "partenaires" / "exemple-bois.yaml").exists()
    code, out, _ = eee(capsys, "-r", str(registry), "rename", "exemple-bois", "scierie-exemple")
    assert code == 0 and "renommé" in out
    assert (registry / "partenaires" / "scierie-exemple.yaml").exists()
    assert eee(capsys, "-r", str(registry), "validate")[0] == 0
    code, out, _ = eee(capsys, "-r", str(registry), "diff")
    assert code == 0 and "`exemple-bois` → `scierie-exemple`" in out
    data = json.loads(eee(capsys, "-r", str(registry), "diff", "--format", "json")[1])
    assert data["renommees"][0]["nouveau"] == "scierie-exemple"
    code, _, err = eee(capsys, "-r", str(registry), "rename", "inconnu", "autre")
    assert code == 2 and "inconnu" in err
    code, _, err = eee(capsys, "-r", str(registry), "diff", "a", "b", "c")
    assert code == 2


def test_new_and_fmt(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    code, out, _ = eee(capsys, "-r", str(registry), "new", "partenaire", "scierie-exemple", "--no-input",
                       "--set", "nom=Scierie Exemple", "--set", "type=entreprise", "--set", "statut=actif")
    assert code == 0 and "scierie-exemple.yaml" in out
    code, _, err = eee(capsys, "-r", str(registry), "new", "partenaire", "scierie-exemple", "--no-input",
                       "--set", "nom=X", "--set", "type=entreprise", "--set", "statut=actif")
    assert code == 2 and "scierie-exemple" in err
    code, _, err = eee(capsys, "-r", str(registry), "new", "partenaire", "autre", "--no-input", "--set", "nom")
    assert code == 2 and "CHAMP=VALEUR" in err
    path = registry / "clee" / "clee-ales.yaml"
    text = path.read_text(encoding="utf-8").replace("mis_a_jour: 2024-01-15\n", "")
    path.write_text("# en tête\nmis_a_jour: 2024-01-15\n" + text.replace("statut: actif", "statut: actif  # vérifié"),
                    encoding="utf-8")
    code, out, _ = eee(capsys, "-r", str(registry), "fmt", "--check")
    assert code == 1 and "clee/clee-ales.yaml" in out
    code, out, _ = eee(capsys, "-r", str(registry), "fmt")
    assert code == 0 and "reformaté" in out
    assert "# vérifié" in path.read_text(encoding="utf-8") and "# en tête" in path.read_text(encoding="utf-8")
    assert eee(capsys, "-r", str(registry), "fmt", "--check")[0] == 0


def test_the_shipped_registry_is_in_canonical_form(capsys: pytest.CaptureFixture[str]) -> None:
    from eee.settings import shipped_registry

    code, out, _ = eee(capsys, "-r", str(shipped_registry()), "fmt", "--check")
    assert code == 0, out
