"""Un CLEE a deux co-animateurs : un chef d'établissement et un partenaire économique.

Un CLEE est co-animé par un chef d'établissement, désigné par l'IA-DASEN, et
par le responsable d'un partenaire économique (chef d'entreprise, président
d'un club d'entreprises ou d'une association…). Si l'un des deux n'est pas
encore connu, déclarez-le dans a_completer (champ co_animation.etablissement ou
co_animation.partenaire) : le manque devient un avertissement « à compléter ».
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R022
from ..diagnostics import Example, Problem
from ..model import Registry
from ._scope import FILE

CODE, SEVERITY = R022.code, R022.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={"clee/clee-ales.yaml": "id: clee-ales\nnom: CLEE d'Alès\nstatut: actif\nacademie: montpellier\ndepartements: [\"30\"]\nco_animation:\n  etablissement:\n    etablissement: 0300002p\nmis_a_jour: 2024-01-15\n"},
    good={"clee/clee-ales.yaml": "id: clee-ales\nnom: CLEE d'Alès\nstatut: actif\nacademie: montpellier\ndepartements: [\"30\"]\nco_animation:\n  etablissement:\n    etablissement: 0300002p\na_completer:\n  - champ: co_animation.partenaire\n    note: co-animateur économique non encore désigné\nmis_a_jour: 2024-01-15\n"},
)

_ROLES = {
    "etablissement": ("le chef d'établissement co-animateur", "etablissement: <uai en minuscules>"),
    "partenaire": ("le partenaire économique co-animateur", "partenaire: <identifiant du partenaire>"),
}


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry.of_kind("clee"):
        animation = entity.get("co_animation")
        for role, (label, example) in _ROLES.items():
            present = isinstance(animation, dict) and isinstance(animation.get(role), dict)
            if present or entity.declares_gap(f"co_animation.{role}"):
                continue
            pointer = ("co_animation",) if isinstance(animation, dict) else ()
            yield entity.problem(
                CODE, SEVERITY, pointer,
                f"le CLEE « {entity.id} » n'indique pas {label}",
                f"ajoutez « co_animation: {role}: {example} », ou, s'il n'est pas connu, "
                f"« a_completer: - champ: co_animation.{role} »",
                key=bool(pointer),
            )
