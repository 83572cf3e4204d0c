"""Compiled templates kept in eee's cache folder (render.jinja.signed_bytecode_cache): reused when signed with the
cache's secret, ignored otherwise (loading compiled code runs it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eee.render.jinja import BYTECODE_FOLDER, make_environment, template_dirs

PAGE = "recherche.html"  # extends _base.html
CONTEXT: dict[str, Any] = {}


def _environment(monkeypatch: pytest.MonkeyPatch, compiled: list[str]) -> Any:
    """A fresh environment of eee's HTML templates that notes the templates it compiles."""
    env = make_environment(template_dirs(), "html")
    original = env.compile

    def compile_(source: str, name: str | None = None, filename: str | None = None, *args: Any) -> Any:
        compiled.append(name or "")
        return original(source, name, filename, *args)

    monkeypatch.setattr(env, "compile", compile_)
    return env


def _render(env: Any) -> str:
    from eee.render.context import site_context
    from eee.validate import load

    model, _ = load(Path(__file__).parent / "cases" / "base", check_schemas=False)
    site = site_context(model, generated="2024-01-15")
    return str(env.get_template(PAGE).render(site=site, root="", page=PAGE, ext="html", edit_url="", map_svg=""))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EEE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / BYTECODE_FOLDER


def test_compiled_templates_are_kept_and_reused(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    first = _render(_environment(monkeypatch, compiled))
    assert {PAGE, "_base.html"} <= set(compiled)
    assert {path.stat().st_mode & 0o777 for path in cache.iterdir()} == {0o600}
    assert cache.stat().st_mode & 0o777 == 0o700
    compiled.clear()
    assert _render(_environment(monkeypatch, compiled)) == first
    assert compiled == []
    # The same text as without the cache.
    monkeypatch.setenv("EEE_CACHE_DIR", str(cache.parent.parent / "ailleurs"))
    assert _render(_environment(monkeypatch, compiled)) == first


def test_a_file_not_signed_with_the_secret_is_ignored(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    first = _render(_environment(monkeypatch, compiled))
    files = sorted(cache.iterdir(), key=lambda path: path.stat().st_size)
    # Changed after it was signed (its last byte), or another template's file (signed for another name).
    data = files[-1].read_bytes()
    files[-1].write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    for path in files[:-1]:
        path.write_bytes(files[-1].read_bytes())
    compiled.clear()
    assert _render(_environment(monkeypatch, compiled)) == first
    assert sorted(compiled) == sorted(set(compiled)) and len(compiled) == len(files)
    # Rewritten by the compilations: signed again.
    compiled.clear()
    _render(_environment(monkeypatch, compiled))
    assert compiled == []


def test_no_secret_no_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EEE_CACHE_KEY", "trop court")  # no secret: eee goes without its caches
    env = make_environment(template_dirs(), "html")
    assert env.bytecode_cache is None
    env.get_template(PAGE)
    assert not cache.exists()


def test_forged_compiled_code_is_not_run(cache: Path) -> None:
    """Compiled code for the right template and text (Jinja's own check passes), not signed with the secret."""
    from jinja2.bccache import Bucket

    env = make_environment(template_dirs(), "html")
    source, filename, _ = env.loader.get_source(env, PAGE)
    bucket = Bucket(env, env.bytecode_cache.get_cache_key(PAGE, filename),
                    env.bytecode_cache.get_source_checksum(source))
    bucket.code = env.compile("contrefaçon", PAGE, filename)
    cache.mkdir(parents=True, exist_ok=True)
    (cache / bucket.key).write_bytes(bytes(32) + bucket.bytecode_to_string())
    text = _render(make_environment(template_dirs(), "html"))
    assert "contrefaçon" not in text and "</html>" in text


def _tree(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


def test_build_with_no_cache_reads_and_writes_nothing_in_the_cache_folder(
        registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`eee build --no-cache`: no compiled template (nor anything else) under $EEE_CACHE_DIR, and the very site
    a build with the cache writes."""
    from .conftest import cli

    folder = tmp_path / "cache"
    monkeypatch.setenv("EEE_CACHE_DIR", str(folder))
    code, _, err = cli(capsys, "build", "--no-cache", "--sans-pdf", "--out", str(tmp_path / "sans"), "-r",
                       str(registry))
    assert code == 0, err
    assert not folder.exists()
    code, _, err = cli(capsys, "build", "--sans-pdf", "--out", str(tmp_path / "avec"), "-r", str(registry))
    assert code == 0, err
    assert any((folder / BYTECODE_FOLDER).iterdir())  # the cache is used without the option
    assert _tree(tmp_path / "sans") == _tree(tmp_path / "avec")


def test_the_preview_with_no_cache_reads_and_writes_nothing_in_the_cache_folder(
        registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`eee serve --no-cache` builds through `serve.Builder(cache=False)`: the same, at each build."""
    from eee.serve import Builder

    folder = tmp_path / "cache"
    monkeypatch.setenv("EEE_CACHE_DIR", str(folder))
    assert Builder(registry, tmp_path / "site", "registry", cache=False).build() == []
    assert (tmp_path / "site" / "index.html").is_file() and not folder.exists()
    assert Builder(registry, tmp_path / "site", "registry", clean=True).build() == []
    assert any((folder / BYTECODE_FOLDER).iterdir())


def test_an_environment_without_cache_has_no_compiled_templates_kept(cache: Path) -> None:
    assert make_environment(template_dirs(), "html", cache=False).bytecode_cache is None
    assert make_environment(template_dirs(), "html").bytecode_cache is not None
