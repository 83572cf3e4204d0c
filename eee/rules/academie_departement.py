"""L'académie déclarée doit être celle des départements déclarés.

Académie de Toulouse : Ariège (09), Aveyron (12), Haute-Garonne (31), Gers (32),
Lot (46), Hautes-Pyrénées (65), Tarn (81), Tarn-et-Garonne (82). Académie de
Montpellier : Aude (11), Gard (30), Hérault (34), Lozère (48),
Pyrénées-Orientales (66). La règle vaut pour les établissements, CLEE, CMQ et
PFT (y compris le département de leur établissement support ou siège), et pour
les académies et départements de reseau.yaml.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..catalogue import R015
from ..diagnostics import Example, Problem
from ..loader import Pointer
from ..model import Entity, Registry
from ._scope import REGISTRY

CODE, SEVERITY = R015.code, R015.severity  # declared in eee/catalogue.py
SCOPE = REGISTRY
READS = frozenset({"academie", "academies", "departement", "departements", "etablissement_siege", "etablissement_support"})
EXAMPLE = Example(
    bad={"clee/clee-ales.yaml": "id: clee-ales\nnom: CLEE d'Alès\nstatut: actif\nacademie: toulouse\ndepartements: [\"30\"]\nmis_a_jour: 2024-01-15\n"},
    good={"clee/clee-ales.yaml": "id: clee-ales\nnom: CLEE d'Alès\nstatut: actif\nacademie: montpellier\ndepartements: [\"30\"]\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    mapping = registry.schemas.academie_of_departement
    labels = registry.schemas.labels("departement")

    def mismatch(entity: Entity, pointer: Pointer, departement: Any, academie: Any, about: str = "") -> Problem | None:
        expected = mapping.get(departement) if isinstance(departement, str) else None
        if expected and isinstance(academie, str) and academie in ("toulouse", "montpellier") and expected != academie:
            return entity.problem(
                CODE, SEVERITY, pointer,
                f"{about or 'le département'} {departement} ({labels.get(departement, '')}){',' if about else ''} relève de l'académie de "
                f"{expected.capitalize()}, pas de celle de {academie.capitalize()}",
                f"corrigez l'académie (« academie: {expected} ») ou le département",
            )
        return None

    for entity in registry:
        kind = entity.kind.name
        found = []
        if kind == "etablissement":
            found.append(mismatch(entity, ("departement",), entity.get("departement"), entity.get("academie")))
        elif kind in ("clee", "cmq", "pft"):
            for i, dep in enumerate(entity.items("departements")):
                found.append(mismatch(entity, ("departements", i), dep, entity.get("academie")))
            for field, role in (("etablissement_support", "support"), ("etablissement_siege", "siège")):
                host = registry.get(entity.get(field)) if isinstance(entity.get(field), str) else None
                if host is not None and host.kind.name == "etablissement":
                    found.append(mismatch(entity, ("academie",), host.get("departement"), entity.get("academie"),
                                          f"l'établissement {role} « {host.id} », situé dans le département"))
        elif kind == "reseau":
            for a, academie in enumerate(entity.items("academies")):
                if isinstance(academie, dict):
                    for i, dep in enumerate(academie["departements"] if isinstance(academie.get("departements"), list) else []):
                        found.append(mismatch(entity, ("academies", a, "departements", i), dep, academie.get("code")))
            for d, item in enumerate(entity.items("departements")):
                if isinstance(item, dict):
                    found.append(mismatch(entity, ("departements", d, "academie"), item.get("code"), item.get("academie")))
        yield from (p for p in found if p is not None)
