"""`eee fmt`: rewrite registry files into their canonical form, keeping comments and the user's text.

The canonical form:
- keys in the order the schema declares them (`schemas/<kind>.schema.json`, and
  for a nested block the order of that block's properties, through `$ref`);
  at the top level, `sources`, `a_completer` and `mis_a_jour` close the file, in
  that order, as in every file of the shipped registry; keys the schema does not
  know stay after the known ones, in their order;
- a plain value that other YAML tools would read as a number or a boolean
  (`09`, `09100`, `0561000000`, `NO`, `oui`, `18:30`…) is double-quoted where
  the schema wants text; everything else keeps its quoting;
- 2-space indentation, list items (`- `) two spaces under their key; flow
  lists and tables (`["30"]`, `{code: …}`) and block texts (`>-`, `|`) stay as
  written; comments stay with the line they follow or the key they precede;
- UTF-8 without BOM, LF line ends (CRLF and CR become LF), no `---`/`...` markers, one final newline.

What eee reads never changes: every result is read back with `eee.loader`
and compared with the original data; if a step would change it (or lose a
comment line), that step is not applied.

Reordering works on the text (whole lines move with the comments above them);
quoting and indentation go through ruamel.yaml's round trip (imported lazily).
"""

from __future__ import annotations

import io
import re
import warnings
from collections import Counter
from itertools import chain
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .kinds import Kind
from .discovery import discover, read_bytes
from .loader import SourceDoc, read_text
from .schema import SchemaSet
from .yamlcore import AMBIGUOUS, Parser, plain_tag

TRAILING_KEYS = ("sources", "a_completer", "mis_a_jour")
"""Top-level keys written last, in this order (the shipped registry's convention)."""

_BOM = "\ufeff"
_YES_NO_FR = {"oui", "non", "vrai", "faux"}
_YAML12_NUMBER = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_DOC_START = re.compile(r"^---[ \t]*(?:#.*)?$")
_DOC_END = re.compile(r"^\.\.\.[ \t]*(?:#.*)?$")
# Line breaks of libyaml other than LF: CR (a CR-only file, old Mac) becomes LF like CRLF does; NEL, LS and PS
# are left in the text, where libyaml counts lines that `str.split("\n")` does not.
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")


class FormatError(ValueError):
    """The text cannot be read by eee: it must be fixed first (eee validate)."""


