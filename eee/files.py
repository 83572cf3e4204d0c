"""Writing files safely: in their place, whole or not at all, with the right mode (standard library only).

Every file eee writes (registry files, exports, a bilan, an import) goes
through `write_atomic`: the target is resolved (a symbolic link is written
through, so that it stays a link), refused if it leaves the folder it belongs
to, written beside its place under a temporary name and moved over it in one
step. An existing file keeps its mode; a new one follows the umask, as a file
made by an editor would. A failure says in French what failed and where.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from .errors import EeeError

# What the system says, in French (strerror is English, whatever the locale of the user).
_ERRNO_FR = {
    errno.ENOSPC: "le disque est plein",
    errno.EDQUOT: "le quota d'espace disque est dépassé",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.EROFS: "le système de fichiers est en lecture seule",
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EISDIR: "c'est un dossier",
    errno.EEXIST: "le fichier existe déjà",
    errno.ENOTEMPTY: "le dossier n'est pas vide",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.ELOOP: "trop de liens symboliques (boucle ?)",
    errno.EMFILE: "trop de fichiers ouverts",
    errno.ENFILE: "trop de fichiers ouverts sur le système",
    errno.EIO: "erreur d'entrée-sortie du disque",
    errno.EBUSY: "ressource occupée",
    errno.EXDEV: "déplacement impossible d'un disque à un autre",
    errno.ETXTBSY: "fichier occupé",
    errno.EFBIG: "fichier trop gros",
    errno.ENXIO: "périphérique introuvable",
    errno.EINVAL: "argument invalide",
}


def reason(exc: OSError) -> str:
    """Why an operation on a file failed, in French."""
    if exc.errno in _ERRNO_FR:
        return _ERRNO_FR[exc.errno]
    return f"erreur système {exc.errno}" if exc.errno else "erreur système"


def unreadable(exc: Exception) -> str:
    """Why a file could not be read as UTF-8 JSON or text, in French (a system error, bad JSON, bad bytes)."""
    if isinstance(exc, OSError):
        return reason(exc)
    if isinstance(exc, UnicodeDecodeError):
        return "pas en UTF-8"
    if hasattr(exc, "lineno") and hasattr(exc, "colno"):  # json.JSONDecodeError
        return f"JSON invalide, ligne {exc.lineno} colonne {exc.colno}"
    return "contenu invalide"


def _hint(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "libérez de la place sur le disque, puis relancez"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "vérifiez vos droits sur ce dossier, ou choisissez-en un autre"
    return "vérifiez le chemin, puis relancez"


def failure(action: str, path: Path | str, exc: OSError) -> EeeError:
    """An EeeError saying what failed, where and why: « impossible d'écrire « x » : le disque est plein »."""
    why = reason(exc)
    if exc.errno == errno.EEXIST and _above(exc.filename, path):  # a folder made where a file of that name is
        why = reason(OSError(errno.ENOTDIR, "")) + f" (« {exc.filename} » est un fichier)"
    return EeeError(f"impossible {action} « {path} » : {why}", _hint(exc))


def _above(found: object, path: Path | str) -> bool:
    """Whether `found` (a path an error names) is a file, not a folder, on the way to `path`."""
    if not isinstance(found, (str, os.PathLike)) or not os.path.lexists(found) or os.path.isdir(found):
        return False
    above, below = os.path.abspath(found), os.path.abspath(path)
    return below.startswith(above.rstrip(os.sep) + os.sep)


def inside(path: Path | str, folder: Path | str) -> bool:
    """Whether `path`, links resolved, is `folder` or lies under it."""
    real, base = os.path.realpath(path), os.path.realpath(folder)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def check_inside(path: Path | str, folder: Path | str, what: str = "ce fichier") -> None:
    """Refuse a target that leaves the folder it belongs to (EeeError, exit 3)."""
    if not inside(path, folder):
        raise EeeError(f"« {path} » sortirait du dossier « {folder} » : eee n'écrit pas {what} ailleurs",
                       "vérifiez le nom demandé (pas de « .. », de « / » ni de lien vers l'extérieur)")


def check_outside(path: Path | str, registry_root: Path | str, example: str) -> None:
    """Refuse an output of eee (a bilan, an export: a file or a folder) that would be written into the registry,
    over one of its files or beside them (EeeError, exit 3): `--out registry/reseau.yaml` would destroy it. Links
    are resolved, as the writers resolve them; `example` is a path to suggest instead."""
    if inside(path, registry_root):
        raise EeeError(f"« {path} » est dans le dossier du registre « {registry_root} » : eee n'y écrit ni bilan "
                       "ni export (il remplacerait un fichier du registre, ou s'y mêlerait)",
                       f"choisissez un chemin hors du registre, par exemple --out {example}")


def new_mode(folder: bool = False) -> int:
    """The mode the system gives a new file (0666) or folder (0777), less the umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return (0o777 if folder else 0o666) & ~mask


@contextlib.contextmanager
def replacing(path: Path | str, within: Path | str | None = None) -> Iterator[Path]:
    """A temporary file beside `path`, moved over it if the block completes, removed otherwise.

    `within`: the folder the file must stay in. A symbolic link is written through (it stays a
    link, its target changes). An existing file keeps its mode; a new one gets 0666 less the
    umask. Failures of the system become French EeeErrors naming `path`; the old file is intact.
    """
    path = Path(path)
    real = Path(os.path.realpath(path))
    if within is not None:
        check_inside(real, within)
    if real.is_dir():
        raise EeeError(f"« {path} » est un dossier : impossible d'y écrire un fichier", "donnez un nom de fichier")
    try:
        mode = os.stat(real).st_mode & 0o7777
    except OSError:
        mode = new_mode()
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # only to write: not for a query's start

        fd, name = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
        os.close(fd)
    except OSError as exc:
        raise failure("d'écrire", path, exc) from None
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise failure("d'écrire", path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path | str, content: str | bytes, within: Path | str | None = None) -> None:
    """Write a file so that it is never seen half-written (see `replacing`); text is written in UTF-8, as given."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with replacing(path, within) as tmp:
        tmp.write_bytes(data)
