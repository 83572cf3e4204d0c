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

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..domain import date_fr, parse_date
from ..figures import block_number
from ..kinds import KINDS, Kind
from ..model import Entity, Registry
from ..present import cell
from ..public import public_data
from ..query import COLUMNS, academies_of, departements_of, incoming, normalize
from ..schema import LABELS_KEYWORD, REF_KEYWORD, WEB_KEYWORD
from ..stats import coverage as stats_coverage
from ..stats import stats

SHOWN_APART = ("id", "nom", "description", "sources", "mis_a_jour", "a_completer", "contacts", "statut")


@dataclass
class Value:
    """A value as a page shows it: text, a link to an entity, a list or a block of fields."""

    kind: str  # "text", "link" (to an entity), "web" (an address of the web), "list", "fields"
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
    statut: str  # French label, « (à confirmer) » added when `statut` is among the entity's gaps
    statut_code: str
    statut_sur: bool  # False when `statut` is among the gaps (a_completer): then shown without its colour
    departements: list[str]
    academies: list[str]
    row: dict[str, str]  # index-table cells, by column key
    type_code: str
    annee: str  # the school year (annee_scolaire) of an action or an event, else ""


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

    def details(self, entity: EntitySummary) -> list[tuple[str, str]]:
        """An entity's index cells but its name and status, as (header, text), the empty ones left out (cards)."""
        return [(header, entity.row[key]) for key, header in self.headers
                if key not in ("nom", "statut") and entity.row.get(key)]


@dataclass
class Territory:
    code: str
    nom: str
    academie: str = ""
    by_kind: dict[str, list[EntitySummary]] = field(default_factory=dict)


@dataclass
class NavItem:
    """An entry of the main navigation: a link (`href`, from the site's root), or a group of links (`children`).
    `sections`: the folders (or pages) whose pages it stands for, to mark it current on them."""

    label: str
    href: str = ""
    children: list[NavItem] = field(default_factory=list)
    sections: tuple[str, ...] = ()

    def current(self, page: str) -> str:
        """The value of aria-current on `page` (a path from the site's root): "page" on its own page, "true" on
        another page of its section (or of a child's), "" elsewhere."""
        if page == self.href:
            return "page"
        if any(page.startswith(s) if s.endswith("/") else page == s for s in self.sections):
            return "true"
        return "true" if any(child.current(page) for child in self.children) else ""


# The navigation's groups, by kind (kinds not named here get an entry of their own).
NAV_GROUPS = (("Le réseau", ("club", "clee", "cmq", "pft")), ("Partenaires", ("partenaire", "partenariat")),
              ("Actions et événements", ("action", "evenement")))
THEMES = ("dsfr", "neutre")
# Each theme's stylesheets, in the order pages link them (paths in the site: files of the theme's static/ folder).
STYLESHEETS = {"dsfr": ("dsfr/dsfr.min.css", "eee-dsfr.css"), "neutre": ("eee.css",)}
# The site's state of accessibility under the RGAA: « non conforme » until an audit says otherwise (the automated
# checks of tests/test_browser.py cover only part of its criteria); the footer's link and accessibilite.html say it.
ACCESSIBILITY = "non conforme"
# The pages every HTML site has beside the directory, linked from the footer: (path, label).
LEGAL_PAGES = (("plan-du-site.html", "Plan du site"), ("accessibilite.html", f"Accessibilité : {ACCESSIBILITY}"),
               ("mentions-legales.html", "Mentions légales"), ("donnees-personnelles.html", "Données personnelles"))


