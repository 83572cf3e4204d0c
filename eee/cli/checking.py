"""Checking and tidying the registry: `eee validate` and `eee fmt`."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import UsageError
from ..escape import terminal
from .options import JobsOption, NoCacheOption, RegistryOption
from .workspace import Workspace

if TYPE_CHECKING:  # pragma: no cover
    from ..diagnostics import Report


class Format(str, Enum):
    text = "text"
    parsable = "parsable"
    json = "json"
    github = "github"
    gitlab = "gitlab"


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[CHEMINS]...",
            help="Fichiers ou dossiers du registre dont afficher les problèmes (par défaut : tout le registre). "
            "Tout le registre est lu, pour vérifier les références.",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        Format, typer.Option("--format", "-f", help="Format de sortie : text, parsable, json, github ou gitlab.")
    ] = Format.text,
    strict: Annotated[bool, typer.Option("--strict", metavar="", help="Les avertissements font aussi échouer (code de sortie 1).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", metavar="", help="N'affiche que les erreurs (rien si le "
                                        "registre est valide). Avec --strict, les avertissements aussi.")] = False,
    detail: Annotated[bool, typer.Option("--detail", "-v", metavar="", help="Affiche chaque avertissement sur sa "
                                         "ligne, sans les regrouper par code.")] = False,
    explain: Annotated[
        str | None,
        typer.Option("--explain", metavar="CODE", help="Explique un code (par exemple EEE-R012) avec un exemple, "
                     "ou « tout » pour la documentation de tous les codes, puis quitte."),
    ] = None,
    jobs: JobsOption = None,
    no_cache: NoCacheOption = False,
    registry: RegistryOption = None,
) -> None:
    """Valide le registre : lecture YAML, schémas, références et règles du domaine.

    Affiche d'abord les erreurs, en détail (fichier:ligne:colonne, code, message, conseil), puis les
    avertissements : ceux d'un code qui revient dans trois fichiers ou plus sont regroupés (nombre et
    fichiers ; --detail les montre un par un, --quiet les tait), et un décompte par code. Les formats
    parsable, json, github et gitlab donnent toujours tous les problèmes, un par un.

    Code de sortie : 0 registre valide (avertissements permis), 1 erreurs trouvées
    (ou avertissements avec --strict), 2 erreur d'utilisation, 3 eee n'a pas pu s'exécuter.

    Le résultat de chaque fichier est gardé dans un cache, hors du registre ($EEE_CACHE_DIR,
    sinon ~/.cache/eee) : un fichier inchangé n'est pas relu, un fichier, un schéma ou une
    version d'eee modifiés sont toujours revérifiés, et les références entre fichiers sont
    toujours vérifiées. Chaque ligne du cache est authentifiée par une clé gardée ailleurs
    ($EEE_CACHE_KEY, sinon ~/.config/eee/cache-key) : une ligne retouchée n'est jamais crue.
    Le supprimer est sans risque ; --no-cache s'en passe.
    """
    if explain is not None:
        _explain(explain)
        return
    from ..report import REPORTERS, text

    if quiet and detail:
        raise UsageError("--quiet et --detail s'excluent", "choisissez l'un des deux")
    if (quiet or detail) and format is not Format.text:
        raise UsageError(f"--{'quiet' if quiet else 'detail'} ne s'applique qu'au format text : le format "
                         f"{format.value} donne toujours tous les problèmes", "retirez l'une des deux options")
    work = Workspace.of(registry)
    wanted = work.paths(paths)  # before the check: a wrong path is said at once
    report = work.checked(jobs, no_cache, whole=False)[1]
    if wanted is not None:
        report = _within(report, wanted)
    if format is Format.text:
        text(report, sys.stdout, work.shown, strict, "quiet" if quiet else "detail" if detail else "normal",
             work.command("validate"))
    else:
        REPORTERS[format.value](report, sys.stdout, work.shown, strict)
    raise typer.Exit(report.exit_code(strict))


def _within(report: Report, prefixes: list[str]) -> Report:
    """The problems of the files under these registry-relative prefixes (the check itself read everything)."""
    from ..diagnostics import Report

    def keep(path: str) -> bool:
        return any(path == w or path.startswith(w + "/") for w in prefixes)

    return Report([p for p in report.problems if keep(p.path)], report.files_checked, report.entities)


def _explain(code: str) -> None:
    from ..codes import catalogue, docs_markdown, explain

    docs = catalogue()
    wanted = code.strip().upper()
    on_terminal = sys.stdout.isatty()
    if wanted in ("TOUT", "ALL"):
        text = docs_markdown(anchors=not on_terminal)  # docs/codes.md is this text, its links need the anchors
    else:
        if not wanted.startswith("EEE-"):
            wanted = "EEE-" + wanted
        if wanted not in docs:
            from ..suggest import closest

            guess = closest(wanted, list(docs))
            raise UsageError(
                f"code inconnu : « {code} »",
                (f"vouliez-vous dire {guess} ? " if guess else "") + "« eee validate --explain tout » liste tous les codes",
            )
        text = explain(docs[wanted], anchor=False)
    if on_terminal:
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text)


def fmt(
    paths: Annotated[list[Path] | None, typer.Argument(metavar="[CHEMINS]...", help="Fichiers ou dossiers (par "
                                                          "défaut : tout le registre).", show_default=False)] = None,
    check: Annotated[bool, typer.Option("--check", metavar="", help="N'écrit rien ; code de sortie 1 si des fichiers "
                                        "seraient modifiés.")] = False,
    jobs: JobsOption = None,
    no_cache: NoCacheOption = False,
    registry: RegistryOption = None,
) -> None:
    """Met les fichiers du registre en forme canonique, sans changer les données ni perdre un commentaire.

    Ordre des clés du schéma, guillemets autour des valeurs que YAML pourrait mal lire, indentation,
    fin de fichier. Relancer la commande ne change plus rien.

    Le cache (celui d'eee validate) note si chaque fichier est en forme : un fichier dont le
    contenu n'a pas changé n'est remis en forme que pour être réécrit, jamais pour --check.
    """
    from ..fmt import format_registry

    work = Workspace.of(registry)
    result = format_registry(work.root, work.paths(paths), check, jobs, use_cache=not no_cache)
    for path in result.changed:
        typer.echo(terminal(f"{'à reformater' if check else 'reformaté'} : {work.shown}/{path}"))
    for path, reason in result.skipped:
        sys.stderr.write(terminal(f"eee : {work.shown}/{path} ignoré : {reason}") + "\n")
    done = "à reformater" if check else "reformaté(s)"
    typer.echo(f"{len(result.changed)} fichier(s) {done}, {len(result.unchanged)} déjà en forme"
               + (f", {len(result.skipped)} ignoré(s)" if result.skipped else "") + ".")
    raise typer.Exit(1 if (check and result.changed) or result.skipped else 0)
