"""eee fmt: canonical form of registry files, keeping comments and what eee reads."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from eee.discovery import discover
from eee.fmt import FormatError, format_registry, format_text
from eee.kinds import KINDS
from eee.loader import SourceDoc, read_text
from eee.schema import SchemaSet
from eee.settings import schemas_dir, shipped_registry

from .conftest import REPO

CORPUS = Path(__file__).resolve().parent / "data" / "fmt"
SCHEMAS = SchemaSet(schemas_dir())
SHIPPED = [(rel, kind) for rel, kind in discover(REPO / "registry").files]
CASES = sorted(p.name[: -len(".yaml")] for p in CORPUS.glob("*.yaml") if not p.name.endswith(".attendu.yaml"))


def _without_schema_errors(text: str) -> str:
    """The corpus CLEE with its two schema errors removed (an unknown key, a key unknown in « designation »):
    `eee fmt` leaves a file with a schema error as it is."""
    return text.replace("cle_inconnue: gardée à la fin\n", "").replace("  note: *fonction\n", "")


MESSY = _without_schema_errors((CORPUS / "clee-desordre.yaml").read_text(encoding="utf-8"))
MESSY_FORMATTED = _without_schema_errors((CORPUS / "clee-desordre.attendu.yaml").read_text(encoding="utf-8"))


def data_of(text: str):
    doc = read_text(SourceDoc("x.yaml", None), text.lstrip("\ufeff"))
    assert doc.ok, doc.problems
    return doc.data


def comments(text: str) -> Counter[str]:
    """Full-line comments, and end-of-line comments (after the last quote of the line, if any)."""
    found: Counter[str] = Counter()
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
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


def test_cr_only_line_ends_become_lf(registry: Path):
    """Old Mac files (CR alone): eee validate reads them; eee fmt gives LF, reordering as with LF."""
    text = (CORPUS / "clee-desordre.yaml").read_text(encoding="utf-8")
    expected = (CORPUS / "clee-desordre.attendu.yaml").read_text(encoding="utf-8")
    old_mac = text.replace("\n", "\r")
    assert data_of(old_mac) == data_of(text)
    assert check_round_trip(old_mac, KINDS["clee"]) == expected
    assert check_round_trip("\ufeff" + old_mac, KINDS["clee"]) == expected
    mixed = text.replace("\n", "\r", 5).replace("\n", "\r\n", 5)
    assert check_round_trip(mixed, KINDS["clee"]) == expected

    path = registry / "clee" / "clee-ariege.yaml"
    path.write_bytes(MESSY.replace("\n", "\r").encode("utf-8"))
    assert format_registry(registry, ["clee/clee-ariege.yaml"], check=False).changed == ["clee/clee-ariege.yaml"]
    assert path.read_bytes() == MESSY_FORMATTED.encode("utf-8")


@pytest.mark.parametrize("line_break", ["\x85", "\u2028", "\u2029"])
def test_line_breaks_editors_do_not_show_are_never_formatted(line_break: str):
    """libyaml also breaks lines at NEL, LS and PS, which git and editors do not show: the loader refuses them
    (EEE-Y015), so fmt never rewrites such a text (the line-based steps crashed on them: libyaml's line numbers
    went past the text's lines)."""
    text = f"nom: Exemple\nsecteurs:{line_break}  - bois{line_break}  - aeronautique\nid: exemple\n"
    with pytest.raises(FormatError):
        format_text(text, KINDS["partenaire"], SCHEMAS)


def test_a_text_whose_key_is_a_table_has_no_line_tree():
    """ruamel.yaml and libyaml may disagree on a text (`? id<NEL>: x` was one key for libyaml, a table used as a
    key once rewritten by ruamel.yaml): the line-based steps then leave it alone instead of crashing
    (an AttributeError, « erreur interne »)."""
    from eee.fmtorder import tree

    assert tree("? {id: x}\n: y\n") is None
    assert tree("? [a, b]\n: y\n") is None
    assert tree("id: x\n") is not None


def test_unreadable_text_raises():
    with pytest.raises(FormatError):
        format_text("id: x\nid: y\n", KINDS["clee"], SCHEMAS)
    with pytest.raises(FormatError):
        format_text("nom: [a\n", KINDS["clee"], SCHEMAS)


def test_format_registry_writes_only_what_changes(registry: Path):
    messy = registry / "clee" / "clee-ariege.yaml"
    messy.write_text(MESSY, encoding="utf-8")
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
    assert messy.read_text(encoding="utf-8") == MESSY_FORMATTED
    for rel in done.unchanged:
        assert (registry / rel).stat().st_mtime_ns == stamps[registry / rel]  # not rewritten
    assert broken.read_bytes() == before[broken]

    again = format_registry(registry, None, check=True)
    assert again.changed == [] and len(again.skipped) == 1  # idempotent


def test_format_registry_paths(registry: Path):
    (registry / "clee" / "clee-ariege.yaml").write_text(MESSY, encoding="utf-8")
    from eee.settings import registry_paths

    only = format_registry(registry, registry_paths(registry, [registry / "clee"]), check=True)
    assert all(rel.startswith("clee/") for rel in only.changed + only.unchanged)
    assert only.changed == ["clee/clee-ariege.yaml"]
    # Relative to the registry (the working directory has no such file).
    one = format_registry(registry, registry_paths(registry, [Path("clee/clee-ales.yaml")]), check=True)
    assert one.changed + one.unchanged == ["clee/clee-ales.yaml"]


# ----------------------------------------------------------------------------- cache and cores
# ruamel.yaml takes some 40 ms a file: a national registry would take a quarter of an hour on one core. Whether a
# text is in canonical form is remembered (by kind and bytes): it is formatted again only to be written. The rest
# goes over the cores.


@pytest.fixture
def formatted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts `format_registry` formats (in this process)."""
    import eee.fmt

    seen: list[str] = []
    real = eee.fmt.format_text

    def spy(text, kind, schemas):  # type: ignore[no-untyped-def]
        seen.append(text)
        return real(text, kind, schemas)

    monkeypatch.setattr(eee.fmt, "format_text", spy)
    return seen


def _outcome(result):  # type: ignore[no-untyped-def]
    return result.changed, result.unchanged, result.skipped


def test_texts_in_form_are_not_formatted_again(registry: Path, formatted: list[str]) -> None:
    messy = registry / "clee" / "clee-ariege.yaml"
    messy.write_text(MESSY, encoding="utf-8")
    first = format_registry(registry, None, check=True)
    files = len(discover(registry).files)
    assert len(formatted) == files
    formatted.clear()
    second = format_registry(registry, None, check=True)
    assert _outcome(second) == _outcome(first)
    assert formatted == []  # the texts in form and the one that is not are both known
    formatted.clear()
    assert _outcome(format_registry(registry, None, check=True, use_cache=False)) == _outcome(first)
    assert len(formatted) == files  # without the cache, everything

    formatted.clear()
    format_registry(registry, None, check=False)  # writes the canonical text: it is remembered too
    assert format_registry(registry, None, check=True).changed == []
    assert formatted == [MESSY]

    # A text changed since is formatted again, even with the same size and at the same path.
    ales = registry / "clee" / "clee-ales.yaml"
    ales.write_text(ales.read_text(encoding="utf-8").replace("statut: actif\n", "statut:   actif\n"), encoding="utf-8")
    assert format_registry(registry, None, check=True).changed == ["clee/clee-ales.yaml"]


def test_formatting_keeps_the_validation_cache(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fmt notes its texts beside eee validate's results without making them look stale."""
    from eee import filecheck
    from eee.validate import run

    monkeypatch.setattr(filecheck, "SETTLED_NS", -10**12)  # the files, seconds old, are trusted by their stat
    run(registry)
    format_registry(registry, None, check=True)
    read: list[str] = []
    real = filecheck.read_bytes
    monkeypatch.setattr(filecheck, "read_bytes", lambda root, rel: read.append(rel) or real(root, rel))
    assert not run(registry).errors
    assert read == []  # validate's results and stat signatures are all still there


def test_formatting_over_several_processes_gives_the_same_result(registry: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import eee.fmt

    (registry / "clee" / "clee-ariege.yaml").write_text(MESSY, encoding="utf-8")
    (registry / "partenaires" / "exemple-bois.yaml").write_text("id: exemple-bois\nnom: [Exemple\n", encoding="utf-8")
    # a schema error: left as it is, with why, by a worker process as by the main one
    (registry / "clee" / "clee-ales.yaml").write_text(
        (CORPUS / "clee-desordre.yaml").read_text(encoding="utf-8").replace("clee-ariege", "clee-ales"),
        encoding="utf-8")
    alone = format_registry(registry, None, check=True, jobs=1, use_cache=False)
    monkeypatch.setattr(eee.fmt, "FMT_PARALLEL_FROM", 1)
    monkeypatch.setattr(eee.fmt, "FMT_BATCH", 2)
    spread = format_registry(registry, None, check=True, jobs=2, use_cache=False)
    assert _outcome(spread) == _outcome(alone)
    assert [rel for rel, _ in alone.skipped] == ["clee/clee-ales.yaml", "partenaires/exemple-bois.yaml"]
    assert alone.skipped[0][1].startswith("ligne 37 : clé « note » inconnue dans « designation » (EEE-S001) (et 1 autre)")
    done = format_registry(registry, None, check=False, jobs=2, use_cache=False)
    assert done.changed == ["clee/clee-ariege.yaml"]
    assert (registry / "clee" / "clee-ariege.yaml").read_text(encoding="utf-8") == MESSY_FORMATTED


def test_a_comment_on_a_document_marker_is_never_lost():
    text = "--- # note\nid: x\nnom: a\n... # fin\n"
    assert format_text(text, KINDS["partenaire"], SCHEMAS) == text  # no safe step: the text stays as it is


def test_blank_lines_above_a_moved_key_settle_in_one_run():
    once = format_text("nom: a\n\n\n\n\nid: x\n", KINDS["partenaire"], SCHEMAS)
    assert once == "id: x\nnom: a\n" and format_text(once, KINDS["partenaire"], SCHEMAS) == once


def test_ruamel_notes_never_reach_the_user():
    """ruamel.yaml warns (in English, on stderr) about a reused anchor name: silenced. The tests turn warnings
    into errors, which made the round trip fail here; users saw the English note."""
    from eee.fmtquote import round_trip

    text = "id: x\nnom: &n a\nsites:\n  - {commune: &n b}\n"
    assert round_trip(text, KINDS["partenaire"], SCHEMAS, quote=True) is not None


def test_a_misspelt_key_stays_on_the_line_the_officer_typed(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """pre-commit runs eee-validate, then eee-fmt: a file with a schema error is left as it is (with why), so that
    the next eee validate points to the line the officer typed, not to a key moved to the end of the file."""
    import shutil

    from .conftest import cli

    root = Path(shutil.copytree(REPO / "registry", tmp_path / "registry"))
    rel = "actions/2022-2023/parcours-decouverte-medef-uimm-2022-2023.yaml"
    typed = (root / rel).read_text(encoding="utf-8").replace("\nbeneficiaires:", "\nbenefiaires:")
    (root / rel).write_text(typed, encoding="utf-8")
    line = typed.split("\n").index("benefiaires:") + 1
    assert line < len(typed.split("\n")) - 10  # in the middle of the file: formatting would move it to the end

    def errors() -> list[str]:
        code, out, _ = cli(capsys, "-r", str(root), "validate", "--format", "parsable")
        assert code == 1
        return [row for row in out.splitlines() if "[erreur]" in row]

    assert errors() == [f"registry/{rel}:{line}:1: [erreur] clé « benefiaires » inconnue (EEE-S001)"]
    for options in (["--check"], [], [f"registry/{rel}"]):
        code, out, err = cli(capsys, "-r", str(root), "fmt", *options)
        assert code == 1 and "1 ignoré(s)" in out and "0 fichier(s)" in out, options
        assert f"registry/{rel} ignoré : ligne {line} : clé « benefiaires » inconnue" in err
        assert "vouliez-vous dire « beneficiaires » ?" in err and "corrigez-la d'abord" in err
        assert (root / rel).read_text(encoding="utf-8") == typed
    assert errors() == [f"registry/{rel}:{line}:1: [erreur] clé « benefiaires » inconnue (EEE-S001)"]
    # Fixed, the file is formatted again like any other.
    (root / rel).write_text(typed.replace("\nbenefiaires:", "\nbeneficiaires:").replace("statut: en_cours\n", "")
                            + "statut: en_cours\n", encoding="utf-8")
    code, out, err = cli(capsys, "-r", str(root), "fmt")
    assert (code, err) == (0, "") and "1 fichier(s) reformaté(s)" in out
    assert (root / rel).read_text(encoding="utf-8").split("\n")[3] == "statut: en_cours"


def test_format_registry_leaves_a_text_with_a_schema_error_as_it_is(registry: Path):
    path = registry / "clee" / "clee-ales.yaml"
    text = path.read_text(encoding="utf-8")
    wrong = text.replace("statut: actif\n", "") + "statut: 12\n"  # out of order, and of the wrong type
    path.write_text(wrong, encoding="utf-8")
    result = format_registry(registry, None, check=False, use_cache=False)
    assert [rel for rel, _ in result.skipped] == ["clee/clee-ales.yaml"] and "clee/clee-ales.yaml" not in result.changed
    assert "« statut »" in result.skipped[0][1] and "EEE-S00" in result.skipped[0][1]
    assert path.read_text(encoding="utf-8") == wrong
    path.write_text(wrong.replace("statut: 12\n", "statut: actif\n"), encoding="utf-8")
    assert "clee/clee-ales.yaml" in format_registry(registry, None, check=False, use_cache=False).changed
    # An error that formatting leaves on its line does not keep the file from being formatted.
    formatted = path.read_text(encoding="utf-8")
    indented = "sources:\n    - titre: Données de test\n"  # 4 spaces: 2 once formatted, on the same lines
    path.write_text(formatted.replace("statut: actif\n", "statut: 12\n").replace(
        "sources:\n  - titre: Données de test\n", indented), encoding="utf-8")
    assert indented in path.read_text(encoding="utf-8")
    result = format_registry(registry, None, check=False, use_cache=False)
    assert result.changed == ["clee/clee-ales.yaml"] and result.skipped == []
    assert path.read_text(encoding="utf-8") == formatted.replace("statut: actif\n", "statut: 12\n")
