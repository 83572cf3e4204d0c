"""A registry's git repository never makes eee start a program its configuration names (eee/gitsafe.py).

The repository is the test registry with a .git folder as it could come in an archive: core.fsmonitor, a filter
(clean, process, required) declared in .git/config and another in a file it includes, and log.showSignature with a
gpg.program over a signed last commit. Each names a script that leaves a mark; `eee export xlsx` (the workbook's
« À propos » reads the registry's version with git log and git status) and `eee diff` (git diff against the working
tree) must leave none, and still work.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from eee import gitsafe, workbook

from .conftest import cli, copy_base

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                          input=data, capture_output=True, check=True)
    return done.stdout.decode().strip()


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    """(the registry inside a repository whose configuration names programs, the file each would write)."""
    repo = tmp_path / "depot"
    root = copy_base(repo / "registry")
    mark = tmp_path / "lance"
    script = tmp_path / "programme.sh"
    script.write_text(f"#!/bin/sh\necho \"$0 $*\" >> '{mark}'\ncat\n", encoding="utf-8")
    script.chmod(0o755)
    (repo / ".gitattributes").write_text("* filter=piege\n*.yaml filter=inclus.piege\n", encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "registre")
    # The last commit signed (its signature is never checked: only gpg.program would read it).
    tree = _git(repo, "rev-parse", "HEAD^{tree}")
    parent = _git(repo, "rev-parse", "HEAD")
    commit = (f"tree {tree}\nparent {parent}\nauthor t <t@example.org> 1700000000 +0000\n"
              "committer t <t@example.org> 1700000000 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n AAAA\n"
              " -----END PGP SIGNATURE-----\n\nsigné\n")
    signed = _git(repo, "hash-object", "-t", "commit", "-w", "--stdin", data=commit.encode())
    _git(repo, "update-ref", "HEAD", signed)
    (repo / "inclus.cfg").write_text(f'[filter "inclus.piege"]\n\tclean = {script}\n\trequired = true\n',
                                     encoding="utf-8")
    for key, value in (("core.fsmonitor", str(script)), ("filter.piege.clean", str(script)),
                       ("filter.piege.process", str(script)), ("filter.piege.required", "true"),
                       ("log.showSignature", "true"), ("gpg.program", str(script)), ("include.path", "../inclus.cfg")):
        _git(repo, "config", key, value)
    for path in root.rglob("*.yaml"):  # as unpacked from an archive: git must look at each file again
        os.utime(path, (1_800_000_000, 1_800_000_000))
    return root, mark


def test_the_configuration_is_hostile_indeed(hostile: tuple[Path, Path]) -> None:
    """Without eee's settings, plain git status and git log run the programs (else the tests below prove nothing)."""
    root, mark = hostile
    subprocess.run(["git", "-C", str(root), "status", "--porcelain"], capture_output=True, check=False)
    subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%cs"], capture_output=True, check=False)
    assert mark.exists()


def test_the_workbook_reads_the_version_and_runs_nothing(hostile: tuple[Path, Path]) -> None:
    root, mark = hostile
    version = workbook.registry_version(root)
    assert version.startswith("commit ") and " du 14/11/2023" in version and "modifications" not in version, version
    with (root / "reseau.yaml").open("a", encoding="utf-8") as file:
        file.write("# modifié\n")
    assert "avec des modifications pas encore enregistrées" in workbook.registry_version(root)  # git status ran
    assert not mark.exists(), mark.read_text()


def test_eee_diff_runs_nothing(capsys: pytest.CaptureFixture[str], hostile: tuple[Path, Path]) -> None:
    root, mark = hostile
    (root / "clee" / "clee-ales.yaml").unlink()
    code, out, err = cli(capsys, "-r", str(root), "diff")
    assert code == 0 and "clee-ales" in out, err
    assert not mark.exists(), mark.read_text()


def test_export_xlsx_runs_nothing(capsys: pytest.CaptureFixture[str], hostile: tuple[Path, Path],
                                  tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    root, mark = hostile
    code, out, err = cli(capsys, "-r", str(root), "export", "xlsx", "--out", str(tmp_path / "r.xlsx"))
    assert code == 0, err
    assert not mark.exists(), mark.read_text()


def test_a_filter_git_cannot_be_told_to_leave_alone(capsys: pytest.CaptureFixture[str],
                                                    hostile: tuple[Path, Path]) -> None:
    """A filter named « a=b » cannot be emptied with `git -c`: eee does without git rather than run it."""
    root, mark = hostile
    _git(root.parent, "config", "filter.a=b.clean", "sh -c true")
    assert gitsafe.prefix(root) is None
    assert workbook.registry_version(root).startswith("version du registre non lue")
    code, out, err = cli(capsys, "-r", str(root), "diff")
    assert code == 3 and "eee ne lance pas git sur ce dépôt" in err
    assert not mark.exists()


def test_the_users_own_filters_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the repository's filters are emptied: the user's own (Git LFS in ~/.gitconfig) still work."""
    own = tmp_path / "gitconfig"
    own.write_text('[filter "lfs"]\n\tclean = git-lfs clean -- %f\n', encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(own))
    repo = tmp_path / "depot"
    repo.mkdir()
    _git(repo, "init", "-q")
    assert gitsafe.repository_filters(repo) == []
    _git(repo, "config", "filter.mien.clean", "cat")
    assert gitsafe.repository_filters(repo) == ["mien"]


def test_registry_version_is_read_from_a_relative_path(hostile: tuple[Path, Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = hostile
    monkeypatch.chdir(root.parent.parent)
    assert workbook.registry_version(Path("depot") / "registry").startswith("commit ")
