"""The annual summary (bilan annuel) of a school year, computed from the registry's actions and events.

Pure: every figure is a `Figure` holding its value and the ids of the actions
(or other entities) it counts, so that a page can link each number to what it
sums. Nothing here reads files or renders.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .model import Entity, Registry
from .query import beneficiaries, departements_of, normalize
from .rules._util import school_year_bounds

CATEGORIES = ("eleves", "candidats", "enseignants", "chefs_etablissement", "entreprises", "parents")


@dataclass
class Figure:
    value: int
    sources: list[str] = field(default_factory=list)  # ids of what the figure counts or sums
    approximate: bool = False  # one of the numbers summed is « au moins » or « environ »


@dataclass
class Row:
    label: str
    figures: dict[str, Figure]
    id: str = ""  # the entity the row stands for, if any


@dataclass
class Bilan:
    year: str
    previous: str
    has_previous: bool
    actions: list[Entity]
    events: list[Entity]
    headline: dict[str, Figure]
    previous_headline: dict[str, Figure]
    by_type: list[Row]
    by_status: list[Row]
    by_level: list[Row]
    by_priority: list[Row]
    by_departement: list[Row]
    by_academie: list[Row]
    by_clee: list[Row]
    by_campus: list[Row]  # CMQ and PFT
    by_partnership: list[Row]
    new_partners: list[Entity]
    gaps: list[tuple[Entity, str, str]]  # entity, field, note — of the year's actions and events
    gaps_total: int  # in the whole registry
    clee_expected: int
    clee_described: int
    actions_without_numbers: list[Entity]
    without_sources: list[Entity]


def years_with_actions(registry: Registry, events: bool = True) -> list[str]:
    """The school years that have actions (and, with `events`, events), in order."""
    entities = registry.of_kind("action") + (registry.of_kind("evenement") if events else [])
    years = {a.get("annee_scolaire") for a in entities}
    return sorted(y for y in years if isinstance(y, str) and school_year_bounds(y))


def previous_year(year: str) -> str:
    start = int(year[:4])
    return f"{start - 1}-{start}"


def _sum(actions: list[Entity], category: str) -> Figure:
    figure = Figure(0)
    for action in actions:
        number = beneficiaries(action, category)
        if number is not None:
            figure.value += number
            figure.sources.append(action.id)
            if any(isinstance(b, dict) and b.get("categorie") == category and b.get("precision") in ("au_moins", "environ")
                   for b in action.items("beneficiaires")):
                figure.approximate = True
    return figure


def _referenced(actions: list[Entity], kind: str, registry: Registry) -> dict[str, list[str]]:
    """Ids of entities of `kind` referenced by the actions → the actions that reference them."""
    found: dict[str, list[str]] = defaultdict(list)
    wanted = set(actions)  # entities hash by identity
    for ref in registry.references:
        if ref.source in wanted:
            target = registry.get(ref.target_id)
            if target is not None and target.kind.name == kind and ref.source.id not in found[target.id]:
                found[target.id].append(ref.source.id)
    return found


def _headline(registry: Registry, actions: list[Entity], events: list[Entity]) -> dict[str, Figure]:
    partners = _referenced(actions, "partenaire", registry)
    schools = _referenced(actions, "etablissement", registry)
    done = [e for e in events if e.statut != "annule"]
    return {
        "actions": Figure(len(actions), [a.id for a in actions]),
        "eleves": _sum(actions, "eleves"),
        "candidats": _sum(actions, "candidats"),
        "enseignants": _sum(actions, "enseignants"),
        "chefs_etablissement": _sum(actions, "chefs_etablissement"),
        "partenaires": Figure(len(partners), sorted(partners)),
        "etablissements": Figure(len(schools), sorted(schools)),
        "evenements": Figure(len(done), [e.id for e in done]),
    }


def _rows(groups: dict[str, list[Entity]], labels: dict[str, str], ids: bool = False) -> list[Row]:
    rows = []
    for key, members in groups.items():
        rows.append(Row(labels.get(key, key), {"actions": Figure(len(members), [a.id for a in members]),
                                                "eleves": _sum(members, "eleves"),
                                                "candidats": _sum(members, "candidats"),
                                                "enseignants": _sum(members, "enseignants")}, key if ids else ""))
    return sorted(rows, key=lambda r: (-r.figures["actions"].value, normalize(r.label)))


def compute(registry: Registry, year: str) -> Bilan:
    """Every figure of the summary of `year`; an empty year gives an honest empty summary."""
    schemas = registry.schemas
    actions = sorted((a for a in registry.of_kind("action") if a.get("annee_scolaire") == year),
                     key=lambda a: normalize(a.nom))
    events = sorted((e for e in registry.of_kind("evenement") if e.get("annee_scolaire") == year),
                    key=lambda e: (str(e.get("date") or ""), normalize(e.nom)))
    previous = previous_year(year)
    previous_actions = [a for a in registry.of_kind("action") if a.get("annee_scolaire") == previous]
    previous_events = [e for e in registry.of_kind("evenement") if e.get("annee_scolaire") == previous]

    def group(key_of: Any) -> dict[str, list[Entity]]:
        groups: dict[str, list[Entity]] = defaultdict(list)
        for action in actions:
            for key in key_of(action):
                groups[key].append(action)
        return groups

    by_type = _rows(group(lambda a: [a.get("type")] if isinstance(a.get("type"), str) else ["?"]),
                    schemas.labels("type_action"))
    by_status = _rows(group(lambda a: [a.statut or "?"]), schemas.labels("statut_action"))
    level_groups = group(lambda a: a.texts("public", "niveaux"))
    by_level = _rows(level_groups, schemas.labels("niveau"))
    by_priority = _rows(group(lambda a: a.texts("public", "publics_prioritaires")), schemas.labels("public_prioritaire"))
    dep_labels = {d: f"{d} {name}" for d, name in schemas.labels("departement").items()}
    by_departement = _rows(group(lambda a: departements_of(registry, a) or ["non précisé"]), dep_labels)
    mapping = schemas.academie_of_departement
    by_academie = _rows(group(lambda a: sorted({mapping[d] for d in departements_of(registry, a) if d in mapping})
                              or ["non précisé"]), schemas.labels("academie"))
    names = {e.id: e.nom for e in registry}

    def organised_by(kinds: tuple[str, ...]) -> list[Row]:
        groups: dict[str, list[Entity]] = defaultdict(list)
        for action in actions:
            for target in action.texts("organisateurs"):
                entity = registry.get(target)
                if entity is not None and entity.kind.name in kinds:
                    groups[target].append(action)
        return _rows(groups, names, ids=True)

    partners_now = _referenced(actions, "partenaire", registry)
    earlier = [a for a in registry.of_kind("action")
               if isinstance(a.get("annee_scolaire"), str) and a.get("annee_scolaire") < year]
    partners_before = _referenced(earlier, "partenaire", registry)
    new_partners = sorted((registry.get(p) for p in partners_now if p not in partners_before),  # type: ignore[misc]
                          key=lambda e: normalize(e.nom))
    network = registry.network
    expected = network.get("effectifs_attendus", "clee") if network else None
    gaps = [(e, g, note) for e in actions + events for g, note in _gap_notes(e)]
    return Bilan(
        year=year, previous=previous, has_previous=bool(previous_actions or previous_events),
        actions=actions, events=events,
        headline=_headline(registry, actions, events),
        previous_headline=_headline(registry, previous_actions, previous_events),
        by_type=by_type, by_status=by_status, by_level=by_level, by_priority=by_priority,
        by_departement=by_departement, by_academie=by_academie,
        by_clee=organised_by(("clee",)), by_campus=organised_by(("cmq", "pft")),
        by_partnership=organised_by(("partenariat",)),
        new_partners=[p for p in new_partners if p is not None],
        gaps=gaps,
        gaps_total=sum(len(_gap_notes(e)) for e in registry),
        clee_expected=expected if isinstance(expected, int) and not isinstance(expected, bool) else 0,
        clee_described=len(registry.of_kind("clee")),
        actions_without_numbers=[a for a in actions if not a.items("beneficiaires")],
        without_sources=[e for e in registry if "sources" not in e.data],
    )


def _gap_notes(entity: Entity) -> list[tuple[str, str]]:
    return [(str(g.get("champ")), str(g.get("note") or "")) for g in entity.items("a_completer")
            if isinstance(g, dict) and isinstance(g.get("champ"), str)]
