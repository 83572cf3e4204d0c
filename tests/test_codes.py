"""Every code is declared once (eee/catalogue.py), used and documented; every documented example does what it says."""

from __future__ import annotations

import ast
import contextlib
import re
import shlex
import sys
from pathlib import Path

import pytest

import eee.catalogue as catalogue_module
from eee import rules
from eee.catalogue import CODES as DECLARED
from eee.catalogue import Code
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


def _sources() -> dict[str, ast.Module]:
    """Every module of eee/ but the catalogue, parsed, by path."""
    return {path.relative_to(REPO).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted((REPO / "eee").rglob("*.py")) if path != REPO / "eee" / "catalogue.py"}


def test_each_declaration_is_named_after_its_code() -> None:
    declared = {name: value for name, value in vars(catalogue_module).items() if isinstance(value, Code)}
    assert declared, "no code declared"
    for name, code in declared.items():
        assert code.code == f"EEE-{name}" and re.fullmatch(r"EEE-[YSRI]\d{3}", code.code), name
        assert code.title and code.severity in (Severity.ERROR, Severity.WARNING), name
    assert declared == {code.code[4:]: code for code in DECLARED.values()}  # CODES: each declaration, once


def test_the_documentation_covers_the_catalogue() -> None:
    assert list(CODES) == sorted(DECLARED)
    for code, doc in CODES.items():
        assert (doc.severity, doc.title) == (DECLARED[code].severity, DECLARED[code].title), code


def test_no_code_is_written_as_a_string_outside_the_catalogue() -> None:
    # A code is used through its declaration (`Y002.problem(…)`, `R001.code`), so that an undeclared one fails
    # at import and the severity comes from the catalogue.
    found = [(path, node.lineno, node.value) for path, tree in _sources().items() for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and re.fullmatch(r"EEE-[A-Z]\d{3}", node.value)]
    assert not found, found


def test_every_declared_code_is_used() -> None:
    # Used: imported from the catalogue by a module that reports problems (codes.py only documents them all).
    used: set[str] = set()
    for path, tree in _sources().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("catalogue", "eee.catalogue") \
                    and path != "eee/codes.py":
                for alias in node.names:
                    if re.fullmatch(r"[A-Z]\d{3}", alias.name):
                        used.add(f"EEE-{alias.name}")
    assert set(DECLARED) <= used, sorted(set(DECLARED) - used)


def test_each_rule_module_has_its_own_declared_code() -> None:
    codes = sorted(module.CODE for module in rules._MODULES)
    assert codes == sorted(code for code in DECLARED if code.startswith("EEE-R"))  # one module per rule code
    for module in rules._MODULES:
        assert module.SEVERITY is DECLARED[module.CODE].severity, module.CODE


def test_every_code_has_a_french_explanation() -> None:
    for doc in CODES.values():
        assert doc.title and doc.doc and doc.example.bad, doc.code


def test_docs_page_is_up_to_date() -> None:
    committed = (REPO / "docs" / "codes.md").read_text(encoding="utf-8")
    assert committed == docs_markdown(), "regenerate: eee validate --explain tout > docs/codes.md"
