"""Le statut d'une action ou d'un événement passé dit encore « prévu » ou « en cours » (avertissement).

Une action ou un événement d'une année scolaire terminée (l'année 2022-2023 se
termine le 31 août 2023) ne peut plus être « prévu » ni « en cours » : il a eu
lieu ou il a été annulé. De même, un événement dont la date est passée ne peut
plus être « prévu », même pendant l'année scolaire en cours. Un statut resté
« prévu » fausse les bilans annuels, qui comptent les actions par statut.

Le message donne l'état enregistré et la raison ; l'indication nomme les statuts
possibles. Ne devinez pas : si les sources ne disent pas ce qui s'est passé,
laissez le statut tel quel et notez-le dans a_completer (champ statut). Le manque
est alors rappelé une seule fois, par EEE-R031.

La règle lit la date du jour : un statut « prévu » devient périmé le lendemain de
la date de l'événement, ou le 1er septembre qui suit la fin de son année scolaire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..catalogue import R034
from ..diagnostics import Example, Problem
from ..domain import date_fr, parse_date, school_year_bounds
from ..model import Entity, Registry
from ._scope import REGISTRY

CODE, SEVERITY = R034.code, R034.severity  # declared in eee/catalogue.py
SCOPE = REGISTRY
READS = frozenset({"statut", "annee_scolaire", "date", "a_completer"})

_ACTION = ("id: visites-exemple\nnom: Visites d'entreprises pour les élèves\nstatut: {statut}\ntype: visite_entreprise\n"
           "annee_scolaire: 2022-2023\ndate_debut: 2023-03-01\ndate_fin: 2023-03-31\norganisateurs: [clee-ariege]\n"
           "partenaires: [exemple-bois]\netablissements: [0090056m]\npublic:\n  niveaux: [\"3e\"]\n"
           "  publics_prioritaires: [rural]\nbeneficiaires:\n  - categorie: eleves\n    nombre: 25\nsources:\n"
           "  - titre: Données de test\nmis_a_jour: 2024-01-15\n")
EXAMPLE = Example(
    bad={"actions/2022-2023/visites-exemple.yaml": _ACTION.format(statut="en_cours")},
    good={"actions/2022-2023/visites-exemple.yaml": _ACTION.format(statut="realisee")},
)

# By kind: the vocabulary of its statut, the statuses that say « not done yet », the ones to choose from instead,
# and what else the officer can do.
_KINDS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], str]] = {
    "action": ("statut_action", ("prevue", "en_cours"), ("realisee", "annulee"),
               "si l'action continue, déclarez-la dans l'année en cours"),
    "evenement": ("statut_evenement", ("prevu",), ("realise", "annule"),
                  "si l'événement a été reporté, corrigez sa date (et son année scolaire)"),
}
_NOUN = {"action": "action", "evenement": "événement"}


def _label(registry: Registry, vocabulary: str, value: str) -> str:
    """The French label of a value (« En cours » → « en cours »), or the value itself."""
    label = registry.schemas.labels(vocabulary).get(value, value)
    return label[:1].lower() + label[1:]


def stale(registry: Registry, today: dt.date | None = None) -> list[tuple[Entity, str]]:
    """The actions and events whose statut has gone stale on `today` (by default today's date), in path order,
    each with the French reason (what EEE-R034 reports: « action de l'année scolaire 2022-2023, terminée le
    31 août 2023, toujours « en cours » »).

    An action or event of a school year that has ended (after 31 August) still « prévu(e) » or « en cours »;
    an event whose date is past still « prévu ». An entity that declares its statut in `a_completer` is left
    out (EEE-R031 recalls it)."""
    today = today or dt.date.today()
    found: list[tuple[Entity, str]] = []
    for name, (vocabulary, pending, _, _) in _KINDS.items():
        for entity in registry.of_kind(name):
            statut = entity.statut
            if statut not in pending:
                continue
            year = entity.get("annee_scolaire")
            bounds = school_year_bounds(year) if isinstance(year, str) else None
            day = parse_date(entity.get("date")) if name == "evenement" else None
            state = f"toujours « {_label(registry, vocabulary, statut)} »"
            if bounds is not None and today > bounds[1]:
                reason = f"{_NOUN[name]} de l'année scolaire {year}, terminée le {date_fr(bounds[1])}, {state}"
            elif day is not None and day < today:
                reason = f"{_NOUN[name]} du {date_fr(day)}, date passée, {state}"
            else:
                continue
            if entity.declares_gap("statut"):  # the officer does not know yet: EEE-R031 recalls it
                continue
            found.append((entity, reason))
    found.sort(key=lambda pair: pair[0].path)
    return found


def _hint(registry: Registry, entity: Entity) -> str:
    vocabulary, _, choices, otherwise = _KINDS[entity.kind.name]
    listed = " ou ".join(f"{_label(registry, vocabulary, c)} ({c})" for c in choices)
    return (f"choisissez {listed} ; {otherwise} ; "
            "si les sources ne le disent pas, laissez le statut et notez-le dans a_completer")


def check(registry: Registry, today: dt.date | None = None) -> Iterator[Problem]:
    for entity, reason in stale(registry, today):
        yield entity.problem(CODE, SEVERITY, ("statut",), reason, _hint(registry, entity))
