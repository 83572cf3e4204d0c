"""Les dates d'une action ou d'un événement tombent dans son année scolaire.

Une action de l'année 2022-2023 a lieu entre le 1er septembre 2022 et le
31 août 2023. Une date hors de cet intervalle trahit une faute de frappe, ou
une entité rangée dans la mauvaise année.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R017
from ..diagnostics import Example, Problem
from ..domain import date_fr, parse_date, school_year_bounds
from ..model import Registry
from ._scope import FILE

CODE, SEVERITY = R017.code, R017.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={"evenements/2022-2023/rencontre-exemple.yaml": "id: rencontre-exemple\nnom: Rencontre\nstatut: realise\ntype: rencontre\nannee_scolaire: 2022-2023\ndate: 2024-04-21\nmis_a_jour: 2024-01-15\n"},
    good={"evenements/2022-2023/rencontre-exemple.yaml": "id: rencontre-exemple\nnom: Rencontre\nstatut: realise\ntype: rencontre\nannee_scolaire: 2022-2023\ndate: 2023-04-21\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry:
        if entity.kind.name not in ("action", "evenement"):
            continue
        year = entity.get("annee_scolaire")
        bounds = school_year_bounds(year) if isinstance(year, str) else None
        if bounds is None:
            continue
        for field in ("date", "date_debut", "date_fin"):
            day = parse_date(entity.get(field))
            if day is not None and not bounds[0] <= day <= bounds[1]:
                yield entity.problem(
                    CODE, SEVERITY, (field,),
                    f"le {date_fr(day)} n'est pas dans l'année scolaire {year} "
                    f"(du {date_fr(bounds[0])} au {date_fr(bounds[1])})",
                    "corrigez la date, ou l'année scolaire (et le dossier) de l'entité",
                )
