"""The graph and domain rules: one module per code, registered here.

A rule module has `CODE`, `SEVERITY`, `TITLE`, a French docstring (its
documentation), `EXAMPLE` (a file that breaks the rule and the same file
fixed: both are run by the tests) and `check(registry) -> Iterator[Problem]`.
Rules see the model, never files.
"""

from __future__ import annotations

from types import ModuleType
from typing import Iterator

from ..diagnostics import Problem
from ..model import Registry
from . import (
    a_completer,
    a_completer_champ,
    academie_departement,
    annee_declaree,
    annee_dossier,
    annee_scolaire,
    beneficiaires_doublon,
    co_animateurs,
    co_animateurs_membres,
    date_annee,
    date_ordre,
    effectifs_attendus,
    id_fichier,
    id_unique,
    mis_a_jour_futur,
    partenaire_orphelin,
    reference_introuvable,
    reference_type,
    reseau_absent,
    sans_sources,
    siren_siret,
    siret_siren,
    uai_departement,
    uai_id,
    uai_lettre,
    uai_unique,
)

_MODULES: tuple[ModuleType, ...] = (
    id_fichier,
    id_unique,
    reference_introuvable,
    reference_type,
    partenaire_orphelin,
    reseau_absent,
    uai_lettre,
    uai_departement,
    uai_id,
    uai_unique,
    siren_siret,
    siret_siren,
    academie_departement,
    annee_scolaire,
    date_annee,
    annee_dossier,
    date_ordre,
    annee_declaree,
    effectifs_attendus,
    co_animateurs,
    co_animateurs_membres,
    beneficiaires_doublon,
    sans_sources,
    a_completer,
    a_completer_champ,
    mis_a_jour_futur,
)

RULES: dict[str, ModuleType] = {m.CODE: m for m in _MODULES}


def run(registry: Registry) -> Iterator[Problem]:
    """Every problem every rule finds in the registry."""
    for module in _MODULES:
        yield from module.check(registry)
