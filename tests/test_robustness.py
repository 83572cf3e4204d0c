"""Nothing hangs, nothing is taken for what it is not, and ordinary failures are said in French."""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest

from eee.errors import RegistryNotFound
from eee.settings import resolve_registry
from eee.validate import run

from .conftest import cli


@pytest.fixture
def deadline() -> object:
    """Fail instead of hanging: a test that would block forever (a named pipe) ends in 20 seconds."""
    def expired(*args: object) -> None:
        raise TimeoutError("blocked")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


# --------------------------------------------------------------------------- choosing the registry


def test_an_empty_registry_option_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "--registry", "", "list", "clee")
    assert code == 3 and "--registry est vide" in err and out == ""


def test_a_folder_that_is_no_registry_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = cli(capsys, "--registry", "/", "validate")
    assert code == 3 and "ne ressemble pas à un registre" in err
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(RegistryNotFound, match="ne ressemble pas"):
        resolve_registry(str(tmp_path))
    (tmp_path / "partenaires").mkdir()
    assert resolve_registry(str(tmp_path)) == tmp_path  # a registry being started: one folder of entities
    empty = tmp_path / "vide"
    empty.mkdir()
    assert resolve_registry(str(empty)) == empty  # an empty folder: nothing to walk


def test_an_unreadable_registry_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_scandir = os.scandir

    def denied(path: object) -> object:
        if Path(str(path)) == tmp_path:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", denied)
    with pytest.raises(RegistryNotFound, match="ne peut pas être lu : permission refusée"):
        resolve_registry(str(tmp_path))


def test_an_unreadable_subfolder_is_reported(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_scandir = os.scandir

    def denied(path: object) -> object:
        if Path(str(path)).name == "cmq":
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", denied)
    problems = [p for p in run(registry).problems if p.path == "cmq/"]
    assert [(p.code, p.is_error) for p in problems] == [("EEE-Y001", True)]
    assert "ne peut pas être lu (permission refusée)" in problems[0].message


# --------------------------------------------------------------------------- special files


@pytest.mark.usefixtures("deadline")
def test_a_named_pipe_in_the_registry_is_reported_not_read(capsys: pytest.CaptureFixture[str],
                                                            registry: Path) -> None:
    os.mkfifo(registry / "partenaires/tube.yaml")
    os.mkfifo(registry / "tube-cache")
    (registry / "partenaires/lien-tube.yaml").symlink_to(registry / "tube-cache")
    for args in (["validate", "--no-cache"], ["validate"], ["list", "partenaires"], ["show", "exemple-aero"],
                 ["search", "bois"]):
        code, out, err = cli(capsys, "-r", str(registry), *args)
        assert code in (0, 1) and "erreur interne" not in err, (args, err)
    code, out, err = cli(capsys, "-r", str(registry), "validate", "--format", "parsable", "--no-cache")
    lines = [line for line in out.splitlines() if "tube" in line]
    assert len(lines) == 2 and all("(EEE-Y001)" in line and "fichier ordinaire" in line for line in lines)


def test_the_size_limit_message_keeps_its_comma(registry: Path) -> None:
    (registry / "partenaires/gros.yaml").write_bytes(b"id: gros\n" + b"#" * (6 * 1024 * 1024))
    problem = next(p for p in run(registry).problems if p.code == "EEE-Y013")
    assert "octets, au-delà de la limite de 5\u202f242\u202f880 octets" in problem.message


def test_a_failure_of_the_system_no_service_expected_is_said_in_french(capsys: pytest.CaptureFixture[str],
                                                                     registry: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import eee.index

    def failing(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, "Input/output error", "/media/cle/registry/clee")

    monkeypatch.setattr(eee.index, "registry_files", failing)  # the first step of every query
    code, out, err = cli(capsys, "-r", str(registry), "list", "clee")
    assert code == 3
    assert err == "eee : opération impossible sur « /media/cle/registry/clee » : erreur d'entrée-sortie du disque.\n"


def test_an_unreadable_editor_settings_file_is_said_in_french(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode/settings.json").write_text('{"a": 1,,}', encoding="utf-8")
    code, out, err = cli(capsys, "schema", "--out", str(tmp_path))
    assert code == 3 and "JSON invalide, ligne 1 colonne" in err and "Expecting" not in err


def test_a_file_name_that_is_no_utf8_is_reported_not_read(capsys: pytest.CaptureFixture[str],
                                                           registry: Path) -> None:
    name = os.fsencode(str(registry / "partenaires")) + b"/ari\xe8ge.yaml"  # Latin-1: no UTF-8
    with open(name, "wb") as handle:
        handle.write(b"id: ariege\nnom: X\n")
    for args in (["validate"], ["validate", "--no-cache"], ["list", "partenaires"], ["fmt", "--check"]):
        code, out, err = cli(capsys, "-r", str(registry), *args)
        assert code in (0, 1) and "erreur interne" not in err, (args, err)
    code, out, err = cli(capsys, "-r", str(registry), "validate", "--format", "parsable")
    assert "partenaires/ari\ufffdge.yaml:1:1: [erreur] le nom « partenaires/ari\ufffdge.yaml » n'est pas en UTF-8" in out


def test_no_home_folder_means_no_cache_not_an_error(capsys: pytest.CaptureFixture[str], registry: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("EEE_CACHE_DIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "EEE_CACHE_KEY"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: (_ for _ in ()).throw(RuntimeError("no home"))))
    code, out, err = cli(capsys, "-r", str(registry), "validate")
    assert code == 0 and err == ""
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: Path("/")))
    code, out, err = cli(capsys, "-r", str(registry), "validate")
    assert code == 0 and err == "" and not Path("/.cache/eee").exists()


def test_a_build_stopped_by_sigterm_leaves_nothing_half_made(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    root = tmp_path / "registre"
    bench = Path(__file__).resolve().parent.parent / "benchmarks" / "generate.py"
    subprocess.run([sys.executable, str(bench), "--entities", "800", "--out", str(root), "-q"], check=True)
    run = subprocess.Popen([sys.executable, "-m", "eee", "build", "--no-cache", "--registry", str(root),
                            "--out", "site"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, encoding="utf-8", start_new_session=True)
    try:
        start = time.monotonic()
        while run.poll() is None and not list(tmp_path.glob(".site.*/clee")) and time.monotonic() - start < 60:
            time.sleep(0.01)  # until pages are being written into the staging folder
        assert run.poll() is None, "the build ended before it could be stopped"
        run.send_signal(signal.SIGTERM)
        out, err = run.communicate(timeout=60)
    finally:
        if run.returncode is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.communicate()
    assert run.returncode == 143 and err.endswith("eee : interrompu.\n"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["registre"]  # no staging folder, no site


def test_a_broken_schema_of_the_installation_is_said_in_french(tmp_path: Path) -> None:
    import shutil

    from eee.errors import SchemaFileError
    from eee.schema import SchemaSet
    from eee.settings import schemas_dir

    folder = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), folder)
    (folder / "clee.schema.json").write_text('{"type": "object",\n "x": }', encoding="utf-8")
    with pytest.raises(SchemaFileError, match=r"illisible \(JSON invalide, ligne 2 colonne 7\)"):
        SchemaSet(folder)
