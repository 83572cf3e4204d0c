"""The one place where what templates see is built, and where internal data is dropped.

`site_context(registry, internal)` returns a summary of every entity (name,
status, territories, index-table cells: what lists and links show), and
`entity_view` the whole view an entity's own page shows — fields with French
titles and labels, links both ways, sources — built from a copy of the data
from which internal contacts (`visibilite` other than `publique`) and
`notes_internes` were removed first, unless `internal` is asked. Templates
never see the model. Summaries are worked out over the cores for a large
registry; whole views are made by the process that renders the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..kinds import KINDS, Kind
from ..model import Entity, Registry
from ..parallel import fork_map
from ..query import COLUMNS, academies_of, departements_of, incoming, normalize, stats
from ..schema import LABELS_KEYWORD, REF_KEYWORD
from .filters import date_fr

INTERNAL_KEYS = ("notes_internes",)
SHOWN_APART = ("id", "nom", "description", "sources", "mis_a_jour", "a_completer", "contacts", "statut")


def public_data(data: dict[str, Any], internal: bool) -> dict[str, Any]:
    """A copy of an entity's data as the chosen audience may see it."""
    if internal:
        return _copy(data)
    return _public(data)  # type: ignore[no-any-return]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value  # str, int, float, bool, None: immutable


def _public(value: Any) -> Any:
    """A copy without `notes_internes` anywhere, and with only the public contacts."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in INTERNAL_KEYS:
                continue
            if key == "contacts" and isinstance(item, list):
                out[key] = [_public(c) for c in item if isinstance(c, dict) and c.get("visibilite") == "publique"]
            else:
                out[key] = _public(item)
        return out
    if isinstance(value, list):
        return [_public(item) for item in value]
    return value


@dataclass
class Value:
    """A value as a page shows it: text, a link to an entity, a list or a block of fields."""

    kind: str  # "text", "link", "list", "fields"
    text: str = ""
    target: str = ""  # entity id, for links
    items: list[Any] = field(default_factory=list)  # Values, or Fields for "fields"
    blocks: bool = False  # a list with blocks of fields among its items (shown one block under another)


@dataclass
class Field:
    title: str
    value: Value
    key: str = ""


@dataclass
class Relation:
    id: str
    nom: str
    kind: Kind
    field: str  # French title of the field that makes the relation


@dataclass
class EntitySummary:
    """What lists, index tables, maps and links show of an entity (`site.entities`)."""

    id: str
    kind: Kind
    nom: str
    path: str  # the YAML file, relative to the registry
    statut: str  # French label
    statut_code: str
    departements: list[str]
    academies: list[str]
    row: dict[str, str]  # index-table cells, by column key
    type_code: str


@dataclass
class EntityView(EntitySummary):
    """All an entity's own page shows (`e` in entity.html and entity.md)."""

    description: str
    fields: list[Field]
    contacts: list[list[Field]]
    sources: list[dict[str, str]]
    gaps: list[dict[str, str]]
    mis_a_jour: str
    referenced_by: dict[str, list[Relation]]  # by kind plural title


@dataclass
class KindIndex:
    kind: Kind
    headers: list[tuple[str, str]]  # (key, French header)
    entities: list[EntitySummary]
    filters: dict[str, list[tuple[str, str]]]  # filter name -> (code, label) present in the rows


@dataclass
class Territory:
    code: str
    nom: str
    academie: str = ""
    by_kind: dict[str, list[EntitySummary]] = field(default_factory=dict)


@dataclass
class Site:
    internal: bool
    title: str
    region: str
    mission: dict[str, Any]
    indexes: list[KindIndex]
    entities: dict[str, EntitySummary]
    departements: list[Territory]
    academies: list[Territory]
    figures: dict[str, Any]
    generated: str
    reports: list[str] = field(default_factory=list)  # school years with an annual summary beside the directory


