"""The graph and domain rules: one module per code, registered here.

A rule module has `CODE`, `SEVERITY`, `TITLE`, `SCOPE`, a French docstring
(its documentation), `EXAMPLE` (a file that breaks the rule and the same file
fixed: both are run by the tests) and `check(registry) -> Iterator[Problem]`.
Rules see the model, never files.

`SCOPE` says what a rule reads (constants of `_scope.py`). FILE: each entity
alone (its data, path and the schemas) — such a rule runs with the file's other
per-file checks, on the worker processes, and its result is cached with the
file's. REGISTRY: other entities too (references, duplicates, reseau.yaml,
counts) or today's date — such a rule runs on the whole model every time. A
test checks each FILE rule finds on the whole registry exactly what it finds on
each entity alone.

A REGISTRY rule also declares `READS`: the top-level fields of an entity's data
it reads (of any entity). `eee validate` reads from the cache only those fields
of the files that did not change (`REGISTRY_READS`), not their whole data; a
test follows every read of these rules over the test corpus and the shipped
registry and checks each is declared.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Iterator

from ..diagnostics import Problem
from ..loader import SourceDoc
from ..model import Found, Registry
from ..schema import SchemaSet
from ._scope import FILE, REGISTRY
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
    statut_perime,
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
    statut_perime,
)

RULES: dict[str, ModuleType] = {m.CODE: m for m in _MODULES}

# What the cross-file checks read of each entity: the REGISTRY rules' fields, and the model's (`id`).
REGISTRY_READS: frozenset[str] = frozenset().union(
    *(m.READS for m in _MODULES if m.SCOPE == REGISTRY), Registry.READS)


def run(registry: Registry, scope: str | None = None) -> Iterator[Problem]:
    """Every problem every rule (of `scope`, if given) finds in the registry."""
    for module in _MODULES:
        if scope is None or module.SCOPE == scope:
            yield from module.check(registry)


_HERE = Path(".")


def run_on_file(doc: SourceDoc, schemas: SchemaSet, valid: bool,
                references: Found | None = None) -> list[Problem]:
    """The FILE rules on one read document (which must be `ok`), as the only entity of a registry."""
    registry = Registry.build(_HERE, [doc], schemas, {doc.path} if valid else set(), (),
                              None if references is None else {doc.path: references})
    return list(run(registry, FILE))
