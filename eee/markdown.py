"""Markdown made safe, whatever a value holds (standard library only).

Markdown has no quoting of its own: a value is made safe for the place it goes to. `md_escape` for text
(paragraphs, table cells, link texts, headings, list items, the start of a line), `md_url` for a
link target `(…)`, and `safe_url` decides, for HTML and Markdown alike, whether an address written
in the registry may be a link target at all. Used by the templates (as the filters `md`, `md_url` and
`safe_url`), by `eee list --format markdown` and by `eee diff`.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# --------------------------------------------------------------------------- Markdown text

# Control characters, of which every line break str.splitlines knows (\n, \r, \v, \f, \x1c-\x1e, U+0085) and
# U+2028, U+2029: each becomes a space, so that a value never starts a line of its own (a heading, a table row).
# The tab stays (it is a space to Markdown), but not at the start of a value (an indented code block).
_MD_BLANKS = "".join(chr(c) for c in (*range(0x00, 0x09), *range(0x0A, 0x20), *range(0x7F, 0xA0))) + "\u2028\u2029"
# Markup is escaped with backslashes, never with HTML entities: the Markdown stays plain text to whoever reads the
# file itself (« Groupe D&S », not « Groupe D&amp;S »). `<` always (a tag, an autolink); `&` only where Markdown
# would read an entity (`&copy;`, `&#35;`: _MD_ENTITY); `>` only at the start (a block quote: _MD_LINE_START).
_MD_ESCAPES = str.maketrans({**{c: " " for c in _MD_BLANKS}, **{c: "\\" + c for c in "\\`*_[]|#~<"}})
# What Markdown reads as a character reference, of which the `&` is escaped (after _MD_ESCAPES).
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# The characters of _MD_ESCAPES, and `&` (most texts have none).
_MD_SPECIAL = re.compile("[" + re.escape(_MD_BLANKS + "&<\\`*_[]|#~") + "]")
# What makes a block at the start of a line, once the characters above are escaped: a list item (`-`, `+`,
# `1.`, `1)`), a thematic break (`---`), a setext heading underline (`===`), a block quote (`>`).
_MD_LINE_START = re.compile(r"\A(?:([-+=>])|(\d{1,9})([.)]))")
_MD_FIRST = frozenset("-+=>0123456789 \t")


def _line_start(match: re.Match[str]) -> str:
    sign, digits, mark = match.groups()
    return "\\" + sign if sign else f"{digits}\\{mark}"  # `\2023.` would show its backslash: `2023\.` does not


def md_escape(text: object) -> str:
    """Text as Markdown shows it as is, wherever it is put: in a paragraph, a heading, a list item, a table
    cell or a link text, at the start of a line or not. On one line, no markup, no HTML, no entity, and no HTML
    escape either: what needs escaping is escaped with a backslash."""
    value = str(text)
    if _MD_SPECIAL.search(value) is not None:
        value = value.translate(_MD_ESCAPES)
        if "&" in value:
            value = _MD_ENTITY.sub(r"\\&", value)
    if value and value[0] in _MD_FIRST:  # not an indented code block, a list, a break or an underline
        value = _MD_LINE_START.sub(_line_start, value.lstrip(" \t"), count=1)
    return value


# --------------------------------------------------------------------------- link targets

# An address the registry gives (a source's `url`, the forge's edit address) is a link target only if it is
# http(s) and has nothing that could end the target or the attribute it is written in: no whitespace, no control
# character, no parenthesis, no angle bracket (written encoded instead: %20, %28, %29, %3C, %3E). The same rule
# as `$defs/url` in schemas/common.schema.json, which tests/test_escaping.py compares with this one. That pattern
# means the same read by Python's `re` or as ECMA-262: it ends with (?!\n)$, as Python's `$` also matches before
# a final newline, and it lists the control characters and U+FEFF, `\s` not being the same set in both.
_SAFE_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f\ufeff()<>]+")


def safe_url(value: object) -> str | None:
    """The address itself if it may be a link target (HTML `href`, Markdown `(…)`), else None: the caller then
    shows the title without a link. `javascript:`, `data:`, relative addresses… are never links."""
    if isinstance(value, str) and _SAFE_URL.fullmatch(value) is not None:
        return value
    return None


# In a Markdown link target: what would end it or change it, percent-encoded (whitespace, control characters,
# parentheses, angle brackets, backslash, quotes and the other characters a URL may not hold as they are), and
# `&` before what Markdown would read as an entity (`&copy;` would become ©), backslash-escaped.
_MD_URL_SPECIAL = re.compile(r'[\s\x00-\x1f\x7f-\x9f\ufeff()<>\\"^`{|}]|&(?=#?[0-9A-Za-z]+;)')
_MD_URL_ANY = re.compile(r'[\s\x00-\x1f\x7f-\x9f\ufeff()<>\\"^`{|}&]')  # quicker to search: one character class


def _md_url_char(match: re.Match[str]) -> str:
    char = match.group()
    return "\\&" if char == "&" else quote(char, safe="")


def md_url(value: object) -> str:
    """A link target for Markdown `[texte](…)`: one URL, which no character of the value can end or alter.
    For an address from the registry, give `safe_url`'s result; paths eee builds pass through unchanged."""
    text = str(value)
    if _MD_URL_ANY.search(text) is None:  # most targets: ids, relative paths, addresses
        return text
    return _MD_URL_SPECIAL.sub(_md_url_char, text)
