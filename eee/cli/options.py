"""The options several commands share, declared once."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated, Any

import typer

from ..escape import one_line

RegistryOption = Annotated[
    str | None,
    typer.Option(
        "--registry", "-r", metavar="DOSSIER",
        help="Dossier du registre (par défaut : $EEE_REGISTRY, sinon ./registry, sinon le registre livré avec eee).",
    ),
]
JobsOption = Annotated[
    int | None,
    typer.Option("--jobs", "-j", metavar="N", show_default=False,
                 help="Nombre de processus qui lisent les fichiers (par défaut : les cœurs disponibles)."),
]
NoCacheOption = Annotated[
    bool,
    typer.Option("--no-cache", metavar="", help="Tout refaire, sans rien lire ni écrire dans le dossier du cache "
                 "d'eee (fichiers déjà vus ; pour le site, gabarits compilés)."),
]
SiteInterneOption = Annotated[
    bool, typer.Option("--interne", metavar="", help="Version interne du site : contacts et notes internes compris."),
]
EditUrlOption = Annotated[
    str | None,
    typer.Option("--edit-url", metavar="URL",
                 help="Adresse du dépôt du registre pour les liens « Modifier » (par exemple "
                 "https://gitlab.example.org/mission/registre/-/edit/main/registry) ; par défaut $EEE_EDIT_URL.",
                 show_default=False),
]

# The kind of entity a command keeps to: `--type`, the word of `eee list TYPE` and `eee new TYPE ID`. `--kind` and
# `-k`, its former English spelling, still work (hidden from the help), with a notice.
EntityTypeOption = Annotated[
    list[str] | None,
    typer.Option("--type", metavar="TYPE", show_default=False,
                 help="Seulement ce type d'entité : clee, cmq, pft, partenariats, partenaires, etablissements, "
                 "actions, evenements ou club (répétable)."),
]
FormerKindOption = Annotated[
    list[str] | None,
    typer.Option("--kind", "-k", metavar="TYPE", hidden=True, show_default=False,
                 help="Ancienne écriture de --type."),
]


def entity_types(given: list[str] | None, former: list[str] | None) -> list[str]:
    """The entity kinds of --type, and of --kind with a notice on stderr (its former spelling)."""
    if former:
        sys.stderr.write("eee : --kind est remplacé par --type (même sens) : écrivez par exemple --type "
                         f"{one_line(former[0])}\n")
    return [*(given or []), *(former or [])]


class Theme(str, Enum):
    dsfr = "dsfr"
    neutre = "neutre"


ThemeOption = Annotated[
    Theme,
    typer.Option("--theme", metavar="THÈME",
                 help="Présentation des pages HTML : dsfr (Système de Design de l'État, obligatoire pour un site de "
                 "l'État) ou neutre (sans Marianne ni bloc-marque, pour qui n'est pas un service de l'État)."),
]


def many(help_text: str, metavar: str) -> Any:
    """A repeatable option of a list command (--departement 09 --departement 31)."""
    return typer.Option(help=help_text, metavar=metavar, show_default=False)
