"""Le registre doit contenir le fichier reseau.yaml à sa racine.

reseau.yaml décrit la région académique, ses académies et départements, la
mission et les effectifs attendus : plusieurs règles s'appuient dessus.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R006
from ..diagnostics import Example, Problem
from ..model import Registry
from ._scope import REGISTRY

CODE, SEVERITY = R006.code, R006.severity  # declared in eee/catalogue.py
SCOPE = REGISTRY
READS: frozenset[str] = frozenset()
EXAMPLE = Example(
    bad={"reseau.yaml": None},
    good={},
)


def check(registry: Registry) -> Iterator[Problem]:
    if registry.network is None:
        yield Problem(
            "reseau.yaml", 0, 0, CODE, SEVERITY,
            "le registre n'a pas de fichier reseau.yaml à sa racine",
            "créez reseau.yaml (région académique, académies, départements, mission) ; "
            "vérifiez aussi que --registry désigne bien le dossier du registre",
        )