@dataclass
class FmtResult:
    """What `format_registry` did (or, with check, would do); paths relative to the registry."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, French reason)


# --------------------------------------------------------------------------- public API


def format_text(text: str, kind: Kind, schemas: SchemaSet) -> str:
    """The canonical form of one registry file's text.

    Raises `FormatError` only when eee cannot read the text (the caller skips the file)."""
    original = _read(text)
    if original is None:
        raise FormatError("fichier illisible")
    result = text
    for _ in range(3):  # a whole-file flow table becomes a block table first, then is reordered
        new = _format_once(result, kind, schemas, original, text)
        if new == result:
            break
        result = new
    return result


def _format_once(text: str, kind: Kind, schemas: SchemaSet, original: Any, first_text: str) -> str:
    base = _normalise(text)
    candidates = []
    reordered = _reorder(base, kind, schemas)
    if reordered is not None:
        candidates.append(reordered)
    candidates.append(base)
    for candidate in candidates:
        for quote in (True, False):
            result = _round_trip(candidate, kind, schemas, quote)
            if result is not None and _safe(first_text, result, original):
                return result
        if _safe(first_text, candidate, original):
            return _final_newline(candidate, original)
    return text  # no step keeps every comment and the data: the text stays as it is


def format_registry(root: Path, within: list[str] | None, check: bool, jobs: int | None = None,
                    use_cache: bool = True) -> FmtResult:
    """Format the registry's files (all, or those under the registry-relative prefixes `within`: see
    `settings.registry_paths`); with `check`, write nothing.

    Only files whose text changes are written (atomically). Files eee cannot read are skipped with a
    French reason. Whether a text is in canonical form is remembered in the cache (by its kind and
    bytes, with eee's and ruamel.yaml's versions): the next run does not format it again to know
    (only to write it, without --check). The others are formatted over the cores (ruamel.yaml takes
    some 40 ms a file: 20,000 files would take a quarter of an hour on one core)."""
    from .cache import Store
    from .parallel import fork_map
    from .files import write_atomic

    schemas = SchemaSet.installed()
    result = FmtResult()
    found = discover(root)
    wanted = within
    store = Store(root) if use_cache else None
    if store is not None:
        store.load()
    known = store.formatted() if store is not None else {}
    seen: set[bytes] = set()
    work: list[tuple[str, Kind, str, bytes]] = []  # (path, kind, text, the text's key)
    for rel, kind in found.files:
        if wanted is not None and not any(rel == w or rel.startswith(w + "/") for w in wanted):
            continue
        raw, problem = read_bytes(root, rel)
        if raw is None:
            result.skipped.append((rel, f"{problem.message} : corrigez-le d'abord (eee validate)"))  # type: ignore[union-attr]
            continue
        key = text_key(kind, raw)
        seen.add(key)
        canonical = known.get(key)
        if canonical:
            result.unchanged.append(rel)
            continue
        if canonical is False and check:  # known not to be in form: --check needs no more
            result.changed.append(rel)
            continue
        try:
            work.append((rel, kind, raw.decode("utf-8"), key))
        except UnicodeDecodeError:
            result.skipped.append((rel, "fichier illisible (pas en UTF-8) : corrigez-le d'abord avec eee validate"))

    def task(batch: list[tuple[str, Kind, str, bytes]]) -> list[str | None]:
        """Each file's canonical text, or None if eee cannot read it."""
        out: list[str | None] = []
        for _, kind, text, _ in batch:
            try:
                out.append(format_text(text, kind, schemas))
            except FormatError:
                out.append(None)
        return out

    batches = [work[i:i + FMT_BATCH] for i in range(0, len(work), FMT_BATCH)]
    found_now: dict[bytes, bool] = {}
    canonical_texts = chain.from_iterable(fork_map(task, batches, jobs if len(work) >= FMT_PARALLEL_FROM else 1))
    # fork_map keeps the order; it comes first, so that zip runs it to its end (workers closed).
    for new, (rel, kind, text, key) in zip(canonical_texts, work):
        if new is None:
            result.skipped.append((rel, "fichier illisible par eee (syntaxe YAML, clé en double…) : "
                                        "corrigez-le d'abord avec eee validate"))
            continue
        if new == text:
            result.unchanged.append(rel)
            found_now[key] = True
            continue
        result.changed.append(rel)
        found_now[key] = False
        if not check:
            write_atomic(root / rel, new, within=root)
            found_now[text_key(kind, new.encode("utf-8"))] = True
    if store is not None:
        # A whole run knows every text of the registry: the others are forgotten.
        forget = set(known) - seen - set(found_now) if wanted is None else set()
        store.save_formatted({k: v for k, v in found_now.items() if known.get(k) is not v}, forget)
    order = {rel: index for index, (rel, _) in enumerate(found.files)}  # the files' order, as before the work
    result.changed.sort(key=order.__getitem__)
    result.unchanged.sort(key=order.__getitem__)
    result.skipped.sort(key=lambda skipped: order[skipped[0]])
    return result


FMT_BATCH = 20  # files per task given to a worker
FMT_PARALLEL_FROM = 40  # below this many files to format, worker processes cost more than they save


def text_key(kind: Kind, raw: bytes) -> bytes:
    """A text's key in the cache of formatted texts: its kind and bytes (the canonical form depends on
    nothing else but eee, its schemas and ruamel.yaml, which the cache's fingerprint covers)."""
    from .cache import content_key

    return content_key(b"eee-fmt", kind.name, raw)


# --------------------------------------------------------------------------- safety


def _read(text: str) -> Any:
    doc = read_text(SourceDoc("<fmt>", None), text[1:] if text.startswith(_BOM) else text)
    return doc.data if doc.ok else None


def _comment_lines(text: str) -> Counter[str]:
    """Every comment's text: full-line comments and end-of-line comments (outside quotes)."""
    found: Counter[str] = Counter()
    for line in _lf(text).split("\n"):
        quote = ""
        for index, char in enumerate(line):
            if quote:
                if char == quote:
                    quote = ""
            elif char in "\"'" and (index == 0 or line[index - 1] in " [{,:-"):
                quote = char
            elif char == "#" and (index == 0 or line[index - 1] in " \t"):
                found[line[index:].strip()] += 1
                break
    return found


def _safe(original_text: str, result: str, original_data: Any) -> bool:
    data = _read(result)
    if data is None or data != original_data or not _same_types(data, original_data):
        return False
    return not (_comment_lines(original_text) - _comment_lines(result))


