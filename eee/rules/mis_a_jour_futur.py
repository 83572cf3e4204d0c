"""La date de mise à jour (mis_a_jour) n'est pas dans le futur (avertissement).

mis_a_jour dit quand les informations du fichier ont été vérifiées pour la
dernière fois : une date future est une faute de frappe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..catalogue import R032
from ..diagnostics import Example, Problem
from ..domain import date_fr, parse_date
from ..model import Registry
from ._scope import REGISTRY

CODE, SEVERITY = R032.code, R032.severity  # declared in eee/catalogue.py
SCOPE = REGISTRY
READS = frozenset({"mis_a_jour"})
EXAMPLE = Example(
    bad={"partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\nmis_a_jour: 2999-01-15\n"},
    good={"partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    today = dt.date.today()
    latest = today.isoformat()  # a later date is written later in alphabetical order too
    for entity in registry:
        value = entity.get("mis_a_jour")
        if not isinstance(value, str) or value <= latest:
            continue
        day = parse_date(value)
        if day is not None and day > today:
            yield entity.problem(
                CODE, SEVERITY, ("mis_a_jour",),
                f"la date de mise à jour ({date_fr(day)}) est dans le futur",
                f"écrivez la date de la dernière vérification, par exemple {today.isoformat()}",
            )
