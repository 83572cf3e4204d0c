"""Un partenaire que rien ne référence est signalé (avertissement).

Un partenaire n'a de sens dans le registre que s'il participe à quelque chose :
membre d'un CLEE, d'un CMQ ou du club, partenaire d'une PFT, d'un partenariat,
d'une action ou d'un événement. Ajoutez-le là où il intervient, ou retirez son
fichier.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R005
from ..diagnostics import Example, Problem
from ..model import Registry
from ._scope import REGISTRY

CODE, SEVERITY = R005.code, R005.severity  # declared in eee/catalogue.py
SCOPE = REGISTRY
READS: frozenset[str] = frozenset()
EXAMPLE = Example(
    bad={"partenaires/exemple-chimie.yaml": "id: exemple-chimie\nnom: Exemple Chimie\nstatut: actif\ntype: entreprise\nmis_a_jour: 2024-01-15\n"},
    good={
        "partenaires/exemple-chimie.yaml": "id: exemple-chimie\nnom: Exemple Chimie\nstatut: actif\ntype: entreprise\nmis_a_jour: 2024-01-15\n",
        "pft/pft-exemple.yaml": "id: pft-exemple\nnom: Plateforme Exemple\nstatut: actif\nacademie: montpellier\npartenaires: [exemple-aero, exemple-chimie]\nmis_a_jour: 2024-01-15\n",
    },
)


def check(registry: Registry) -> Iterator[Problem]:
    cited = {target for target, _ in registry.cited()}
    for entity in registry.of_kind("partenaire"):
        if registry.entities.get(entity.id) is entity and entity.id not in cited:
            yield entity.problem(
                CODE, SEVERITY, ("id",),
                f"le partenaire « {entity.id} » n'est référencé par aucune entité",
                "ajoutez-le aux membres d'un CLEE, d'un CMQ, d'un partenariat ou d'une action, ou retirez ce fichier",
            )