def _value(registry: Registry, entity: Entity, pointer: tuple[Any, ...], value: Any) -> Value:
    node = registry.schemas.node_at(entity.kind.name, pointer) or {}
    if isinstance(value, dict):
        return Value("fields", items=_fields(registry, entity, pointer, value))
    if isinstance(value, list):
        items = [_value(registry, entity, pointer + (i,), v) for i, v in enumerate(value)]
        return Value("list", items=items, blocks=any(item.kind == "fields" for item in items))
    if isinstance(value, str) and REF_KEYWORD in node:
        target = registry.get(value)
        if target is not None:
            return Value("link", text=target.nom, target=target.id)
        return Value("text", text=value)
    if isinstance(value, str) and LABELS_KEYWORD in node:
        return Value("text", text=node[LABELS_KEYWORD].get(value, value))
    if isinstance(value, bool):
        return Value("text", text="oui" if value else "non")
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return Value("text", text=date_fr(value))
    return Value("text", text="" if value is None else str(value))


def _fields(registry: Registry, entity: Entity, pointer: tuple[Any, ...], data: dict[str, Any]) -> list[Field]:
    out = []
    for key, item in data.items():
        if not pointer and key in SHOWN_APART:
            continue
        title = registry.schemas.title(entity.kind.name, pointer + (key,)) or key
        out.append(Field(title, _value(registry, entity, pointer + (key,), item), key))
    return out


def _cell(registry: Registry, column: Any, value: Any) -> str:
    from ..present import cell

    return cell(registry, column, value)


def _summary_row(registry: Registry, entity: Entity) -> tuple[Any, ...]:
    """An entity's summary as plain values (what crosses from a worker process)."""
    statut = entity.get("statut")
    statut = statut if isinstance(statut, str) else ""
    statut_node = registry.schemas.node_at(entity.kind.name, ("statut",)) or {}
    row = {c.key: _cell(registry, c, c.value(registry, entity)) for c in COLUMNS[entity.kind.name]}
    type_code = next((entity.get(k) for k in ("type", "nature", "secteur") if isinstance(entity.get(k), str)), "")
    return (entity.id, entity.kind.name, entity.nom, entity.path, statut_node.get(LABELS_KEYWORD, {}).get(statut, statut),
            statut, departements_of(registry, entity), academies_of(registry, entity), row, type_code or "")


def _summary(row: tuple[Any, ...]) -> EntitySummary:
    entity_id, kind, nom, path, statut, statut_code, departements, academies, cells, type_code = row
    return EntitySummary(entity_id, KINDS[kind], nom, path, statut, statut_code, departements, academies, cells,
                         type_code)


def entity_summary(registry: Registry, entity: Entity) -> EntitySummary:
    """What lists and links show of an entity (nothing internal: no contacts, no notes)."""
    return _summary(_summary_row(registry, entity))


def entity_view(registry: Registry, entity: Entity, internal: bool, summary: EntitySummary | None = None) -> EntityView:
    """The whole view of an entity's own page (`summary`: its summary, if already made)."""
    summary = summary or entity_summary(registry, entity)
    data = public_data(entity.data, internal)
    contacts = [_fields(registry, entity, ("contacts", i), c) for i, c in enumerate(data.get("contacts") or [])
                if isinstance(c, dict)]
    sources = []
    for source in data.get("sources") or []:
        if isinstance(source, dict):
            shown = {k: "" for k in ("titre", "url", "date", "consulte_le", "note")}
            shown.update({k: (date_fr(v) if k in ("date", "consulte_le") and isinstance(v, str) else str(v))
                          for k, v in source.items()})
            sources.append(shown)
    gaps = [{"champ": str(g.get("champ", "")), "titre": registry.schemas.title(entity.kind.name,
                                                                            tuple(str(g.get("champ", "")).split(".")))
             or str(g.get("champ", "")), "note": str(g.get("note", ""))}
            for g in data.get("a_completer") or [] if isinstance(g, dict)]
    referenced: dict[str, list[Relation]] = {}
    for kind_name, relations in incoming(registry, entity).items():
        kind = KINDS[kind_name]
        referenced[kind.title] = [
            Relation(r.id, r.nom, kind, registry.schemas.title(kind_name, tuple(r.field.split("."))) or r.field)
            for r in relations]
    return EntityView(
        **{name: getattr(summary, name) for name in EntitySummary.__dataclass_fields__},
        description=data.get("description") if isinstance(data.get("description"), str) else "",
        fields=_fields(registry, entity, (), data), contacts=contacts, sources=sources, gaps=gaps,
        mis_a_jour=date_fr(data["mis_a_jour"]) if isinstance(data.get("mis_a_jour"), str) else "",
        referenced_by=referenced,
    )


