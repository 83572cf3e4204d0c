"""L'identifiant d'un établissement est son UAI en minuscules.

Le fichier etablissements/0312686b.yaml décrit l'établissement d'UAI 0312686B :
les références des autres fichiers s'écrivent 0312686b.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R012
from ..diagnostics import Example, Problem
from ..domain import uai_check_letter
from ..model import Registry
from ._scope import FILE
from ._util import EXAMPLE_SCHOOL, EXAMPLE_SCHOOL_PATH

CODE, SEVERITY = R012.code, R012.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={EXAMPLE_SCHOOL_PATH: EXAMPLE_SCHOOL.replace('uai: 0312686B', 'uai: 0312868B')},
    good={EXAMPLE_SCHOOL_PATH: EXAMPLE_SCHOOL},
)


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry.of_kind("etablissement"):
        uai = entity.get("uai")
        if not isinstance(uai, str) or uai.lower() == entity.id:
            continue
        if uai[:7] == entity.id[:7] and len(uai) == 8 and uai[:7].isdigit() and uai_check_letter(uai) != uai[7].upper():
            continue  # only the check letter is wrong: EEE-R010 says so, the file name is right
        yield entity.problem(
            CODE, SEVERITY, ("uai",),
            f"l'UAI « {uai} » ne correspond pas à l'identifiant « {entity.id} »",
            f"un établissement s'appelle par son UAI en minuscules : fichier « {uai.lower()}.yaml » et « id: {uai.lower()} »",
        )
