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
(`oneOf`, `patternProperties`…), or another dialect than draft 2020-12, raises
`Unsupported` when compiled, and that kind is then always checked by jsonschema.
A `pattern` is an ECMA-262 regular expression: `compile_pattern` translates it
for Python's re, or raises `Unsupported`; eee's jsonschema validators use it too
(`schemacheck`), so that both read patterns alike. The official
JSON-Schema-Test-Suite checks the verdicts (tests/test_validity_suite.py).

Compiling takes about a millisecond per kind and needs no import beyond the
standard library: a pre-commit hook that checks one changed file does not pay
for jsonschema (about 0.1 s to import) unless that file has a problem.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]


class Unsupported(ValueError):
    """A schema uses a keyword this module does not check."""


# Keywords that do not constrain a value (annotations), besides those starting with "x-".
ANNOTATIONS = frozenset({"title", "description", "$comment", "examples", "default", "$id", "$defs",
                         "deprecated", "readOnly", "writeOnly"})
# The dialects this module reads: another `$schema` (draft 4, a meta-schema without the validation vocabulary…)
# changes what keywords mean (for draft 4, 1.0 is not an integer).
DIALECTS = frozenset({"https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2020-12/schema#"})

# JSON types as Python types. `type(value) is …` (not isinstance) on purpose: True is not an integer
# for jsonschema, and a value of any other type (a subclass, a date object) is "not sure". A float
# with no fractional part is an integer as well (see compile_schema).
TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "array": (list,), "object": (dict,), "null": (type(None),),
}
_PLAIN = frozenset({str, int, float, bool, list, dict, type(None)})
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)  # jsonschema's own test, then the calendar's


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
    if "$schema" in node and not (isinstance(node["$schema"], str) and node["$schema"] in DIALECTS):
        raise Unsupported(f"$schema {node['$schema']!r}")

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
    search = compile_pattern(value).search  # as jsonschema does: anywhere in the text
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


# ---------------------------------------------------------------- patterns: ECMA-262 read by Python's re

# What ECMA-262's \s matches (its WhiteSpace and LineTerminator), as the inside of a class: Python's \s also
# takes \x1c-\x1f and leaves U+FEFF out.
_SPACES = r"\t\n\x0b\x0c\r\x20\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DOT = r"[^\n\r\u2028\u2029]"  # ECMA's `.` stops at every line terminator, Python's at \n only
_NOTHING = r"[^\x00-\U0010ffff]"  # ECMA's [] (for Python, `[]…]` is a class whose first character is `]`)
_ANYTHING = r"[\x00-\U0010ffff]"  # ECMA's [^]
_CONTROLS = {"t": 0x09, "n": 0x0A, "v": 0x0B, "f": 0x0C, "r": 0x0D}
_SYNTAX = frozenset("^$\\.*+?()[]{}|/")  # the characters ECMA lets escape as themselves (with the `u` flag)
_QUANTIFIER = re.compile(r"\{[0-9]+(?:,[0-9]*)?\}")
_HEX2 = re.compile(r"[0-9A-Fa-f]{2}")
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_CODE_POINT = re.compile(r"\{([0-9A-Fa-f]+)\}")
_GROUP_NAME = re.compile(r"\(\?<([^>=!]*)>")
_LOOKS = ("(?=", "(?!", "(?<=", "(?<!")