def navigation(indexes: list[KindIndex], reports: bool) -> list[NavItem]:
    """The main navigation: home, the indexes (grouped), the territories and, if any, the annual summaries."""
    links = {index.kind.name: NavItem(index.kind.title, f"{index.kind.folder}/index.html",
                                      sections=(f"{index.kind.folder}/",)) for index in indexes}
    grouped = {name: group for group, names in NAV_GROUPS for name in names}
    nav = [NavItem("Accueil", "index.html")]
    done: set[str] = set()
    for index in indexes:
        group = grouped.get(index.kind.name)
        if group is None:
            nav.append(links[index.kind.name])
        elif group not in done:
            done.add(group)
            members = [links[name] for name in dict(NAV_GROUPS)[group] if name in links]
            nav.append(members[0] if len(members) == 1 else NavItem(group, children=members))
    nav.append(NavItem("Territoires", "territoires.html", sections=("departements/", "academies/")))
    if reports:
        nav.append(NavItem("Bilans annuels", "bilans/index.html", sections=("bilans/",)))
    return nav


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
    figures: dict[str, Any] | None  # `stats.stats` (None: not worked out yet, `render.build_site`)
    generated: str
    reports: list[str] = field(default_factory=list)  # school years with an annual summary beside the directory
    theme: str = "dsfr"  # the HTML pages' look: "dsfr" (the State's design system) or "neutre"
    standalone: bool = False  # a page alone (eee report), not part of a site: no navigation, no links to the site
    publication: dict[str, str] = field(default_factory=dict)  # reseau.yaml's publication: who publishes, hosts
    publication_gaps: list[str] = field(default_factory=list)  # its fields reseau.yaml's a_completer names
    legal_pages: tuple[tuple[str, str], ...] = LEGAL_PAGES
    accessibility: str = ACCESSIBILITY

    @property
    def stylesheets(self) -> tuple[str, ...]:
        return STYLESHEETS[self.theme]

    @property
    def nav(self) -> list[NavItem]:
        return [] if self.standalone else navigation(self.indexes, bool(self.reports))

    @property
    def partial_coverage(self) -> list[tuple[str, int, int]]:
        """The kinds of structure the registry describes fewer of than the network expects, as (name, described,
        expected): a count of them by territory is a count of those described, which the pages that show one say."""
        found = (self.figures or {}).get("couverture") or {}
        return [(KINDS[kind].short or KINDS[kind].plural, of["decrits"], of["attendus"]) for kind, of in found.items()
                if of["decrits"] < of["attendus"]]

    @property
    def service(self) -> str:
        """Who publishes: the mission and its service, as reseau.yaml names them (public data)."""
        return ", ".join(part for part in (self.mission.get("nom"), self.mission.get("service")) if part)


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
            if target is None:
                return Value("text", text=value)
            # (the network has no page of its own: its name, as text)
            return Value("link", text=target.nom, target=target.id) if target.kind.has_pages \
                else Value("text", text=target.nom)
        if LABELS_KEYWORD in node:
            return Value("text", text=node[LABELS_KEYWORD].get(value, value))
        if node.get(WEB_KEYWORD) is True:
            return Value("web", text=value)
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
    label = statut_node.get(LABELS_KEYWORD, {}).get(statut, statut)
    gaps = entity.get("a_completer")
    sure = not (statut and isinstance(gaps, list) and any(isinstance(g, dict) and g.get("champ") == "statut"
                                                            for g in gaps))
    if not sure:
        label = f"{label} (à confirmer)"
        if "statut" in row:
            row["statut"] = label
    annee = entity.get("annee_scolaire")
    return EntitySummary(entity.id, entity.kind, entity.nom, entity.path, label,
                         statut, sure, departements, academies_of(registry, entity, departements), row,
                         type_code or "", annee if isinstance(annee, str) else "")


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
    gaps = [{"champ": str(g.get("champ", "")), "titre": registry.schemas.field_title(entity.kind.name,
                                                                                  str(g.get("champ", ""))),
             "note": str(g.get("note", ""))}
            for g in data.get("a_completer") or [] if isinstance(g, dict)]
    referenced: dict[str, list[Relation]] = {}
    for kind_name, relations in incoming(registry, entity).items():
        kind = KINDS[kind_name]
        # One line per entity that cites this one, with every field it cites it in (a CLEE names its seat school in
        # three: « établissement siège, établissement, établissements membres »), not one line per field.
        fields: dict[str, list[str]] = {}
        names: dict[str, str] = {}
        for r in relations:
            title = registry.schemas.title(kind_name, tuple(r.field.split("."))) or r.field
            if title not in fields.setdefault(r.id, []):
                fields[r.id].append(title)
            names[r.id] = r.nom
        referenced[kind.title] = [Relation(id_, names[id_], kind, ", ".join(titles)) for id_, titles in fields.items()]
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


def _network(registry: Registry, internal: bool) -> dict[str, Any]:
    """The network's name, its région académique, its mission and its publication, as pages show them (public
    part only): Site's fields."""
    network = registry.network
    data = public_data(network.data, internal) if network else {}
    mission = {"nom": "", "service": "", "departement": "", "fonctions": [], "entites": []}
    if isinstance(data.get("mission"), dict):
        mission.update({k: v for k, v in data["mission"].items() if k in mission})
    region = (data.get("region_academique") or {}).get("nom") if isinstance(data.get("region_academique"), dict) else ""
    publication = data.get("publication")
    publication = publication if isinstance(publication, dict) else {}
    gaps = [str(g.get("champ", "")).removeprefix("publication.") for g in data.get("a_completer") or []
            if isinstance(g, dict) and str(g.get("champ", "")).startswith("publication.")]
    return {"title": network.nom if network else "Réseau École-Entreprise-Économie",
            "region": region if isinstance(region, str) else "", "mission": mission,
            "publication": {k: v for k, v in publication.items() if isinstance(v, str)}, "publication_gaps": gaps}


