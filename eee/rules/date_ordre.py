"""La date de fin d'une action ne précède pas sa date de début."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R019
from ..diagnostics import Example, Problem
from ..domain import date_fr, parse_date
from ..model import Registry
from ._scope import FILE

CODE, SEVERITY = R019.code, R019.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={"actions/2022-2023/visites-exemple.yaml": "id: visites-exemple\nnom: Visites\nstatut: realisee\ntype: visite_entreprise\nannee_scolaire: 2022-2023\ndate_debut: 2023-03-31\ndate_fin: 2023-03-01\norganisateurs: [clee-ariege]\nmis_a_jour: 2024-01-15\n"},
    good={"actions/2022-2023/visites-exemple.yaml": "id: visites-exemple\nnom: Visites\nstatut: realisee\ntype: visite_entreprise\nannee_scolaire: 2022-2023\ndate_debut: 2023-03-01\ndate_fin: 2023-03-31\norganisateurs: [clee-ariege]\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry:
        start = parse_date(entity.get("date_debut", default=entity.get("date")))
        end = parse_date(entity.get("date_fin"))
        if start and end and end < start:
            yield entity.problem(
                CODE, SEVERITY, ("date_fin",),
                f"la date de fin ({date_fr(end)}) précède la date de début ({date_fr(start)})",
                "inversez les deux dates ou corrigez-les",
            )
