"""Une action ou un événement est rangé dans le dossier de son année scolaire.

L'action de l'année 2022-2023 se trouve dans actions/2022-2023/, l'événement
dans evenements/2022-2023/ : le bilan annuel et les filtres par année s'y fient.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R018
from ..diagnostics import Example, Problem
from ..domain import school_year_bounds
from ..model import Registry
from ._scope import FILE

CODE, SEVERITY = R018.code, R018.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={
        "evenements/2022-2023/rencontre-exemple.yaml": None,
        "evenements/2023-2024/rencontre-exemple.yaml": "id: rencontre-exemple\nnom: Rencontre\nstatut: realise\ntype: rencontre\nannee_scolaire: 2022-2023\ndate: 2023-04-21\nmis_a_jour: 2024-01-15\n",
    },
    good={},
)


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry:
        if not entity.kind.by_year:
            continue
        folder = entity.path.split("/")[1]
        year = entity.get("annee_scolaire")
        if isinstance(year, str) and school_year_bounds(year) and year != folder:  # else EEE-R016 or the schema
            yield entity.problem(
                CODE, SEVERITY, ("annee_scolaire",),
                f"l'entité est de l'année {year} mais rangée dans {entity.kind.folder}/{folder}/",
                f"déplacez le fichier dans {entity.kind.folder}/{year}/, ou corrigez l'année scolaire",
            )
