"""The one place where what templates see is built, from data whose internal part is dropped first.

`site_context(registry, internal)` returns a summary of every entity (name,
status, territories, index-table cells: what lists and links show), and
`entity_view` the whole view an entity's own page shows — fields with French
titles and labels, links both ways, sources — built from a copy of the data
from which internal contacts (`visibilite` other than `publique`) and
`notes_internes` were removed first (`public.public_data`, which exports use
too), unless `internal` is asked. Templates never see the model. Whole views
are made by the process that renders the page (`render.write_directories`),
for a large registry over the cores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..domain import date_fr
from ..figures import block_number
from ..kinds import KINDS, Kind
from ..model import Entity, Registry
from ..present import cell
from ..public import public_data
from ..query import COLUMNS, academies_of, departements_of, incoming, normalize
from ..schema import LABELS_KEYWORD, REF_KEYWORD
from ..stats import stats

SHOWN_APART = ("id", "nom", "description", "sources", "mis_a_jour", "a_completer", "contacts", "statut")


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


_NO_NODE: dict[str, Any] = {}


def _value(registry: Registry, node: dict[str, Any] | None, value: Any) -> Value:
    """A value as shown, `node` being its schema node (merged), if the schemas describe it."""
    node = node or _NO_NODE
    if isinstance(value, dict):
        return Value("fields", items=_fields(registry, node, value))
    if isinstance(value, list):
        item_node = registry.schemas.child(node, 0)
        items = [_value(registry, item_node, v) for v in value]
        return Value("list", items=items, blocks=any(item.kind == "fields" for item in items))
    if isinstance(value, str):
        if REF_KEYWORD in node:
            target = registry.get(value)
            if target is not None:
                return Value("link", text=target.nom, target=target.id)
            return Value("text", text=value)
        if LABELS_KEYWORD in node:
            return Value("text", text=node[LABELS_KEYWORD].get(value, value))
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            return Value("text", text=date_fr(value))
        return Value("text", text=value)
    if isinstance(value, bool):
        return Value("text", text="oui" if value else "non")
    return Value("text", text="" if value is None else str(value))


def _fields(registry: Registry, node: dict[str, Any], data: dict[str, Any], top: bool = False) -> list[Field]:
    """A mapping's fields as shown (at the top of a document, without those its page shows apart)."""
    child = registry.schemas.child
    out = []
    number = block_number(data)  # « au moins 350 »: a number is never shown apart from its precision
    for key, item in data.items():
        if top and key in SHOWN_APART or number is not None and key == "precision":
            continue
        below = child(node, key)
        value = Value("text", text=number) if number is not None and key == "nombre" else _value(registry, below, item)
        out.append(Field((below.get("title") if below else None) or key, value, key))
    return out


def entity_summary(registry: Registry, entity: Entity) -> EntitySummary:
    """What lists and links show of an entity (nothing internal: no contacts, no notes)."""
    statut = entity.get("statut")
    statut = statut if isinstance(statut, str) else ""
    statut_node = registry.schemas.node_at(entity.kind.name, ("statut",)) or {}
    row = {c.key: cell(registry, c, c.value(registry, entity)) for c in COLUMNS[entity.kind.name]}
    type_code = next((entity.get(k) for k in ("type", "nature", "secteur") if isinstance(entity.get(k), str)), "")
    departements = departements_of(registry, entity)
    return EntitySummary(entity.id, entity.kind, entity.nom, entity.path,
                         statut_node.get(LABELS_KEYWORD, {}).get(statut, statut), statut,
                         departements, academies_of(registry, entity, departements), row, type_code or "")


def entity_view(registry: Registry, entity: Entity, internal: bool, summary: EntitySummary | None = None) -> EntityView:
    """The whole view of an entity's own page (`summary`: its summary, if already made)."""
    summary = summary or entity_summary(registry, entity)
    data = public_data(entity.data, internal)
    schemas = registry.schemas
    node = schemas.kind_node(entity.kind.name)
    contact_node = schemas.child(schemas.child(node, "contacts") or _NO_NODE, 0) or _NO_NODE
    contacts = [_fields(registry, contact_node, c) for c in data.get("contacts") or [] if isinstance(c, dict)]
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
    description = data.get("description")
    return EntityView(
        **{name: getattr(summary, name) for name in EntitySummary.__dataclass_fields__},
        description=description if isinstance(description, str) else "",
        fields=_fields(registry, node, data, top=True), contacts=contacts, sources=sources, gaps=gaps,
        mis_a_jour=date_fr(data["mis_a_jour"]) if isinstance(data.get("mis_a_jour"), str) else "",
        referenced_by=referenced,
    )


def _place(indexes: list[KindIndex], territories: list[Territory], codes: Any) -> None:
    """Each territory's entities by kind, in the order of the kind's index (one pass over the indexes)."""
    by_code = {t.code: t for t in territories}
    for index in indexes:
        for view in index.entities:
            for code in codes(view):
                territory = by_code.get(code)
                if territory is not None:  # (an entity's codes are distinct: departements_of, academies_of)
                    territory.by_kind.setdefault(index.kind.name, []).append(view)


def site_context(registry: Registry, internal: bool = False, generated: str = "") -> Site:
    """Everything the directory's templates see; internal data already removed unless `internal`.

    `site.entities` holds summaries (`EntitySummary`); an entity's own page gets its whole view
    from `entity_view`, made by the process that renders the page. (Making the summaries in worker
    processes too was tried: sending them back cost as much as it saved, at 20,000 entities.)"""
    schemas = registry.schemas
    views = {e.id: entity_summary(registry, e) for e in registry.entities.values()}
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
    departements = [Territory(code, nom, schemas.academie_of_departement.get(code, ""))
                    for code, nom in sorted(dep_labels.items())]
    academies = [Territory(code, nom, code) for code, nom in academy_labels.items()]
    _place(indexes, departements, lambda v: v.departements)
    _place(indexes, academies, lambda v: v.academies)
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
