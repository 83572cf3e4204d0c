"""Les co-animateurs d'un CLEE sont membres du CLEE (avertissement).

Le chef d'établissement co-animateur dirige un établissement membre ; le
co-animateur économique représente un partenaire membre. Ajoutez-les à
membres.etablissements et membres.partenaires.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R023
from ..diagnostics import Example, Problem
from ..model import Registry
from ._scope import REGISTRY

CODE, SEVERITY = R023.code, R023.severity  # declared in eee/catalogue.py
SCOPE = REGISTRY
READS = frozenset({"co_animation", "membres"})
EXAMPLE = Example(
    bad={"clee/clee-ales.yaml": "id: clee-ales\nnom: CLEE d'Alès\nstatut: actif\nacademie: montpellier\ndepartements: [\"30\"]\nco_animation:\n  etablissement: {etablissement: 0300002p}\n  partenaire: {partenaire: exemple-aero}\nmembres:\n  partenaires: [exemple-aero]\nmis_a_jour: 2024-01-15\n"},
    good={"clee/clee-ales.yaml": "id: clee-ales\nnom: CLEE d'Alès\nstatut: actif\nacademie: montpellier\ndepartements: [\"30\"]\nco_animation:\n  etablissement: {etablissement: 0300002p}\n  partenaire: {partenaire: exemple-aero}\nmembres:\n  etablissements: [0300002p]\n  partenaires: [exemple-aero]\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry.of_kind("clee"):
        for role, members in (("etablissement", "etablissements"), ("partenaire", "partenaires")):
            target = entity.get("co_animation", role, role)
            if target in registry.entities and target not in entity.texts("membres", members):
                yield entity.problem(
                    CODE, SEVERITY, ("co_animation", role, role),
                    f"le co-animateur « {target} » n'est pas dans membres.{members} du CLEE",
                    f"ajoutez « {target} » à membres.{members}",
                )
