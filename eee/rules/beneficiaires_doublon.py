"""Chaque catégorie de bénéficiaires n'apparaît qu'une fois par action.

Deux lignes « eleves » dans beneficiaires seraient additionnées deux fois dans
le bilan annuel : regroupez-les en une seule, avec une note si besoin.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R024
from ..diagnostics import Example, Problem
from ..model import Registry
from ._scope import FILE

CODE, SEVERITY = R024.code, R024.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={"actions/2022-2023/visites-exemple.yaml": "id: visites-exemple\nnom: Visites\nstatut: realisee\ntype: visite_entreprise\nannee_scolaire: 2022-2023\norganisateurs: [clee-ariege]\nbeneficiaires:\n  - {categorie: eleves, nombre: 20}\n  - {categorie: eleves, nombre: 5}\nmis_a_jour: 2024-01-15\n"},
    good={"actions/2022-2023/visites-exemple.yaml": "id: visites-exemple\nnom: Visites\nstatut: realisee\ntype: visite_entreprise\nannee_scolaire: 2022-2023\norganisateurs: [clee-ariege]\nbeneficiaires:\n  - {categorie: eleves, nombre: 25}\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry.of_kind("action"):
        seen: dict[str, int] = {}
        for index, item in enumerate(entity.items("beneficiaires")):
            category = item.get("categorie") if isinstance(item, dict) else None
            if not isinstance(category, str):
                continue
            if category in seen:
                yield entity.problem(
                    CODE, SEVERITY, ("beneficiaires", index, "categorie"),
                    f"la catégorie « {category} » est déjà comptée dans beneficiaires[{seen[category]}]",
                    "regroupez les deux nombres en une seule ligne",
                )
            else:
                seen[category] = index