def _same_types(a: Any, b: Any) -> bool:
    """`1 == True` and `1 == 1.0` in Python: types are compared too."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return all(_same_types(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return all(_same_types(x, y) for x, y in zip(a, b))
    return True


def _lf(text: str) -> str:
    """CRLF and CR line ends as LF (libyaml reads all three as line breaks: the data is the same)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _normalise(text: str) -> str:
    """No BOM, LF line ends, no document markers, no blank line at the top."""
    if text.startswith(_BOM):
        text = text[1:]
    text = _lf(text)
    lines = text.split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if _DOC_START.match(line):
            del lines[index]
        break
    last = len(lines) - 1
    while last >= 0 and not lines[last].strip():
        last -= 1
    if last >= 0 and _DOC_END.match(lines[last]):
        del lines[last]
    while len(lines) > 1 and not lines[0].strip():  # no blank line before the first key or comment
        del lines[0]
    return "\n".join(lines)


def _final_newline(text: str, original_data: Any) -> str:
    candidate = text.rstrip("\n") + "\n"
    return candidate if _read(candidate) == original_data else text


# --------------------------------------------------------------------------- key order (text level)


@dataclass
class _Node:
    kind: str  # map, seq, scalar, alias
    flow: bool
    start: tuple[int, int]  # 0-based line, column
    end: tuple[int, int]
    keys: list[tuple[str, tuple[int, int]]] = field(default_factory=list)  # mapping keys and their start
    children: list["_Node"] = field(default_factory=list)  # values (mapping) or items (sequence)
    block_scalar: bool = False


def _tree(text: str) -> _Node | None:
    """The text's nodes with their lines, or None where the line-based steps cannot work on them: libyaml's lines
    are not the text's LF-separated lines (a CR, NEL, LS or PS line break), or a key is not a scalar (ruamel.yaml
    may write a text eee reads otherwise: `? a<NEL>? b` is one key for ruamel.yaml, three for libyaml). The
    line-based steps then leave the text as it is; `_safe` decides on the rest."""
    if _OTHER_BREAKS.search(text):
        return None
    import yaml

    events = iter(Parser(text).get_event, None)  # type: ignore[attr-defined]

    def node(event: Any) -> _Node:
        start = (event.start_mark.line, event.start_mark.column)
        if isinstance(event, yaml.AliasEvent):
            return _Node("alias", False, start, (event.end_mark.line, event.end_mark.column))
        if isinstance(event, yaml.ScalarEvent):
            return _Node("scalar", False, start, (event.end_mark.line, event.end_mark.column),
                         block_scalar=event.style in ("|", ">"))
        flow = bool(event.flow_style)
        if isinstance(event, yaml.SequenceStartEvent):
            result = _Node("seq", flow, start, start)
            while True:
                event = next(events)
                if isinstance(event, yaml.SequenceEndEvent):
                    result.end = (event.end_mark.line, event.end_mark.column)
                    return result
                result.children.append(node(event))
        result = _Node("map", flow, start, start)
        while True:
            event = next(events)
            if isinstance(event, yaml.MappingEndEvent):
                result.end = (event.end_mark.line, event.end_mark.column)
                return result
            if not isinstance(event, yaml.ScalarEvent):
                raise _NoTree  # a key that is a list, a table or an alias: eee reads no such text
            result.keys.append((event.value, (event.start_mark.line, event.start_mark.column)))
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


def _last_line(node: _Node, lines: list[str]) -> int:
    """The last line holding something of this node (its value, not the comments after it)."""
    if node.kind in ("map", "seq") and not node.flow:
        return _last_line(node.children[-1], lines) if node.children else node.start[0]
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


def _reorder(text: str, kind: Kind, schemas: SchemaSet) -> str | None:
    root = _tree(text)
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


