"""The registry as typed entities: id index, resolved references, reverse relations.

Built purely from read documents (`loader.SourceDoc`) and the schemas, which
say which fields are references (`x-eee-ref`). Rules, queries and renderers
see this model, never files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from .diagnostics import Problem, Severity
from .kinds import KINDS, Kind
from .loader import Pointer, SourceDoc
from .schema import SchemaSet


@dataclass(eq=False, slots=True)
class Entity:
    """One entity of the registry: a file's data with its kind and positions."""

    kind: Kind
    id: str
    doc: SourceDoc
    valid: bool  # the document passed its schema: its fields have the documented types

    @property
    def data(self) -> dict[str, Any]:
        return self.doc.data

    @property
    def path(self) -> str:
        return self.doc.path

    @property
    def nom(self) -> str:
        value = self.data.get("nom")
        return value if isinstance(value, str) else self.id

    @property
    def statut(self) -> str | None:
        value = self.data.get("statut")
        return value if isinstance(value, str) else None

    def get(self, *pointer: Any, default: Any = None) -> Any:
        """The value at a pointer, or `default` when a step is missing or of the wrong type."""
        if len(pointer) == 1 and type(pointer[0]) is str:  # a top-level field: most calls, from every rule
            return self.doc.data.get(pointer[0], default)
        value: Any = self.data
        for part in pointer:
            if isinstance(part, int):
                if not isinstance(value, list) or part >= len(value):
                    return default
            elif not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return value

    def items(self, *pointer: Any) -> list[Any]:
        """The list at a pointer, or [] when it is missing or not a list."""
        value = self.get(*pointer)
        return value if isinstance(value, list) else []

    def texts(self, *pointer: Any) -> list[str]:
        """A list of strings at a pointer (non-strings are dropped)."""
        value = self.get(*pointer, default=[])
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def gaps(self) -> list[str]:
        """The fields named in `a_completer`."""
        items = self.get("a_completer", default=[])
        return [i["champ"] for i in items if isinstance(i, dict) and isinstance(i.get("champ"), str)] if isinstance(items, list) else []

    def declares_gap(self, field_name: str) -> bool:
        """True if `a_completer` names this field, a parent of it or a child of it."""
        return any(g == field_name or field_name.startswith(g + ".") or g.startswith(field_name + ".") for g in self.gaps())

    def problem(self, code: str, severity: Severity, pointer: Pointer, message: str, hint: str = "",
                key: bool = False) -> Problem:
        line, col = self.doc.position(pointer, key=key) if self.doc.positions else (0, 0)
        return Problem(self.path, line, col, code, severity, message, hint, self.id)


# A file's references in columns: their pointers, target ids and allowed kinds, in the file's order.
# Three tuples per file, not a tuple per reference: 20,000 cached files give 70,000 references.
Found = tuple[tuple[Pointer, ...], tuple[str, ...], tuple[tuple[str, ...], ...]]
NOTHING_FOUND: Found = ((), (), ())


def columns(references: Iterable[tuple[Pointer, str, tuple[str, ...]]]) -> Found:
    """References (pointer, target id, allowed kinds) in columns."""
    rows = tuple(references)
    if not rows:
        return NOTHING_FOUND
    pointers, targets, kinds = zip(*rows)
    return pointers, targets, kinds


def cited_ids(found: Found) -> tuple[str, ...]:
    """The distinct ids a file's references name, in its order."""
    return tuple(dict.fromkeys(found[1]))


@dataclass(eq=False, slots=True)
class Reference:
    """A field of `source` that names another entity by its id."""

    source: Entity
    pointer: Pointer
    target_id: str
    kinds: tuple[str, ...]  # the kinds the schema allows there


