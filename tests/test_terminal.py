"""Nothing eee prints can drive a terminal, forge a line or hide in JSON (eee/escape.py and its users)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eee.escape import json_text, one_line, terminal

from .conftest import cli

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
HOSTILE = "a\x1b[2J\x1b]0;titre\x07b\x9b31mc\rd\ne\u2028f\u202eg\x00h\th"


def test_terminal_removes_controls_and_keeps_text() -> None:
    assert terminal(HOSTILE) == "a[2J]0;titreb31mc d e fgh h"
    assert terminal(HOSTILE, newlines=True) == "a[2J]0;titreb31mc d\ne fgh h"
    assert terminal("Lycée « Jean Moulin » — Béziers") == "Lycée « Jean Moulin » — Béziers"
    assert terminal(12) == "12"


def test_one_line_writes_escapes() -> None:
    assert one_line("x\ny\rz\x1b[0m\u2028") == "x\\ny\\rz\\x1b[0m\\u2028"
    assert one_line("sans rien") == "sans rien"


@given(st.text())
def test_no_control_character_survives(text: str) -> None:
    assert CONTROL.search(terminal(text)) is None and "\n" not in terminal(text)
    assert CONTROL.search(terminal(text, newlines=True)) is None
    assert CONTROL.search(one_line(text)) is None and "\n" not in one_line(text)
    assert "\n" not in json_text(text) and CONTROL.search(json_text(text)) is None
    assert json.loads(json_text({"v": text})) == {"v": text}


# --------------------------------------------------------------------------- through the command line


@pytest.fixture
def hostile(registry: Path) -> Path:
    """A partner whose file name carries a terminal escape (the id is the file name) and whose name is rich markup."""
    name = "evil\x1b]0;pirate\x07\x9b2J"
    (registry / f"partenaires/{name}.yaml").write_text(
        "id: evil\nnom: \"[link=https://evil.example]Cliquez ici[/link] [red]Airbus[/red]\"\nstatut: actif\n"
        "type: entreprise\nsources:\n  - titre: Test\nmis_a_jour: 2024-01-15\n", encoding="utf-8")
    return registry


@pytest.mark.parametrize("terminal_like", [False, True])
@pytest.mark.parametrize("args", [["list", "partenaires"], ["show", "evil\x1b]0;pirate\x07\x9b2J"], ["search", "cliquez"],
                                  ["validate"], ["validate", "--format", "parsable"], ["validate", "--format", "github"],
                                  ["validate", "--format", "json"], ["list", "partenaires", "--format", "csv"],
                                  ["list", "partenaires", "--format", "json"], ["tree"], ["stats"]])
def test_no_command_prints_a_control_character_or_markup(capsys: pytest.CaptureFixture[str], hostile: Path,
                                                         monkeypatch: pytest.MonkeyPatch, args: list[str],
                                                         terminal_like: bool) -> None:
    if terminal_like:  # rich writes as on a terminal: tables, trees, markup would become escapes
        monkeypatch.setenv("TTY_COMPATIBLE", "1")
        monkeypatch.setenv("COLUMNS", "200")
    code, out, err = cli(capsys, "-r", str(hostile), *args)
    assert code in (0, 1), err
    for stream in (out, err):
        plain = re.sub(r"\x1b\[[0-9;]*m", "", stream)  # rich's own colours, when writing as on a terminal
        assert CONTROL.search(plain) is None, repr(stream[:2000])
        assert "\x1b]8" not in stream  # no hyperlink made from the data
    if args[0] == "validate" and args[1:] == ["--format", "parsable"]:
        assert all(re.match(r"^[^\n]+:\d+:\d+: \[(erreur|avertissement)\] ", line) for line in out.splitlines())


def test_list_as_markdown_keeps_its_table(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    from markdown_it import MarkdownIt  # comes with rich

    bois = registry / "partenaires/exemple-bois.yaml"
    bois.write_text(bois.read_text(encoding="utf-8").replace(
        "nom: Exemple Bois", 'nom: "# Bois | <b>gras</b> [clic](javascript:x) `a`"'), encoding="utf-8")
    code, out, err = cli(capsys, "-r", str(registry), "list", "partenaires", "--format", "markdown")
    assert code == 0, err
    html = MarkdownIt("commonmark").enable("table").render(out)
    rows = html.count("<tr>")
    assert rows == 3 and "<h1>" not in html and "<b>" not in html and "<a " not in html and "<code>" not in html
    assert all(row.count("<td>") == out.splitlines()[0].count("|") - 1 for row in html.split("<tr>")[2:])
