"""`eee fmt`'s quoting and indentation, through ruamel.yaml's round trip (imported on first use).

`round_trip(text, kind, schemas, quote)` gives the text as ruamel.yaml writes it back (2-space indentation,
list items two spaces under their key, comments at the indentation of the line they precede); with `quote`,
a plain value other YAML tools would read as a number or a boolean (`09`, `NO`, `oui`, `18:30`…) is
double-quoted where the schema wants text. Plain scalars are typed exactly as eee's loader types them
(`yamlcore.plain_tag`), so that nothing else is quoted or read otherwise. `fmt` decides whether the result is kept.
"""

from __future__ import annotations

import io
import re
import warnings
from typing import Any

from .fmtorder import Node, last_line, tree
from .kinds import Kind
from .schema import SchemaSet
from .yamlcore import AMBIGUOUS, plain_tag

_YES_NO_FR = {"oui", "non", "vrai", "faux"}
_YAML12_NUMBER = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


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
    return kind is None and enum is not None and bool(enum) and all(isinstance(v, str) for v in enum)


def _yaml() -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver
    from ruamel.yaml.tag import Tag

    class EeeResolver(VersionedResolver):
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


def round_trip(text: str, kind: Kind, schemas: SchemaSet, quote: bool) -> str | None:
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
    root = tree(text)
    if root is None:
        return text
    lines = text.split("\n")
    content: set[int] = set()  # lines inside block texts (`|`, `>`), where « # » is text

    def walk(node: Node) -> None:
        if node.block_scalar:
            content.update(range(node.start[0] + 1, last_line(node, lines) + 1))
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
