"""YAML as eee reads it, shared by the loader, its checks of the text and `eee fmt` (PyYAML's parser only).

- `Parser`: libyaml's event parser (its C version wherever PyYAML was built with it, some 10 times faster than
  the pure one). eee builds values from the events itself (`loader`), never with PyYAML's constructors;
- the event classes, by short names, as the loader's inner loop compares them (`type(event) is Scalar`);
- the YAML 1.2 core schema of plain scalars, the only values eee reads as something other than text
  (`plain_tag`), and the plain texts other YAML tools would read as a number or a boolean (`AMBIGUOUS`).
"""

from __future__ import annotations

import re

import yaml

try:  # pragma: no cover - depends on how PyYAML was built
    from yaml._yaml import CParser as Parser  # libyaml's C parser, ~10 times faster than the pure one
except ImportError:  # pragma: no cover
    from yaml.parser import Parser as PyParser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class Parser(Reader, Scanner, PyParser):  # type: ignore[no-redef]  # the other of two definitions
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            PyParser.__init__(self)


StreamEnd = yaml.StreamEndEvent
DocumentStart = yaml.DocumentStartEvent
Alias = yaml.AliasEvent
Scalar = yaml.ScalarEvent
SequenceStart, SequenceEnd = yaml.SequenceStartEvent, yaml.SequenceEndEvent
MappingStart, MappingEnd = yaml.MappingStartEvent, yaml.MappingEndEvent

# --------------------------------------------------------------------------- plain scalars (YAML 1.2 core)

INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)\Z")
FLOAT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+]?[0-9]+)?\Z")
NULL = {"", "~", "null", "Null", "NULL"}
BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
SPECIAL_START = frozenset("0123456789+-.~nNtTfFyYoO")  # first letters of non-text or ambiguous plain values
STR_TAGS = {"!", "tag:yaml.org,2002:str"}  # the tags of a scalar that stays text (« ! », « !!str »)
# Plain scalars kept as text here that YAML 1.1 or 1.2 tools (editors among them) read as a number or a
# boolean: digits with a leading zero, the YAML 1.1 booleans, sexagesimal numbers.
AMBIGUOUS = re.compile(r"^(?:[-+]?0[0-9_]+|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[0-9]+(?::[0-5]?[0-9])+)\Z")


def plain_tag(value: str) -> str:
    """The type eee's loader gives a plain scalar (YAML 1.2 core, strictly): null, bool, int, float or str."""
    if value in NULL:
        return "null"
    if value in BOOL:
        return "bool"
    if INT.match(value):
        return "int"
    if FLOAT.match(value):
        return "float"
    return "str"
