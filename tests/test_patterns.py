"""Patterns of a schema are ECMA-262 regular expressions: eee reads them so, on the quick path and in jsonschema."""

from __future__ import annotations

import re
import warnings

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eee.schemacheck import _ecma_patterns
from eee.validity import Unsupported, compile_pattern, compile_schema

ECMA = _ecma_patterns(jsonschema.Draft202012Validator)

# (pattern, text, whether ECMA-262 finds the pattern in the text). Most rows are where Python's own reading
# (re.search) differs: test_the_table_holds_the_differences keeps them there.
READINGS = [
    ("^abc$", "abc\n", False), ("^abc$", "abc", True), ("^[a-z]+$", "ab\nc", False), ("c$", "abc\n", False),
    ("^[a-z0-9]+(-[a-z0-9]+)*$", "forum-metiers\n", False), ("^[0-9]{4}-[0-9]{4}$", "2022-2023\n", False),
    ("^[0-9]{7}[A-Za-z]$", "0312686B\n", False), ("^[0-9]{7}[A-Za-z]$", "0312686B", True),
    ("^[$]$", "$", True), (r"^\$$", "$", True), ("^a|b$", "b\n", False),
    (r"^\d$", "\u07c0", False), (r"^\D$", "\u07c0", True), (r"^\d+$", "\u09ea\u09e8", False),
    (r"^\w$", "é", False), (r"^\W$", "é", True), (r"\bé", "é", False), (r"^[\w]$", "é", False),
    (r"^\s$", "\ufeff", True), (r"^\s$", "\u2003", True), (r"^\s$", "\u2029", True), (r"^\s$", "\x1c", False),
    (r"^\S$", "\ufeff", False), (r"^\S$", "\x1c", True), (r"^[^\s]$", "\x1c", True), (r"^[^\s]$", "\ufeff", False),
    ("^.$", "\r", False), ("^.$", "\u2028", False), ("^.$", "é", True), ("^.$", "🐲", True), ("^🐲*$", "🐲🐲", True),
    (r"^\cC$", "\x03", True), (r"^\cc$", "\x03", True), (r"^\t$", "\t", True), (r"^\t$", "\\t", False),
    (r"^\u{1F432}$", "🐲", True), (r"^\uD83D\uDC32$", "🐲", True), (r"^\x41\0$", "A\x00", True),
    ("a[]", "a", False), ("^[^]$", "\n", True), ("^[a-z-]$", "-", True), (r"^[\-]$", "-", True),
    (r"^[\b]$", "\x08", True), (r"^[\d-]$", "-", True), ("^[[]$", "[", True), ("^[a&&b]$", "&", True),
    (r"^(?<year>[0-9]{4})-[0-9]{4}$", "2022-2023", True), (r"^(?<year>[0-9]{4})-[0-9]{4}$", "2022-2023\n", False),
    ("(?<=a)b", "ab", True), ("(?<!a)b", "ab", False), ("^a{2,}?$", "aaa", True), ("^(?:ab)+$", "abab", True),
    ("(?=a)", "b", False), ("(?!a)", "a", True),
]


@pytest.mark.parametrize("pattern, text, found", READINGS)
def test_patterns_are_read_as_ecma_262(pattern: str, text: str, found: bool) -> None:
    assert (compile_pattern(pattern).search(text) is not None) is found
    schema = {"type": "string", "pattern": pattern}
    assert compile_schema(schema)(text) is found  # the quick verdict
    assert ECMA(schema).is_valid(text) is found  # jsonschema, as eee extends it


def test_the_table_holds_the_differences() -> None:
    """The rows are there for the cases Python reads otherwise: without the translation, they would fail."""
    differ = 0
    for pattern, text, found in READINGS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # [[] : « Possible nested set », a reading Python may change
                differ += (re.search(pattern, text) is not None) is not found
        except (re.error, FutureWarning):
            differ += 1
    assert differ >= 30


