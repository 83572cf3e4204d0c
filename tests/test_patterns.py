"""Patterns of a schema are ECMA-262 regular expressions: eee reads them so, on the quick path and in jsonschema."""

from __future__ import annotations

import pytest

from eee.validity import Unsupported, compile_schema


@pytest.mark.parametrize("pattern", [r"\p{Letter}", r"^\p{digit}+$", "a**", "(a", "[a"])
def test_a_pattern_python_cannot_compile_is_unsupported(pattern: str) -> None:
    with pytest.raises(Unsupported):
        compile_schema({"type": "string", "pattern": pattern})
