"""The annual summary (bilan annuel) of a school year, computed from the registry's actions and events.

Pure: every figure is a `Figure` holding its value and the ids of the actions
(or other entities) it counts, so that a page can link each number to what it
sums. Nothing here reads files or renders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .domain import school_year_bounds
from .figures import Count, total
from .model import Entity, Registry
from .query import beneficiaries_by_category, departements_of, existed_in, normalize
from .rules.statut_perime import stale

CATEGORIES = ("eleves", "candidats", "enseignants", "chefs_etablissement", "entreprises", "parents")


@dataclass
class Figure:
    """A figure of the summary: a `Count` (exact, approximate, minimum or unknown: see eee/figures.py) and the
    ids of what it counts or sums (the actions that give a number, for a number of beneficiaries)."""

    count: Count
    sources: list[str] = field(default_factory=list)

    @property
    def value(self) -> int | None:
        return self.count.value

    def __str__(self) -> str:
        return self.count.text()


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
    clee_described: int  # the CLEE that existed that year (or whose file gives no creation date)
    clee_undated: list[Entity]  # counted, although their files do not say when they were created
    actions_without_numbers: list[Entity]
    stale: list[tuple[Entity, str]]  # the year's actions and events whose status has gone stale (EEE-R034), why
    without_sources: list[Entity]


def years_with_actions(registry: Registry, events: bool = True) -> list[str]:
    """The school years that have actions (and, with `events`, events), in order."""
    entities = registry.of_kind("action") + (registry.of_kind("evenement") if events else [])
    years = {a.get("annee_scolaire") for a in entities}
    return sorted(y for y in years if isinstance(y, str) and school_year_bounds(y))


def previous_year(year: str) -> str:
    start = int(year[:4])
    return f"{start - 1}-{start}"


class Facts:
    """What the summaries read again and again, worked out once for a registry and shared by every year
    summed from it (`eee build` makes one for all its summaries): actions and events by school year,
    each action's beneficiaries by category, each entity's outgoing references, the year each partner
    was first cited by an action, and the registry-wide gaps and entities without sources."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._counts: dict[Entity, dict[str, Count]] = {}
        self._headlines: dict[str, dict[str, Figure]] = {}
        self.outgoing: dict[Entity, list[Any]] = defaultdict(list)
        for ref in registry.references:
            self.outgoing[ref.source].append(ref)
        self._actions = self._by_year("action", lambda a: normalize(a.nom))
        self._events = self._by_year("evenement", lambda e: (str(e.get("date") or ""), normalize(e.nom)))
        self.partner_first_year: dict[str, str] = {}  # partner id → the first school year an action cites it
        for year in sorted(self._actions):
            for partner in _referenced(self._actions[year], "partenaire", self):
                self.partner_first_year.setdefault(partner, year)
        self.names = {e.id: e.nom for e in registry}
        self.stale = stale(registry)  # (entity, why), for every year
        self.gaps_total = sum(len(_gap_notes(e)) for e in registry)
        self.without_sources = [e for e in registry if "sources" not in e.data]

    def _by_year(self, kind: str, key: Any) -> dict[str, list[Entity]]:
        found: dict[str, list[Entity]] = defaultdict(list)
        for entity in self.registry.of_kind(kind):
            year = entity.get("annee_scolaire")
            if isinstance(year, str):
                found[year].append(entity)
        return {year: sorted(members, key=key) for year, members in found.items()}

    def actions(self, year: str) -> list[Entity]:
        """The actions of a school year, by name."""
        return self._actions.get(year, [])

    def years(self) -> list[str]:
        """The school years that have actions."""
        return sorted(self._actions)

    def events(self, year: str) -> list[Entity]:
        """The events of a school year, by date then name."""
        return self._events.get(year, [])

    def headline(self, year: str) -> dict[str, Figure]:
        """The key figures of a year (each year's are also the next year's comparison)."""
        found = self._headlines.get(year)
        if found is None:
            found = self._headlines[year] = _headline(self, self.actions(year), self.events(year))
        return found

    def beneficiaries(self, action: Entity) -> dict[str, Count]:
        """`query.beneficiaries` of an action in every category (`CATEGORIES`), worked out once per action."""
        found = self._counts.get(action)
        if found is None:
            found = self._counts[action] = beneficiaries_by_category(action, CATEGORIES)
        return found


def _sums(actions: list[Entity], categories: tuple[str, ...], facts: Facts) -> dict[str, Figure]:
    """The beneficiaries of each category reached by these actions: as certain as the least certain of them (an
    action without any number makes the sum a minimum, and is counted as « sans effectif »)."""
    counts = [facts.beneficiaries(action) for action in actions]
    return {category: Figure(total(of[category] for of in counts),
                             [action.id for action, of in zip(actions, counts) if of[category].known])
            for category in categories}


def _counted(ids: list[str], complete: bool = True) -> Figure:
    """A number of entities (actions, partners…), whatever their own figures: exact, unless the files they are
    counted from may leave some out (`Count.listed`)."""
    return Figure(Count.listed(len(ids), complete), ids)


def _referenced(actions: list[Entity], kind: str, facts: Facts) -> dict[str, list[str]]:
    """Ids of entities of `kind` referenced by the actions → the actions that reference them."""
    found: dict[str, list[str]] = defaultdict(list)
    for action in actions:
        for ref in facts.outgoing.get(action, ()):
            target = facts.registry.get(ref.target_id)
            if target is not None and target.kind.name == kind and action.id not in found[target.id]:
                found[target.id].append(action.id)
    return found


