"""Une référence doit désigner une entité qui existe dans le registre.

Les champs comme membres, partenaires, organisateurs ou etablissement_support
contiennent des identifiants (noms de fichiers sans « .yaml »). Un identifiant
mal orthographié, ou d'une entité pas encore décrite, casse le lien : corrigez
l'identifiant, ou créez le fichier de l'entité.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R003
from ..diagnostics import Example, Problem
from ..domain import ENTITY_ID
from ..model import Registry
from ..suggest import closest
from ._scope import REGISTRY

CODE, SEVERITY = R003.code, R003.severity  # declared in eee/catalogue.py
SCOPE = REGISTRY
READS: frozenset[str] = frozenset()
EXAMPLE = Example(
    bad={"pft/pft-exemple.yaml": "id: pft-exemple\nnom: Plateforme Exemple\nstatut: actif\nacademie: montpellier\npartenaires: [exemple-aeor]\nmis_a_jour: 2024-01-15\n"},
    good={"pft/pft-exemple.yaml": "id: pft-exemple\nnom: Plateforme Exemple\nstatut: actif\nacademie: montpellier\npartenaires: [exemple-aero]\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    entities, unchecked = registry.entities, registry.unchecked
    # The ids no entity has, found among the distinct targets (other values: the schema, EEE-S005); the references
    # only if there are some.
    missing = {target for target, _ in registry.cited()
               if target not in entities and target not in unchecked and ENTITY_ID.match(target)}
    if not missing:
        return
    candidates: dict[tuple[str, ...], list[str]] = {}  # ids by allowed kinds
    hints: dict[tuple[str, tuple[str, ...]], str] = {}  # the same missing id is often cited many times
    for ref in registry.references:
        if ref.target_id not in missing:
            continue
        hint = hints.get((ref.target_id, ref.kinds))
        if hint is None:
            if ref.kinds not in candidates:
                candidates[ref.kinds] = [e.id for e in registry if e.kind.name in ref.kinds]
            guess = closest(ref.target_id, candidates[ref.kinds])
            folders = ", ".join(sorted(ref.kinds))
            hint = hints[(ref.target_id, ref.kinds)] = (
                f"vouliez-vous dire « {guess} » ?" if guess
                else f"créez l'entité (type attendu : {folders}) ou corrigez l'identifiant")
        yield ref.source.problem(
            CODE, SEVERITY, ref.pointer,
            f"« {ref.source.id} » fait référence à « {ref.target_id} », introuvable dans le registre",
            hint,
        )
