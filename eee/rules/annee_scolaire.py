"""Une année scolaire s'écrit AAAA-AAAA avec deux années consécutives.

L'année scolaire court de septembre à août : 2022-2023 va du 1er septembre 2022
au 31 août 2023. « 2022-2024 » ou « 2023-2022 » sont refusés.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R016
from ..diagnostics import Example, Problem
from ..domain import school_year_bounds
from ..loader import Pointer
from ..model import Registry
from ._scope import FILE

CODE, SEVERITY = R016.code, R016.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={"evenements/2022-2023/rencontre-exemple.yaml": "id: rencontre-exemple\nnom: Rencontre\nstatut: realise\ntype: rencontre\nannee_scolaire: 2022-2024\ndate: 2023-04-21\nmis_a_jour: 2024-01-15\n"},
    good={"evenements/2022-2023/rencontre-exemple.yaml": "id: rencontre-exemple\nnom: Rencontre\nstatut: realise\ntype: rencontre\nannee_scolaire: 2022-2023\ndate: 2023-04-21\nmis_a_jour: 2024-01-15\n"},
)


def _bad(value: object) -> bool:
    return (isinstance(value, str) and len(value) == 9 and value[4] == "-" and value.replace("-", "").isdigit()
            and school_year_bounds(value) is None)


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry:
        pointers: list[Pointer] = [("annee_scolaire",)]
        pointers += [("annees_scolaires", i) for i in range(len(entity.texts("annees_scolaires")))]
        for pointer in pointers:
            value = entity.get(*pointer)
            if _bad(value):
                start, end = int(value[:4]), int(value[5:])
                if end == start + 1:  # consecutive, but no calendar has them (0000-0001)
                    yield entity.problem(CODE, SEVERITY, pointer,
                                         f"« {value} » n'est pas une année scolaire : l'année {start} n'existe pas "
                                         "dans le calendrier", "écrivez par exemple 2022-2023")
                    continue
                yield entity.problem(
                    CODE, SEVERITY, pointer,
                    f"« {value} » n'est pas une année scolaire : les deux années doivent se suivre",
                    f"écrivez par exemple {start}-{start + 1}",
                )
