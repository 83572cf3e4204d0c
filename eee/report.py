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
from typing import TextIO

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


def text(report: Report, stream: TextIO, root: str, strict: bool = False) -> None:
    """Grouped by file, coloured on a terminal only (rich honours NO_COLOR).

    With no problem to show and no terminal to colour (a pre-commit hook, CI, a pipe), the one line
    is written as rich would write it, without importing rich (a sixth of a cached run's start-up)."""
    if not report.problems and not _colours(stream):
        stream.write(_verdict(report, strict) + "\n")
        return
    _text(report, stream, root, strict)


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


def _text(report: Report, stream: TextIO, root: str, strict: bool = False) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, highlight=False)
    # On a terminal, messages wrap inside their column; elsewhere one line per problem, for grep.
    console.soft_wrap = not console.is_terminal
    by_file: dict[str, list[Problem]] = {}
    for p in report.sorted():
        by_file.setdefault(p.path, []).append(p)
    for path, problems in by_file.items():
        console.print(Text(one_line(display_path(root, path)), style="bold underline"))
        rows: list[tuple[Text, Text, Text]] = []
        last_hint = None
        for p in problems:
            message = Text(one_line(p.message))  # a value quoted with a control character shows it: « abc\\n »
            message.append(f"  {p.code}", style="dim")
            if p.entity:
                message.append(f" [{one_line(p.entity)}]", style="dim")
            rows.append((Text(_position(p), style="dim"), Text(p.severity.value, style="red" if p.is_error else "yellow"),
                         message))
            if p.hint and (p.code, p.hint) != last_hint:  # the same advice twice in a row is said once
                rows.append((Text(""), Text(""), Text("→ " + one_line(p.hint), style="cyan")))
            last_hint = (p.code, p.hint)
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
        console.print()
    ok = not (report.errors or (strict and report.warnings))
    console.print(Text(_verdict(report, strict), style="bold green" if ok else "bold red"))


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
