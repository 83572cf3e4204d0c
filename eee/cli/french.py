"""typer and click, in French: every contact with their internals, in this module alone.

typer 0.26–0.28 vendors click as `typer._click`; its help labels are globals of
`typer.rich_utils`; shell completion lives in `typer._completion_*`. None of
that is public API, so it is all reached from here, and pyproject.toml pins
typer below the next minor version (`typer>=0.26,<0.29`).
tests/test_cli.py checks each name this module reads still exists, so that a
new typer fails loudly in the tests, not in the hands of a user.
"""

from __future__ import annotations

import copy
import inspect
import re
from typing import TYPE_CHECKING, Any

from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:  # pragma: no cover - for mypy, the mixin is a click command: what `super()` reaches below
    from typer._click.core import Command as _Command
else:
    _Command = object

# What a new typer must still offer (tests/test_cli.py): module → names this module reads.
INTERNALS = {
    "typer._click.exceptions": ("UsageError", "NoSuchOption", "MissingParameter", "BadParameter"),
    "typer.rich_utils": ("ARGUMENTS_PANEL_TITLE", "OPTIONS_PANEL_TITLE", "COMMANDS_PANEL_TITLE", "ERRORS_PANEL_TITLE",
                         "DEFAULT_STRING", "ENVVAR_STRING", "REQUIRED_LONG_STRING", "DEPRECATED_STRING", "RICH_HELP"),
    "typer._completion_classes": ("completion_init",),
    "typer._completion_shared": ("get_completion_script",),
}


def _french_help() -> None:
    """Translate the labels typer's rich help prints (imported only when help is shown)."""
    from typer import rich_utils

    rich_utils.ARGUMENTS_PANEL_TITLE = "Arguments"
    rich_utils.OPTIONS_PANEL_TITLE = "Options"
    rich_utils.COMMANDS_PANEL_TITLE = "Commandes"
    rich_utils.ERRORS_PANEL_TITLE = "Erreur"
    rich_utils.DEFAULT_STRING = "[par défaut : {}]"
    rich_utils.ENVVAR_STRING = "[variable d'environnement : {}]"
    rich_utils.REQUIRED_LONG_STRING = "[obligatoire]"
    rich_utils.DEPRECATED_STRING = "(obsolète) "
    rich_utils.RICH_HELP = "Essayez [blue]'{command_path} {help_option}'[/] pour l'aide."


class _French(_Command):
    """Mixin: French usage line and help option for typer's commands and groups."""

    def get_usage(self, ctx: Any) -> str:
        # (typer writes a required argument « {ID} »: the help names it ID, as the error messages do)
        usage = super().get_usage(ctx).replace("Usage:", "Utilisation :", 1)
        return re.sub(r"\{([^{}\s]+)\}", r"\1", usage)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "Affiche cette aide et quitte."
            option.metavar = ""  # a flag: no value to show
        return option

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _french_help()
        if self.help:  # click sets it on every command and group
            self.help = reflow(self.help)
        for param in self.params:  # (the help is shown, then the command ends: nothing is converted after)
            if param.param_type_name == "argument" and param.type.get_metavar(param=param, ctx=ctx) is None:
                # typer would show the type's English name beside it (« <str> », « <path> »): its help says it all
                shown = copy.copy(param.type)
                shown.get_metavar = lambda param, ctx: ""  # type: ignore[method-assign]
                param.type = shown
        super().format_help(ctx, formatter)


def reflow(text: str) -> str:
    """A docstring's paragraphs as single lines: typer's rich help keeps the source's line breaks, then wraps
    again at the terminal's width, which left short broken lines in the middle of sentences."""
    return re.sub(r"(?<!\n)\n(?!\n)", " ", inspect.cleandoc(text))


class FrenchGroup(_French, TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[OPTIONS]")
        super().__init__(*args, **kwargs)
        self.subcommand_metavar = "COMMANDE [ARGS]..."


class FrenchCommand(_French, TyperCommand):
    pass


def usage_errors() -> type[Exception]:
    """click's usage error class (typer's vendored click), for the one error handler."""
    from typer._click import exceptions as ce

    return ce.UsageError


def _named(param: Any) -> str:
    """A parameter as the help names it: an option by its flag (--format), an argument by its French name (TYPE,
    ID, ANCIEN), never by the name of the Python parameter behind it (entity_id, fmt)."""
    if param is None:
        return ""
    if param.param_type_name == "argument":
        return str(getattr(param, "metavar", None) or param.name.upper())
    return str(param.opts[0])


def usage_message(exc: Any) -> str:
    """click's usage errors, said in French."""
    from typer._click import exceptions as ce

    if isinstance(exc, ce.NoSuchOption):
        message = f"option inconnue : {exc.option_name}"
        if exc.possibilities:
            message += " (vouliez-vous dire " + " ou ".join(sorted(exc.possibilities)) + " ?)"
        return message
    if isinstance(exc, ce.MissingParameter):
        return f"paramètre manquant : {_named(exc.param)}"
    if isinstance(exc, ce.BadParameter):
        hint = _named(exc.param) if exc.param is not None else (exc.param_hint or "")
        detail = exc.message.removeprefix("Value error, ")
        if " is not one of " in detail:
            value, _, choices = detail.partition(" is not one of ")
            detail = f"{value} n'est pas une valeur possible ({choices.rstrip('.')})"
        elif "valid integer" in detail or "is not a valid int" in detail:  # click 8.1, 8.2
            detail = "un nombre entier est attendu"
        return f"valeur invalide pour {hint} : {detail}"
    message = re.sub(r"Did you mean '([^']+)'\?", r"Vouliez-vous dire « \1 » ?", exc.format_message())
    message = re.sub(r"No such command '([^']+)'\.", r"commande inconnue : « \1 ».", message)
    for english, french in (
        ("Missing command.", "commande manquante."),
        ("Got unexpected extra argument(s)", "argument(s) en trop"),
        ("requires an argument", "attend une valeur"),
    ):
        message = message.replace(english, french)
    return message


def start_completion() -> None:
    """Answer the shell's completion request (the `_EEE_COMPLETE` variable that `eee completion` installs)."""
    from typer._completion_classes import completion_init

    completion_init()


def completion_script(shell: str) -> str:
    """The completion script of `eee` for a shell (bash, zsh, fish)."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name="eee", complete_var="_EEE_COMPLETE", shell=shell)
