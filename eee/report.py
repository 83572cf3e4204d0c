"""Reporters: a validation Report → text on a stream. The only writers of results.

`REPORTERS` maps each `--format` name to a function (report, stream, root,
strict). Paths are shown joined to the registry folder as the user gave it,
so that an editor or CI can open them. rich is imported by the text reporter
only.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import PurePath
from typing import Any, Literal, TextIO

from .diagnostics import Problem, Report
from .domain import number_fr
from .escape import json_text, one_line, terminal


def display_path(root: str, path: str) -> str:
    """The path of a problem as the user can open it (joined to the registry folder as given)."""
    return (PurePath(root) / path).as_posix() if root not in ("", ".") else path


def summary(report: Report, strict: bool = False) -> str:
    """The closing French sentence of a run."""
    e, w = report.errors, report.warnings
    files = f"{number_fr(report.files_checked)} fichier{'s' if report.files_checked > 1 else ''}"
    parts = []
    if e:
        parts.append(f"{number_fr(e)} erreur{'s' if e > 1 else ''}")
    if w:
        parts.append(f"{number_fr(w)} avertissement{'s' if w > 1 else ''}")
    found = " et ".join(parts)
    if e or (strict and w):
        suffix = " (--strict : les avertissements comptent comme des erreurs)" if strict and w and not e else ""
        return f"Registre invalide : {found} dans {files}{suffix}."
    if w:
        return f"Registre valide : {files}, {number_fr(report.entities)} entités ; {found} à examiner."
    return f"Registre valide : {files}, {number_fr(report.entities)} entités, aucun problème."


def _position(p: Problem) -> str:
    return f"{p.line}:{p.column}" if p.line else ""


Level = Literal["quiet", "normal", "detail"]
"""How much the text report shows: `quiet` what fails only, `normal` errors in detail and repeated warnings
grouped by code, `detail` every problem."""

GROUP_FILES = 3
"""In the normal text report, a warning code found in this many files or more is grouped: one block with its count
and its files, instead of one line per warning."""
FILES_SHOWN = 8
"""The files named in a group; the others are counted."""


def text(report: Report, stream: TextIO, root: str, strict: bool = False, level: Level = "normal",
         command: str = "eee validate") -> None:
    """For a person: errors first, in detail by file; then the warnings, those of a code that comes back in
    many files grouped by code (`level`: see `Level`); a count by code; the verdict. Coloured on a terminal
    only (rich honours NO_COLOR).

    With no problem to show and no terminal to colour (a pre-commit hook, CI, a pipe), the one line
    is written as rich would write it, without importing rich (a sixth of a cached run's start-up).
    `quiet` writes nothing at all when nothing fails. `command`: how the user runs this check again, for the
    advice under the groups (« eee validate -r autre/dossier »)."""
    if level == "quiet" and report.exit_code(strict) == 0:
        return
    if not report.problems and not _colours(stream):
        stream.write(_verdict(report, strict) + "\n")
        return
    _text(report, stream, root, strict, level, command)


def _colours(stream: TextIO) -> bool:
    """Whether rich would treat `stream` as a terminal: its rules, in its order (TTY_COMPATIBLE,
    FORCE_COLOR, then the stream itself)."""
    tty = os.environ.get("TTY_COMPATIBLE", "")
    if tty in ("0", "1"):
        return tty == "1"
    force = os.environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream: rich says no terminal too
        return False


def _verdict(report: Report, strict: bool) -> str:
    ok = not (report.errors or (strict and report.warnings))
    return ("✓ " if ok else "✗ ") + summary(report, strict)


def _text(report: Report, stream: TextIO, root: str, strict: bool = False, level: Level = "normal",
          command: str = "eee validate") -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, highlight=False)
    # On a terminal, messages wrap inside their column; elsewhere one line per problem, for grep.
    console.soft_wrap = not console.is_terminal
    problems = report.sorted()
    errors = [p for p in problems if p.is_error]
    warnings = [p for p in problems if not p.is_error]
    if level == "quiet" and not strict:
        warnings = []
    if errors:
        console.print(Text(f"Erreurs ({number_fr(len(errors))})", style="bold red"))
        console.print()
        _by_file(console, errors, root)
    if warnings:
        grouped = {} if level == "detail" else repeated(warnings)
        console.print(Text(f"Avertissements ({number_fr(len(warnings))})", style="bold yellow"))
        console.print()
        _by_file(console, [p for p in warnings if p.code not in grouped], root)
        for code, group in grouped.items():
            _group(console, code, group, root)
        if grouped:
            first = next(iter(grouped))
            console.print(Text(one_line(f"→ {command} --detail montre chaque avertissement ; {command} --explain "
                                        f"{first} explique un code."), style="cyan"))
            console.print()
    if errors or warnings:
        console.print(Text(count_by_code(errors + warnings)))
    ok = report.exit_code(strict) == 0
    console.print(Text(_verdict(report, strict), style="bold green" if ok else "bold red"))


def repeated(warnings: list[Problem]) -> dict[str, list[Problem]]:
    """The warnings of each code found in `GROUP_FILES` files or more, the most frequent code first."""
    by_code: dict[str, list[Problem]] = {}
    for p in warnings:
        by_code.setdefault(p.code, []).append(p)
    kept = {code: group for code, group in by_code.items() if len({p.path for p in group}) >= GROUP_FILES}
    return dict(sorted(kept.items(), key=lambda item: (-len(item[1]), item[0])))


def count_by_code(problems: list[Problem]) -> str:
    """The closing count of each kind of problem: « Par code — erreurs : 1 × EEE-S001 clé inconnue ;
    avertissements : 100 × EEE-R031 information à compléter, … ». The most frequent first."""
    from .catalogue import CODES

    parts = []
    for label, error in (("erreurs", True), ("avertissements", False)):
        counts: dict[str, int] = {}
        for p in problems:
            if p.is_error is error:
                counts[p.code] = counts.get(p.code, 0) + 1
        if counts:
            kinds = [f"{number_fr(n)} × {one_line(code)}" + (f" {CODES[code].title}" if code in CODES else "")
                     for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
            parts.append(f"{label} : {', '.join(kinds)}")
    return "Par code — " + " ; ".join(parts) + "."


def _by_file(console: Any, problems: list[Problem], root: str) -> None:
    """Each problem on its line (position, severity, message, code, id, advice), under its file."""
    from rich.text import Text

    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.path, []).append(p)
    for path, in_file in by_file.items():
        console.print(Text(one_line(display_path(root, path)), style="bold underline"))
        rows: list[tuple[Text, Text, Text]] = []
        last_hint = None
        for p in in_file:
            message = Text(one_line(p.message))  # a value quoted with a control character shows it: « abc\\n »
            message.append(f"  {p.code}", style="dim")
            if p.entity:
                message.append(f" [{one_line(p.entity)}]", style="dim")
            rows.append((Text(_position(p), style="dim"), Text(p.severity.value, style="red" if p.is_error else "yellow"),
                         message))
            if p.hint and (p.code, p.hint) != last_hint:  # the same advice twice in a row is said once
                rows.append((Text(""), Text(""), Text("→ " + one_line(p.hint), style="cyan")))
            last_hint = (p.code, p.hint)
        _rows(console, rows)
        console.print()


def _rows(console: Any, rows: list[tuple[Any, Any, Any]]) -> None:
    """Three columns: a grid that wraps messages on a terminal, one plain line per row elsewhere."""
    from rich.text import Text

    if console.is_terminal:
        from rich.table import Table

        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", min_width=9, no_wrap=True)
        grid.add_column(min_width=13, no_wrap=True)
        grid.add_column(ratio=1)
        for row in rows:
            grid.add_row(*row)
        console.print(grid)
    else:
        for position, severity, message in rows:
            line = Text(f"{position.plain:>9} ", style="dim")
            line.append(f"{severity.plain:<13} ", style=severity.style)
            line.append_text(message)
            console.print(line)


def _group(console: Any, code: str, problems: list[Problem], root: str) -> None:
    """One code's warnings in a few lines: code, title, count, files (by folder, the first `FILES_SHOWN`), and
    the advice when they all share it."""
    from rich.text import Text

    from .catalogue import CODES

    per_file: dict[str, int] = {}
    for p in problems:
        per_file[p.path] = per_file.get(p.path, 0) + 1
    n, files = len(problems), len(per_file)
    head = Text(one_line(code), style="bold yellow")
    if code in CODES:
        head.append(f" {CODES[code].title}", style="bold")
    head.append(f" : {number_fr(n)} avertissement{'s' if n > 1 else ''} dans {number_fr(files)} "
                f"fichier{'s' if files > 1 else ''}")
    console.print(head)
    by_folder: dict[str, list[str]] = {}
    for path, count in list(per_file.items())[:FILES_SHOWN]:
        folder, _, name = path.rpartition("/")
        by_folder.setdefault(folder, []).append(one_line(name) + (f" ({count})" if count > 1 else ""))
    for folder, names in by_folder.items():
        where = display_path(root, folder) if folder else ("" if root in ("", ".") else root)
        shown = one_line(where + "/") if where else ""
        line = Text()
        line.append(shown, style="dim")
        line.append((" : " if shown else "") + ", ".join(names))
        _indented(console, line)
    if files > FILES_SHOWN:
        rest = files - FILES_SHOWN
        _indented(console, Text(f"… et {number_fr(rest)} autre{'s' if rest > 1 else ''} "
                                f"fichier{'s' if rest > 1 else ''}", style="dim"))
    hints = {p.hint for p in problems}
    if len(hints) == 1 and (hint := hints.pop()):
        _indented(console, Text("→ " + one_line(hint), style="cyan"))
    console.print()


def _indented(console: Any, line: Any) -> None:
    """A line under a group's title: wrapped lines keep the indent on a terminal; one line elsewhere."""
    from rich.padding import Padding
    from rich.text import Text

    console.print(Padding(line, (0, 0, 0, 4)) if console.is_terminal else Text("    ").append_text(line))


def parsable(report: Report, stream: TextIO, root: str, strict: bool = False) -> None:
    """One greppable line per problem: file:line:col: [erreur] message (CODE). A control character of a
    path or a message is written as an escape (\\n, \\x1b): no value can forge a line."""
    for p in report.sorted():
        stream.write(f"{one_line(display_path(root, p.path))}:{p.line or 1}:{p.column or 1}: "
                     f"[{p.severity.value}] {one_line(p.message)} ({p.code})\n")


def as_dict(p: Problem, root: str) -> dict[str, object]:
    return {
        "code": p.code,
        "severite": p.severity.value,
        "fichier": display_path(root, p.path),
        "ligne": p.line,
        "colonne": p.column,
        "id": p.entity,
        "message": p.message,
        "conseil": p.hint,
    }


def json_report(report: Report, stream: TextIO, root: str, strict: bool = False) -> None:
    """A stable document for scripts (keys documented in README.md, « Valider le registre », `--format json`)."""
    document = {
        "version": 1,
        "valide": report.exit_code(strict) == 0,
        "resume": {
            "fichiers": report.files_checked,
            "entites": report.entities,
            "erreurs": report.errors,
            "avertissements": report.warnings,
        },
        "problemes": [as_dict(p, root) for p in report.sorted()],
    }
    stream.write(json_text(document, indent=2) + "\n")


def _gh_escape(value: str, prop: bool = False) -> str:
    value = terminal(value, newlines=True).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def github(report: Report, stream: TextIO, root: str, strict: bool = False) -> None:
    """GitHub Actions workflow commands: annotations on the changed lines."""
    for p in report.sorted():
        level = "error" if p.is_error else "warning"
        props = f"file={_gh_escape(display_path(root, p.path), True)},line={p.line or 1},col={p.column or 1}"
        props += f",title={_gh_escape(p.code, True)}"
        body = p.message + (f" — {p.hint}" if p.hint else "")
        stream.write(f"::{level} {props}::{_gh_escape(body)}\n")


def gitlab(report: Report, stream: TextIO, root: str, strict: bool = False) -> None:
    """GitLab Code Quality report (a JSON array), for merge request widgets."""
    issues = []
    for p in report.sorted():
        path = display_path(root, p.path)
        fingerprint = hashlib.sha256(f"{p.code}|{path}|{p.entity}|{p.message}".encode()).hexdigest()
        issues.append({
            "description": f"{p.message} — {p.hint}" if p.hint else p.message,
            "check_name": p.code,
            "fingerprint": fingerprint,
            "severity": "major" if p.is_error else "minor",
            "location": {"path": path, "lines": {"begin": p.line or 1}},
        })
    stream.write(json_text(issues, indent=2) + "\n")


REPORTERS: dict[str, Callable[[Report, TextIO, str, bool], None]] = {
    "text": text,
    "parsable": parsable,
    "json": json_report,
    "github": github,
    "gitlab": gitlab,
}