SUMMARIES_PER_TASK = 500
PARALLEL_SUMMARIES = 2000  # below this many entities, worker processes cost more than they save


def _summaries(registry: Registry, jobs: int | None) -> dict[str, EntitySummary]:
    """Every entity's summary, over `jobs` processes for a large registry."""
    entities = list(registry.entities.values())

    def task(chunk: tuple[int, int]) -> list[tuple[Any, ...]]:
        return [_summary_row(registry, e) for e in entities[chunk[0]:chunk[1]]]

    chunks = [(start, start + SUMMARIES_PER_TASK) for start in range(0, len(entities), SUMMARIES_PER_TASK)]
    rows = fork_map(task, chunks, jobs if len(entities) >= PARALLEL_SUMMARIES else 1)
    return {row[0]: _summary(row) for chunk in rows for row in chunk}


def site_context(registry: Registry, internal: bool = False, generated: str = "", jobs: int | None = None) -> Site:
    """Everything the directory's templates see; internal data already removed unless `internal`.

    `site.entities` holds summaries (`EntitySummary`); an entity's own page gets its whole view
    from `entity_view`."""
    schemas = registry.schemas
    views = _summaries(registry, jobs)
    dep_labels = schemas.labels("departement")
    academy_labels = schemas.labels("academie")
    indexes = []
    for kind in KINDS.values():
        if kind.name == "reseau":
            continue
        members = sorted((views[e.id] for e in registry.of_kind(kind.name) if e.id in views),
                         key=lambda v: normalize(v.nom))
        if not members:
            continue
        filters: dict[str, list[tuple[str, str]]] = {
            "departement": sorted({(d, f"{d} {dep_labels.get(d, '')}") for v in members for d in v.departements}),
            "academie": sorted({(a, academy_labels.get(a, a)) for v in members for a in v.academies}),
            "statut": sorted({(v.statut_code, v.statut) for v in members if v.statut_code}),
            "type": sorted({(v.type_code, v.row.get("type") or v.row.get("nature") or v.row.get("secteur") or v.type_code)
                            for v in members if v.type_code}),
        }
        indexes.append(KindIndex(kind, [(c.key, c.header) for c in COLUMNS[kind.name] if c.key != "id"], members,
                                 filters))
    departements = []
    for code, nom in sorted(dep_labels.items()):
        territory = Territory(code, nom, schemas.academie_of_departement.get(code, ""))
        for index in indexes:
            found = [v for v in index.entities if code in v.departements]
            if found:
                territory.by_kind[index.kind.name] = found
        departements.append(territory)
    academies = []
    for code, nom in academy_labels.items():
        territory = Territory(code, nom, code)
        for index in indexes:
            found = [v for v in index.entities if code in v.academies]
            if found:
                territory.by_kind[index.kind.name] = found
        academies.append(territory)
    network = registry.network
    raw_mission = network.get("mission", default={}) if network else {}
    mission = {"nom": "", "service": "", "departement": "", "fonctions": [], "entites": []}
    if isinstance(raw_mission, dict):
        mission.update({k: v for k, v in public_data(raw_mission, internal).items() if k in mission})
    region = network.get("region_academique", "nom") if network else None
    return Site(
        internal=internal,
        title=network.nom if network else "Réseau École-Entreprise-Économie",
        region=region if isinstance(region, str) else "",
        mission=mission,
        indexes=indexes,
        entities=views,
        departements=departements,
        academies=academies,
        figures=stats(registry),
        generated=generated,
    )
