"""`eee fmt`'s key order, worked on the text: whole lines move, with the comments above them.

`tree(text)` gives the text's nodes with their lines (from libyaml's events), or None where line-based steps
cannot work on it; `reorder(text, kind, schemas)` puts the keys of every mapping in the order the schema
declares them (`TRAILING_KEYS` last at the top level, unknown keys after the known ones, in their order), or
gives None when the text's layout does not allow it. `fmt` decides whether the result is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from .kinds import Kind
from .schema import SchemaSet
from .yamlcore import Parser

if TYPE_CHECKING:  # pragma: no cover - types only (the C parser's marks, where PyYAML was built with libyaml)
    from yaml._yaml import Mark as CMark
    from yaml.error import Mark

TRAILING_KEYS = ("sources", "a_completer", "mis_a_jour")
"""Top-level keys written last, in this order (the shipped registry's convention)."""

# Line breaks of libyaml other than LF: CR (a CR-only file, old Mac) becomes LF like CRLF does; NEL, LS and PS
# are left in the text, where libyaml counts lines that `str.split("\n")` does not.
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")


@dataclass
class Node:
    """A node of a YAML text, with where it starts and ends (libyaml's lines and columns)."""

    kind: str  # map, seq, scalar, alias
    flow: bool
    start: tuple[int, int]  # 0-based line, column
    end: tuple[int, int]
    keys: list[tuple[str, tuple[int, int]]] = field(default_factory=list)  # mapping keys and their start
    children: list[Node] = field(default_factory=list)  # values (mapping) or items (sequence)
    block_scalar: bool = False


def tree(text: str) -> Node | None:
    """The text's nodes with their lines, or None where the line-based steps cannot work on them: libyaml's lines
    are not the text's LF-separated lines (a CR, NEL, LS or PS line break), or a key is not a scalar (ruamel.yaml
    may write a text eee reads otherwise: `? a<NEL>? b` is one key for ruamel.yaml, three for libyaml). The
    line-based steps then leave the text as it is; `fmt` reads every result back and decides on the rest."""
    if _OTHER_BREAKS.search(text):
        return None
    events = iter(Parser(text).get_event, None)

    def node(event: Any) -> Node:
        start = _where(event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            return Node("alias", False, start, _where(event.end_mark))
        if isinstance(event, yaml.ScalarEvent):
            return Node("scalar", False, start, _where(event.end_mark),
                         block_scalar=event.style in ("|", ">"))
        flow = bool(event.flow_style)
        if isinstance(event, yaml.SequenceStartEvent):
            result = Node("seq", flow, start, start)
            while True:
                event = next(events)
                if isinstance(event, yaml.SequenceEndEvent):
                    result.end = _where(event.end_mark)
                    return result
                result.children.append(node(event))
        result = Node("map", flow, start, start)
        while True:
            event = next(events)
            if isinstance(event, yaml.MappingEndEvent):
                result.end = _where(event.end_mark)
                return result
            if not isinstance(event, yaml.ScalarEvent):
                raise _NoTree  # a key that is a list, a table or an alias: eee reads no such text
            result.keys.append((event.value, _where(event.start_mark)))
            result.children.append(node(next(events)))

    try:
        next(events)  # stream start
        event = next(events)
        if isinstance(event, yaml.DocumentStartEvent):
            event = next(events)
        return node(event)
    except (yaml.YAMLError, StopIteration, _NoTree):  # ruamel.yaml's output, not read by eee yet
        return None


class _NoTree(Exception):
    """A text whose nodes the line-based steps cannot work on."""


def _where(mark: Mark | CMark | None) -> tuple[int, int]:
    """A mark's 0-based line and column."""
    assert mark is not None  # the parser marks every event it makes
    return mark.line, mark.column


def last_line(node: Node, lines: list[str]) -> int:
    """The last line holding something of this node (its value, not the comments after it)."""
    if node.kind in ("map", "seq") and not node.flow:
        return last_line(node.children[-1], lines) if node.children else node.start[0]
    line, col = node.end
    if col == 0 and line > node.start[0]:
        line -= 1
    if node.block_scalar:
        while line > node.start[0] and not lines[line].strip():
            line -= 1
    return max(line, node.start[0])


def _order(names: list[str], known: list[str]) -> list[int]:
    """Indexes of `names` in canonical order: known keys by schema position, then unknown keys."""
    rank = {name: i for i, name in enumerate(known)}
    return sorted(range(len(names)), key=lambda i: (0, rank[names[i]]) if names[i] in rank else (1, i))


def _known_keys(schemas: SchemaSet, kind: Kind, pointer: tuple[Any, ...]) -> list[str]:
    node = schemas.node_at(kind.name, pointer)
    names = list((node or {}).get("properties") or {})
    if not pointer:
        names = [n for n in names if n not in TRAILING_KEYS] + [n for n in TRAILING_KEYS if n in names]
    return names


def reorder(text: str, kind: Kind, schemas: SchemaSet) -> str | None:
    root = tree(text)
    if root is None or root.kind != "map":
        return None
    lines = text.split("\n")
    try:
        _reorder_node(root, (), lines, kind, schemas, top=True)
    except _CannotReorder:
        return None
    return "\n".join(lines)


class _CannotReorder(Exception):
    pass


def _reorder_node(node: Node, pointer: tuple[Any, ...], lines: list[str], kind: Kind, schemas: SchemaSet,
                  top: bool = False) -> None:
    if node.kind == "seq":
        for index, item in enumerate(node.children):
            _reorder_node(item, pointer + (index,), lines, kind, schemas)
        return
    if node.kind != "map":
        return
    for (key, _), child in zip(node.keys, node.children):
        _reorder_node(child, pointer + (key,), lines, kind, schemas)
    names = [key for key, _ in node.keys]
    order = _order(names, _known_keys(schemas, kind, pointer))
    if order == list(range(len(names))):
        return
    if node.flow:
        _reorder_flow(node, order, lines)
    else:
        _reorder_block(node, order, lines)


def _reorder_flow(node: Node, order: list[int], lines: list[str]) -> None:
    """A one-line flow table of simple values: `{nom: X, code: "1"}` → `{code: "1", nom: X}`."""
    line = node.start[0]
    if node.end[0] != line or any(c.kind in ("map", "seq") for c in node.children):
        return  # left as written
    text = lines[line]
    items = [text[start[1]:child.end[1]] for (_, start), child in zip(node.keys, node.children)]
    first, last = node.keys[0][1][1], node.children[-1].end[1]
    lines[line] = text[:first] + ", ".join(items[i] for i in order) + text[last:]


def _reorder_block(node: Node, order: list[int], lines: list[str]) -> None:
    starts = [start for _, start in node.keys]
    if len({line for line, _ in starts}) != len(starts) or len({col for _, col in starts}) != 1:
        raise _CannotReorder
    col = starts[0][1]
    first_line = starts[0][0]
    prefix = lines[first_line][:col]
    if prefix.strip() and not re.fullmatch(r"[ -]*", prefix):
        raise _CannotReorder  # a key sharing its line with something other than list dashes
    ends = [last_line(child, lines) for child in node.children]
    # An entry: the comment and blank lines above its key (after the previous value), its key, its value.
    bounds = []
    for i, (line, _) in enumerate(starts):
        begin = line if i == 0 else ends[i - 1] + 1
        if i and begin > line:
            raise _CannotReorder
        bounds.append((begin, ends[i]))
    for i in range(1, len(bounds)):
        for k in range(bounds[i][0], starts[i][0]):
            if lines[k].strip() and not lines[k].strip().startswith("#"):
                raise _CannotReorder
    blocks = [lines[b:e + 1] for b, e in bounds]
    blocks[0] = [" " * col + blocks[0][0][col:]] + blocks[0][1:]
    new: list[str] = []
    for position, i in enumerate(order):
        block = list(blocks[i])
        if position == 0:
            key_index = starts[i][0] - bounds[i][0]
            block[key_index] = prefix + block[key_index][col:]  # comments above it, if any, go above the dash
        new.extend(block)
    lines[bounds[0][0]:bounds[-1][1] + 1] = new