@dataclass
class Registry:
    """All entities, indexed by id and kind, with references both ways."""

    READS = frozenset({"id"})  # the fields of an entity's data `build` reads (see rules.REGISTRY_READS)

    root: Path
    schemas: SchemaSet
    entities: dict[str, Entity] = field(default_factory=dict)
    duplicates: list[tuple[Entity, Entity]] = field(default_factory=list)  # (first, again)
    by_kind: dict[str, list[Entity]] = field(default_factory=lambda: defaultdict(list))
    everything: list[Entity] = field(default_factory=list)  # every entity, duplicates included
    # Each entity's references as its file gives them, in columns (`Found`). `eee validate`'s checks need
    # only the distinct targets (`cited`): the `Reference` objects are made on first use (`references`).
    found_references: list[tuple[Entity, Found]] = field(default_factory=list)
    # Ids whose references are not checked: files that could not be read or were not read (misplaced,
    # .yml…), and ids written in a file under another name. Their problem is already reported once.
    unchecked: dict[str, str | None] = field(default_factory=dict)  # id -> kind name, if known
    # Facts the layers above work out from the entities (an entity's départements…), kept on first use:
    # a model does not change once built.
    derived: dict[str, dict[Any, Any]] = field(default_factory=lambda: defaultdict(dict), repr=False)
    _references: list[Reference] | None = field(default=None, repr=False)
    _referrers: dict[str, list[Reference]] | None = field(default=None, repr=False)
    _cited: set[tuple[str, tuple[str, ...]]] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, root: Path, docs: list[SourceDoc], schemas: SchemaSet, valid: set[str],
              skipped: Iterable[tuple[str, Kind | None]] = (),
              references: dict[str, Found] | None = None) -> Registry:
        """The model of every readable document; `valid` names the paths that passed their schema.

        `references` gives, by path, references already found in a document (with its other
        per-file checks, or from the cache); the others are found here from the schemas.

        An entity's id is its file name (the `id` key must repeat it: rule EEE-R001).
        Files that could not be read, or were skipped, are left out, but their
        names are kept, so that references to them are not reported as missing
        on top of the problem already reported.
        """
        registry = cls(root, schemas)
        unchecked, entities, everything, by_kind = registry.unchecked, registry.entities, registry.everything, registry.by_kind
        for rel, kind in skipped:
            unchecked[Path(rel).stem] = kind.name if kind else None
        for doc in sorted(docs, key=lambda d: d.path):
            kind = doc.kind
            if kind is None or not doc.ok:
                unchecked[doc.stem] = kind.name if kind else None
                continue
            entity_id = doc.stem
            raw_id = doc.data.get("id")
            if raw_id != entity_id and isinstance(raw_id, str):
                unchecked.setdefault(raw_id, kind.name)
            entity = Entity(kind, entity_id, doc, doc.path in valid)
            by_kind[kind.name].append(entity)
            everything.append(entity)
            if entity_id in entities:
                registry.duplicates.append((entities[entity_id], entity))
                continue
            entities[entity_id] = entity
        known = references or {}
        keep = registry.found_references.append
        for entity in everything:
            found = known.get(entity.doc.path)
            if found is None:
                found = columns(schemas.references(entity.kind.name, entity.doc.data))
            if found[1]:
                keep((entity, found))
        return registry

    def __iter__(self) -> Iterator[Entity]:
        """Every entity, duplicates included (rules check each file)."""
        return iter(self.everything)

    def __len__(self) -> int:
        return len(self.everything)

    def get(self, entity_id: str) -> Entity | None:
        return self.entities.get(entity_id)

    def of_kind(self, kind: str) -> list[Entity]:
        assert kind in KINDS, kind
        return list(self.by_kind.get(kind, []))

    @property
    def network(self) -> Entity | None:
        found = self.by_kind.get("reseau")
        return found[0] if found else None

    @property
    def references(self) -> list[Reference]:
        """Every reference of the registry, entity by entity in path order (made on first use)."""
        if self._references is None:
            self._references = [Reference(entity, pointer, target, kinds) for entity, found in self.found_references
                                for pointer, target, kinds in zip(*found)]
        return self._references

    def cited(self) -> set[tuple[str, tuple[str, ...]]]:
        """Each distinct (target id, allowed kinds) the references name: what the checks of references need,
        without a `Reference` object per reference."""
        if self._cited is None:
            found = self.found_references
            self._cited = set(zip(chain.from_iterable(f[1][1] for f in found), chain.from_iterable(f[1][2] for f in found)))
        return self._cited

    @property
    def referrers(self) -> dict[str, list[Reference]]:
        """The references to each entity, by its id: worked out on first use (the checks of `eee validate`
        do not need them)."""
        if self._referrers is None:
            found: dict[str, list[Reference]] = defaultdict(list)
            for ref in self.references:
                found[ref.target_id].append(ref)
            self._referrers = found
        return self._referrers

    def referencing(self, entity_id: str) -> list[Reference]:
        """Who references this entity (reverse relations)."""
        return list(self.referrers.get(entity_id, []))
