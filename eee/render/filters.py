"""Pure text helpers for templates (standard library only); the Markdown ones live in `eee.markdown`."""

from __future__ import annotations

import datetime as dt

from ..markdown import md_escape, md_url, safe_url

_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"]


def date_fr(value: str) -> str:
    """2023-04-05 → 5 avril 2023 (other text unchanged)."""
    try:
        day = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return f"{day.day}{'er' if day.day == 1 else ''} {_MONTHS[day.month - 1]} {day.year}"


def plural(count: int, singular: str, many: str) -> str:
    return f"{count} {singular if count < 2 else many}"  # French: 0 and 1 take the singular


__all__ = ["date_fr", "md_escape", "md_url", "plural", "safe_url"]
