"""Read the registry's files safely, keeping every value's position.

YAML is read from libyaml's event stream (the C parser where available:
`yamlcore`) and built by `yamlread` (imported only when a file is read), so that:
- no type is guessed: only plain `true`/`false`, `null`/`~`, decimal integers
  without a leading zero and plain decimals become non-strings (the YAML 1.2
  core schema); `NO`, `oui`, `01000`, `0145671234`, `18:30` and `2023-04-05`
  stay the text the user wrote, and the schema reports them where it wants
  another type;
- duplicate keys, object-building tags, recursive or exploding aliases and
  excessive nesting are problems, not crashes (libyaml's own composer
  segfaults on very deep nesting, which is why nodes are not composed);
- the position of every key and value is kept, by JSON pointer.

Finding the files and reading their bytes is `discovery`'s; the French syntax
messages and the checks of what the eye does not see (EEE-Y015) are
`textcheck`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalogue import Y001
from .diagnostics import Problem
from .discovery import Discovery, discover, read_bytes
from .kinds import Kind

Pointer = tuple[Any, ...]  # keys (str) and indexes (int) from the document root
Position = tuple[int, int]  # 1-based line and column


def stem(path: str) -> str:
    """A registry path's file name without its extension: the id of its entity."""
    name = path[path.rfind("/") + 1:]
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


@dataclass(slots=True)
class SourceDoc:
    """One file of the registry, read: its data, read problems and, on demand, positions.

    Positions are worked out only when asked for (a problem to report, a
    rename): reading without them is faster and lighter, and most files of a
    registry never have anything to report. `text` is kept for that purpose.
    """

    path: str  # relative to the registry, POSIX separators
    kind: Kind | None
    data: Any = None
    problems: list[Problem] = field(default_factory=list)
    ambiguous: dict[Pointer, str] = field(default_factory=dict)  # plain scalars other YAML tools read otherwise
    text: str | bytes | None = field(default=None, repr=False)  # bytes: not decoded yet
    # The registry folder, when `text` was not kept (the file is unchanged since the cache saw it):
    # its bytes are read again from there if positions are asked for.
    root: str | None = field(default=None, repr=False)
    # The file's cache key (`filecheck.file_key`: its path, kind and bytes) when it was read or known by the cache:
    # what its data says is the same for the same key and the same eee.
    key: bytes | None = field(default=None, repr=False)
    _located: tuple[dict[Pointer, Position], dict[Pointer, Position]] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return isinstance(self.data, dict) and not (self.problems and any(p.is_error for p in self.problems))

    @property
    def positions(self) -> dict[Pointer, Position]:
        """Where each value starts, by JSON pointer (1-based line and column)."""
        return self._locate()[0]

    @property
    def key_positions(self) -> dict[Pointer, Position]:
        """Where each mapping key starts, by the pointer of its value."""
        return self._locate()[1]

    def _locate(self) -> tuple[dict[Pointer, Position], dict[Pointer, Position]]:
        if self._located is None:
            located = SourceDoc(self.path, self.kind)
            raw = self.text
            if raw is None and self.root is not None:
                raw = read_bytes(self.root, self.path)[0]
            text = decode(located, raw) if isinstance(raw, bytes) else raw
            if text is not None:
                _read(located, text, track=True)
            self._located = (located._located or ({}, {}))
        return self._located

    def position(self, pointer: Pointer, key: bool = False) -> Position:
        """Where a value (or its key) starts; the nearest enclosing value if unknown."""
        pointer = tuple(pointer)
        positions, key_positions = self._locate()
        if key and pointer in key_positions:
            return key_positions[pointer]
        while pointer:
            if pointer in positions:
                return positions[pointer]
            pointer = pointer[:-1]
        return positions.get((), (1, 1))

    @property
    def stem(self) -> str:
        """The file name without its extension: the entity's id."""
        return stem(self.path)


def decode(doc: SourceDoc, raw: bytes) -> str | None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        doc.problems.append(Y001.problem(
            doc.path, 0, 0,
            "le fichier est encodé en UTF-16, pas en UTF-8",
            "réenregistrez le fichier en UTF-8 (menu « Enregistrer sous… », encodage UTF-8)",
        ))
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if _utf16_without_bom(raw):
        doc.problems.append(Y001.problem(
            doc.path, 0, 0,
            "le fichier est encodé en UTF-16 (sans indicateur d'ordre des octets), pas en UTF-8",
            "réenregistrez le fichier en UTF-8 (menu « Enregistrer sous… », encodage UTF-8)",
        ))
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        doc.problems.append(Y001.problem(
            doc.path, line, col,
            f"le fichier n'est pas encodé en UTF-8 (octet 0x{raw[exc.start]:02X} illisible ; Latin-1 ou Windows-1252 ?)",
            "réenregistrez le fichier en UTF-8 (menu « Enregistrer sous… », encodage UTF-8)",
        ))
        return None



def _utf16_without_bom(raw: bytes) -> bool:
    """Text in UTF-16: a nul byte beside most characters of its start (every other byte)."""
    head = raw[:2000]
    if len(head) < 4 or b"\x00" not in head:
        return False
    half = len(head) // 2
    return head[1::2].count(0) > 0.4 * half or head[0::2].count(0) > 0.4 * half


def read_text(doc: SourceDoc, text: str) -> SourceDoc:
    """Build `doc.data` from YAML text, recording problems in `doc` (positions are found on demand)."""
    doc.text = text
    _read(doc, text, track=False)
    return doc



def _read(doc: SourceDoc, text: str, track: bool) -> SourceDoc:
    from .yamlread import read  # YAML is imported when a file is read, not by the queries that read none

    located = read(doc, text, track)
    if located is not None:
        doc._located = located
    return doc


# --------------------------------------------------------------------------- whole files


def load_file(root: Path, rel: str, kind: Kind | None) -> SourceDoc:
    doc = SourceDoc(rel, kind)
    raw, problem = read_bytes(root, rel)
    if raw is None:
        assert problem is not None  # read_bytes says why whenever it gives no bytes
        doc.problems.append(problem)
        return doc
    text = decode(doc, raw)
    if text is None:
        return doc
    return read_text(doc, text)


def load_registry(root: Path) -> tuple[list[SourceDoc], Discovery]:
    """Read every entity file of the registry; one bad file never stops the others."""
    found = discover(root)
    return [load_file(root, rel, kind) for rel, kind in found.files], found
