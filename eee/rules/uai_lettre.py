"""La lettre finale d'un code UAI doit être sa lettre de contrôle.

Un UAI (ex-RNE) compte 7 chiffres et une lettre ; la lettre se calcule : reste
de la division des 7 chiffres par 23, pris dans l'alphabet sans I, O ni Q
(ABCDEFGHJKLMNPRSTUVWXYZ). Une lettre fausse trahit presque toujours une faute
de frappe : recopiez l'UAI depuis l'Annuaire de l'éducation.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R010
from ..diagnostics import Example, Problem
from ..domain import uai_check_letter
from ..loader import Pointer
from ..model import Registry
from ._scope import FILE
from ._util import EXAMPLE_SCHOOL, EXAMPLE_SCHOOL_PATH

CODE, SEVERITY = R010.code, R010.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={EXAMPLE_SCHOOL_PATH: EXAMPLE_SCHOOL.replace('uai: 0312686B', 'uai: 0312686C')},
    good={EXAMPLE_SCHOOL_PATH: EXAMPLE_SCHOOL},
)


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry.of_kind("etablissement"):
        values: list[tuple[Pointer, object]] = [(("uai",), entity.get("uai"))]
        values += [(("uai_secondaires", i), v) for i, v in enumerate(entity.items("uai_secondaires"))]
        for pointer, uai in values:
            if not (isinstance(uai, str) and len(uai) == 8 and uai[:7].isdigit() and uai[7].isalpha()):
                continue  # the schema reports the format
            letter = uai_check_letter(uai)
            if uai[7].upper() != letter:
                yield entity.problem(
                    CODE, SEVERITY, pointer,
                    f"l'UAI « {uai} » a une lettre de contrôle fausse : pour {uai[:7]}, la lettre est {letter}",
                    f"vérifiez l'UAI dans l'Annuaire de l'éducation ; s'il s'agit bien de {uai[:7]}, écrivez {uai[:7]}{letter}",
                )
