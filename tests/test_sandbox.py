"""A registry repository's own templates run in Jinja's sandbox; the « Modifier » links' address is checked.

A template of the repository (templates/ beside registry/) can show the data it is given, never reach
Python: an attempt is a French error naming the template (exit 3), and nothing of it runs. With such
templates, eee's own ones run in the sandbox too (they are included from the repository's), and write
the same bytes as outside it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eee.render import build_site, make_environment, template_dirs
from eee.render.incremental import MANIFEST
from eee.settings import data_dir
from eee.validate import load

from .conftest import cli

GENERATED = "2024-01-15"
ESCAPE = "{{ cycler.__init__.__globals__.os.system('touch %s') }}\n"  # Python reached from a template


def _repository_templates(registry: Path) -> Path:
    """The shipped templates, copied as the repository's own (templates/ beside registry/)."""
    local = registry.parent / "templates"
    shutil.copytree(data_dir("templates"), local)
    return local


def test_shipped_templates_copied_into_the_repository_write_the_same_bytes_sandboxed(registry: Path,
                                                                                    tmp_path: Path) -> None:
    model, _ = load(registry, check_schemas=False)
    build_site(model, tmp_path / "eee", generated=GENERATED, jobs=1)
    _repository_templates(registry)
    assert all(make_environment(template_dirs(registry), fmt).sandboxed for fmt in ("html", "markdown"))
    build_site(model, tmp_path / "repository", generated=GENERATED, jobs=1)
    # Every page; not the manifest of what they were made from (other template folders: another key).
    ours = {p.relative_to(tmp_path / "eee"): p.read_bytes() for p in (tmp_path / "eee").rglob("*")
            if p.is_file() and p.name != MANIFEST}
    theirs = {p.relative_to(tmp_path / "repository"): p.read_bytes()
              for p in (tmp_path / "repository").rglob("*") if p.is_file() and p.name != MANIFEST}
    assert len(ours) > 50 and ours == theirs


def test_without_repository_templates_eee_s_own_run_outside_the_sandbox(registry: Path) -> None:
    assert template_dirs(registry) == [data_dir("templates")]
    assert not make_environment(template_dirs(registry), "html").sandboxed  # the faster environment


@pytest.mark.parametrize("command", [["build", "--out", "site"], ["render", "html", "--out", "site"]])
def test_a_repository_template_cannot_reach_python(registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   command: list[str]) -> None:
    marker = tmp_path / "pwned"
    local = registry.parent / "templates" / "html"
    local.mkdir(parents=True)
    entity = (data_dir("templates") / "html" / "entity.html").read_text(encoding="utf-8")
    main = "{% block main %}\n"
    assert main in entity
    (local / "entity.html").write_text(entity.replace(main, main + ESCAPE % marker), encoding="utf-8")
    code, _, err = cli(capsys, *command, "--registry", str(registry))
    assert code == 3
    assert not marker.exists()
    assert "eee : le gabarit « entity.html » (ligne" in err and "opération interdite" in err
    assert "templates/" in err and "erreur interne" not in err
    assert not (tmp_path / "site").exists()


def test_eee_s_own_template_including_the_repository_s_runs_it_sandboxed(registry: Path, tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "pwned"
    local = registry.parent / "templates" / "markdown"
    local.mkdir(parents=True)
    macros = (data_dir("templates") / "markdown" / "_macros.md").read_text(encoding="utf-8")
    (local / "_macros.md").write_text(macros + ESCAPE % marker, encoding="utf-8")  # imported by eee's entity.md
    code, _, err = cli(capsys, "render", "markdown", "--out", "md", "--registry", str(registry))
    assert code == 3
    assert not marker.exists()
    assert "eee : le gabarit « _macros.md » (ligne" in err


# --------------------------------------------------------------------------- --edit-url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)",
    "ftp://forge.example/registre",
    "forge.example/registre",
    "https://",
    "https://forge.example/registre/-/edit/main/mon registre",
    'https://forge.example/" onmouseover="alert(1)',
    "https://forge.example/'x",
    "https://forge.example/<script>",
    "https://forge.example/registre)",  # ends a Markdown link
    "https://forge.example/\x1b[31mrouge",
    "https://forge.example/\nInjecté",
])
@pytest.mark.parametrize("command", [["build", "--out", "site"], ["render", "html", "--out", "site"]])
def test_an_edit_url_that_is_not_a_plain_web_address_is_a_usage_error(registry: Path, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str],
                                                                       command: list[str], url: str) -> None:
    code, _, err = cli(capsys, *command, "--edit-url", url, "--registry", str(registry))
    assert code == 2
    assert err.startswith("eee : --edit-url « ") and "adresse web" in err
    assert "\x1b" not in err
    assert not (tmp_path / "site").exists()


def test_eee_edit_url_is_checked_the_same_way(registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EEE_EDIT_URL", "javascript:alert(1)//")
    code, _, err = cli(capsys, "build", "--registry", str(registry))
    assert code == 2 and "$EEE_EDIT_URL « javascript:alert(1)// »" in err
    good = "https://forge.example/registre/-/edit/main/registry"
    code, _, err = cli(capsys, "build", "--edit-url", good + "/", "--registry", str(registry))  # the option first
    assert code == 0, err
    entity = next((tmp_path / "site" / "partenaires").glob("*.html"))
    assert f'href="{good}/partenaires/{entity.stem}.yaml"' in entity.read_text(encoding="utf-8")
