"""The app: its commands, its global options, and the one handler for every way a run can fail.

Exit codes: 0 success, 1 problems found, 2 usage error, 3 the tool could not
run, 130 interrupted (143: stopped by SIGTERM).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from .. import __version__
from ..errors import EeeError
from ..escape import terminal
from . import checking, editing, publishing, queries
from .french import FrenchCommand, FrenchGroup, start_completion, usage_errors, usage_message
from .options import RegistryOption
from .workspace import SESSION

app = typer.Typer(
    cls=FrenchGroup,
    name="eee",
    help=(
        "Registre du réseau École-Entreprise-Économie de la région académique Occitanie : "
        "valider les fichiers YAML, interroger le réseau, produire les annuaires et les bilans."
    ),
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,  # one top-level handler; locals may hold internal data
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Every command, in the order `eee --help` lists them: (function, name when it differs from the function's).
COMMANDS: list[tuple[Callable[..., Any], str | None]] = [
    (checking.validate, None), (queries.list_, "list"), (queries.show, None), (queries.search, None),
    (queries.stats, None), (queries.tree, None), (publishing.render, None), (publishing.report, None),
    (publishing.build, None), (publishing.serve, None), (editing.new, None), (checking.fmt, None), (publishing.export, None),
    (editing.schema, None), (editing.rename, None), (editing.diff, None), (editing.completion, None),
]
for function, name in COMMANDS:
    app.command(name, cls=FrenchCommand)(function)

import_app = typer.Typer(cls=FrenchGroup, help="Importe des entités depuis des données officielles.",
                         no_args_is_help=True, rich_markup_mode="rich")
import_app.command("annuaire", cls=FrenchCommand)(editing.import_annuaire)
app.add_typer(import_app, name="import")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"eee {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    registry: RegistryOption = None,
    debug: Annotated[bool, typer.Option("--debug", metavar="", help="Affiche la trace Python complète en cas d'erreur interne.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", metavar="", callback=_version, is_eager=True, help="Affiche la version d'eee et quitte."),
    ] = False,
) -> None:
    """Registre du réseau École-Entreprise-Économie d'Occitanie."""
    SESSION.registry = registry
    SESSION.debug = debug


def app_for(args: list[str]) -> typer.Typer:
    """The command line with only the command that `args` names, when they name one: typer builds
    every command's options before running any (20 ms, paid by each pre-commit hook call). The
    whole command line otherwise (`eee --help`, a misspelt command and its suggestions)."""
    import copy

    name, rest = None, list(args)
    while rest:
        arg = rest.pop(0)
        if arg in ("--registry", "-r"):
            if rest:
                rest.pop(0)
        elif not arg.startswith("-"):
            name = arg
            break
    # typer's CommandInfo.callback is optional; each command above is registered with its function.
    commands = [c for c in app.registered_commands
                if (c.name or typer.main.get_command_name(c.callback.__name__)) == name]  # type: ignore[union-attr]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return app
    light = copy.copy(app)
    light.registered_commands, light.registered_groups = commands, groups
    return light


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one handler for every way the tool can fail."""
    import signal

    if "_EEE_COMPLETE" in os.environ:  # the shell asks for completions (eee completion installs this)
        start_completion()
    args = sys.argv[1:] if argv is None else argv
    command = typer.main.get_command(app_for(args))
    # SIGTERM (a CI job cancelled, a service stopped) interrupts like Ctrl-C: what is half-made is removed.
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminated)
    debug = "--debug" in args
    try:
        result = command.main(args=args, prog_name="eee", standalone_mode=False)
        code = result if isinstance(result, int) else 0
        if code == 130:  # typer returns an interruption (Ctrl-C, SIGTERM) as the code 130
            sys.stderr.write("eee : interrompu.\n")
            code = 143 if SESSION.terminated else 130
    except typer.Exit as exc:
        code = exc.exit_code
    except usage_errors() as exc:
        err = typer.get_text_stream("stderr")
        err.write(f"eee : erreur d'utilisation : {terminal(usage_message(exc))}\n")
        ctx = getattr(exc, "ctx", None)
        path = ctx.command_path if ctx is not None else "eee"
        err.write(f"Aide : {path} --help\n")
        code = 2
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("eee : interrompu.\n")
        code = 143 if SESSION.terminated else 130
    except EeeError as exc:
        sys.stderr.write(f"eee : {terminal(exc.message, newlines=True)}\n")
        if exc.hint:
            sys.stderr.write(f"  → {terminal(exc.hint)}\n")
        code = exc.exit_code
    except BrokenPipeError:
        # The reader went away (eee validate | head): not an error of the tool.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 0
    except OSError as exc:  # a failure of the system no service turned into an EeeError: still said in French
        from ..files import reason

        if SESSION.debug or debug:
            raise
        where = f" sur « {terminal(exc.filename)} »" if exc.filename else ""
        sys.stderr.write(f"eee : opération impossible{where} : {reason(exc)}.\n")
        code = 3
    except Exception as exc:  # noqa: BLE001 - the last resort: never a traceback for users
        if SESSION.debug or debug:
            raise
        sys.stderr.write(
            f"eee : erreur interne ({type(exc).__name__} : {terminal(exc)}).\n"
            "  → relancez avec --debug pour la trace complète, et signalez-la à l'équipe eee.\n"
        )
        code = 3
    finally:
        if previous is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, previous)
    sys.exit(code)


def _terminated(signum: int, frame: Any) -> None:
    """SIGTERM: an interruption, so that `finally` blocks run (a staging folder is removed); exit code 143."""
    SESSION.terminated = True
    raise KeyboardInterrupt
