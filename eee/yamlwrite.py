"""Write registry YAML that every YAML tool reads the same way (standard library only).

Used for files eee creates itself (imports). Strings are written plain only
when no YAML 1.1 or 1.2 reader could take them for something else; otherwise
they are double-quoted (JSON escaping is valid YAML). Writing is atomic.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PLAIN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿŒœ][^\n:#]*\Z")
_FLOW_INDICATORS = re.compile(r"[,\[\]{}]")
_RESERVED = re.compile(
    r"^(?:y|n|yes|no|on|off|true|false|null|~)\Z", re.IGNORECASE
)


def scalar(value: Any, flow: bool = False) -> str:
    """A value as YAML; `flow`: inside a flow list « [a, b] », where « , [ ] { } » end a plain value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.isprintable() and not _RESERVED.match(text) and text == text.strip() \
            and not text.endswith(("-", "?")) and not (flow and _FLOW_INDICATORS.search(text)):
        return text
    # JSON escapes the C0 controls; what it leaves raw but YAML reads as a line break or editors do not
    # show (C1 controls, U+2028…) is escaped too: the file says the value, visibly.
    return "".join(c if c.isprintable() or c in "\n\t" else f"\\u{ord(c):04x}"
                   for c in json.dumps(text, ensure_ascii=False))


def dump(data: dict[str, Any], indent: int = 0) -> str:
    """A mapping as block YAML; short lists of scalars in flow style."""
    lines: list[str] = []
    pad = " " * indent
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines.append(dump(value, indent + 2).rstrip("\n"))
        elif isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
            lines.append(f"{pad}{key}: [{', '.join(scalar(v, flow=True) for v in value)}]")
        elif isinstance(value, list):
            lines.append(f"{pad}{key}:")
            for item in value:
                body = dump(item, indent + 4).rstrip("\n").splitlines()
                lines.append(f"{pad}  - {body[0].lstrip()}")
                lines.extend(body[1:])
        else:
            lines.append(f"{pad}{key}: {scalar(value)}")
    return "\n".join(lines) + "\n"