# Not ECMA-262 (with the `u` flag), or read otherwise by Python, or not translated: jsonschema decides.
UNSUPPORTED = [
    r"\p{Letter}", r"^\p{digit}+$", r"\P{L}", r"(a)\1", r"\k<n>", r"(?<n>a)\k<n>", r"[\S]", r"[\s\S]",
    r"\a", r"\A", r"\Z", r"\z", r"\-", r"\e", r"\c1", r"\x4", r"\01", r"\uD800", r"\u{110000}", r"\u{D83D}",
    "a{,3}", "a{1", "a}", "a]", "a{2,1}", "a{99999999999}",
    "a*+", "a++", "a?+", "a{2}+", "a???", "a**",
    "(?>a)", "(?i)a", "(?i:a)", "(?P<n>a)", "(?#c)", "(?<>a)", "(?<a$>a)", "(?<n>a)(?<n>b)",
    "(", ")", "(a", "a)", "[a", "[", "\\", "[a-", "[\\",
    "(?=a)*", "(?<=a)+", "^*", "$+", r"\b+", "|*", "*a",
    "[z-a]", r"[\d-z]", r"[a-\d]", r"[\s-a]", r"[\B]",
    "(?<=a+)b", "(?<!a|bc)d",
]


@pytest.mark.parametrize("pattern", UNSUPPORTED)
def test_what_cannot_be_read_faithfully_is_unsupported(pattern: str) -> None:
    with pytest.raises(Unsupported):
        compile_pattern(pattern)
    with pytest.raises(Unsupported):
        compile_schema({"type": "string", "pattern": pattern})


def test_jsonschema_reads_an_unsupported_pattern_its_own_way() -> None:
    # \A is not ECMA-262; jsonschema's own reading (Python's re) still applies, as it did before eee extended it.
    validator = ECMA({"pattern": r"\Aab"})
    assert validator.is_valid("abc") and not validator.is_valid("cab")
    assert ECMA({"pattern": r"^\d$"}).is_valid(7)  # not a text: patterns do not apply
    with pytest.raises(re.error):  # as with jsonschema's own class: a bad pattern is the schema's fault
        ECMA({"pattern": "a**"}).is_valid("a")


@given(st.text(alphabet="ab^$.*+?()[]{}|\\-,:=!<>0123456789dDsSwWbBcpkuxz\n", max_size=12))
@settings(max_examples=300, deadline=None)
def test_any_text_is_a_pattern_or_unsupported(pattern: str) -> None:
    try:
        compiled = compile_pattern(pattern)
    except Unsupported:
        return
    compiled.search("ab-1\n")


# Patterns on which ECMA-262 and Python agree (no `$`, `.`, \s, and texts in ASCII without a line break): the
# translation must not change what they find.
_ATOMS = st.sampled_from(["a", "b", "c", "-", r"\d", r"\w", r"\W", r"\D", "[ab]", "[^a]", "[a-c]", r"[\d.]", r"\.",
                          "[-a]", r"\b", "^"])


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, inner).map("".join),
        st.tuples(inner, inner).map(lambda p: f"(?:{p[0]}|{p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]}){p[1]}"),
        inner.map(lambda p: f"(?:{p})*"), inner.map(lambda p: f"(?:{p})+?"), inner.map(lambda p: f"(?:{p}){{1,2}}"),
        inner.map(lambda p: f"(?={p})"), inner.map(lambda p: f"(?!{p})"),
    )


@given(st.recursive(_ATOMS, _grow, max_leaves=6), st.text(alphabet="abc-1. ", max_size=8))
@settings(max_examples=300, deadline=None)
def test_where_both_readings_agree_nothing_changes(pattern: str, text: str) -> None:
    assert (compile_pattern(pattern).search(text) is None) is (re.search(pattern, text) is None), pattern


def test_a_pattern_is_translated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The dereferenced schemas repeat the same few patterns (the id's, the date's) in every kind, many times.
    import eee.validity

    calls = []
    translate = eee.validity._translate
    monkeypatch.setattr(eee.validity, "_translate", lambda pattern: calls.append(pattern) or translate(pattern))
    for _ in range(3):
        assert compile_pattern("^translated-once-[0-9]+$").search("translated-once-1")
    assert calls == ["^translated-once-[0-9]+$"]
