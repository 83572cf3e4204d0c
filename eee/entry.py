"""The console entry point: answers `eee --version` without loading the command line (standard library only)."""

from __future__ import annotations

import sys

from . import __version__


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):  # the most frequent probe (scripts, CI): no need for typer
        sys.stdout.write(f"eee {__version__}\n")
        sys.exit(0)
    from .cli import main as cli_main

    cli_main(args)