def compile_pattern(pattern: str) -> re.Pattern[str]:
    r"""An ECMA-262 regular expression (what a JSON Schema `pattern` is, read with the `u` flag) as a Python
    pattern whose `search` finds the same texts; `Unsupported` where it cannot say so faithfully.

    What differs, translated: `$` is the end of the text (Python's also matches before a final newline, so
    that ^[a-z]+$ took "abc\n"); \d, \w and \b are ASCII (re.ASCII); \s is ECMA's list of spaces; `.` stops
    at \r, U+2028 and U+2029 as well; `[]` matches nothing and `[^]` anything; \cX, \u{…} and surrogate
    pairs are characters. Unsupported: what Python reads otherwise or not at all (\p{…}, backreferences,
    inline flags, a lone `{`, `}` or `]`, `a*+`, which is possessive in Python and an error in ECMA), and
    what ECMA refuses with the `u` flag (a quantified assertion, an unknown escape such as \a or \Z)."""
    if not isinstance(pattern, str):
        raise Unsupported(f"pattern {pattern!r}")
    found = _COMPILED.get(pattern)
    if found is None:
        if len(_COMPILED) >= 1024:  # schemas have a few patterns, each inlined many times (SchemaSet.dereferenced)
            _COMPILED.clear()
        found = _COMPILED[pattern] = _translate(pattern)
    return found


_COMPILED: dict[str, re.Pattern[str]] = {}


