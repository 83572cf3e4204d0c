"""Chaque entité dit d'où viennent ses informations (avertissement).

La clé sources liste les documents ou pages publiques qui établissent les
faits du fichier, avec leur date. Un fait sans source ne peut pas être vérifié.
Une source encore à trouver se déclare dans a_completer (champ sources) : le
manque est alors rappelé une seule fois, par EEE-R031.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R030
from ..diagnostics import Example, Problem
from ..model import Registry
from ._scope import FILE

CODE, SEVERITY = R030.code, R030.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={"partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\nmis_a_jour: 2024-01-15\n"},
    good={"partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\nsources:\n  - titre: Site officiel d'Exemple Bois\n    url: https://www.example.org/\n    consulte_le: 2024-01-15\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry:
        if "sources" not in entity.data and not entity.declares_gap("sources"):  # a declared gap is EEE-R031
            yield entity.problem(
                CODE, SEVERITY, ("id",),
                f"« {entity.id} » n'indique pas ses sources",
                "ajoutez « sources: - titre: … url: … consulte_le: AAAA-MM-JJ »",
            )
