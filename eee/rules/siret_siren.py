"""Un SIRET commence par le SIREN de la même entité.

Le SIRET identifie un établissement d'une entreprise : ses 9 premiers chiffres
sont le SIREN de l'entreprise. Si les deux sont donnés, ils doivent concorder.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R014
from ..diagnostics import Example, Problem
from ..model import Registry
from ._scope import FILE

CODE, SEVERITY = R014.code, R014.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={"partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\nsiren: \"123456782\"\nsiret: \"73282932000074\"\nmis_a_jour: 2024-01-15\n"},
    good={"partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\nsiren: \"732829320\"\nsiret: \"73282932000074\"\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry:
        siren, siret = entity.get("siren"), entity.get("siret")
        if isinstance(siren, str) and isinstance(siret, str) and len(siret) == 14 and siret[:9] != siren:
            yield entity.problem(
                CODE, SEVERITY, ("siret",),
                f"le SIRET « {siret} » ne commence pas par le SIREN « {siren} »",
                "vérifiez les deux numéros : les 9 premiers chiffres du SIRET sont le SIREN",
            )