def frame_context(registry: Registry, internal: bool = False, generated: str = "", theme: str = "dsfr") -> Site:
    """What a page alone (an annual summary written by `eee report`) needs of the site: its frame (header,
    footer), with no navigation and no entity summaries."""
    return Site(internal=internal, **_network(registry, internal), indexes=[], entities={}, departements=[],
                academies=[], figures={}, generated=generated, theme=theme, standalone=True)



def _day(entity: Entity) -> tuple[bool, dt.date]:
    """An event's date as a sort key: dated ones first, in the order of their dates."""
    day = parse_date(entity.get("date"))
    return (day is None, day or dt.date.min)


def coverage(registry: Registry) -> dict[str, dict[str, int]]:
    """The coverage of `stats.stats` (`site.figures["couverture"]`, which the home page shows) alone: for each kind
    the network's `effectifs_attendus` names, the entities described and expected. (What the key of the pages that
    count reads, `incremental.counts_key`, without the cost of all the figures.)"""
    network = registry.network
    return stats_coverage(network.get("effectifs_attendus") if network else None,
                          lambda kind: len(registry.by_kind.get(kind, [])))


def site_context(registry: Registry, internal: bool = False, generated: str = "", theme: str = "dsfr",
                 figures: bool = True, summaries: dict[str, EntitySummary] | None = None) -> Site:
    """Everything the directory's templates see; internal data already removed unless `internal`. Without
    `figures`, `site.figures` is None: whoever renders a page that shows them works them out first. `summaries`:
    entities' summaries already made (by a previous build, from the same inputs: `incremental.summaries_kept`).

    `site.entities` holds summaries (`EntitySummary`); an entity's own page gets its whole view
    from `entity_view`, made by the process that renders the page. (Making the summaries in worker
    processes too was tried: sending them back cost as much as it saved, at 20,000 entities.)"""
    schemas = registry.schemas
    known = summaries or {}
    views = {e.id: known.get(e.id) or entity_summary(registry, e) for e in registry.entities.values()}
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
        if kind.name == "evenement":  # within a year, in the order of their dates, undated ones last (as `eee list`)
            members.sort(key=lambda v: _day(registry.entities[v.id]))
        # Actions and events: the latest school year first, then by name (actions, as `eee list`) or by date (events),
        # so that the index reads year by year without JavaScript too (kind.html links to each year's first row).
        members.sort(key=lambda v: v.annee, reverse=True)
        status_labels = (schemas.node_at(kind.name, ("statut",)) or {}).get(LABELS_KEYWORD, {})
        filters: dict[str, list[tuple[str, str]]] = {
            "departement": sorted({(d, f"{d} {dep_labels.get(d, '')}") for v in members for d in v.departements}),
            "academie": sorted({(a, academy_labels.get(a, a)) for v in members for a in v.academies}),
            "statut": sorted({(v.statut_code, status_labels.get(v.statut_code, v.statut_code))
                              for v in members if v.statut_code}),
            "type": sorted({(v.type_code, v.row.get("type") or v.row.get("nature") or v.row.get("secteur") or v.type_code)
                            for v in members if v.type_code}),
            "annee": sorted({(v.annee, v.annee) for v in members if v.annee}, reverse=True),
        }
        indexes.append(KindIndex(kind, [(c.key, c.header) for c in COLUMNS[kind.name] if c.key != "id"], members,
                                 filters))
    departements = [Territory(code, nom, schemas.academie_of_departement.get(code, ""))
                    for code, nom in sorted(dep_labels.items())]
    academies = [Territory(code, nom, code) for code, nom in academy_labels.items()]
    _place(indexes, departements, lambda v: v.departements)
    _place(indexes, academies, lambda v: v.academies)
    return Site(
        internal=internal,
        **_network(registry, internal),
        indexes=indexes,
        entities=views,
        departements=departements,
        academies=academies,
        figures=stats(registry) if figures else None,
        generated=generated,
        theme=theme,
    )
