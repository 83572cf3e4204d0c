"""A quick "certainly valid" verdict on a value against a schema, without jsonschema (standard library only).

Most files of a registry are valid, and all eee needs to know about them is
that they are. `compile_schema` turns a dereferenced schema (no `$ref`: see
`SchemaSet.dereferenced`) into a function that answers True only when the
value meets the schema as jsonschema reads it (draft 2020-12, with the `date`
format checked). False means "invalid, or not sure": jsonschema then decides,
and says why. So this may never call valid what jsonschema refuses; calling
invalid what it accepts only costs time. Tests compare both on arbitrary and
real documents (tests/test_properties.py).

It knows the keywords eee's schemas use. A schema with any other keyword
(`oneOf`, `patternProperties`…) raises `Unsupported` when compiled, and that
kind is then always checked by jsonschema.

Compiling takes about a millisecond per kind and needs no import beyond the
standard library: a pre-commit hook that checks one changed file does not pay
for jsonschema (about 0.1 s to import) unless that file has a problem.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

Check = Callable[[Any], bool]


class Unsupported(ValueError):
    """A schema uses a keyword this module does not check."""


# Keywords that do not constrain a value (annotations), besides those starting with "x-".
ANNOTATIONS = frozenset({"title", "description", "$comment", "examples", "default", "$schema", "$id", "$defs",
                         "deprecated", "readOnly", "writeOnly"})

# JSON types as Python types. `type(value) is …` (not isinstance) on purpose: True is not an integer
# for jsonschema, and a value of any other type (a subclass, a date object) is "not sure". A float
# with no fractional part is an integer as well (see compile_schema).
TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "array": (list,), "object": (dict,), "null": (type(None),),
}
_PLAIN = frozenset({str, int, float, bool, list, dict, type(None)})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)  # jsonschema's own test, then the calendar's


def compile_schema(node: Any) -> Check:
    """The verdict function of a dereferenced schema; `Unsupported` if it uses an unknown keyword."""
    if node is True:
        return _always
    if node is False:
        return _never
    if not isinstance(node, dict):
        raise Unsupported(f"schema {node!r}")
    unknown = [k for k in node if k not in _KNOWN and k not in ANNOTATIONS and not k.startswith("x-")]
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))

    allowed: frozenset[type] | None = None
    names: list[Any] = []  # no `type`: any type
    if "type" in node:
        names = node["type"] if isinstance(node["type"], list) else [node["type"]]
        if not all(isinstance(n, str) and n in TYPES for n in names):
            raise Unsupported(f"type {node['type']!r}")
        allowed = frozenset(t for n in names for t in TYPES[n])
    by_type: dict[type, list[Check]] = {}
    if allowed is not None and "integer" in names and "number" not in names:  # jsonschema: 2.0 is an integer too
        allowed |= {float}
        by_type[float] = [float.is_integer]
    for keyword, value in node.items():
        maker = _KEYWORDS.get(keyword)
        if maker is not None:
            applies_to, check = maker(value, node)
            if check is not None:
                for t in applies_to:
                    by_type.setdefault(t, []).append(check)
    enum = _enum(node["enum"]) if "enum" in node else None
    return _node(allowed, enum, {t: tuple(checks) for t, checks in by_type.items()})


def _node(allowed: frozenset[type] | None, enum: frozenset[str] | None, by_type: dict[type, tuple[Check, ...]]) -> Check:
    if enum is not None:  # an enumeration of texts: nothing else can hold
        def check_enum(value: Any) -> bool:
            if type(value) is not str or value not in enum:
                return False
            return all(c(value) for c in by_type.get(str, ())) and (allowed is None or str in allowed)
        return check_enum
    if allowed is not None and len(allowed) == 1 and len(by_type) <= 1 and set(by_type) <= allowed:
        (only,) = allowed
        checks = by_type.get(only, ())
        if not checks:
            return lambda value: type(value) is only
        if len(checks) == 1:
            (one,) = checks
            return lambda value: type(value) is only and one(value)

        def check_one_type(value: Any) -> bool:
            if type(value) is not only:
                return False
            for c in checks:
                if not c(value):
                    return False
            return True
        return check_one_type

    def check_any(value: Any) -> bool:
        t = type(value)
        if allowed is not None and t not in allowed:
            return False
        if t not in _PLAIN:
            return False  # not sure: jsonschema decides
        for c in by_type.get(t, ()):
            if not c(value):
                return False
        return True
    return check_any


def _enum(values: Any) -> frozenset[str]:
    if not isinstance(values, list) or not all(type(v) is str for v in values):
        raise Unsupported("enum of values other than texts")
    return frozenset(values)


# Each keyword: (the Python types it constrains, a check that assumes the value has one of them).
# Keywords that only matter through another one (properties for additionalProperties) return None.

def _properties(value: Any, node: dict[str, Any]) -> tuple[tuple[type, ...], Check | None]:
    if not isinstance(value, dict):
        raise Unsupported("properties")
    props = {name: compile_schema(sub) for name, sub in value.items()}
    extra = node.get("additionalProperties")
    rest = None if extra is None or extra is True else compile_schema(extra)

    def check_properties(data: dict[Any, Any]) -> bool:
        for key, item in data.items():
            if type(key) is not str:
                return False  # not sure: jsonschema decides
            sub = props.get(key)
            if sub is None:
                if rest is not None and not rest(item):
                    return False
            elif not sub(item):
                return False
        return True
    return (dict,), check_properties


def _additional(value: Any, node: dict[str, Any]) -> tuple[tuple[type, ...], Check | None]:
    if "properties" in node:
        return (dict,), None  # checked with the properties
    if value is True:
        return (dict,), None
    rest = compile_schema(value)
    return (dict,), lambda data: all(rest(item) for item in data.values())


def _required(value: Any, node: dict[str, Any]) -> tuple[tuple[type, ...], Check | None]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Unsupported("required")
    names = tuple(value)
    return (dict,), lambda data: all(name in data for name in names)


def _items(value: Any, node: dict[str, Any]) -> tuple[tuple[type, ...], Check | None]:
    if not isinstance(value, (dict, bool)):
        raise Unsupported("items")
    item = compile_schema(value)

    def check_items(data: list[Any]) -> bool:
        for x in data:
            if not item(x):
                return False
        return True
    return (list,), check_items


def _count(compare: Callable[[int, int], bool], types: tuple[type, ...]) -> Callable[..., tuple[tuple[type, ...], Check | None]]:
    def maker(value: Any, node: dict[str, Any]) -> tuple[tuple[type, ...], Check | None]:
        if type(value) is not int:
            raise Unsupported("length")
        return types, lambda data: compare(len(data), value)
    return maker


def _bound(compare: Callable[[Any, Any], bool]) -> Callable[..., tuple[tuple[type, ...], Check | None]]:
    def maker(value: Any, node: dict[str, Any]) -> tuple[tuple[type, ...], Check | None]:
        if type(value) not in (int, float):
            raise Unsupported("bound")
        return (int, float), lambda number: compare(number, value)
    return maker


def _pattern(value: Any, node: dict[str, Any]) -> tuple[tuple[type, ...], Check | None]:
    try:
        search = re.compile(value).search  # jsonschema: re.search, anywhere in the text
    except re.error as exc:  # e.g. \p{Letter}: valid for ECMA-262, not for Python
        raise Unsupported(f"pattern {value!r}") from exc
    return (str,), lambda text: search(text) is not None


def _format(value: Any, node: dict[str, Any]) -> tuple[tuple[type, ...], Check | None]:
    if value != "date":
        raise Unsupported(f"format {value}")  # the only format eee's checker knows
    return (str,), _is_date


def _unique(value: Any, node: dict[str, Any]) -> tuple[tuple[type, ...], Check | None]:
    if value is False:
        return (list,), None
    if value is not True:
        raise Unsupported("uniqueItems")
    return (list,), _all_different


def _is_date(text: str) -> bool:
    if _DATE.fullmatch(text) is None:
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _all_different(items: list[Any]) -> bool:
    """True only if no two items are equal as jsonschema compares them (True is not 1)."""
    if all(type(x) is str for x in items):
        return len(set(items)) == len(items)
    seen: list[Any] = []
    for item in items:
        if any(_equal(item, other) for other in seen):
            return False
        seen.append(item)
    return True


def _equal(one: Any, two: Any) -> bool:
    if one is two:
        return True
    if type(one) in (list, dict) or type(two) in (list, dict):
        if type(one) is not type(two) or len(one) != len(two):
            return False
        if type(one) is list:
            return all(_equal(a, b) for a, b in zip(one, two))
        return all(key in two and _equal(v, two[key]) for key, v in one.items())
    if type(one) is bool or type(two) is bool:
        return one is two
    return bool(one == two)


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


_KEYWORDS: dict[str, Callable[[Any, dict[str, Any]], tuple[tuple[type, ...], Check | None]]] = {
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _required,
    "items": _items,
    "minItems": _count(lambda n, bound: n >= bound, (list,)),
    "maxItems": _count(lambda n, bound: n <= bound, (list,)),
    "minLength": _count(lambda n, bound: n >= bound, (str,)),
    "maxLength": _count(lambda n, bound: n <= bound, (str,)),
    "minimum": _bound(lambda n, bound: not n < bound),  # as jsonschema writes it: NaN passes
    "maximum": _bound(lambda n, bound: not n > bound),
    "pattern": _pattern,
    "format": _format,
    "uniqueItems": _unique,
}
_KNOWN = frozenset(_KEYWORDS) | {"type", "enum"}
