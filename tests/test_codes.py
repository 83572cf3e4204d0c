"""Every code is documented, and every documented example does what it says."""

from __future__ import annotations

import contextlib
import re
import shlex
import sys
from pathlib import Path

import pytest

from eee.cli import main
from eee.codes import ImportExample, catalogue, docs_markdown
from eee.diagnostics import Severity
from eee.validate import run

from .conftest import REPO, copy_base, write_files

CODES = catalogue()
# Import codes (EEE-I…) have examples of their own kind, run through `eee import annuaire`; the others, through validate.
IMPORT_CODES = sorted(code for code, doc in CODES.items() if isinstance(doc.example, ImportExample))
VALIDATE_CODES = sorted(set(CODES) - set(IMPORT_CODES))


@pytest.mark.parametrize("code", VALIDATE_CODES)
def test_failing_example_produces_the_code(code: str, tmp_path: Path) -> None:
    root = copy_base(tmp_path / "registry")
    write_files(root, CODES[code].example.bad)
    found = [p for p in run(root).problems if p.code == code]
    assert found, f"{code}: the failing example does not produce it"
    assert all(p.severity is CODES[code].severity for p in found)


@pytest.mark.parametrize("code", VALIDATE_CODES)
def test_passing_example_does_not(code: str, tmp_path: Path) -> None:
    root = copy_base(tmp_path / "registry")
    write_files(root, CODES[code].example.good)
    assert code not in {p.code for p in run(root).problems}


def _import(command: str, annuaire: str, registry: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Exit code and output (standard output and error, in the order a terminal shows them) of an import
    command run beside the test registry (./registry) and annuaire.csv."""
    assert Path.cwd() == registry.parent and registry.name == "registry"
    (registry.parent / "annuaire.csv").write_text(annuaire, encoding="utf-8")
    argv = shlex.split(command)
    assert argv[0] == "eee"
    capsys.readouterr()
    with contextlib.redirect_stderr(sys.stdout), pytest.raises(SystemExit) as exit_info:
        main(argv[1:])
    out, err = capsys.readouterr()
    assert err == ""
    return exit_info.value.code, out


@pytest.mark.parametrize("code", IMPORT_CODES)
def test_failing_import_example_produces_the_code(code: str, registry: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    doc = CODES[code]
    example = doc.example
    assert isinstance(example, ImportExample)
    exit_code, out = _import(example.command, example.bad, registry, capsys)
    assert out == example.bad_output
    assert f"[{doc.severity.value}]" in out and f"({code})" in out
    assert exit_code == (1 if doc.severity is Severity.ERROR else 0)


@pytest.mark.parametrize("code", IMPORT_CODES)
def test_passing_import_example_does_not(code: str, registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = CODES[code].example
    assert isinstance(example, ImportExample)
    exit_code, out = _import(example.command, example.good, registry, capsys)
    assert out == example.good_output
    assert code not in out and exit_code == 0


def test_import_codes_are_the_I_codes() -> None:
    assert IMPORT_CODES == sorted(code for code in CODES if code.startswith("EEE-I"))
    assert IMPORT_CODES


def test_every_code_in_the_source_is_documented() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "eee").rglob("*.py"))
    used = set(re.findall(r'"(EEE-[YSRI]\d{3})"', source))
    assert used <= set(CODES), used - set(CODES)
    assert set(CODES) <= used


def test_every_code_has_a_french_explanation() -> None:
    for doc in CODES.values():
        assert doc.title and doc.doc and doc.example.bad, doc.code


def test_docs_page_is_up_to_date() -> None:
    committed = (REPO / "docs" / "codes.md").read_text(encoding="utf-8")
    assert committed == docs_markdown(), "regenerate: eee validate --explain tout > docs/codes.md"
