"""Editing the registry safely: `eee new`, `rename`, `diff`, `schema`, `import annuaire`, and `completion`."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import UsageError
from ..escape import one_line, terminal
from .french import completion_script
from .options import RegistryOption
from .workspace import Workspace, check_year


def new(
    kind: Annotated[str, typer.Argument(metavar="TYPE", help="clee, cmq, pft, partenariat, partenaire, etablissement, "
                                        "action, evenement ou club.", show_default=False)],
    entity_id: Annotated[str, typer.Argument(metavar="ID", help="Identifiant : minuscules, chiffres et tirets (UAI en "
                                             "minuscules pour un établissement).", show_default=False)],
    values: Annotated[list[str] | None, typer.Option("--set", metavar="CHAMP=VALEUR", help="Valeur d'un champ "
                                                        "(répétable ; listes séparées par des virgules).",
                                                        show_default=False)] = None,
    no_input: Annotated[bool, typer.Option("--no-input", metavar="", help="Ne rien demander, même dans un terminal.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Crée le fichier d'une nouvelle entité, valide, avec ce qui reste à compléter.

    Dans un terminal, demande les champs obligatoires manquants (sauf avec --no-input) et redemande aussitôt
    une réponse refusée, avec les valeurs possibles. Un libellé (« Actif ») ou un nom (« Montpellier »,
    « Lozère », « 48 ») vaut son code, sans tenir compte des accents ni des majuscules.
    """
    import datetime as dt

    from .. import new as service

    today = dt.date.today().isoformat()
    root = Workspace.of(registry).root
    given: dict[str, str] = {}
    for item in values or []:
        field_name, sep, value = item.partition("=")
        if not sep or not field_name.strip():
            raise UsageError(f"--set attend CHAMP=VALEUR, pas « {item} »", "par exemple --set nom=\"CLEE de l'Aude\"")
        given[field_name.strip()] = value.strip()
    the_kind = service.check_target(root, kind, entity_id)  # a wrong id is said before any question
    service.check_fields(the_kind, given)
    if not no_input and sys.stdin.isatty():
        for field_name, text in list(given.items()):  # a wrong --set value is asked again, like an answer
            given[field_name] = _ask(service, root, the_kind, entity_id, field_name, field_name, text, today)
        for field_name, title, _description, choices in service.missing_fields(the_kind, given):
            if choices:
                typer.echo(terminal(f"{title} — valeurs possibles : " + ", ".join(
                    f"{v} ({label})" if label != v else v for v, label in choices)))
            given[field_name] = _ask(service, root, the_kind, entity_id, field_name, title, None, today)
    path = service.create(root, the_kind, entity_id, given, today)
    typer.echo(f"Créé : {path} — complétez-le, puis lancez eee validate.")


def _ask(service: Any, root: Path, kind: Any, entity_id: str, field_name: str, title: str, text: str | None,
         today: str) -> str:
    """An answer for one field, asked until the service accepts it (each refusal said, with what is accepted)."""
    while True:
        if text is None:
            text = typer.prompt(title, default="", show_default=False)
        try:
            return str(service.answer(kind, entity_id, field_name, text, today, root=root))
        except UsageError as exc:
            typer.echo(terminal(f"eee : {exc.message}") + (f"\n  → {terminal(exc.hint)}" if exc.hint else ""),
                       err=True)
            text = None


def schema(
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DOSSIER", help="Dossier du dépôt du registre.")] = Path("."),
) -> None:
    """Écrit les schémas JSON et les réglages de l'éditeur (.vscode/settings.json) pour un dépôt de registre.

    L'extension YAML de VS Code complète et vérifie alors chaque fichier selon son type.
    """
    from ..export import write_schemas

    written = write_schemas(out)
    typer.echo(f"{len(written)} fichiers écrits : schémas dans {out / 'schemas'}/, réglages dans "
               f"{out / '.vscode' / 'settings.json'}.")


