"""The console entry point: answers `eee --version` without loading the command line (standard library only)."""

from __future__ import annotations

import os
import sys

from . import __version__


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):  # the most frequent probe (scripts, CI): no need for typer
        sys.stdout.write(f"eee {__version__}\n")
        sys.exit(0)
    try:
        from .cli import main as cli_main

        cli_main(args)
    except SystemExit as exc:
        leave(exc.code)
    except KeyboardInterrupt:  # Ctrl-C while the command line was still loading (the command says it itself after)
        sys.stderr.write("eee : interrompu.\n")
        leave(130)


def leave(code: object) -> None:
    """End the process now, output flushed, without tearing the interpreter down.

    Freeing a large registry's millions of objects one by one takes longer than
    some checks (0.3–0.5 s for 20,000 files); nothing is left to clean up by
    then (worker processes, the cache and output folders are closed by the
    commands themselves). Only the console entry point does this.
    """
    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: the reader went away
            pass
    os._exit(code if isinstance(code, int) else 0)
