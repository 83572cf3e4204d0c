"""Every writer of eee stays in its place, writes whole files with the right mode, and fails in French."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from eee.errors import EeeError, UsageError
from eee.files import write_atomic

from .conftest import cli

TODAY = "2024-01-15"


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --------------------------------------------------------------------------- files.write_atomic


def test_write_atomic_refuses_a_target_outside_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "dedans"
    folder.mkdir()
    for target in (folder / ".." / "dehors.yaml", tmp_path / "dehors.yaml", Path("/tmp/eee-dehors.yaml")):
        with pytest.raises(EeeError, match="sortirait du dossier"):
            write_atomic(target, "x: 1\n", within=folder)
    (folder / "lien.yaml").symlink_to(tmp_path / "cible.yaml")
    with pytest.raises(EeeError, match="sortirait du dossier"):
        write_atomic(folder / "lien.yaml", "x: 1\n", within=folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dedans"]
    assert not Path("/tmp/eee-dehors.yaml").exists()


def test_write_atomic_writes_through_a_link_inside_its_folder_and_keeps_modes(tmp_path: Path) -> None:
    target = tmp_path / "vrai.yaml"
    target.write_text("a\n", encoding="utf-8")
    os.chmod(target, 0o640)
    (tmp_path / "lien.yaml").symlink_to("vrai.yaml")
    write_atomic(tmp_path / "lien.yaml", "b\n", within=tmp_path)
    assert (tmp_path / "lien.yaml").is_symlink() and target.read_text(encoding="utf-8") == "b\n"
    assert _mode(target) == 0o640
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "nouveau.yaml", "c\n")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "nouveau.yaml") == 0o640  # 0666 less the umask, not mkstemp's 0600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lien.yaml", "nouveau.yaml", "vrai.yaml"]


def test_write_atomic_says_in_french_what_failed_and_keeps_the_old_file(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bilan.md"
    path.write_text("ancien\n", encoding="utf-8")

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(EeeError, match="le disque est plein") as info:
        write_atomic(path, "nouveau\n")
    assert str(path) in info.value.message and "No space" not in info.value.message
    assert path.read_text(encoding="utf-8") == "ancien\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bilan.md"]  # no temporary file left


# --------------------------------------------------------------------------- new and rename


@pytest.mark.parametrize("entity_id", ["abc\n", "../evil", "a/b", "/tmp/evil", "..", "", "Abc", "abc\r"])
def test_new_refuses_an_id_that_is_not_a_slug(registry: Path, tmp_path: Path, entity_id: str) -> None:
    from eee.new import create

    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(UsageError, match="invalide"):
        create(registry, "partenaire", entity_id, {"nom": "X", "statut": "actif", "type": "entreprise"}, TODAY)
    assert sorted(tmp_path.rglob("*")) == before


def test_new_refuses_a_school_year_that_is_not_one(registry: Path, tmp_path: Path) -> None:
    from eee.new import create

    before = sorted(tmp_path.rglob("*"))
    for year in ("../../evil", "2022-2023\n", "2022-2023/x"):
        with pytest.raises(UsageError):
            create(registry, "action", "action-x", {"nom": "X", "statut": "prevue", "type": "visite_entreprise",
                                                    "annee_scolaire": year}, TODAY)
    assert sorted(tmp_path.rglob("*")) == before


def test_cli_new_with_a_newline_in_the_id(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    code, out, err = cli(capsys, "-r", str(registry), "new", "partenaire", "abc\n", "--set", "nom=X",
                         "--set", "statut=actif", "--set", "type=entreprise", "--no-input")
    assert code == 2 and "invalide" in err
    assert not list(registry.glob("partenaires/abc*"))


@pytest.mark.parametrize("new_id", ["abc\n", "../evil", "a/b"])
def test_rename_refuses_an_id_that_is_not_a_slug(capsys: pytest.CaptureFixture[str], registry: Path,
                                                 new_id: str) -> None:
    code, out, err = cli(capsys, "-r", str(registry), "rename", "exemple-aero", new_id)
    assert code == 2 and "n'est pas un identifiant valide" in err
    assert (registry / "partenaires/exemple-aero.yaml").exists()


def test_rename_keeps_modes_and_links(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    citing = [p for p in registry.rglob("*.yaml") if "exemple-aero" in p.read_text(encoding="utf-8")
              and p.name != "exemple-aero.yaml"]
    assert citing
    os.chmod(citing[0], 0o664)
    code, out, err = cli(capsys, "-r", str(registry), "rename", "exemple-aero", "exemple-aeronautique")
    assert code == 0, err
    assert _mode(citing[0]) == 0o664 and "exemple-aeronautique" in citing[0].read_text(encoding="utf-8")


# --------------------------------------------------------------------------- fmt


def test_fmt_writes_through_a_link_and_keeps_the_mode(capsys: pytest.CaptureFixture[str], registry: Path,
                                                      tmp_path: Path) -> None:
    real = registry / "partenaires/exemple-bois.yaml"
    text = real.read_text(encoding="utf-8")
    # Out of canonical order: mis_a_jour first.
    lines = text.splitlines(keepends=True)
    moved = [line for line in lines if line.startswith("mis_a_jour:")]
    real.write_text("".join(moved + [line for line in lines if line not in moved]), encoding="utf-8")
    os.chmod(real, 0o644)
    stash = registry / "partenaires" / "_originaux"
    stash.mkdir()
    os.replace(real, stash / "exemple-bois.yaml")
    real.symlink_to(Path("_originaux") / "exemple-bois.yaml")
    code, out, err = cli(capsys, "-r", str(registry), "fmt", "--no-cache")
    assert code == 0, err
    assert real.is_symlink() and (stash / "exemple-bois.yaml").read_text(encoding="utf-8") == text
    assert _mode(stash / "exemple-bois.yaml") == 0o644


def test_fmt_never_reads_a_named_pipe(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    os.mkfifo(registry / "partenaires/tube.yaml")
    code, out, err = cli(capsys, "-r", str(registry), "fmt", "--check", "--no-cache")
    assert code == 1 and "tube.yaml ignoré" in err and "fichier ordinaire" in err


# --------------------------------------------------------------------------- exports, bilan, site


def test_exports_and_bilan_follow_the_umask(capsys: pytest.CaptureFixture[str], registry: Path,
                                            tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert cli(capsys, "-r", str(registry), "export", "json", "--out", str(tmp_path / "r.json"))[0] == 0
        assert cli(capsys, "-r", str(registry), "export", "sqlite", "--out", str(tmp_path / "r.sqlite"))[0] == 0
        assert cli(capsys, "-r", str(registry), "export", "csv", "--out", str(tmp_path / "csv"))[0] == 0
        assert cli(capsys, "-r", str(registry), "report", "--out", str(tmp_path / "bilan.md"))[0] == 0
    finally:
        os.umask(old)
    for path in [tmp_path / "r.json", tmp_path / "r.sqlite", tmp_path / "bilan.md", *(tmp_path / "csv").iterdir()]:
        assert _mode(path) == 0o644, path
    os.chmod(tmp_path / "bilan.md", 0o600)
    assert cli(capsys, "-r", str(registry), "report", "--out", str(tmp_path / "bilan.md"))[0] == 0
    assert _mode(tmp_path / "bilan.md") == 0o600  # an existing file keeps its mode


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("args", [
    ("report", "--out", "reseau.yaml"),
    ("report", "--format", "html", "--out", "clee/clee-ales.yaml"),
    ("report", "--format", "pdf", "--out", "bilan.pdf"),
    ("export", "json", "--out", "reseau.yaml"),
    ("export", "sqlite", "--out", "partenaires/exemple-bois.yaml"),
    ("export", "xlsx", "--out", "registre.xlsx"),
    ("export", "csv", "--out", "partenaires"),
    ("export", "csv", "--out", "."),
], ids=" ".join)
def test_no_bilan_or_export_is_written_into_the_registry(capsys: pytest.CaptureFixture[str], registry: Path,
                                                          args: tuple[str, ...]) -> None:
    """`--out registre/reseau.yaml` would put a bilan or an export in place of a file of the registry (and a file
    beside them would mix with them): refused before anything is made, the registry as it was."""
    if "pdf" in args:
        from eee.render.pdf import unavailable

        if unavailable():
            pytest.skip(unavailable())
    before = _files(registry)
    *head, target = args
    code, out, err = cli(capsys, "-r", str(registry), *head, str(registry / target))
    assert code == 3 and "est dans le dossier du registre" in err and "choisissez un chemin hors du registre" in err
    assert _files(registry) == before


@pytest.mark.parametrize("args", [("report", "--out", "bilan.md"), ("report", "--format", "html", "--out", "b.html"),
                                  ("export", "json", "--out", "r.json"), ("export", "sqlite", "--out", "r.sqlite")],
                         ids=" ".join)
def test_a_bilan_or_an_export_never_follows_a_link_out_of_its_folder(capsys: pytest.CaptureFixture[str],
                                                                      registry: Path, tmp_path: Path,
                                                                      args: tuple[str, ...]) -> None:
    """A link planted where the bilan goes (`bilan.md -> ~/.profile`) is not a way to overwrite another file, as for
    the workbook (eee export xlsx)."""
    *head, name = args
    (tmp_path / "ici").mkdir()
    victim = tmp_path / "ailleurs.txt"
    victim.write_text("à garder\n", encoding="utf-8")
    (tmp_path / "ici" / name).symlink_to(victim)
    code, out, err = cli(capsys, "-r", str(registry), *head, str(tmp_path / "ici" / name))
    assert code == 3 and "sortirait du dossier" in err
    assert victim.read_text(encoding="utf-8") == "à garder\n"


def test_export_sqlite_to_a_folder_is_refused_in_french(capsys: pytest.CaptureFixture[str], registry: Path,
                                                        tmp_path: Path) -> None:
    code, out, err = cli(capsys, "-r", str(registry), "export", "sqlite", "--out", str(tmp_path))
    assert code == 3 and "est un dossier" in err and "erreur interne" not in err


def test_a_read_only_output_folder_is_refused_in_french(capsys: pytest.CaptureFixture[str], registry: Path,
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    def read_only(*args: object, **kwargs: object) -> None:  # what a read-only folder does (root writes anyway)
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    code, out, err = cli(capsys, "-r", str(registry), "build", "--out", str(tmp_path / "site"))
    assert code == 3 and f"impossible de produire « {tmp_path / 'site'} » : permission refusée" in err
    assert "erreur interne" not in err and "Permission denied" not in err


def test_a_full_disk_during_a_build_leaves_the_old_site(capsys: pytest.CaptureFixture[str], registry: Path,
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    out = tmp_path / "site"
    assert cli(capsys, "-r", str(registry), "build", "--out", str(out))[0] == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", full)  # the stylesheet is copied last: the site is nearly written
    code, _, err = cli(capsys, "-r", str(registry), "build", "--out", str(out), "--jobs", "1")
    assert code == 3 and f"impossible de produire « {out} » : le disque est plein" in err
    assert "erreur interne" not in err
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["registry", "site"]


def test_what_an_interrupted_build_left_is_removed_next_time(capsys: pytest.CaptureFixture[str], registry: Path,
                                                            tmp_path: Path) -> None:
    from eee.render import MARKER

    out = tmp_path / "site"
    for name in (".site.k3j2h1g0", ".site.ancien"):  # a staging folder and an old site, as SIGKILL leaves them
        (tmp_path / name / "clee").mkdir(parents=True)
        (tmp_path / name / MARKER).write_text("", encoding="utf-8")
    (tmp_path / ".site.a-moi").mkdir()  # not eee's: kept
    assert cli(capsys, "-r", str(registry), "build", "--out", str(out))[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.a-moi", "registry", "site"]


SWAP_INTERRUPTED = """
import os, signal, sys
from pathlib import Path
from eee.render.output import staged

