"""Les trois premiers chiffres d'un UAI sont le département de l'établissement.

031… désigne la Haute-Garonne, 009… l'Ariège, 030… le Gard. Un UAI qui ne
commence pas par le département déclaré signale une erreur de département ou
d'UAI.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R011
from ..diagnostics import Example, Problem
from ..domain import uai_departement
from ..model import Registry
from ._scope import FILE
from ._util import EXAMPLE_SCHOOL, EXAMPLE_SCHOOL_PATH

CODE, SEVERITY = R011.code, R011.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={EXAMPLE_SCHOOL_PATH: EXAMPLE_SCHOOL.replace('departement: "31"', 'departement: "32"')},
    good={EXAMPLE_SCHOOL_PATH: EXAMPLE_SCHOOL},
)


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry.of_kind("etablissement"):
        uai, departement = entity.get("uai"), entity.get("departement")
        if not (isinstance(uai, str) and uai[:3].isdigit() and isinstance(departement, str)):
            continue
        expected = uai_departement(uai)
        if expected != departement:
            yield entity.problem(
                CODE, SEVERITY, ("departement",),
                f"l'UAI « {uai} » est celui d'un établissement du département {expected}, pas du {departement}",
                f"corrigez le département (« departement: \"{expected}\" ») ou l'UAI",
            )
