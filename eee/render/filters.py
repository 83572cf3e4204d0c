"""Pure text helpers for templates (standard library only)."""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"]


def date_fr(value: str) -> str:
    """2023-04-05 → 5 avril 2023 (other text unchanged)."""
    try:
        day = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return f"{day.day}{'er' if day.day == 1 else ''} {_MONTHS[day.month - 1]} {day.year}"


_MD_ESCAPES = str.maketrans({"\n": " ", "&": "&amp;", "<": "&lt;", ">": "&gt;",
                             **{c: "\\" + c for c in "\\`*_[]|"}})
_MD_SPECIAL = re.compile(r"[\n&<>\\`*_\[\]|]")  # the characters of _MD_ESCAPES (most texts have none)
_MD_LINE_START = re.compile(r"^([#+-]|\d+\.)")


def md_escape(text: object) -> str:
    """Text safe inside a Markdown table cell or paragraph: no markup, no HTML."""
    value = str(text)
    if _MD_SPECIAL.search(value) is not None:
        value = value.translate(_MD_ESCAPES)
    if value and value[0] in "#+-0123456789":
        value = _MD_LINE_START.sub(r"\\\1", value)  # not a heading or a list at the start of a line
    return value


def plural(count: int, singular: str, many: str) -> str:
    return f"{count} {singular if count < 2 else many}"  # French: 0 and 1 take the singular
