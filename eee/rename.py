"""Rename an entity: its `id`, its file, and every reference to it across the registry.

Files are rewritten by position, never re-dumped: the model names every
reference (entity, JSON pointer), the loader gives the line and column where
each value starts, and exactly that scalar (plain, 'single-' or "double-quoted")
is replaced in the file's text. Comments, quoting, layout, line endings and a
byte-order mark are kept byte for byte. Each rewritten text is read again and
must give the expected data, or nothing is written.

`plan` computes everything and writes nothing (`RenamePlan.diff` shows it for
`--dry-run`); `apply` writes each file atomically, then moves the entity's file.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .discovery import read_bytes
from .domain import ENTITY_ID, plural
from .errors import EeeError, UsageError
from .escape import one_line
from .files import check_inside, failure, write_atomic
from .kinds import Kind
from .loader import Pointer, SourceDoc, load_registry, read_text
from .model import Registry
from .schema import SchemaSet
from .suggest import closest

_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # the line breaks libyaml counts
_BOM = "\ufeff"


@dataclass
class FileEdit:
    """One file of the registry, before and after the rename."""

    rel: str  # relative to the registry, POSIX separators
    old_text: str  # the whole file as read (byte-order mark included)
    new_text: str
    positions: list[tuple[int, int]] = field(default_factory=list)  # (line, column) of each replaced value


@dataclass
class RenamePlan:
    """What `eee rename OLD NEW` will do; computed by `plan`, carried out by `apply`."""

    root: Path
    old: str
    new: str
    kind: Kind
    source: str  # the entity's file, relative to the registry
    target: str  # where it moves
    edits: list[FileEdit] = field(default_factory=list)  # the entity's own file included (at `source`)
    references: int = 0  # references rewritten (the entity's own `id` not counted)
    warnings: list[str] = field(default_factory=list)  # French notes for the user (nothing blocking)

    @property
    def files(self) -> list[str]:
        """Files whose text changes (by their current name)."""
        return [e.rel for e in self.edits]

    def summary(self) -> str:
        """One French sentence: what was (or will be) done."""
        others = len({e.rel for e in self.edits if e.rel != self.source})
        refs = plural(self.references, "référence", "références")
        where = f" dans {plural(others, 'fichier', 'fichiers')}" if others else ""
        return (f"« {self.old} » renommé en « {self.new} » ({self.kind.label}) : {self.source} → {self.target}, "
                f"{refs} mise{'s' if self.references > 1 else ''} à jour{where}")

    def diff(self) -> str:
        """A unified diff of every change (the move shown as a/<old file> → b/<new file>)."""
        out: list[str] = []
        for edit in sorted(self.edits, key=lambda e: e.rel):
            after = self.target if edit.rel == self.source else edit.rel
            lines = difflib.unified_diff(_lines(edit.old_text), _lines(edit.new_text),
                                         f"a/{edit.rel}", f"b/{after}")
            for line in lines:
                out.append(line if line.endswith("\n") else line + "\n\\ Pas de fin de ligne à la fin du fichier\n")
        if not any(e.rel == self.source for e in self.edits):
            out.append(f"renommage {self.source} → {self.target}\n")
        return "".join(out)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def valid_id(text: str) -> bool:
    return bool(ENTITY_ID.match(text))


def plan(root: Path, old: str, new: str, schemas: SchemaSet | None = None) -> RenamePlan:
    """Compute the rename of `old` to `new`; raise UsageError (French message and hint) if it cannot be done."""
    schemas = schemas or SchemaSet.installed()
    docs, found = load_registry(root)
    registry = Registry.build(root, docs, schemas, set(), found.skipped)

    if not valid_id(new):
        raise UsageError(
            f"« {one_line(new)} » n'est pas un identifiant valide",
            "un identifiant s'écrit en minuscules sans accent, avec des chiffres et des tirets : "
            "par exemple « scierie-dupont »",
        )
    if old == new:
        raise UsageError(f"« {old} » porte déjà ce nom", "indiquez un nouvel identifiant différent de l'ancien")
    entity = registry.get(old)
    if entity is None:
        if old in registry.unchecked:
            raise UsageError(
                f"le fichier de « {old} » ne peut pas être lu (ou n'est pas à sa place) : il ne peut pas être renommé",
                "corrigez d'abord les erreurs signalées par « eee validate », puis relancez « eee rename »",
            )
        guess = closest(old, list(registry.entities))
        raise UsageError(
            f"aucune entité n'a l'identifiant « {one_line(old)} »",
            f"vouliez-vous dire « {guess} » ?" if guess else "« eee search TEXTE » retrouve une entité par son nom",
        )
    kind = entity.kind
    if kind.name == "etablissement":
        raise UsageError(
            f"« {old} » est un établissement : son identifiant est son UAI en minuscules, il ne se renomme pas",
            "si l'UAI a changé, importez l'établissement sous son nouvel UAI (eee import annuaire) "
            "et remplacez l'ancien dans les fichiers qui le citent",
        )
    if kind.name == "reseau":
        raise UsageError("le réseau (reseau.yaml) ne se renomme pas",
                         "son fichier s'appelle toujours reseau.yaml : changez plutôt son « nom »")
    limit = (schemas.node_at(kind.name, ("id",)) or {}).get("maxLength")
    if isinstance(limit, int) and len(new) > limit:  # (the schema's: a longer id would make the registry invalid)
        shown = one_line(new)
        raise UsageError(f"« {shown[:40]}… » a {len(new)} caractères : un identifiant en a au plus {limit}",
                         "choisissez un identifiant plus court")
    if any(first.id == old for first, _ in registry.duplicates):
        paths = sorted(e.path for e in registry.everything if e.id == old)
        raise UsageError(f"plusieurs fichiers portent l'identifiant « {old} » : {', '.join(paths)}",
                         "gardez un seul fichier pour cette entité (eee validate le signale), puis relancez")
    if new in registry.entities or new in registry.unchecked:
        existing = registry.entities[new].path if new in registry.entities else new
        raise UsageError(f"l'identifiant « {new} » existe déjà ({existing})",
                         "choisissez un autre identifiant, ou supprimez d'abord l'autre entité")
    source = entity.path
    target = str(Path(source).with_name(f"{new}.yaml").as_posix())
    if (root / target).exists():
        raise UsageError(f"le fichier « {target} » existe déjà", "choisissez un autre identifiant")

    # Files that could not be read may reference OLD: renaming now would leave them behind.
    blocking = []
    for doc in docs:
        if doc.ok:
            continue
        raw = read_bytes(root, doc.path)[0]
        if raw is None or old.encode() in raw or old.encode("utf-16-le") in raw or old.encode("utf-16-be") in raw:
            blocking.append(doc.path)
    if blocking:
        raise UsageError(
            f"le registre a des fichiers illisibles qui pourraient citer « {old} » : {', '.join(sorted(blocking))}",
            "corrigez d'abord les erreurs signalées par « eee validate » sur ces fichiers, puis relancez « eee rename »",
        )

    result = RenamePlan(root, old, new, kind, source, target)
    for rel, _ in found.skipped:
        raw = read_bytes(root, rel)[0]
        if raw is not None and old.encode() in raw:
            result.warnings.append(f"« {rel} » n'est pas lu par eee (mal rangé ou mal nommé) et contient "
                                   f"« {old} » : il n'est pas modifié, vérifiez-le à la main")

    # Pointers to rewrite, by file.
    pointers: dict[str, list[Pointer]] = {}
    for ref in registry.references:
        if ref.target_id == old:
            pointers.setdefault(ref.source.path, []).append(ref.pointer)
            result.references += 1
    own_id = entity.data.get("id")
    if own_id == old:
        pointers.setdefault(source, []).append(("id",))
    else:
        result.warnings.append(f"la clé « id » de {source} ne vaut pas « {old} » : elle n'est pas modifiée")
    by_path = {d.path: d for d in docs}
    mention = re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(old)}(?![A-Za-z0-9_-])")
    for rel in sorted(set(pointers) | {source}):
        doc = by_path[rel]
        text = _text(root, rel)
        if text is None:  # pragma: no cover - it was read a moment ago
            raise EeeError(f"« {rel} » ne peut plus être lu : rien n'a été modifié", "relancez « eee rename »")
        edit = _rewrite(doc, text, pointers.get(rel, []), old, new)
        if edit.new_text != edit.old_text:
            result.edits.append(edit)
    # Other mentions of the old id (texts, comments) are not references: say where they are.
    edited = {e.rel: e for e in result.edits}
    for doc in sorted(docs, key=lambda d: d.path):
        if not doc.ok:
            continue
        text = edited[doc.path].new_text if doc.path in edited else None
        if text is None:
            text = _text(root, doc.path)
            if text is None:  # pragma: no cover - it was read a moment ago
                continue
        for match in mention.finditer(text):
            line = len(_BREAK.findall(text, 0, match.start())) + 1
            result.warnings.append(f"{doc.path}:{line} : « {old} » apparaît encore dans un texte ou un commentaire "
                                   "(ce n'est pas une référence : non modifié)")
    return result


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _BREAK.finditer(text)]


def _rewrite(doc: SourceDoc, text: str, pointers: list[Pointer], old: str, new: str) -> FileEdit:
    """Replace the scalar `old` at each pointer of `doc` by `new`, keeping every other character."""
    bom = _BOM if text.startswith(_BOM) else ""
    body = text[len(bom):]
    starts = _line_starts(body)
    spans: dict[int, int] = {}  # start offset of the text to replace -> its end
    expected = copy.deepcopy(doc.data)
    positions = []
    for pointer in pointers:
        line, col = doc.positions[pointer]
        positions.append((line, col))
        offset = starts[line - 1] + col - 1
        offset = _skip_properties(body, offset)
        where = f"{doc.path}:{line}:{col}"
        if body.startswith("*", offset):
            raise UsageError(
                f"{where} : la référence à « {old} » passe par un alias YAML (*…) : eee ne peut pas la renommer sûrement",
                f"écrivez « {old} » à la place de l'alias, puis relancez « eee rename »",
            )
        quote = body[offset] if body[offset] in "'\"" else ""
        start = offset + len(quote)
        end = start + len(old)
        if body[start:end] != old or (quote and body[end:end + 1] != quote):
            raise UsageError(
                f"{where} : la valeur « {old} » est écrite sous une forme qu'eee ne sait pas réécrire "
                "(bloc « | » ou « > », échappements, plusieurs lignes)",
                f"écrivez-la simplement « {old} » sur une ligne, puis relancez « eee rename »",
            )
        spans[start] = end
        _set(expected, pointer, new)
    pieces, last = [], 0
    for start in sorted(spans):
        pieces.append(body[last:start])
        pieces.append(new)
        last = spans[start]
    pieces.append(body[last:])
    new_text = bom + "".join(pieces)
    check = read_text(SourceDoc(doc.path, doc.kind), new_text[len(bom):])
    if check.data != expected or any(p.is_error for p in check.problems):  # pragma: no cover - a safety net
        raise EeeError(
            f"{doc.path} : la réécriture de « {old} » ne redonne pas les mêmes données ; rien n'a été modifié",
            "signalez ce fichier à l'équipe eee et faites le renommage à la main",
        )
    return FileEdit(doc.path, text, new_text, sorted(positions))


def _skip_properties(text: str, offset: int) -> int:
    """Skip a tag (!!str) or an anchor (&name) written before a scalar."""
    while offset < len(text) and text[offset] in "!&":
        while offset < len(text) and not text[offset].isspace():
            offset += 1
        while offset < len(text) and text[offset] in " \t":
            offset += 1
    return offset


def _set(data: Any, pointer: Pointer, value: Any) -> None:
    for part in pointer[:-1]:
        data = data[part]
    data[pointer[-1]] = value


def apply(plan: RenamePlan) -> None:
    """Write every rewritten file atomically, then move the entity's file last.

    Refuses (EeeError) if a file changed since the plan was made: nothing is written then.
    """
    root = plan.root
    check_inside(root / plan.target, root, "le fichier renommé")
    for edit in plan.edits:
        if _text(root, edit.rel) != edit.old_text:
            raise EeeError(f"« {edit.rel} » a changé depuis le calcul du renommage : rien n'a été modifié",
                           "relancez « eee rename »")
    if (root / plan.target).exists():
        raise EeeError(f"le fichier « {plan.target} » existe déjà : rien n'a été modifié", "choisissez un autre identifiant")
    for edit in plan.edits:
        write_atomic(root / edit.rel, edit.new_text, within=root)  # keeps each file's mode
    try:
        os.replace(root / plan.source, root / plan.target)
    except OSError as exc:
        raise failure("de renommer", root / plan.source, exc) from None


def _text(root: Path, rel: str) -> str | None:
    """A registry file's text as it is now (None if it cannot be read as UTF-8)."""
    raw = read_bytes(root, rel)[0]
    try:
        return None if raw is None else raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
