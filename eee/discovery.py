"""The registry's files on disk: which files are entities of which kind, and their bytes, read safely.

`discover(root)` walks the registry's folders (nothing but the folders is read) and says which files are
entities of which kind, from the folder they are in (`kinds.KIND_BY_FOLDER`; actions and events under a
school year's folder), and what is misplaced (EEE-Y009 to EEE-Y012). `read_bytes` reads one file's bytes, or
says why it cannot (missing, unreadable, too big, not a regular file: EEE-Y001, EEE-Y013). Turning the bytes
into data is the loader's (`loader.py`).
"""

from __future__ import annotations

import operator
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalogue import Y001, Y009, Y010, Y011, Y012, Y013, Code
from .diagnostics import Problem
from .domain import SCHOOL_YEAR, number_fr
from .files import reason
from .kinds import KIND_BY_FOLDER, KINDS, NETWORK_FILE, Kind
from .suggest import closest

MAX_FILE_BYTES = 5 * 1024 * 1024


def _problem(path: str, code: Code, message: str, hint: str) -> Problem:
    return code.problem(path, 0, 0, message, hint)


@dataclass
class Discovery:
    """What `discover` found: entity files, problems, and YAML files it did not read."""

    files: list[tuple[str, Kind]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[tuple[str, Kind | None]] = field(default_factory=list)  # misplaced, linked out, .yml


def discover(root: Path) -> Discovery:
    """The registry's entity files (relative path, kind), and problems with misplaced files.

    Folders are walked top-down, each one's files before its subfolders, in name order; symbolic
    links are followed inside the registry only. Nothing but the folders is read: whether an entry
    is a folder or a link comes with the folder's listing (`os.scandir`).
    """
    found = Discovery()
    problems, files = found.problems, found.files
    real_root = os.path.realpath(root)
    seen_dirs: set[str] = set()
    folders = sorted(KIND_BY_FOLDER)

    def inside(path: str) -> bool:
        real = os.path.realpath(path)
        return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)

    def is_dir(entry: os.DirEntry[str]) -> bool:
        try:
            return entry.is_dir()
        except OSError:
            return False

    def walk(dirpath: str, parts: tuple[str, ...]) -> None:
        real = os.path.realpath(dirpath)
        if real in seen_dirs:
            return
        seen_dirs.add(real)
        prefix = "/".join(parts) + "/" if parts else ""
        try:
            with os.scandir(dirpath) as listing:
                entries = sorted(listing, key=_NAME)
        except OSError as exc:
            if parts:  # the registry itself was checked when it was chosen (settings)
                problems.append(_problem(prefix, Y001, f"le dossier « {prefix} » ne peut pas être lu "
                                         f"({reason(exc)}) : ses fichiers ne sont pas vérifiés",
                                         "vérifiez vos droits sur ce dossier"))
            return
        subfolders = []
        # The kind of the files of this folder when it is where they belong: each .yaml file that is not a
        # link is then taken as is (what `_place` would decide about it, without asking for each file).
        kind = KIND_BY_FOLDER.get(parts[0]) if parts else None
        here = kind if kind is not None and len(parts) == (2 if kind.by_year else 1) \
            and (not kind.by_year or SCHOOL_YEAR.match(parts[1])) else None
        for entry in entries:
            name = entry.name
            if here is not None and name.endswith(".yaml") and name[0] != "." and name.isascii() \
                    and not entry.is_symlink() and not is_dir(entry):  # the common case, in a few calls
                files.append((prefix + name, here))
                continue
            if not name.isascii() and not _utf8(name):  # a name the system could not decode: never read
                shown = prefix + name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                problems.append(_problem(shown, Y001, f"le nom « {shown} » n'est pas en UTF-8 : ce fichier "
                                         "ou dossier n'est pas lu", "renommez-le avec des lettres, chiffres et tirets"))
                continue
            folder = is_dir(entry)
            if here is not None and not folder and name.endswith(".yaml") and name[0] != "." \
                    and not entry.is_symlink():
                files.append((prefix + name, here))
                continue
            if folder:
                if name.startswith((".", "_")):
                    continue
                if entry.is_symlink() and not inside(entry.path):
                    rel = prefix + name
                    problems.append(_problem(rel, Y009, f"le dossier « {rel} » est un lien vers l'extérieur du registre",
                                             "placez les fichiers dans le registre lui-même au lieu d'un lien symbolique"))
                    continue
                subfolders.append(entry)
                continue
            if name.startswith("."):
                continue
            _place(prefix + name, name, parts, entry, inside, found, folders)
        for entry in subfolders:
            walk(entry.path, (*parts, entry.name))

    walk(str(root), ())
    return found


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode's surrogates: bytes that are no UTF-8
        return False
    return True