out = Path(sys.argv[1])
with staged(out) as staging:
    (staging / "page.html").write_text("ancienne", encoding="utf-8")
real = Path.rename

def rename(self, target):  # Ctrl-C (or SIGTERM) the moment the old output has left its place
    result = real(self, target)
    if str(target).endswith(".ancien"):
        os.kill(os.getpid(), getattr(signal, sys.argv[2]))
    return result

Path.rename = rename
with staged(out) as staging:
    (staging / "page.html").write_text("nouvelle", encoding="utf-8")
print("fini")
"""


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_an_interruption_while_the_new_output_is_put_in_place_is_too_late(tmp_path: Path, signal_name: str) -> None:
    """Between the two renames there is no output at all: an interruption there is held off and dropped, the new
    output is put in place, the old one removed, and the command ends as it would have."""
    import subprocess
    import sys

    out = tmp_path / "site"
    run = subprocess.run([sys.executable, "-c", SWAP_INTERRUPTED, str(out), signal_name], capture_output=True,
                         text=True, timeout=60)
    assert (run.returncode, run.stdout, run.stderr) == (0, "fini\n", "")
    assert (out / "page.html").read_text(encoding="utf-8") == "nouvelle"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_build_that_stops_leaves_nothing_beside_the_site(capsys: pytest.CaptureFixture[str], registry: Path,
                                                          tmp_path: Path) -> None:
    import fcntl

    out = tmp_path / "site"
    assert cli(capsys, "-r", str(registry), "build", "--out", str(out))[0] == 0
    site = {p.relative_to(out): p.stat().st_ino for p in out.rglob("*")}
    # Refused (another build holds the lock), then stopped by an error of the registry: the folder the pages of
    # this site were being linked into meanwhile (render.linked_ahead) is gone, the site as it was.
    fd = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        assert cli(capsys, "-r", str(registry), "build", "--out", str(out))[0] == 3
    finally:
        os.close(fd)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["registry", "site"]
    (registry / "clee" / "clee-ales.yaml").write_text("id: clee-ales\nnom: [cassé\n", encoding="utf-8")
    assert cli(capsys, "-r", str(registry), "build", "--out", str(out))[0] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["registry", "site"]
    assert {p.relative_to(out): p.stat().st_ino for p in out.rglob("*")} == site


def test_a_second_build_into_the_same_place_is_refused_at_once(capsys: pytest.CaptureFixture[str], registry: Path,
                                                              tmp_path: Path) -> None:
    import fcntl

    fd = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a running build holds
    try:
        code, _, err = cli(capsys, "-r", str(registry), "build", "--out", str(tmp_path / "site"))
    finally:
        os.close(fd)
    assert code == 3 and "un autre eee est en train d'écrire" in err
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("args", [["build", "--out", "{f}/site"], ["render", "html", "--out", "{f}/site"],
                                  ["report", "--out", "{f}/bilan.md"], ["export", "csv", "-o", "{f}/export"],
                                  ["export", "json", "-o", "{f}/deux/registre.json"]])
def test_a_file_on_the_way_to_an_output_is_named_as_such(capsys: pytest.CaptureFixture[str], registry: Path,
                                                        tmp_path: Path, args: list[str]) -> None:
    """A file where a folder of the output's path should be: said so (it was « le fichier existe déjà »)."""
    blocking = tmp_path / "un-fichier"
    blocking.write_text("à moi\n", encoding="utf-8")
    code, _, err = cli(capsys, "-r", str(registry), *[a.replace("{f}", str(blocking)) for a in args])
    assert code == 3 and "un élément du chemin n'est pas un dossier" in err and "existe déjà" not in err, err
    assert blocking.read_text(encoding="utf-8") == "à moi\n"
