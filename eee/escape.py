"""Text made safe for where it is printed: a terminal, one line, JSON (standard library only).

The loader refuses control characters in the registry's values (EEE-Y015), but
file names, paths given on the command line and messages built from them reach
the terminal too, and a single ESC can clear the screen, set the window's title
or fake a hyperlink. Everything eee prints to a terminal or a pipe goes through
one of these.
"""

from __future__ import annotations

import re
from typing import Any

# C0 and C1 controls (ESC, CR, BEL, CSI…), DEL, the line breaks editors do not show and the bidirectional
# controls that reorder what a terminal shows. The patterns are kept as text: `re` compiles each on its
# first use only (compiling them all costs a millisecond of every command's start-up).
_CONTROL = "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
_CONTROL_BUT_NEWLINE = "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
_SPACES = {"\t": " ", "\n": " ", "\r": " ", "\x0b": " ", "\x0c": " ", "\x85": " ", "\u2028": " ", "\u2029": " "}
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_JSON_RAW = "[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"  # what json.dumps leaves unescaped


def terminal(text: Any, newlines: bool = False) -> str:
    """Text for a terminal or a pipe: line breaks and tabs become spaces (`newlines`: line feeds are kept),
    every other control character is removed."""
    text = str(text)
    pattern = _CONTROL_BUT_NEWLINE if newlines else _CONTROL
    if re.search(pattern, text) is None:  # nearly always
        return text
    if newlines:
        text = text.replace("\r\n", "\n")
    return re.sub(pattern, lambda m: _SPACES.get(m.group(), ""), text)


def one_line(text: Any) -> str:
    """Text for a line-based format (`fichier:ligne:colonne: message`): every control character is written
    as an escape (\\n, \\t, \\x1b, \\u2028), so that a value can neither forge a line nor drive a terminal."""
    text = str(text)
    if re.search(_CONTROL, text) is None:
        return text
    return re.sub(_CONTROL, lambda m: _ESCAPES.get(m.group()) or (f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                                              else f"\\u{ord(m.group()):04x}"), text)


def json_text(value: Any, **options: Any) -> str:
    """`json.dumps(value, ensure_ascii=False, **options)`, with the controls JSON leaves raw (C1, U+2028…)
    written as \\u escapes too: the same document for a parser, nothing hidden for a terminal."""
    import json  # not on the start-up path of every command

    text = json.dumps(value, ensure_ascii=False, **options)
    if re.search(_JSON_RAW, text) is None:
        return text
    return re.sub(_JSON_RAW, lambda m: f"\\u{ord(m.group()):04x}", text)
