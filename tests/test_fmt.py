"""eee fmt: canonical form of registry files, keeping comments and what eee reads."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from eee.fmt import FormatError, format_registry, format_text
from eee.kinds import KINDS
from eee.loader import SourceDoc, discover, read_text
from eee.schema import SchemaSet
from eee.settings import schemas_dir, shipped_registry

from .conftest import REPO

CORPUS = Path(__file__).resolve().parent / "data" / "fmt"
SCHEMAS = SchemaSet(schemas_dir())
SHIPPED = [(rel, kind) for rel, kind in discover(REPO / "registry").files]
CASES = sorted(p.name[: -len(".yaml")] for p in CORPUS.glob("*.yaml") if not p.name.endswith(".attendu.yaml"))


def data_of(text: str):
    doc = read_text(SourceDoc("x.yaml", None), text.lstrip("\ufeff"))
    assert doc.ok, doc.problems
    return doc.data


def comments(text: str) -> Counter[str]:
    """Full-line comments, and end-of-line comments (after the last quote of the line, if any)."""
    found: Counter[str] = Counter()
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith("#"):
            found[stripped] += 1
            continue
        tail = line[max(line.rfind('"'), line.rfind("'")) + 1:]
        if " #" in tail:
            found["#" + tail.split(" #", 1)[1].rstrip()] += 1
    return found


def kind_of(case: str):
    return KINDS[case.split("-")[0]]


def check_round_trip(text: str, kind) -> str:
    once = format_text(text, kind, SCHEMAS)
    assert format_text(once, kind, SCHEMAS) == once, "formatting twice must change nothing"
    assert data_of(once) == data_of(text), "the data eee reads must not change"
    assert not comments(text) - comments(once), "a comment was lost"
    assert once.endswith("\n") and not once.endswith("\n\n")
    assert "\r" not in once and not once.startswith("\ufeff")
    return once


@pytest.mark.parametrize("rel,kind", SHIPPED, ids=[rel for rel, _ in SHIPPED])
def test_every_shipped_file_round_trips(rel, kind):
    text = (REPO / "registry" / rel).read_text(encoding="utf-8")
    once = check_round_trip(text, kind)
    assert once.startswith("# yaml-language-server: $schema=")
    assert once.splitlines()[0] == text.splitlines()[0]


def test_shipped_registry_is_the_packaged_one():
    assert (shipped_registry() / "reseau.yaml").is_file()


@pytest.mark.parametrize("case", CASES)
def test_corpus(case):
    text = (CORPUS / f"{case}.yaml").read_text(encoding="utf-8")
    expected = (CORPUS / f"{case}.attendu.yaml").read_text(encoding="utf-8")
    assert check_round_trip(text, kind_of(case)) == expected
    assert format_text(expected, kind_of(case), SCHEMAS) == expected


def test_corpus_decisions():
    clee = (CORPUS / "clee-desordre.attendu.yaml").read_text(encoding="utf-8")
    keys = [line.split(":")[0] for line in clee.splitlines() if re.match(r"^[a-z_]+:", line)]
    # schema order, sources / a_completer / mis_a_jour last, unknown keys after the known ones
    assert keys == ["id", "nom", "statut", "description", "academie", "departements", "territoire", "co_animation",
                    "designation", "membres", "sources", "mis_a_jour", "cle_inconnue"]
    assert clee.startswith("# yaml-language-server: $schema=../../schemas/clee.schema.json\n# Fiche écrite")
    assert "---" not in clee and "\n...\n" not in clee
    assert 'departements: ["09", "11"]' in clee  # flow list kept, the ambiguous 09 quoted
    assert '  - {code: "16125", nom: ARIEGE}' in clee  # flow table reordered in place
    assert '    fonction: "oui"' in clee  # oui in a text field
    assert "fonction: &fonction proviseur" in clee and "note: *fonction" in clee  # anchor and alias kept
    assert "    note: |\n      Première ligne.\n        Ligne en retrait.\n      # pas un commentaire : du texte\n" in clee
    assert "    note: >-\n      Source retrouvée\n      plus tard.\n" in clee
    assert "  - titre: Compte rendu   # liste indentée de 4\n    date: 2024-01-10\n" in clee  # 4 → 2 spaces
    assert "  etablissements:\n    # un seul établissement pour l'instant\n    - 0090015t\n" in clee
    assert "  date: '2023-09-01'" in clee  # the user's quoting is kept
    school = (CORPUS / "etablissement-guillemets.attendu.yaml").read_text(encoding="utf-8")
    for line in ('nom: "NO"', 'code_commune: "09225"', 'code_postal: "09100"', 'departement: "09"',
                 'telephone: "0561000000" # le standard', 'etiquettes: ["Oui", "18:30", "09"]',
                 "education_prioritaire: false", "uai: 0090015T",
                 "bassin: {code: 16125, nom: ARIEGE}"):  # 16125 is a number for eee: left for eee validate
        assert line in school


def test_alias_before_its_anchor_is_not_reordered():
    """Moving an alias above its anchor would break the file: that mapping keeps its order."""
    text = ("id: x\nnom: &n Nom\nstatut: actif\nmis_a_jour: 2024-01-15\n"
            "academie: toulouse\ndepartements: [09]\ndescription: *n\n")
    once = check_round_trip(text, KINDS["clee"])
    assert 'departements: ["09"]' in once
    assert once.index("nom: &n") < once.index("description: *n")


def test_crlf_and_bom_become_lf_without_bom():
    text = (CORPUS / "clee-desordre.yaml").read_text(encoding="utf-8")
    expected = (CORPUS / "clee-desordre.attendu.yaml").read_text(encoding="utf-8")
    weird = "\ufeff" + text.replace("\n", "\r\n")
    assert check_round_trip(weird, KINDS["clee"]) == expected
    canonical = (REPO / "registry" / "clee" / "clee-ariege.yaml").read_text(encoding="utf-8")
    if format_text(canonical, KINDS["clee"], SCHEMAS) == canonical:
        assert format_text("\ufeff" + canonical.replace("\n", "\r\n"), KINDS["clee"], SCHEMAS) == canonical


def test_unreadable_text_raises():
    with pytest.raises(FormatError):
        format_text("id: x\nid: y\n", KINDS["clee"], SCHEMAS)
    with pytest.raises(FormatError):
        format_text("nom: [a\n", KINDS["clee"], SCHEMAS)


def test_format_registry_writes_only_what_changes(registry: Path):
    messy = registry / "clee" / "clee-ariege.yaml"
    messy.write_text((CORPUS / "clee-desordre.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    broken = registry / "partenaires" / "exemple-bois.yaml"
    broken.write_text("id: exemple-bois\nnom: [Exemple\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in registry.rglob("*.yaml")}

    checked = format_registry(registry, None, check=True)
    assert "clee/clee-ariege.yaml" in checked.changed
    assert [path for path, _ in checked.skipped] == ["partenaires/exemple-bois.yaml"]
    assert "eee validate" in checked.skipped[0][1]
    assert {p: p.read_bytes() for p in registry.rglob("*.yaml")} == before  # --check writes nothing
    total = len(checked.changed) + len(checked.unchanged) + len(checked.skipped)
    assert total == len(discover(registry).files)

    stamps = {p: p.stat().st_mtime_ns for p in registry.rglob("*.yaml")}
    done = format_registry(registry, None, check=False)
    assert done.changed == checked.changed and done.unchanged == checked.unchanged
    assert messy.read_text(encoding="utf-8") == (CORPUS / "clee-desordre.attendu.yaml").read_text(encoding="utf-8")
    for rel in done.unchanged:
        assert (registry / rel).stat().st_mtime_ns == stamps[registry / rel]  # not rewritten
    assert broken.read_bytes() == before[broken]

    again = format_registry(registry, None, check=True)
    assert again.changed == [] and len(again.skipped) == 1  # idempotent


def test_format_registry_paths(registry: Path):
    (registry / "clee" / "clee-ariege.yaml").write_text(
        (CORPUS / "clee-desordre.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    only = format_registry(registry, [registry / "clee"], check=True)
    assert all(rel.startswith("clee/") for rel in only.changed + only.unchanged)
    assert only.changed == ["clee/clee-ariege.yaml"]
    one = format_registry(registry, [Path("clee/clee-ales.yaml")], check=True)  # relative to the registry
    assert one.changed + one.unchanged == ["clee/clee-ales.yaml"]