_NAME = operator.attrgetter("name")


def _place(rel: str, name: str, parts: tuple[str, ...], entry: os.DirEntry[str], inside: Any,
           found: Discovery, folders: list[str]) -> None:
    """Where one file of the registry belongs: an entity file of its kind, or a problem."""
    files, problems, skipped = found.files, found.problems, found.skipped
    dot = name.rfind(".")
    suffix = name[dot:].lower() if dot > 0 else ""
    is_yaml = suffix in (".yaml", ".yml")
    if not parts:  # top level
        if name == NETWORK_FILE:
            files.append((rel, KINDS["reseau"]))
        elif is_yaml:
            skipped.append((rel, None))
            problems.append(_problem(rel, Y012, f"« {rel} » n'est rangé dans aucun dossier de type",
                                     "à la racine du registre, seul reseau.yaml est lu : déplacez ce fichier dans "
                                     + ", ".join(f"{f}/" for f in folders)))
        return
    kind = KIND_BY_FOLDER.get(parts[0])
    if kind is None:
        if is_yaml:
            skipped.append((rel, None))
            guess = closest(parts[0], folders)
            hint = f"vouliez-vous dire « {guess}/ » ?" if guess else "dossiers connus : " + ", ".join(f"{f}/" for f in folders)
            problems.append(_problem(rel, Y012, f"le dossier « {parts[0]}/ » n'est pas un dossier du registre", hint))
        return
    if entry.is_symlink() and not inside(entry.path):
        skipped.append((rel, kind))
        problems.append(_problem(rel, Y009, f"« {rel} » est un lien vers un fichier hors du registre",
                                 "copiez le fichier dans le registre au lieu d'un lien symbolique"))
        return
    if suffix == ".yml":
        skipped.append((rel, kind))
        problems.append(_problem(rel, Y010, f"« {rel} » a l'extension .yml : il ne serait pas lu",
                                 f"renommez-le « {name[:dot]}.yaml »"))
        return
    if not is_yaml:
        problems.append(_problem(rel, Y011, f"« {rel} » n'est pas un fichier .yaml : il est ignoré",
                                 "retirez-le du dossier, ou donnez-lui l'extension .yaml s'il décrit une entité"))
        return
    expected_depth = 2 if kind.by_year else 1
    if len(parts) != expected_depth or (kind.by_year and not SCHOOL_YEAR.match(parts[1])):
        skipped.append((rel, kind))
        where = f"{kind.folder}/<année scolaire>/, par exemple {kind.folder}/2022-2023/" if kind.by_year else f"{kind.folder}/"
        problems.append(_problem(rel, Y012, f"« {rel} » n'est pas à sa place", f"rangez-le directement dans {where}"))
        return
    files.append((rel, kind))


def read_bytes(root: Path | str, rel: str) -> tuple[bytes | None, Problem | None]:
    """A registry file's bytes, or the problem that kept them from being read (missing, unreadable, too big,
    not a regular file).

    The file is opened without blocking and read only if it is a regular file: a named pipe (or a
    link to one, or to a device) would otherwise hold every command forever.
    """
    try:
        fd = os.open(os.path.join(root, rel), _READ_FLAGS)
    except OSError as exc:
        return None, _unreadable(rel, exc)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, _problem(rel, Y001, f"« {rel} » n'est pas un fichier ordinaire (tube, périphérique "
                                  "ou autre fichier spécial) : il n'est pas lu",
                                  "remplacez-le par un fichier YAML ordinaire, ou retirez-le du registre")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            return None, _problem(rel, Y013, f"le fichier fait {number_fr(info.st_size)} octets, au-delà de la "
                                  f"limite de {number_fr(MAX_FILE_BYTES)} octets (5 Mio)",
                                  "une entité tient en quelques kilo-octets : découpez le fichier ou retirez ce "
                                  "qui n'est pas une entité")
    except OSError as exc:
        return None, _unreadable(rel, exc)
    finally:
        os.close(fd)
    return raw, None


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def _unreadable(rel: str, exc: OSError) -> Problem:
    return _problem(rel, Y001, f"le fichier ne peut pas être lu ({reason(exc)})",
                    "vérifiez qu'il existe et que vous avez le droit de le lire")
