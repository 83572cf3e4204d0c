"""The command line: options → one service → a reporter → an exit code.

The only package that imports typer. Services are imported inside the command
bodies, so that `eee --help` stays light (no jsonschema, no jinja2, no rules).

- `app`: the typer app, the commands in their order, the one error handler (`main`);
- `french`: every contact with typer's and click's internals (French help and usage errors, completion);
- `options`: the options several commands share;
- `workspace`: the registry a command works on, resolved once (`Workspace.of`), and how it is read:
  `index()` for queries (the query index, `index.py`), `checked()` for validation, `valid_model()` for the commands that publish;
- one module per family of commands: `checking` (validate, fmt), `queries` (list, show, search, stats,
  tree), `publishing` (render, report, build, export), `editing` (new, rename, diff, schema, import,
  completion).
"""

from __future__ import annotations

from .app import app, main

__all__ = ["app", "main"]
