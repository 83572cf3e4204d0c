"""Every code is documented, and every documented example does what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eee.codes import catalogue, docs_markdown
from eee.validate import run

from .conftest import REPO, copy_base, write_files

CODES = catalogue()


@pytest.mark.parametrize("code", sorted(CODES))
def test_failing_example_produces_the_code(code: str, tmp_path: Path) -> None:
    root = copy_base(tmp_path / "registry")
    write_files(root, CODES[code].example.bad)
    found = [p for p in run(root).problems if p.code == code]
    assert found, f"{code}: the failing example does not produce it"
    assert all(p.severity is CODES[code].severity for p in found)


@pytest.mark.parametrize("code", sorted(CODES))
def test_passing_example_does_not(code: str, tmp_path: Path) -> None:
    root = copy_base(tmp_path / "registry")
    write_files(root, CODES[code].example.good)
    assert code not in {p.code for p in run(root).problems}


def test_every_code_in_the_source_is_documented() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "eee").rglob("*.py"))
    used = set(re.findall(r'"(EEE-[YSR]\d{3})"', source))
    assert used <= set(CODES), used - set(CODES)
    assert set(CODES) <= used


def test_every_code_has_a_french_explanation() -> None:
    for doc in CODES.values():
        assert doc.title and doc.doc and doc.example.bad, doc.code


def test_docs_page_is_up_to_date() -> None:
    committed = (REPO / "docs" / "codes.md").read_text(encoding="utf-8")
    assert committed == docs_markdown(), "regenerate: eee validate --explain tout > docs/codes.md"