def rename(
    old: Annotated[str, typer.Argument(metavar="ANCIEN", help="Identifiant actuel.", show_default=False)],
    new: Annotated[str, typer.Argument(metavar="NOUVEAU", help="Nouvel identifiant.", show_default=False)],
    dry_run: Annotated[bool, typer.Option("--dry-run", metavar="", help="Montre les changements sans rien écrire.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Renomme une entité : son fichier, son id et toutes les références, commentaires gardés."""
    from .. import rename as service

    root = Workspace.of(registry).root
    plan = service.plan(root, old, new)
    for warning in plan.warnings:
        sys.stderr.write(terminal(f"eee : attention, {warning}") + "\n")
    if dry_run:
        sys.stdout.write(plan.diff())
        typer.echo(f"Simulation (--dry-run, rien n'est écrit) : {plan.summary()}")
        return
    service.apply(plan)
    typer.echo(plan.summary())


class DiffFormat(str, Enum):
    markdown = "markdown"
    json = "json"


def diff(
    revisions: Annotated[list[str] | None, typer.Argument(metavar="[REV1] [REV2]", help="Révisions git (par défaut : "
                                                            "le dernier commit contre les fichiers actuels).",
                                                            show_default=False)] = None,
    annee: Annotated[str | None, typer.Option("--annee", metavar="AAAA-AAAA", help="Ce qui a changé pendant "
                                                 "cette année scolaire.", show_default=False)] = None,
    format: Annotated[DiffFormat, typer.Option("--format", "-f", help="markdown ou json.")] = DiffFormat.markdown,
    registry: RegistryOption = None,
) -> None:
    """Journal des changements du registre d'après git : entités ajoutées, supprimées, renommées, champs et relations."""
    from .. import history
    

    revisions = revisions or []
    if len(revisions) > 2:
        raise UsageError("au plus deux révisions", "par exemple : eee diff HEAD~3 HEAD")
    if annee and revisions:
        raise UsageError("--annee et des révisions ne se combinent pas", "choisissez l'un ou l'autre")
    check_year(annee)
    root = Workspace.of(registry).root
    rev1, rev2 = [*revisions, None, None][:2]  # none, one or two revisions given
    changes = history.changes_for_year(root, annee) if annee else history.changes(root, rev1, rev2)
    sys.stdout.write(changes.json() if format is DiffFormat.json else changes.markdown())


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def completion(
    shell: Annotated[Shell, typer.Argument(metavar="SHELL", help="bash, zsh ou fish.", show_default=False)],
) -> None:
    """Affiche le script de complétion des commandes pour un shell.

    Pour bash, ajoutez à ~/.bashrc : eval "$(eee completion bash)" ; pour zsh, à ~/.zshrc :
    eval "$(eee completion zsh)" ; pour fish : eee completion fish > ~/.config/fish/completions/eee.fish
    """
    sys.stdout.write(completion_script(shell.value))


def import_annuaire(
    fichier: Annotated[Path, typer.Argument(metavar="FICHIER.csv", help="Export CSV de l'Annuaire de l'éducation "
                                            "(data.education.gouv.fr, jeu fr-en-annuaire-education).", show_default=False)],
    uai: Annotated[list[str] | None, typer.Option("--uai", metavar="UAI", help="UAI d'un établissement à importer "
                                                     "(option répétable).", show_default=False)] = None,
    departement: Annotated[list[str] | None, typer.Option("--departement", metavar="CODE",
                                                             help="Importer tous les établissements de ce département "
                                                             "(répétable ; se combine avec --type).",
                                                             show_default=False)] = None,
    type_: Annotated[list[str] | None, typer.Option("--type", metavar="NATURE",
                                                       help="Importer les établissements de cette nature "
                                                       "(college, lycee_polyvalent, lycee_professionnel…).",
                                                       show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", metavar="", help="Remplace aussi les fichiers modifiés à la main.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", metavar="", help="Montre ce qui serait fait, sans rien écrire.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Crée ou met à jour etablissements/<uai>.yaml depuis l'Annuaire de l'éducation.

    Les colonnes sont lues par leur nom ; un fichier modifié à la main n'est jamais remplacé sans --force.
    Code de sortie : 0 import réussi, 1 une ligne refusée ou un UAI absent, 2 erreur d'utilisation.
    """
    from ..annuaire import import_schools

    work = Workspace.of(registry)
    result = import_schools(fichier, work.root, uai or [], departement or [], type_ or [], force=force, dry_run=dry_run)
    shown = work.shown
    for label, paths in (("créé", result.created), ("mis à jour", result.updated), ("inchangé", result.unchanged),
                         ("ignoré", result.skipped)):
        for path in paths:
            note = "  (modifié à la main : --force pour le remplacer)" if label == "ignoré" else ""
            typer.echo(terminal(f"{label:<10} {shown}/{path}{note}"))
    for p in result.problems:
        level = "erreur" if p.is_error else "avertissement"
        where = f"{fichier}:{p.line}" if p.line else str(fichier)
        typer.echo(f"{one_line(where)}: [{level}] {one_line(p.message)} ({p.code})\n  → {terminal(p.hint)}", err=True)
    counts = (f"{len(result.created)} créé(s), {len(result.updated)} mis à jour, {len(result.unchanged)} inchangé(s), "
              f"{len(result.skipped)} ignoré(s)")
    prefix = "Simulation (--dry-run, rien n'est écrit)" if dry_run else "Import terminé"
    typer.echo(f"{prefix} : {counts}.")
    raise typer.Exit(result.exit_code)
