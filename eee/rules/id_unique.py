"""Deux entités ne peuvent pas avoir le même identifiant, même de types différents.

Les commandes eee show et eee search, les liens de l'annuaire et les
références désignent une entité par son seul identifiant : il doit être unique
dans tout le registre.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R002
from ..diagnostics import Example, Problem
from ..model import Registry
from ._scope import REGISTRY

CODE, SEVERITY = R002.code, R002.severity  # declared in eee/catalogue.py
SCOPE = REGISTRY
READS: frozenset[str] = frozenset()
EXAMPLE = Example(
    bad={"partenariats/exemple-aero.yaml": "id: exemple-aero\nnom: Partenariat Exemple Aéro\nstatut: actif\ntype: convention\npartenaires: [exemple-aero]\nmis_a_jour: 2024-01-15\n"},
    good={"partenariats/convention-exemple-aero.yaml": "id: convention-exemple-aero\nnom: Partenariat Exemple Aéro\nstatut: actif\ntype: convention\npartenaires: [exemple-aero]\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    for first, again in registry.duplicates:
        yield again.problem(
            CODE, SEVERITY, ("id",),
            f"l'identifiant « {again.id} » est déjà celui de {first.path}",
            f"choisissez un autre identifiant, par exemple « {again.kind.name}-{again.id} », et renommez le fichier",
        )
