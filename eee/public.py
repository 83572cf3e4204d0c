"""What the public may see of the registry: the one place where internal data is cut (standard library only).

An entity's data goes through `public_data` before any page (`render.context`) or export (`export`) is made
from it: `notes_internes` are dropped wherever they are, only the contacts marked `visibilite: publique` are
kept, and the notes of `a_completer` (the officers' to-do list: where to find the missing fact) are dropped, the
fields they name kept (a public page may say what is being completed); `internal` (eee render --interne,
eee export --interne) keeps everything.
"""

from __future__ import annotations

from typing import Any

INTERNAL_KEYS = ("notes_internes",)
"""Keys whose values are internal wherever they are (with the contacts not marked public)."""


def public_data(data: dict[str, Any], internal: bool) -> dict[str, Any]:
    """A copy of an entity's data as the chosen audience may see it."""
    if internal:
        return _copy(data)
    return _public(data)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value  # str, int, float, bool, None: immutable


def _public(value: Any) -> Any:
    """A copy without `notes_internes` anywhere, with only the public contacts and `a_completer` without notes."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in INTERNAL_KEYS:
                continue
            if key == "contacts" and isinstance(item, list):
                out[key] = [_public(c) for c in item if isinstance(c, dict) and c.get("visibilite") == "publique"]
            elif key == "a_completer" and isinstance(item, list):
                out[key] = [{"champ": g["champ"]} for g in item if isinstance(g, dict) and "champ" in g]
            else:
                out[key] = _public(item)
        return out
    if isinstance(value, list):
        return [_public(item) for item in value]
    return value
