"""Output folders written whole or not at all: a staging folder beside the output, put in its place at the end.

Only a folder eee wrote itself (marked by MARKER) is ever replaced; one eee at a time writes beside an output
(a lock on its folder); what an interrupted run left is removed the next time; a failure of the system (a full
disk, a read-only folder) is a French EeeError, and the previous output stays as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from ..errors import EeeError
from ..files import failure, new_mode

MARKER = ".eee-sortie"  # written in every output folder: only such folders are ever replaced


def check_output(out: Path, registry_root: Path | None = None) -> None:
    """Refuse an output folder whose replacement would destroy something eee did not write."""
    out = out.resolve()
    if registry_root is not None:
        root = registry_root.resolve()
        if out == root or root.is_relative_to(out) or out.is_relative_to(root):
            raise EeeError(f"« {out} » contient le registre ou s'y trouve : il serait écrasé",
                           "choisissez un dossier de sortie à part, par exemple --out site")
    if out.exists() and not out.is_dir():
        raise EeeError(f"« {out} » existe et n'est pas un dossier", "choisissez un autre dossier avec --out")
    try:
        foreign = out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file()
    except OSError as exc:
        raise failure("de lire", out, exc) from None
    if foreign:
        raise EeeError(f"« {out} » existe, n'est pas vide et n'a pas été produit par eee : il n'est pas remplacé",
                       "choisissez un dossier nouveau ou vide, ou supprimez celui-ci vous-même")


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def write_new(path: str | Path, data: bytes) -> os.stat_result:
    """Write `data` into a new file at `path`, and return the file's status. A file already there (a page of the
    previous site linked ahead into the staging folder: `incremental.prelink`) is replaced, never written
    through: its other names keep what they held."""
    try:
        fd = os.open(path, _NEW_FILE, 0o666)
    except FileExistsError:
        os.unlink(path)
        fd = os.open(path, _NEW_FILE, 0o666)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        return os.fstat(fd)


def new_staging(out: Path) -> Path:
    """A new staging folder beside `out` (resolved), marked as eee's: removed as a leftover if never put in place."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    (staging / MARKER).write_text("Dossier produit par eee : « eee build », « eee render » ou « eee export csv » le "
                                  "remplace en entier.\n", encoding="utf-8")
    return staging


@contextlib.contextmanager
def staged(out: Path, registry_root: Path | None = None, adopt: Path | None = None) -> Iterator[Path]:
    """A fresh folder beside `out`, put in its place only if the block completes.

    One eee at a time writes into a folder's outputs (a lock on the parent folder: a second one is
    refused at once); what an interrupted run left there (its staging folder, the old output) is
    removed first. A failure of the system (a full disk, a read-only folder) is a French EeeError;
    the previous output is then untouched. `adopt`: a staging folder made before (`new_staging`), taken as
    the fresh folder if it is still there.
    """
    check_output(out, registry_root)
    shown, out = out, out.resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with _locked(out.parent):
            _remove_leftovers(out, adopt)
            if adopt is not None and (adopt / MARKER).is_file():
                staging = adopt
            else:
                staging = new_staging(out)
            try:
                yield staging
                _swap(staging, out)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except OSError as exc:
        raise failure("de produire", shown, exc) from None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the output lock of `folder` (an advisory lock on the folder itself), or refuse at once."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise EeeError(f"un autre eee est en train d'écrire dans « {folder} » (eee build ou eee render)",
                           "attendez qu'il ait fini, puis relancez") from None
        yield
    finally:
        os.close(fd)  # releases the lock


def _remove_leftovers(out: Path, keep: Path | None = None) -> None:
    """Remove what an interrupted run left beside `out`: staging folders and the old output, each marked
    as eee's own (MARKER), never anything else; but `keep`, this run's own."""
    prefix = f".{out.name}."
    with os.scandir(out.parent) as entries:
        leftovers = [e.path for e in entries if e.name.startswith(prefix) and e.is_dir(follow_symlinks=False)
                     and os.path.isfile(os.path.join(e.path, MARKER)) and (keep is None or e.path != str(keep))]
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)


def _swap(staging: Path, out: Path) -> None:
    """Put the new output in place of the old in two renames; the old one is removed after. Not interrupted once
    begun (`_uninterrupted`): there is no output at all between the two renames."""
    os.chmod(staging, new_mode(folder=True))  # mkdtemp made it private
    if out.exists():
        if not out.is_dir():
            raise EeeError(f"« {out} » existe et n'est pas un dossier", "choisissez un autre dossier avec --out")
        old = out.with_name(f".{out.name}.ancien")
        shutil.rmtree(old, ignore_errors=True)
        with _uninterrupted():
            out.rename(old)
            staging.rename(out)
            shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out)


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """Ctrl-C and SIGTERM held off for the block, and dropped: the new output put in place and the old one removed
    are finished rather than left half-way (no output between the two renames, the old one beside the new one, and
    « interrompu » said of a run whose output is in place). The command ends as it would have a moment later. (Only
    the main thread can set signal handlers: elsewhere, as in `eee serve`'s rebuilds, the block runs as it is.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = [signal.SIGINT, signal.SIGTERM]
    previous = [signal.signal(number, signal.SIG_IGN) for number in held]
    try:
        yield
    finally:
        for number, handler in zip(held, previous):
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
