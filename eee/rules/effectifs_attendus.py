"""Le registre décrit autant d'entités que reseau.yaml en attend (avertissement).

reseau.yaml déclare par exemple « effectifs_attendus: {clee: 27} » : les 27 CLEE
de l'Occitanie. Tant que le registre n'en décrit qu'une partie, l'écart est
signalé, pour que la liste se complète sans rien inventer.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R021
from ..diagnostics import Example, Problem
from ..kinds import KINDS
from ..model import Registry
from ._scope import REGISTRY

CODE, SEVERITY = R021.code, R021.severity  # declared in eee/catalogue.py
SCOPE = REGISTRY
READS = frozenset({"effectifs_attendus"})
EXAMPLE = Example(
    bad={"clee/clee-ales.yaml": None},
    good={},
)


def check(registry: Registry) -> Iterator[Problem]:
    network = registry.network
    expected = network.get("effectifs_attendus") if network else None
    if network is None or not isinstance(expected, dict):
        return
    for kind, count in expected.items():
        if kind not in KINDS or not isinstance(count, int) or isinstance(count, bool):
            continue
        # A file of this kind that could not be read still describes an entity: its problem is reported.
        found = len(registry.of_kind(kind)) + sum(1 for k in registry.unchecked.values() if k == kind)
        label = KINDS[kind].label
        if found < count:
            yield network.problem(
                CODE, SEVERITY, ("effectifs_attendus", kind),
                f"{found} {label} décrit{'s' if found > 1 else ''} sur {count} attendu{'s' if count > 1 else ''} : "
                f"{count - found} reste{'nt' if count - found > 1 else ''} à décrire",
                f"ajoutez les {label} manquants dans {KINDS[kind].folder}/ à mesure que leurs informations sont connues",
            )
        elif found > count:
            yield network.problem(
                CODE, SEVERITY, ("effectifs_attendus", kind),
                f"{found} {label} décrits pour {count} attendus",
                f"mettez à jour « effectifs_attendus: {kind}: {found} » ou vérifiez les doublons",
            )
