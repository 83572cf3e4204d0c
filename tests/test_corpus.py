"""The corpus: mini registries with the exact problems they must produce.

Each case is a folder tests/cases/{valid,invalid}/<name>/ holding:
- registry/: files laid over the test registry tests/cases/base/ (or the whole
  registry if the case has a file STANDALONE);
- delete.txt (optional): paths of the base to remove, one per line;
- pad.txt (optional): « path size » lines: that file of registry/ is padded
  with comment lines to exactly `size` bytes when the case is built (a file
  too big to commit, for EEE-Y013);
- expected.txt: one problem per line, « CODE chemin:ligne:colonne », every
  error and warning the case produces (lines starting with # are comments).
A valid case may expect warnings, never errors. To add a regression test,
drop a folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eee.validate import run

from .conftest import TESTS, copy_base

CASES = TESTS / "cases"


def _cases(kind: str) -> list[Path]:
    return sorted(p for p in (CASES / kind).iterdir() if p.is_dir())


def _build(case: Path, dest: Path) -> Path:
    if (case / "STANDALONE").exists():
        dest.mkdir()
    else:
        copy_base(dest)
    delete = case / "delete.txt"
    if delete.exists():
        for line in delete.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                (dest / line.strip()).unlink()
    overlay = case / "registry"
    if overlay.exists():
        shutil.copytree(overlay, dest, dirs_exist_ok=True, symlinks=True)
    pad = case / "pad.txt"
    if pad.exists():
        for line in pad.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                rel, size = line.split()
                _pad(dest / rel, int(size))
    return dest


PAD_LINE = b"# " + b"-" * 77 + b"\n"  # 80 bytes


def _pad(path: Path, size: int) -> None:
    """Append comment lines to a YAML file until it is exactly `size` bytes long (the last line may be cut)."""
    data = path.read_bytes()
    assert len(data) <= size, f"{path} already has more than {size} bytes"
    missing = size - len(data)
    path.write_bytes(data + (PAD_LINE * (missing // len(PAD_LINE) + 1))[:missing])


def _expected(case: Path) -> set[str]:
    path = case / "expected.txt"
    if not path.exists():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {" ".join(line.split()) for line in lines if line.strip() and not line.startswith("#")}


def _found(root: Path) -> tuple[set[str], bool]:
    report = run(root)
    found = {f"{p.code} {p.path}:{p.line}:{p.column}" for p in report.problems}
    return found, bool(report.errors)


@pytest.mark.parametrize("case", _cases("valid"), ids=lambda p: p.name)
def test_valid_case(case: Path, tmp_path: Path) -> None:
    found, has_errors = _found(_build(case, tmp_path / "registry"))
    assert not has_errors, found
    assert found == _expected(case)


@pytest.mark.parametrize("case", _cases("invalid"), ids=lambda p: p.name)
def test_invalid_case(case: Path, tmp_path: Path) -> None:
    expected = _expected(case)
    assert expected, f"{case.name}: expected.txt is missing or empty"
    found, has_errors = _found(_build(case, tmp_path / "registry"))
    assert has_errors
    assert found == expected


def test_corpus_size() -> None:
    assert len(_cases("valid")) >= 10
    assert len(_cases("invalid")) >= 40


def test_base_is_clean(registry: Path) -> None:
    report = run(registry)
    assert report.problems == []


def test_corpus_covers_every_code() -> None:
    from eee.codes import catalogue

    expected = " ".join((case / "expected.txt").read_text(encoding="utf-8") for case in _cases("invalid"))
    # Import codes (EEE-I…) come from `eee import annuaire`, never from `eee validate`: tests/test_codes.py runs them.
    missing = [code for code, doc in catalogue().items() if doc.layer != "import" and code not in expected]
    assert not missing, missing