def _reorder_node(node: _Node, pointer: tuple[Any, ...], lines: list[str], kind: Kind, schemas: SchemaSet,
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


def _reorder_flow(node: _Node, order: list[int], lines: list[str]) -> None:
    """A one-line flow table of simple values: `{nom: X, code: "1"}` → `{code: "1", nom: X}`."""
    line = node.start[0]
    if node.end[0] != line or any(c.kind in ("map", "seq") for c in node.children):
        return  # left as written
    text = lines[line]
    items = [text[start[1]:child.end[1]] for (_, start), child in zip(node.keys, node.children)]
    first, last = node.keys[0][1][1], node.children[-1].end[1]
    lines[line] = text[:first] + ", ".join(items[i] for i in order) + text[last:]


def _reorder_block(node: _Node, order: list[int], lines: list[str]) -> None:
    starts = [start for _, start in node.keys]
    if len({line for line, _ in starts}) != len(starts) or len({col for _, col in starts}) != 1:
        raise _CannotReorder
    col = starts[0][1]
    first_line = starts[0][0]
    prefix = lines[first_line][:col]
    if prefix.strip() and not re.fullmatch(r"[ -]*", prefix):
        raise _CannotReorder  # a key sharing its line with something other than list dashes
    ends = [_last_line(child, lines) for child in node.children]
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


# --------------------------------------------------------------------------- quoting and indentation (ruamel)


def _misleading(text: str) -> bool:
    """A plain text that eee reads as text but other YAML tools (or readers) would take for a number or a boolean."""
    if AMBIGUOUS.match(text) or text.lower() in _YES_NO_FR or _YAML12_NUMBER.match(text):
        return True
    import yaml

    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False))
    return tag not in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp")


def _wants_text(node: dict[str, Any] | None) -> bool:
    if not node:
        return False
    kind = node.get("type")
    if kind == "string" or (isinstance(kind, list) and "string" in kind):
        return True
    enum = node.get("enum")
    return kind is None and bool(enum) and all(isinstance(v, str) for v in enum)


def _yaml() -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver
    from ruamel.yaml.tag import Tag

    class EeeResolver(VersionedResolver):  # type: ignore[misc]
        """Plain scalars typed exactly as eee's loader types them (so nothing is re-quoted or re-read)."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode and implicit[0]:
                return Tag(suffix="tag:yaml.org,2002:" + plain_tag(value))
            return super().resolve(kind, value, implicit)

    yaml = YAML()
    yaml.Resolver = EeeResolver
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100_000  # never fold a long line
    yaml.brace_single_entry_mapping_in_flow_sequence = True
    return yaml


def _round_trip(text: str, kind: Kind, schemas: SchemaSet, quote: bool) -> str | None:
    yaml = _yaml()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ruamel.yaml's notes (a reused anchor…) are English, not the user's
            data = yaml.load(text)
            if hasattr(data, "fa"):
                data.fa.set_block_style()  # the entity itself is a block table; values keep their style
            if quote:
                _quote(data, (), kind, schemas, {})
            out = io.StringIO()
            yaml.dump(data, out)
    except Exception:  # pragma: no cover - ruamel failing on text eee reads: keep the text
        return None
    return _indent_comments(out.getvalue())


def _indent_comments(text: str) -> str:
    """A comment line takes the indentation of the line it precedes (ruamel keeps the old column)."""
    root = _tree(text)
    if root is None:
        return text
    lines = text.split("\n")
    content: set[int] = set()  # lines inside block texts (`|`, `>`), where « # » is text

    def walk(node: _Node) -> None:
        if node.block_scalar:
            content.update(range(node.start[0] + 1, _last_line(node, lines) + 1))
        for child in node.children:
            walk(child)

    walk(root)
    following = ""
    for index in range(len(lines) - 1, -1, -1):
        stripped = lines[index].strip()
        if not stripped or index in content:
            if index in content:
                following = ""
            continue
        indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
        if stripped.startswith("#"):
            lines[index] = following + stripped
        else:
            following = indent
    return "\n".join(lines)


def _quote(value: Any, pointer: tuple[Any, ...], kind: Kind, schemas: SchemaSet, done: dict[int, Any]) -> None:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, CommentedMap):
        slots = list(value.keys())
    elif isinstance(value, CommentedSeq):
        slots = list(range(len(value)))
    else:
        return
    for slot in slots:
        item = value[slot]
        if id(item) in done:
            value[slot] = done[id(item)]
        elif _plain_text(item) and _misleading(str(item)) and _wants_text(schemas.node_at(kind.name, pointer + (slot,))):
            new = _double_quoted(item)
            done[id(item)] = new
            value[slot] = new
        else:
            _quote(item, pointer + (slot,), kind, schemas, done)


def _plain_text(item: Any) -> bool:
    from ruamel.yaml.scalarstring import PlainScalarString, ScalarString

    return type(item) is str or isinstance(item, PlainScalarString) or (
        isinstance(item, str) and not isinstance(item, ScalarString))


def _double_quoted(item: Any) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    new = DoubleQuotedScalarString(str(item))
    anchor = getattr(item, "anchor", None)
    if anchor is not None and getattr(anchor, "value", None):
        new.yaml_set_anchor(anchor.value, always_dump=True)
    return new
