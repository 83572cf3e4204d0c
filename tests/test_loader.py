"""The safe YAML loader: no guessed types, positions kept, hostile input refused fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from eee.discovery import discover
from eee.kinds import KINDS
from eee.loader import SourceDoc, load_file, read_text


def read(text: str) -> SourceDoc:
    return read_text(SourceDoc("x.yaml", None), text)


def codes(doc: SourceDoc) -> list[tuple[str, int, int]]:
    return [(p.code, p.line, p.column) for p in doc.problems]


@pytest.mark.parametrize(
    "plain, expected",
    [
        ("NO", "NO"), ("oui", "oui"), ("yes", "yes"), ("off", "off"), ("01000", "01000"),
        ("0145671234", "0145671234"), ("18:30", "18:30"), ("2023-04-05", "2023-04-05"),
        ("0x1F", "0x1F"), ("1_000", "1_000"), (".inf", ".inf"), ("1e3", "1e3"), ("+", "+"),
        ("12", 12), ("-3", -3), ("0", 0), ("1.5", 1.5), ("true", True), ("False", False),
        ("null", None), ("~", None), ("", None),
    ],
)
def test_plain_scalars_are_never_guessed(plain: str, expected: object) -> None:
    doc = read(f"a: {plain}\n")
    assert doc.problems == []
    assert doc.data == {"a": expected}
    assert type(doc.data["a"]) is type(expected)


@pytest.mark.parametrize("text", ['a: "12"\n', "a: '12'\n", "a: !!str 12\n", "a: ! 12\n", "a: |\n  12\n"])
def test_quoted_tagged_and_block_scalars_are_text(text: str) -> None:
    assert read(text).data["a"].strip() == "12"


def test_positions_of_keys_and_values() -> None:
    doc = read("id: x\nliste:\n  - nom: a\n    role: b\n")
    assert doc.positions[("id",)] == (1, 5)
    assert doc.key_positions[("liste",)] == (2, 1)
    assert doc.positions[("liste", 0, "role")] == (4, 11)
    assert doc.key_positions[("liste", 0, "role")] == (4, 5)
    # Unknown pointers fall back to the nearest enclosing value.
    assert doc.position(("liste", 0, "absent")) == (3, 5)


@pytest.mark.parametrize(
    "text, code, line, column",
    [
        ("a: 1\nb: 2\na: 3\n", "EEE-Y003", 3, 1),
        ("a: !!python/object/apply:os.system [ls]\n", "EEE-Y004", 1, 4),
        ("a: !!binary aGVsbG8=\n", "EEE-Y004", 1, 4),
        ("a: !!set {x}\n", "EEE-Y004", 1, 4),
        ("a: &x {b: 1}\nc:\n  <<: *x\n", "EEE-Y004", 3, 3),
        ("a: &x [1, *x]\n", "EEE-Y005", 1, 11),
        ("? [a]\n: 1\n", "EEE-Y008", 1, 3),
        ("a: 1\n---\nb: 2\n", "EEE-Y002", 2, 1),
        ("a: b: c\n", "EEE-Y002", 1, 5),
        ("a:\n\tb: 1\n", "EEE-Y002", 2, 1),
        ('a: "x\n', "EEE-Y002", 1, 4),
        ("a: *nope\n", "EEE-Y002", 1, 4),
        ('a: "\x07"\n', "EEE-Y002", 1, 5),
        ("a: 1\x00\n", "EEE-Y001", 1, 5),
        ("# rien\n", "EEE-Y006", 0, 0),
        ("", "EEE-Y006", 0, 0),
        ("- a\n- b\n", "EEE-Y007", 1, 1),
        ("texte seul\n", "EEE-Y007", 1, 1),
    ],
)
def test_refused_input(text: str, code: str, line: int, column: int) -> None:
    doc = read(text)
    assert codes(doc) == [(code, line, column)]
    assert doc.data is None
    assert all(p.message and p.hint for p in doc.problems)


def test_syntax_messages_are_french() -> None:
    doc = read("a:\n\tb: 1\n")
    assert "tabulation" in doc.problems[0].message


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    start = time.perf_counter()
    doc = read("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 1.0
    assert [p.code for p in doc.problems] == ["EEE-Y005"]


def test_deep_nesting_is_refused_quickly() -> None:
    start = time.perf_counter()
    doc = read("a: " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert time.perf_counter() - start < 2.0
    assert [p.code for p in doc.problems] == ["EEE-Y005"]


def test_modest_aliases_are_accepted() -> None:
    doc = read("a: &lieu {commune: Foix}\nb: *lieu\n")
    assert doc.problems == [] and doc.data["b"] == {"commune": "Foix"}


@pytest.mark.parametrize(
    "raw, ok",
    [
        (b"\xef\xbb\xbfa: \xc3\xa9t\xc3\xa9\n", True),  # UTF-8 with BOM
        (b"a: 1\r\nb: 2\r\n", True),  # CRLF
        (b"a: \xe9t\xe9\n", False),  # Latin-1
        (b"\xff\xfea\x00:\x00", False),  # UTF-16
    ],
)
def test_encodings(tmp_path: Path, raw: bytes, ok: bool) -> None:
    (tmp_path / "f.yaml").write_bytes(raw)
    doc = load_file(tmp_path, "f.yaml", None)
    assert (doc.problems == []) is ok
    if not ok:
        assert doc.problems[0].code == "EEE-Y001"
        assert "UTF-8" in doc.problems[0].hint


def test_latin1_position_points_at_the_bad_byte(tmp_path: Path) -> None:
    (tmp_path / "f.yaml").write_bytes(b"id: x\nnom: Ari\xe8ge\n")
    doc = load_file(tmp_path, "f.yaml", None)
    assert [(p.line, p.column) for p in doc.problems] == [(2, 9)]


def test_discovery(tmp_path: Path) -> None:
    for rel in ["reseau.yaml", "clee/a.yaml", "clee/b.yml", "clee/notes.txt", "clee/.gitkeep",
                "actions/2022-2023/x.yaml", "actions/y.yaml", "actions/annee/z.yaml", "partenaire/p.yaml",
                "autre.yaml", "README.md", ".git/config.yaml"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("id: x\n")
    found = discover(tmp_path)
    files, problems = found.files, found.problems
    assert sorted(p for p, _ in found.skipped) == ["actions/annee/z.yaml", "actions/y.yaml", "autre.yaml", "clee/b.yml",
                                                     "partenaire/p.yaml"]
    assert sorted(files) == [("actions/2022-2023/x.yaml", KINDS["action"]), ("clee/a.yaml", KINDS["clee"]),
                             ("reseau.yaml", KINDS["reseau"])]
    found = sorted((p.path, p.code) for p in problems)
    assert found == [
        ("actions/annee/z.yaml", "EEE-Y012"),
        ("actions/y.yaml", "EEE-Y012"),
        ("autre.yaml", "EEE-Y012"),
        ("clee/b.yml", "EEE-Y010"),
        ("clee/notes.txt", "EEE-Y011"),
        ("partenaire/p.yaml", "EEE-Y012"),
    ]


def test_symlink_leaving_the_registry_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("id: secret\n")
    root = tmp_path / "registry"
    (root / "clee").mkdir(parents=True)
    (root / "clee" / "lien.yaml").symlink_to(outside / "secret.yaml")
    (root / "partenaires").symlink_to(outside)
    found = discover(root)
    files, problems = found.files, found.problems
    assert files == []
    assert sorted((p.path, p.code) for p in problems) == [("clee/lien.yaml", "EEE-Y009"), ("partenaires", "EEE-Y009")]


def test_oversized_file(tmp_path: Path) -> None:
    (tmp_path / "f.yaml").write_bytes(b"a: 1\n" + b" " * (6 * 1024 * 1024))
    assert [p.code for p in load_file(tmp_path, "f.yaml", None).problems] == ["EEE-Y013"]


# --------------------------------------------------------------------------- what the eye does not see


def _problems(text: str) -> list[tuple[str, int, int]]:
    return [(p.code, p.line, p.column) for p in read_text(SourceDoc("x.yaml", None), text).problems]


@pytest.mark.parametrize("char", ["\x85", "\u2028", "\u2029"])
def test_a_line_break_editors_do_not_show_is_refused_anywhere(char: str) -> None:
    # What git and editors show as one commented line is two lines for YAML: it would publish the contact.
    text = f'id: x\ncontacts:\n  - telephone: "05"  # note{char}    visibilite: publique\n'
    assert _problems(text) == [("EEE-Y015", 3, 28)]
    assert _problems(f'id: x\nnom: "a{char}b"\n') == [("EEE-Y015", 2, 8)]


def test_invisible_characters_are_refused_outside_values_only() -> None:
    zwsp, shy = "\u200b", "\u00ad"
    assert _problems(f'id: x\nnom: "a{zwsp}b"\nl: [c{shy}d, {{k: "v{zwsp}"}}]\n') == []
    assert _problems(f"id: x\nno{zwsp}m: y\n") == [("EEE-Y015", 2, 3)]
    assert _problems(f"id: x  # a{shy}b\n") == [("EEE-Y015", 1, 11)]
    assert _problems(f"id: x\n{zwsp}nom: y\n") == [("EEE-Y015", 2, 1)]
    assert _problems(f"? k{zwsp}\n: v\n") == [("EEE-Y015", 1, 4)]
    assert _problems('id: x\nnom: "a\u202eb"\n') == [("EEE-Y015", 2, 8)]  # bidirectional controls: anywhere


def test_control_characters_written_as_escapes_are_refused_where_the_value_starts() -> None:
    assert _problems('id: x\nnom: "a\\e[2Jb"\n') == [("EEE-Y015", 2, 6)]
    assert _problems('id: x\nl:\n  - ok\n  - {k: "d\\r"}\n') == [("EEE-Y015", 4, 9)]
    assert _problems('id: x\n"c\\x1bl\xe9": v\n') == [("EEE-Y015", 2, 1)]
    assert _problems('id: x\nnom: "a\\u2028b"\n') == [("EEE-Y015", 2, 6)]  # refused raw, refused as an escape
    assert _problems('id: x\nnom: "a\\u202eb"\n') == [("EEE-Y015", 2, 6)]
    assert _problems('id: x\nnom: "a\\tb\\nc"\n') == []  # tab and line feed are text


def test_a_number_no_program_can_use_is_a_problem_at_its_line() -> None:
    assert _problems("id: x\nn: " + "1" * 4301 + "\n") == [("EEE-Y016", 2, 4)]
    assert _problems("id: x\nn: 1.0e999\n") == [("EEE-Y016", 2, 4)]
    assert _problems("id: x\nn: " + "1" * 4300 + "\n") == []


def test_utf16_without_bom_is_named_as_such() -> None:
    from eee.loader import decode

    for encoding in ("utf-16-le", "utf-16-be"):
        doc = SourceDoc("x.yaml", None)
        assert decode(doc, "id: x\nnom: Ariège\n".encode(encoding)) is None
        assert "UTF-16" in doc.problems[0].message and "Latin-1" not in doc.problems[0].message


@pytest.mark.parametrize("text", [
    'a: "\\x4"\n', 'a: "\\U0011FFFF"\n', 'a: "\\q"\n', "%FOO bar\n---\na: 1\n", "%YAML 2.0\n---\na: 1\n",
    "a: |0\n  x\n", "a: | x\n  y\n", "a: b: c\n", "- a\n- b\nc: d\n", "a: &\n", "a: !<x\n", "a: !x!y z\n",
    "a: 'b\n--- c'\n", "a:\n  - b\n  c: d\n",
])
def test_syntax_errors_are_said_in_french(text: str) -> None:
    problems = read_text(SourceDoc("x.yaml", None), text).problems
    assert problems and all(p.code.startswith("EEE-Y") for p in problems)
    for p in problems:
        assert not any(word in p.message for word in ("while ", "found ", "expected", "could not")), p.message


def test_a_value_quoted_in_a_message_stays_on_one_line() -> None:
    problems = read_text(SourceDoc("x.yaml", None), "|\n  ligne 1\n  ligne 2\n").problems
    assert problems[0].code == "EEE-Y007" and "\n" not in problems[0].message
