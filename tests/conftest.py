"""Shared fixtures: a copy of the test registry in a temporary folder, and file helpers."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from eee.diagnostics import Special

# The cache of per-file results goes to a folder of this test session, never the user's own; removed at the end.
if "EEE_CACHE_DIR" not in os.environ:
    os.environ["EEE_CACHE_DIR"] = tempfile.mkdtemp(prefix="eee-test-cache-")
    atexit.register(shutil.rmtree, os.environ["EEE_CACHE_DIR"], ignore_errors=True)
# And the cache's key: a key file made in a folder of this session ($XDG_CONFIG_HOME/eee/cache-key), never in
# the user's own settings, nor the user's $EEE_CACHE_KEY.
os.environ.pop("EEE_CACHE_KEY", None)
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="eee-test-config-")
atexit.register(shutil.rmtree, os.environ["XDG_CONFIG_HOME"], ignore_errors=True)

TESTS = Path(__file__).resolve().parent
BASE = TESTS / "cases" / "base"
REPO = TESTS.parent


def write_files(root: Path, files: dict[str, str | bytes | Special | None]) -> None:
    """Apply file contents to a registry: text, bytes, a Special, or None to delete."""
    for rel, content in files.items():
        path = root / rel
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Special):
            if content.link_to:
                os.symlink(content.link_to, path)
                continue
            content = content.data + b" " * max(0, content.pad_to - len(content.data))
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def copy_base(dest: Path) -> Path:
    shutil.copytree(BASE, dest, ignore=shutil.ignore_patterns("README.md"))
    return dest


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """A fresh copy of the valid test registry (tests/cases/base)."""
    return copy_base(tmp_path / "registry")


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read $EEE_REGISTRY or the working directory's registry by accident."""
    monkeypatch.delenv("EEE_REGISTRY", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(tmp_path)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden files in tests/golden/")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare a text with tests/golden/<name>; `pytest --update-golden` rewrites it (review the diff)."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = TESTS / "golden" / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"missing golden file {name}: run pytest --update-golden"
        assert text == path.read_text(encoding="utf-8"), f"{name} differs: run pytest --update-golden and review"

    return check


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files actually read and checked (not taken from the cache), by path."""
    from eee import filecheck

    seen: list[str] = []
    original = filecheck.check_raw

    def spy(rel, kind, raw, schemas):  # type: ignore[no-untyped-def]
        seen.append(rel)
        return original(rel, kind, raw, schemas)

    monkeypatch.setattr(filecheck, "check_raw", spy)
    return seen


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose bytes the per-file part of a validation reads, by path."""
    from eee import filecheck

    seen: list[str] = []
    original = filecheck.read_bytes

    def spy(root, rel):  # type: ignore[no-untyped-def]
        seen.append(rel)
        return original(root, rel)

    monkeypatch.setattr(filecheck, "read_bytes", spy)
    return seen


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run eee's entry point in-process: (exit code, stdout, stderr)."""
    from eee.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err