def _translate(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    groups: list[bool] = []  # the groups open here: True for a lookaround, an assertion
    quantifiable = False  # whether the piece before can take a quantifier
    i, end = 0, len(pattern)
    while i < end:
        c = pattern[i]
        if c == "\\":
            piece, i, quantifiable = _escape(pattern, i + 1)
        elif c == "[":
            piece, i = _class(pattern, i + 1)
            quantifiable = True
        elif c == "(":
            piece, i, look = _group(pattern, i)
            groups.append(look)
            quantifiable = False
        elif c == ")":
            if not groups:
                raise Unsupported(f"pattern {pattern!r}: « ) » sans « ( »")
            piece, i = ")", i + 1
            quantifiable = not groups.pop()
        elif c in "*+?{":
            found = _QUANTIFIER.match(pattern, i) if c == "{" else None
            if not quantifiable or (c == "{" and found is None):
                raise Unsupported(f"pattern {pattern!r}: « {c} » en position {i}")
            piece, i = (found.group(), found.end()) if found is not None else (c, i + 1)
            if pattern.startswith("?", i):  # lazy: the same texts are found
                piece, i = piece + "?", i + 1
            quantifiable = False  # a second quantifier: an error in ECMA, possessive in Python
        elif c in "]}":
            raise Unsupported(f"pattern {pattern!r}: « {c} » seul")
        else:
            piece = {"$": r"\Z", "^": "^", "|": "|", ".": _DOT}.get(c) or re.escape(c)
            quantifiable = c not in "$^|"
            i += 1
        out.append(piece)
    if groups:
        raise Unsupported(f"pattern {pattern!r}: « ( » sans « ) »")
    try:
        return re.compile("".join(out), re.ASCII)
    except (re.error, OverflowError, RecursionError) as exc:  # e.g. a lookbehind of variable length
        raise Unsupported(f"pattern {pattern!r}: {exc}") from exc


def _escape(pattern: str, i: int) -> tuple[str, int, bool]:
    """The escape after a backslash at `i`, outside a class: (Python text, where it ends, quantifiable)."""
    c = pattern[i:i + 1]
    if c and c in "dDwW":
        return "\\" + c, i + 1, True
    if c and c in "bB":
        return "\\" + c, i + 1, False
    if c == "s":
        return f"[{_SPACES}]", i + 1, True
    if c == "S":
        return f"[^{_SPACES}]", i + 1, True
    code, i = _character_escape(pattern, i)
    return _char(code), i, True


def _group(pattern: str, i: int) -> tuple[str, int, bool]:
    """The group opening at `i`: (Python text, where its content starts, whether it is a lookaround)."""
    if not pattern.startswith("(?", i):
        return "(", i + 1, False
    if pattern.startswith("(?:", i):
        return "(?:", i + 3, False
    for look in _LOOKS:  # a lookbehind Python cannot read (of variable length) fails to compile: Unsupported
        if pattern.startswith(look, i):
            return look, i + len(look), True
    named = _GROUP_NAME.match(pattern, i)
    if named is not None and named.group(1).isidentifier():
        return f"(?P<{named.group(1)}>", named.end(), False
    raise Unsupported(f"pattern {pattern!r}: groupe « {pattern[i:i + 4]}… »")  # flags, (?P…), (?>…)…


def _class(pattern: str, i: int) -> tuple[str, int]:
    """The character class whose `[` is just before `i`: (Python text, where it ends)."""
    negated = pattern.startswith("^", i)
    i += negated
    items: list[str] = []
    while True:
        if i >= len(pattern):
            raise Unsupported(f"pattern {pattern!r}: « [ » sans « ] »")
        if pattern[i] == "]":
            break
        first, i = _class_atom(pattern, i)
        if pattern.startswith("-", i) and not pattern.startswith("-]", i) and i + 1 < len(pattern):
            last, i = _class_atom(pattern, i + 1)
            if isinstance(first, str) or isinstance(last, str) or first > last:
                raise Unsupported(f"pattern {pattern!r}: intervalle invalide en position {i}")
            items.append(f"{_char(first)}-{_char(last)}")
        else:
            items.append(first if isinstance(first, str) else _char(first))
    if not items:
        return (_ANYTHING if negated else _NOTHING), i + 1
    return "[" + "^" * negated + "".join(items) + "]", i + 1


def _class_atom(pattern: str, i: int) -> tuple[int | str, int]:
    """One character of a class (a code point), or a class escape (Python text for inside a class)."""
    if pattern[i] != "\\":
        return ord(pattern[i]), i + 1
    c = pattern[i + 1:i + 2]
    if c and c in "dDwW":
        return "\\" + c, i + 2
    if c == "s":
        return _SPACES, i + 2
    if c == "b":
        return 0x08, i + 2  # backspace, in a class
    if c == "-":
        return ord("-"), i + 2
    return _character_escape(pattern, i + 1)  # \S or \B here: Unsupported


def _character_escape(pattern: str, i: int) -> tuple[int, int]:
    """The code point of the escape after a backslash at `i`, and where it ends; Unsupported if it is none."""
    c = pattern[i:i + 1]
    if c in _CONTROLS and c:
        return _CONTROLS[c], i + 1
    if c == "0" and pattern[i + 1:i + 2] not in tuple("0123456789"):
        return 0, i + 1
    if c == "c" and pattern[i + 1:i + 2].isascii() and pattern[i + 1:i + 2].isalpha():
        return ord(pattern[i + 1]) % 32, i + 2
    if c == "x" and (found := _HEX2.match(pattern, i + 1)):
        return int(found.group(), 16), found.end()
    if c == "u" and (found := _CODE_POINT.match(pattern, i + 1)):
        code, end = int(found.group(1), 16), found.end()
        if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return code, end
    elif c == "u" and (found := _HEX4.match(pattern, i + 1)):
        code, end = int(found.group(), 16), found.end()
        low = _HEX4.match(pattern, end + 2) if pattern.startswith("\\u", end) else None
        if 0xD800 <= code <= 0xDBFF and low and 0xDC00 <= int(low.group(), 16) <= 0xDFFF:  # a surrogate pair
            return 0x10000 + ((code - 0xD800) << 10) + int(low.group(), 16) - 0xDC00, low.end()
        if not 0xD800 <= code <= 0xDFFF:  # a lone surrogate: no code point in a Python text matches as in ECMA
            return code, end
    elif c in _SYNTAX and c:
        return ord(c), i + 1
    raise Unsupported(f"pattern {pattern!r}: « \\{c} » en position {i}")  # \p{…}, \1, \k<…>, \a, \Z…


def _char(code: int) -> str:
    """A code point for Python, the same inside a class or out of it: a letter or digit as itself, else escaped."""
    if code < 0x80 and chr(code).isalnum():
        return chr(code)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


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
_KNOWN = frozenset(_KEYWORDS) | {"type", "enum", "$schema"}
