"""The registry a command works on: resolved once, loaded or checked on demand.

`--registry` may be given before the command (`eee -r reg list clee`, read by
the app's callback into `SESSION`) or after it (each command's own option);
`Workspace.of` merges the two, in this one place, then the settings' order
applies ($EEE_REGISTRY, ./registry, the shipped registry).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError

if TYPE_CHECKING:  # pragma: no cover - types only: the services are imported when a command needs them
    from ..diagnostics import Report
    from ..index import Index
    from ..model import Registry


@dataclass
class Session:
    """What the options before the command say, and what the run must remember to its end."""

    registry: str | None = None  # --registry given before the command
    debug: bool = False
    terminated: bool = False  # SIGTERM was received
    # The last model checked, kept to the end: the console entry point ends the process without freeing it one
    # object at a time (0.1 s for 20,000 files).
    kept: Any = None


SESSION = Session()


class Progress:
    """« Vérification des fichiers » with a bar on the terminal (stderr), once a check takes more than a moment.

    Nothing is shown when stderr is not a terminal (pipes, CI, pre-commit) nor
    for a check that ends within half a second; the bar vanishes when done.
    """

    DELAY = 0.5

    def __init__(self, label: str = "Vérification des fichiers") -> None:
        import time

        self.label = label
        self.clock = time.monotonic
        self.start = self.clock()
        self.enabled = sys.stderr.isatty()
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if done >= total or self.clock() - self.start < self.DELAY:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            # No refresh thread (auto_refresh=False): worker processes are forked while the bar is shown.
            self.bar = Progress(TextColumn(self.label), BarColumn(), MofNCompleteColumn(), TextColumn("reste"),
                                TimeRemainingColumn(), console=Console(stderr=True), transient=True,
                                auto_refresh=False)
            self.bar.start()
            self.task = self.bar.add_task("", total=total)
        self.bar.update(self.task, completed=done)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@dataclass
class Workspace:
    """A resolved registry folder, and how commands read it."""

    root: Path

    @classmethod
    def of(cls, registry: str | None) -> Workspace:
        """The registry of a command: its own --registry, else the one given before the command, else the
        settings' order."""
        from ..settings import resolve_registry

        named = registry if registry is not None else SESSION.registry
        return cls(resolve_registry(named), given=named is not None)

    def command(self, name: str) -> str:
        """How to run another command on this registry, to tell the user: « eee validate », with « -r DOSSIER »
        when the registry was named on the command line."""
        import shlex

        return f"eee {name}" + (f" -r {shlex.quote(self.shown)}" if self.given else "")

    given: bool = False  # the registry was named on the command line (--registry)

    @property
    def shown(self) -> str:
        """The registry path as the user can open it: relative to the working directory if inside it."""
        try:
            return self.root.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return str(self.root)

    def paths(self, given: list[Path] | None) -> list[str] | None:
        """Registry-relative prefixes of the paths given on the command line (None: the whole registry); the one
        rule of `settings.registry_paths`: inside the registry and existing, or a usage error."""
        if not given:
            return None
        from ..settings import registry_paths

        prefixes = registry_paths(self.root, given)
        return None if "" in prefixes else prefixes

    def index(self) -> Index:
        """The registry's query index, up to date (`index.py`); one line if files are broken."""
        from ..index import open_index

        progress = Progress("Préparation de l'index des requêtes")
        try:
            found = open_index(self.root, progress)
        finally:
            progress.close()
        broken = found.broken
        if broken:
            sys.stderr.write(
                f"eee : attention, {broken} fichier{'s' if broken > 1 else ''} du registre "
                f"{'sont illisibles ou mal rangés' if broken > 1 else 'est illisible ou mal rangé'} : la réponse porte "
                "sur ce qui a pu être lu (eee validate donne le détail).\n"
            )
        SESSION.kept = found
        return found

    def checked(self, jobs: int | None = None, no_cache: bool = False,
                whole: bool = True) -> tuple[Registry, Report]:
        """The model and report of the whole registry, with a progress bar on a terminal (without `whole`, the
        model holds only what the report needs: see `validate.load`)."""
        from ..validate import check

        if jobs is not None and jobs < 1:
            raise UsageError(f"--jobs {jobs} : il faut au moins un processus",
                             "par exemple --jobs 2, ou sans --jobs pour utiliser tous les cœurs")
        progress = Progress()
        try:
            result = check(self.root, jobs=jobs, cache=not no_cache, progress=progress, whole=whole)
        finally:
            progress.close()
        SESSION.kept = result
        return result

    def valid_model(self, what: str, jobs: int | None = None, no_cache: bool = False) -> Registry:
        """The model of a registry without errors, for the commands that publish; else exit 1 with the errors."""
        return self.valid(what, jobs, no_cache)[0]

    def valid(self, what: str, jobs: int | None = None, no_cache: bool = False) -> tuple[Registry, Report]:
        """The model and report (its warnings) of a registry without errors; else exit 1 with the errors."""
        from ..errors import InvalidRegistry

        model, report = self.checked(jobs, no_cache)
        if report.errors:
            from ..report import parsable

            parsable(type(report)([p for p in report.problems if p.is_error], report.files_checked, report.entities),
                     sys.stderr, self.shown)
            raise InvalidRegistry(f"le registre a {report.errors} erreur{'s' if report.errors > 1 else ''} : "
                                  f"{what} n'est pas produit", "corrigez-les d'abord (eee validate les détaille)"
                                  if report.errors > 1 else "corrigez-la d'abord (eee validate la détaille)")
        return model, report


def standard_output(out: Path | None, cannot: tuple[str, str] | None = None) -> Path | None:
    """`--out -` is the standard output, as other command-line tools read it: None, which means it, for a text the
    command can write there; for an output that cannot be written there, `cannot` (what it is, an example of a path)
    makes it a usage error. (Never a file named « - ».)"""
    if out is None or str(out) != "-":
        return out
    if cannot is not None:
        what, example = cannot
        raise UsageError(f"--out - : {what} ne s'écrit pas sur la sortie standard",
                         f"donnez un chemin, par exemple --out {example}")
    return None


def check_year(annee: str | None) -> None:
    """A school year given on the command line (« 2022-2023 »), or a usage error."""
    from ..domain import check_school_year

    if annee is not None:
        check_school_year(annee)
