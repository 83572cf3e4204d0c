"""The JSON Schemas of the registry: walking them, and validating documents.

`SchemaSet` reads `schemas/*.schema.json` with the standard `json` module; it
answers questions about the data model (titles, vocabularies, which fields are
references) without importing jsonschema. `SchemaSet.installed()` is the
installation's set, read once per process. `SchemaSet.check(doc)` validates a
document: most documents are valid, and a quick check (`validity.py`) says so
without jsonschema; the others go through jsonschema (`schemacheck.py`, the
only module that imports it), whose errors become French `Problem`s located at
the line and column of the offending key or value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .diagnostics import Problem
from .errors import SchemaFileError
from .kinds import KINDS
from .loader import Pointer, SourceDoc
from .settings import schemas_dir

COMMON = "common.schema.json"
REF_KEYWORD = "x-eee-ref"
LABELS_KEYWORD = "x-eee-libelles"
WEB_KEYWORD = "x-eee-web"  # an address of the web: a link on the pages (if safe: `markdown.safe_url`)


def pointer_text(pointer: Pointer) -> str:
    """A JSON pointer as the user reads it: co_animation.partenaire, membres.etablissements[2]."""
    out = ""
    for part in pointer:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(racine)"


class SchemaSet:
    """All schemas of the registry, loaded once."""

    @classmethod
    def installed(cls) -> SchemaSet:
        """The installation's schemas (`settings.schemas_dir`), read once per process: they do not change while
        eee runs. Every command and service takes them from here; a new `SchemaSet(folder)` is for other folders."""
        folder = schemas_dir()
        found = _INSTALLED.get(folder)
        if found is None:
            found = _INSTALLED[folder] = cls(folder)
        return found

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.schemas: dict[str, dict[str, Any]] = {}
        self._merged: dict[int, dict[str, Any]] = {}
        self._plans: dict[int, Any] = {}
        self._raw_nodes: dict[tuple[str, Pointer], dict[str, Any] | None] = {}  # by the pointer as given
        self._children: dict[tuple[int, str | int], dict[str, Any] | None] = {}
        self._labels: dict[str, Mapping[str, str]] = {}
        names = [COMMON] + [k.schema_file for k in KINDS.values()]
        for name in names:
            path = folder / name
            try:
                self.schemas[name] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                from .files import unreadable

                raise SchemaFileError(f"le schéma « {path} » est illisible ({unreadable(exc)})",
                                      "réinstallez eee ou restaurez le dossier schemas/") from None

    # ------------------------------------------------------------ walking

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """Follow one `$ref`. Kind schemas refer only to common.schema.json, whose
        own references are local (`#/$defs/…`): a bare fragment means that file."""
        file, _, fragment = node["$ref"].partition("#")
        target: Any = self.schemas[file or COMMON]
        for part in [p for p in fragment.split("/") if p]:
            target = target[part]
        return target

    def annotations(self, node: dict[str, Any]) -> dict[str, Any]:
        """A node's keywords merged along its `$ref` chain; the outermost wins (memoised: schemas never change)."""
        key = id(node)
        found = self._merged.get(key)
        if found is None:
            found = self._merged[key] = self._annotations(node)
        return found

    def _annotations(self, node: dict[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for _ in range(16):
            for key, value in node.items():
                merged.setdefault(key, value)
            if "$ref" not in node:
                break
            node = self.resolve(node)
        return merged

    def node_at(self, kind: str, pointer: Pointer) -> dict[str, Any] | None:
        """The (merged) schema node that describes the value at `pointer`, if any (memoised by pointer; each
        step is `child`, where list indexes do not matter: every item of a list has the same schema)."""
        raw = (kind, pointer if isinstance(pointer, tuple) else tuple(pointer))
        found = self._raw_nodes.get(raw, _UNKNOWN)
        if found is _UNKNOWN:
            node: dict[str, Any] | None = self.kind_node(kind)
            for part in raw[1]:
                node = self.child(node, part)  # type: ignore[arg-type]  # not None: that ends the loop
                if node is None:
                    break
            found = self._raw_nodes[raw] = node
        return found  # type: ignore[return-value]  # a node or None, never _UNKNOWN (replaced above)

    def kind_node(self, kind: str) -> dict[str, Any]:
        """The (merged) schema node of a kind's documents."""
        return self.annotations(self.schemas[KINDS[kind].schema_file])

    def child(self, node: dict[str, Any], part: str | int) -> dict[str, Any] | None:
        """The (merged) node under a merged `node` for a key, or for any item of a list (an int), if any
        (memoised: a walk down a document along its schema, as pages are made, asks this for every value)."""
        key = (id(node), part if isinstance(part, str) else 0)
        found = self._children.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            below = node.get("items") if isinstance(part, int) else (node.get("properties") or {}).get(part)
            found = self._children[key] = self.annotations(below) if isinstance(below, dict) else None
        return found  # type: ignore[return-value]  # a node or None, never _UNKNOWN (replaced above)

    def title(self, kind: str, pointer: Pointer) -> str:
        node = self.node_at(kind, pointer)
        return (node or {}).get("title", "")

    def field_title(self, kind: str, field: str) -> str:
        """A field of a kind named for people, from its dotted name (`a_completer`'s `champ`): the title of each
        level, from the top (« Lieu › Nom » for lieu.nom), a key without a title as it is written."""
        parts = tuple(field.split("."))
        return " › ".join(self.title(kind, parts[:depth]) or parts[depth - 1] for depth in range(1, len(parts) + 1))

    def property_names(self, kind: str, pointer: Pointer) -> list[str]:
        node = self.node_at(kind, pointer)
        return sorted((node or {}).get("properties", {}))

    def labels(self, vocabulary: str) -> Mapping[str, str]:
        """The French labels of a vocabulary of common.schema.json (e.g. type_action): read-only, shared (a
        listing asks for them once per cell)."""
        found = self._labels.get(vocabulary)
        if found is None:
            found = self._labels[vocabulary] = MappingProxyType(
                dict(self.schemas[COMMON]["$defs"][vocabulary].get(LABELS_KEYWORD, {})))
        return found

    @cached_property
    def vocabularies(self) -> dict[str, dict[str, Any]]:
        return {name: node for name, node in self.schemas[COMMON]["$defs"].items() if "enum" in node}

    @cached_property
    def academie_of_departement(self) -> dict[str, str]:
        return dict(self.schemas[COMMON]["$defs"]["departement"]["x-eee-academie"])

    def references(self, kind: str, data: Any) -> Iterator[tuple[Pointer, str, tuple[str, ...]]]:
        """Every reference in a document: (pointer, target id, allowed kinds)."""
        plan = self._plan(self.schemas[KINDS[kind].schema_file])
        if plan is not None:
            yield from _follow(plan, data, ())

    def _plan(self, node: dict[str, Any]) -> Any:
        """Where references can be under a schema node, or None if nowhere (memoised): a tuple of
        allowed kinds at a reference, ("[]", plan) for a list's items, {key: plan} for a mapping."""
        key = id(node)
        if key in self._plans:
            return self._plans[key]
        self._plans[key] = None  # the schemas have no cycle; this only guards the walk
        merged = self.annotations(node)
        plan: Any = None
        if REF_KEYWORD in merged:
            plan = tuple(merged[REF_KEYWORD])
        elif isinstance(merged.get("properties"), dict):
            plan = {name: child for name, sub in merged["properties"].items()
                    if isinstance(sub, dict) and (child := self._plan(sub)) is not None} or None
        elif isinstance(merged.get("items"), dict):
            child = self._plan(merged["items"])
            plan = ("[]", child) if child is not None else None
        self._plans[key] = plan
        return plan

    # ------------------------------------------------------------ validating

    def dereferenced(self, node: Any) -> Any:
        """A copy of a schema with every `$ref` replaced by what it points to (the schemas have no cycle).

        Validating against it spares jsonschema a reference lookup for every value of every file,
        which dominated the time of `eee validate` (benchmarks/README.md)."""
        if isinstance(node, list):
            return [self.dereferenced(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            merged = {k: v for k, v in self.annotations(node).items() if k != "$ref"}
            return self.dereferenced(merged)
        return {k: self.dereferenced(v) if k not in (LABELS_KEYWORD, "x-eee-academie") else v for k, v in node.items()}

    @cached_property
    def _validators(self) -> dict[str, Any]:
        """Per kind, jsonschema's validator (`schemacheck.validators`), built on first need."""
        from .schemacheck import validators

        return validators(self)

    @cached_property
    def _quick(self) -> dict[str, Any]:
        """Per kind, a function that says whether a value certainly meets the schema (`validity.py`):
        most files are valid, and this spares them jsonschema (about 25 times slower per file, and
        0.1 s to import). A kind whose schema uses a keyword it does not know is left out."""
        from .validity import Unsupported, compile_schema

        compiled = {}
        for kind in KINDS.values():
            try:
                compiled[kind.name] = compile_schema(self.dereferenced(self.schemas[kind.schema_file]))
            except Unsupported:
                continue
        return compiled

    def prepare(self) -> None:
        """Build the quick validators now (before worker processes are forked, so that they inherit them).
        jsonschema is imported only where a file needs it, that is, where a file has a problem."""
        _ = self._quick  # a cached property: reading it builds them

    def check(self, doc: SourceDoc) -> list[Problem]:
        """Schema problems of one read document (which must have data and a kind)."""
        assert doc.kind is not None
        quick = self._quick.get(doc.kind.name)
        if quick is not None and quick(doc.data):
            return []
        from .schemacheck import problems

        return problems(self, doc, self._validators[doc.kind.name])  # one jsonschema pass

_UNKNOWN = object()
_INSTALLED: dict[Path, SchemaSet] = {}  # by folder: SchemaSet.installed


def _follow(plan: Any, value: Any, pointer: Pointer) -> Iterator[tuple[Pointer, str, tuple[str, ...]]]:
    if isinstance(plan, dict):
        if isinstance(value, dict):
            for key, item in value.items():  # in the file's order
                child = plan.get(key)
                if child is not None:
                    yield from _follow(child, item, pointer + (key,))
    elif plan[0] == "[]":
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from _follow(plan[1], item, pointer + (index,))
    elif isinstance(value, str):
        yield pointer, value, plan
