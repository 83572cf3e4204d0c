"""Une référence doit désigner une entité du bon type.

Chaque champ de référence n'accepte que certains types : membres.partenaires
attend des partenaires (dossier partenaires/), etablissement_support un
établissement (dossier etablissements/), organisateurs un réseau, club, CLEE,
CMQ, PFT, partenariat, partenaire ou établissement.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R004
from ..diagnostics import Example, Problem
from ..kinds import KINDS
from ..model import Registry
from ._scope import REGISTRY

CODE, SEVERITY = R004.code, R004.severity  # declared in eee/catalogue.py
SCOPE = REGISTRY
READS: frozenset[str] = frozenset()
EXAMPLE = Example(
    bad={"pft/pft-exemple.yaml": "id: pft-exemple\nnom: Plateforme Exemple\nstatut: actif\nacademie: montpellier\npartenaires: [clee-ales]\nmis_a_jour: 2024-01-15\n"},
    good={"pft/pft-exemple.yaml": "id: pft-exemple\nnom: Plateforme Exemple\nstatut: actif\nacademie: montpellier\npartenaires: [exemple-aero]\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    entities = registry.entities
    wrong = set()
    for target_id, kinds in registry.cited():  # each distinct target and kinds once; the references only if needed
        found = entities.get(target_id)
        if found is not None and found.kind.name not in kinds:
            wrong.add((target_id, kinds))
    if not wrong:
        return
    for ref in registry.references:
        if (ref.target_id, ref.kinds) not in wrong:
            continue
        target = entities[ref.target_id]
        wanted = " ou ".join(KINDS[k].label for k in ref.kinds)
        yield ref.source.problem(
            CODE, SEVERITY, ref.pointer,
            f"« {ref.target_id} » est {target.kind.a_label}, alors qu'on attend ici : {wanted}",
            "vérifiez le champ : un partenaire se déclare dans partenaires/, un établissement dans etablissements/",
        )