def _headline(facts: Facts, actions: list[Entity], events: list[Entity]) -> dict[str, Figure]:
    partners = _referenced(actions, "partenaire", facts)
    schools = _referenced(actions, "etablissement", facts)
    done = [e for e in events if e.statut != "annule"]

    def complete(found: dict[str, list[str]], field: str) -> bool:
        """Whether every action names these entities, all of them: none names none (the registry does not say it
        had none), nor says in its file they are still to complete."""
        naming = {action for ids in found.values() for action in ids}
        return all(a.id in naming and not a.declares_gap(field) for a in actions)

    return {
        "actions": _counted([a.id for a in actions]),
        **_sums(actions, ("eleves", "candidats", "enseignants", "chefs_etablissement"), facts),
        "partenaires": _counted(sorted(partners), complete(partners, "partenaires")),
        "etablissements": _counted(sorted(schools), complete(schools, "etablissements")),
        "evenements": _counted([e.id for e in done]),
    }


def _rows(groups: dict[str, list[Entity]], labels: Mapping[str, str], facts: Facts, ids: bool = False) -> list[Row]:
    rows = []
    for key, members in groups.items():
        rows.append(Row(labels.get(key, key), {"actions": _counted([a.id for a in members]),
                                                **_sums(members, ("eleves", "candidats", "enseignants"), facts)},
                        key if ids else ""))

    def order(row: Row) -> tuple[int, str]:
        actions = row.figures["actions"].value
        assert actions is not None  # a number of actions (`_counted`) is always known
        return -actions, normalize(row.label)

    return sorted(rows, key=order)


def compute(registry: Registry, year: str, facts: Facts | None = None) -> Bilan:
    """Every figure of the summary of `year`; an empty year gives an honest empty summary.

    `facts`: those of this registry, when several years are summed (see `Facts`)."""
    schemas = registry.schemas
    facts = facts or Facts(registry)
    actions = facts.actions(year)
    events = facts.events(year)
    previous = previous_year(year)

    def group(key_of: Any) -> dict[str, list[Entity]]:
        groups: dict[str, list[Entity]] = defaultdict(list)
        for action in actions:
            for key in key_of(action):
                groups[key].append(action)
        return groups

    by_type = _rows(group(lambda a: [a.get("type")] if isinstance(a.get("type"), str) else ["?"]),
                    schemas.labels("type_action"), facts)
    by_status = _rows(group(lambda a: [a.statut or "?"]), schemas.labels("statut_action"), facts)
    level_groups = group(lambda a: a.texts("public", "niveaux"))
    by_level = _rows(level_groups, schemas.labels("niveau"), facts)
    by_priority = _rows(group(lambda a: a.texts("public", "publics_prioritaires")), schemas.labels("public_prioritaire"),
                        facts)
    dep_labels = {d: f"{d} {name}" for d, name in schemas.labels("departement").items()}
    by_departement = _rows(group(lambda a: departements_of(registry, a) or ["non précisé"]), dep_labels, facts)
    mapping = schemas.academie_of_departement
    by_academie = _rows(group(lambda a: sorted({mapping[d] for d in departements_of(registry, a) if d in mapping})
                              or ["non précisé"]), schemas.labels("academie"), facts)

    def organised_by(kinds: tuple[str, ...]) -> list[Row]:
        groups: dict[str, list[Entity]] = defaultdict(list)
        for action in actions:
            for target in action.texts("organisateurs"):
                entity = registry.get(target)
                if entity is not None and entity.kind.name in kinds:
                    groups[target].append(action)
        return _rows(groups, facts.names, facts, ids=True)

    first_cited = facts.partner_first_year
    # `_referenced` gives ids of entities of the registry (`facts` are this registry's).
    # (only when the registry has actions of an earlier year: in the first one, « first cited » would be every partner)
    earlier = any(other < year for other in facts.years())
    new_partners = sorted((registry.entities[p] for p in _referenced(actions, "partenaire", facts)
                           if earlier and first_cited.get(p) == year), key=lambda e: (normalize(e.nom), e.id))
    network = registry.network
    expected = network.get("effectifs_attendus", "clee") if network else None
    gaps = [(e, g, note) for e in actions + events for g, note in _gap_notes(e)]
    return Bilan(
        # (the indicators are the actions': a year without any has nothing to compare with, events or not)
        year=year, previous=previous, has_previous=bool(facts.actions(previous)),
        actions=actions, events=events,
        headline=facts.headline(year),
        previous_headline=facts.headline(previous),
        by_type=by_type, by_status=by_status, by_level=by_level, by_priority=by_priority,
        by_departement=by_departement, by_academie=by_academie,
        by_clee=organised_by(("clee",)), by_campus=organised_by(("cmq", "pft")),
        by_partnership=organised_by(("partenariat",)),
        new_partners=[p for p in new_partners if p is not None],
        gaps=gaps,
        gaps_total=facts.gaps_total,
        clee_expected=expected if isinstance(expected, int) and not isinstance(expected, bool) else 0,
        clee_described=sum(1 for c in registry.of_kind("clee") if existed_in(c, year) is not False),
        clee_undated=[c for c in registry.of_kind("clee") if existed_in(c, year) is None],
        actions_without_numbers=[a for a in actions if not a.items("beneficiaires")],
        stale=[(e, why) for e, why in facts.stale if e.get("annee_scolaire") == year],
        without_sources=facts.without_sources,
    )


def _gap_notes(entity: Entity) -> list[tuple[str, str]]:
    return [(str(g.get("champ")), str(g.get("note") or "")) for g in entity.items("a_completer")
            if isinstance(g, dict) and isinstance(g.get("champ"), str)]
