"""Questions to the registry in the terminal: `eee list`, `show`, `search`, `stats` and `tree`."""

from __future__ import annotations

import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import UsageError
from .options import EntityTypeOption, FormerKindOption, RegistryOption, entity_types, many
from .workspace import Workspace, check_year

if TYPE_CHECKING:
    from ..index import Index


class TableFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    yaml = "yaml"
    markdown = "markdown"


class ShowFormat(str, Enum):
    text = "text"
    json = "json"
    yaml = "yaml"


class TreeFormat(str, Enum):
    text = "text"
    json = "json"


def list_(
    kind: Annotated[str, typer.Argument(metavar="TYPE", help="clee, cmq, pft, partenariats, partenaires, "
                                        "etablissements, actions, evenements ou club.", show_default=False)],
    departement: Annotated[list[str] | None, many("Seulement ce département (code, répétable).", "CODE")] = None,
    academie: Annotated[list[str] | None, many("Seulement cette académie : toulouse ou montpellier.", "ACADÉMIE")] = None,
    annee: Annotated[list[str] | None, many("Seulement cette année scolaire (2022-2023).", "AAAA-AAAA")] = None,
    statut: Annotated[list[str] | None, many("Seulement ce statut (actif, realisee…).", "STATUT")] = None,
    type_: Annotated[list[str] | None, typer.Option("--type", help="Seulement ce type (type d'action, nature "
                                                       "d'établissement, secteur…).", metavar="TYPE",
                                                       show_default=False)] = None,
    partenaire: Annotated[list[str] | None, many("Seulement ce qui cite ce partenaire (identifiant).", "ID")] = None,
    membre: Annotated[list[str] | None, many("Seulement ce qui a ce membre (identifiant).", "ID")] = None,
    tri: Annotated[list[str] | None, many("Trier sur une colonne ; « -colonne » pour l'ordre décroissant.", "COLONNE")] = None,
    format: Annotated[TableFormat, typer.Option("--format", "-f", help="table, json, csv, yaml ou markdown.")] = TableFormat.table,
    separateur: Annotated[str, typer.Option("--separateur", metavar="CAR", help="Séparateur CSV (« ; » pour Excel en français).")] = ",",
    bom: Annotated[bool, typer.Option("--bom", metavar="", help="CSV avec BOM, pour Excel.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Liste les entités d'un type, avec filtres combinables et tri.

    Exemples : eee list clee --departement 30 ; eee list actions --annee 2022-2023 --format json ;
    eee list etablissements --departement 09 --tri -clee
    """
    from .. import present, query

    if len(separateur) != 1:
        raise UsageError("--separateur attend un seul caractère", "par exemple --separateur ';'")
    workspace = Workspace.of(registry)
    with workspace.index() as index:
        chosen = query.kind_named(kind)
        for option, values in (("--partenaire", partenaire or []), ("--membre", membre or [])):
            for value in values:
                _readable(workspace, index, value, f"{option} : ")
        filters = query.resolve_filters(index.schemas, index.ids, chosen, query.Filters(
            departement or [], academie or [], annee or [], statut or [], type_ or [], partenaire or [], membre or []))
        # The files that pass, by the facts the index keeps; then the model of these and of those around them, for
        # their columns (names of what they reference, counts of what references them).
        wanted = {facts.path for facts in index.facts(chosen.name) if query.matches(facts, filters)}
        model = index.model(wanted)
        result = query.table_of(model, chosen, [e for e in model.of_kind(chosen.name) if e.path in wanted], tri)
    present.table(result, model, sys.stdout, format.value, separateur, bom)


def show(
    entity_id: Annotated[str, typer.Argument(metavar="ID", help="Identifiant de l'entité (nom de son fichier).",
                                             show_default=False)],
    format: Annotated[ShowFormat, typer.Option("--format", "-f", help="text, json ou yaml.")] = ShowFormat.text,
    registry: RegistryOption = None,
) -> None:
    """Montre une entité, ses relations et tout ce qui la cite.

    Code de sortie 1 si l'identifiant est inconnu (avec les identifiants les plus proches).
    """
    from .. import present
    from ..errors import NotFound
    from ..search import find_entity

    workspace = Workspace.of(registry)
    with workspace.index() as index:
        named = index.named(entity_id, entity_id.strip().lower())
        try:  # the files of that name and those around them
            model = index.model(named)
            entity = find_entity(model, entity_id)
        except NotFound:
            _readable(workspace, index, entity_id)
            model = index.model()  # none: the nearest ids are looked for in the whole registry
            entity = find_entity(model, entity_id, index)
        index.complete([entity])
    present.show(model, entity, sys.stdout, format.value)


def _readable(workspace: Workspace, index: Index, entity_id: str, prefix: str = "") -> None:
    """A `NotFound` when no entity has this id but a file of that name is there and cannot be read: say so, and
    which command says why, rather than « not an id » and other ids to try."""
    from ..errors import NotFound
    from ..escape import one_line

    named = index.named(entity_id, entity_id.strip().lower())
    unreadable = [path for path in named if not index.readable(path)]
    if unreadable and len(unreadable) == len(named):
        raise NotFound(f"{prefix}« {one_line(entity_id)} » est le fichier {unreadable[0]}, qui ne peut pas être lu",
                       f"{workspace.command('validate')} dit pourquoi")


def search(
    texte: Annotated[list[str], typer.Argument(metavar="TEXTE...", help="Mots cherchés (accents, majuscules, "
                                              "ponctuation et fautes de frappe tolérés).", show_default=False)],
    type_: EntityTypeOption = None,
    former_kind: FormerKindOption = None,
    format: Annotated[TreeFormat, typer.Option("--format", "-f", help="text ou json.")] = TreeFormat.text,
    registry: RegistryOption = None,
) -> None:
    """Cherche dans les noms, descriptions, lieux et étiquettes de toutes les entités.

    Code de sortie 1 si rien n'est trouvé.
    """
    from .. import present, query
    from ..search import search as find

    kinds = [query.kind_named(k) for k in entity_types(type_, former_kind)]
    with Workspace.of(registry).index() as index:
        found = find(index, " ".join(texte), kinds)
        model = index.model([hit.entity.path for hit in found])
    present.hits(found, sys.stdout, "json" if format is TreeFormat.json else "table", model)
    raise typer.Exit(0 if found else 1)


def stats(
    annee: Annotated[str | None, typer.Option("--annee", metavar="AAAA-AAAA",
                                                 help="Limiter les actions et événements à une année scolaire.",
                                                 show_default=False)] = None,
    format: Annotated[TreeFormat, typer.Option("--format", "-f", help="text ou json.")] = TreeFormat.text,
    registry: RegistryOption = None,
) -> None:
    """Chiffres du réseau : entités par type et territoire, couverture des CLEE, actions, lacunes."""
    from .. import present

    check_year(annee)
    with Workspace.of(registry).index() as index:
        figures = index.figures(annee)
    present.stats(figures, index.schemas, sys.stdout, format.value)


def tree(
    format: Annotated[TreeFormat, typer.Option("--format", "-f", help="text ou json.")] = TreeFormat.text,
    registry: RegistryOption = None,
) -> None:
    """Le réseau en arbre : région académique → académies → départements → CLEE, CMQ, PFT → membres."""
    from .. import present
    from ..stats import tree as tree_of

    with Workspace.of(registry).index() as index:
        model = index.model()
    present.tree(tree_of(model), sys.stdout, format.value)
