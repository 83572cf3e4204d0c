"""L'année scolaire d'une action ou d'un événement est déclarée dans reseau.yaml.

reseau.yaml liste les années scolaires tenues (annees_scolaires) ; une année
qui n'y figure pas est signalée (avertissement) pour que la liste reste à jour.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R020
from ..diagnostics import Example, Problem
from ..domain import school_year_bounds
from ..model import Registry
from ._scope import REGISTRY

CODE, SEVERITY = R020.code, R020.severity  # declared in eee/catalogue.py
SCOPE = REGISTRY
READS = frozenset({"annee_scolaire", "annees_scolaires"})
EXAMPLE = Example(
    bad={
        "evenements/2022-2023/rencontre-exemple.yaml": None,
        "evenements/2024-2025/rencontre-exemple.yaml": "id: rencontre-exemple\nnom: Rencontre\nstatut: realise\ntype: rencontre\nannee_scolaire: 2024-2025\ndate: 2025-04-21\nmis_a_jour: 2024-01-15\n",
    },
    good={},
)


def check(registry: Registry) -> Iterator[Problem]:
    network = registry.network
    if network is None or not isinstance(network.get("annees_scolaires"), list):
        return
    declared = set(network.texts("annees_scolaires"))
    for entity in registry:
        year = entity.get("annee_scolaire") if entity.kind.by_year else None
        if isinstance(year, str) and year not in declared and school_year_bounds(year):
            yield entity.problem(
                CODE, SEVERITY, ("annee_scolaire",),
                f"l'année scolaire {year} n'est pas déclarée dans reseau.yaml",
                f"ajoutez « {year} » à annees_scolaires dans reseau.yaml",
            )
