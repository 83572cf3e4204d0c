"""The quick verdict (eee/validity.py) on the official JSON-Schema-Test-Suite, draft 2020-12.

For every group whose schema `compile_schema` compiles, the verdict is never True where the suite says
invalid. Groups it does not handle ($ref, oneOf, const…) raise `Unsupported`, and nothing else may be raised.
The suite's format tests are left out (format is only an annotation in 2020-12), except optional/format/date.json:
eee asserts the `date` format. The files and where they come from: tests/data/json-schema-test-suite/README.md.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from eee.validity import Unsupported, compile_schema

from .conftest import TESTS

SUITE = TESTS / "data" / "json-schema-test-suite" / "draft2020-12"
OPTIONAL = ["optional/ecmascript-regex.json", "optional/non-bmp-regex.json", "optional/format/date.json"]
FILES = sorted(path.name for path in SUITE.glob("*.json")) + OPTIONAL

# Measured with this version of the suite and of validity.py: 66 groups compile, 366 of their tests are checked.
# A floor, so that the test cannot pass by compiling nothing (raise it when validity.py learns a keyword).
MIN_COMPILED_GROUPS = 60
MIN_CHECKED_TESTS = 330
MIN_ACCEPTED_VALID = 170  # valid data called valid: nor by calling everything invalid


def _groups(name: str) -> list[dict[str, Any]]:
    groups = json.loads((SUITE / name).read_text(encoding="utf-8"))
    assert isinstance(groups, list) and groups, name
    return groups


def _compiled(group: dict[str, Any]) -> Any:
    """The group's verdict function, or None if its schema is Unsupported (anything else propagates)."""
    try:
        return compile_schema(group["schema"])
    except Unsupported:
        return None


def test_the_suite_is_there() -> None:
    assert len(FILES) > 40 and "format.json" not in FILES
    assert (SUITE.parent / "LICENSE").is_file()
    for name in OPTIONAL:
        assert (SUITE / name).is_file(), name


@pytest.mark.parametrize("name", FILES)
def test_the_quick_verdict_never_calls_valid_what_the_suite_calls_invalid(name: str) -> None:
    wrong = []
    for group in _groups(name):
        check = _compiled(group)
        if check is None:
            continue
        for case in group["tests"]:
            verdict = check(case["data"])
            assert verdict is True or verdict is False, (group["description"], case["description"], verdict)
            if verdict and not case["valid"]:
                wrong.append(f"{group['description']} / {case['description']}")
    assert not wrong, wrong


def test_enough_of_the_suite_is_checked() -> None:
    compiled = checked = accepted = 0
    for name in FILES:
        for group in _groups(name):
            check = _compiled(group)
            if check is None:
                continue
            compiled += 1
            for case in group["tests"]:
                checked += 1
                accepted += bool(case["valid"] and check(case["data"]))
    assert compiled >= MIN_COMPILED_GROUPS, compiled
    assert checked >= MIN_CHECKED_TESTS, checked
    assert accepted >= MIN_ACCEPTED_VALID, accepted


@pytest.mark.parametrize("name, description", [
    ("optional/ecmascript-regex.json", "ECMA 262 regex $ does not match trailing newline"),
    ("optional/ecmascript-regex.json", "ECMA 262 \\s matches whitespace"),
    ("optional/ecmascript-regex.json", "ECMA 262 \\d matches ascii digits only"),
    ("optional/ecmascript-regex.json", "ECMA 262 regex escapes control codes with \\c and upper letter"),
    ("optional/non-bmp-regex.json", "Proper UTF-16 surrogate pair handling: pattern"),
    ("optional/format/date.json", "validation of date strings"),
    ("type.json", "integer type matches integers"),
    ("uniqueItems.json", "uniqueItems validation"),
    ("additionalProperties.json", "additionalProperties with schema"),
    ("required.json", "required validation"),
    ("enum.json", "enums in properties"),
])
def test_groups_that_matter_to_eee_compile(name: str, description: str) -> None:
    # Patterns, dates, types, uniqueness, closed objects: what eee's schemas use is checked against the suite.
    group = next(g for g in _groups(name) if g["description"] == description)
    assert _compiled(group) is not None
