"""Pure queries over the model: select, sort, search, describe, count, tree.

Nothing here reads files or writes to the terminal: functions take a
`Registry` and return plain data (rows of raw values, hits, nested dicts) that
`present` turns into tables, JSON, CSV, YAML or Markdown. Raw values are
codes (`actif`, `"31"`); labels are looked up in the schemas' vocabularies
when a person reads them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from .domain import check_school_year, departement_code, parse_date, school_year_bounds
from .errors import UsageError
from .figures import Count, total
from .kinds import KINDS, Kind
from .model import Entity, Registry, cited_ids
from .schema import SchemaSet
from .suggest import closest

# The top-level fields of an entity's data that the queries read (`eee list`, `stats`, `tree`, the relations of
# `show`): the query index keeps these alone for each file (`index.py`), and a model made of them answers every
# query as the whole model does. A query that reads another field must add it here (tests/test_index.py compares).
QUERY_READS = frozenset({
    "id", "nom", "statut", "type", "nature", "secteur", "domaine", "commune", "uai", "siret",
    "departement", "departements", "academie", "academies", "lieu", "lieux", "sites", "region_academique",
    "etablissement_siege", "etablissement_support", "membres", "partenaires", "organisateurs",
    "label", "convention", "date_creation", "annee_scolaire", "date", "beneficiaires",
    "effectifs_attendus", "a_completer", "sources",
})
QUERY_PRESENCE = frozenset({"sources"})  # of these, the queries read only whether an entity has them

# --------------------------------------------------------------------------- kinds


def kind_named(word: str) -> Kind:
    """The kind a user means: « clee », « partenaires », « établissement », « evenements »…"""
    key = normalize(word).replace(" ", "")
    for kind in KINDS.values():
        if key in {kind.name, kind.folder, normalize(kind.plural).replace(" ", ""), kind.name + "s"}:
            return kind
    names = sorted({k.folder or k.name for k in KINDS.values()})
    guess = closest(key, names)
    raise UsageError(f"type d'entité inconnu : « {word} »",
                     (f"vouliez-vous dire « {guess} » ? " if guess else "") + "types : " + ", ".join(names))


# --------------------------------------------------------------------------- text


STOP_WORDS = {"de", "du", "des", "la", "le", "les", "l", "d", "et", "en", "a", "au", "aux", "un", "une"}


def normalize(text: Any) -> str:
    """Lower case, no accents, punctuation as spaces: « Tarn-et-Garonne » → « tarn et garonne »."""
    return _normalize(str(text))


class _NoMarks(dict[int, int | None]):
    """For str.translate: drops combining marks (the accents NFKD sets apart), keeps every other character;
    each character is looked up once (a search at national scale normalises half a million texts)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_NO_MARKS = _NoMarks()
_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=1 << 16)  # names are normalised again and again (sorting, search, indexes)
def _normalize(text: str) -> str:
    return " ".join(_WORD.findall(unicodedata.normalize("NFKD", text).translate(_NO_MARKS).lower()))


# --------------------------------------------------------------------------- facts derived from entities


def departements_of(registry: Registry, entity: Entity) -> list[str]:
    """The départements an entity is in or covers, from its own fields or its host school (worked out once
    per entity: lists, pages, figures and summaries all ask)."""
    known = registry.derived["departements"]
    found = known.get(id(entity))
    if found is None:
        found = known[id(entity)] = tuple(_departements_of(registry, entity))
    return list(found)


def _departements_of(registry: Registry, entity: Entity) -> list[str]:
    found: list[str] = []

    def add(value: Any) -> None:
        if isinstance(value, str) and value not in found:
            found.append(value)

    add(entity.get("departement"))
    for value in entity.items("departements"):
        add(value)
    add(entity.get("lieu", "departement"))
    for place in entity.items("lieux") + entity.items("sites"):
        if isinstance(place, dict):
            add(place.get("departement"))
    if not found:
        for field_name in ("etablissement_support", "etablissement_siege"):
            host = registry.get(entity.get(field_name)) if isinstance(entity.get(field_name), str) else None
            if host is not None and host.kind.name == "etablissement":
                add(host.get("departement"))
    if entity.kind.name == "reseau":
        for item in entity.items("departements"):
            if isinstance(item, dict):
                add(item.get("code"))
    return found


def academies_of(registry: Registry, entity: Entity, departements: list[str] | None = None) -> list[str]:
    """The académies an entity is in or covers (`departements`: its départements, if already known)."""
    found: list[str] = []
    for value in [entity.get("academie"), *entity.items("academies")]:
        code = value.get("code") if isinstance(value, dict) else value
        if isinstance(code, str) and code not in found:
            found.append(code)
    mapping = registry.schemas.academie_of_departement
    for dep in departements_of(registry, entity) if departements is None else departements:
        academie = mapping.get(dep)
        if academie and academie not in found:
            found.append(academie)
    return found


def beneficiaries(entity: Entity, category: str) -> Count:
    """How many beneficiaries of a category an action reached, as certain as the registry says it: the sum of
    the numbers it gives for that category, with their precision (exact, environ, au_moins); unknown (one
    action « sans effectif ») when it gives no number of beneficiaries at all; NOTHING (« — », adding nothing
    to a sum) when it counts other categories only."""
    return beneficiaries_by_category(entity, (category,))[category]


def beneficiaries_by_category(entity: Entity, categories: Iterable[str]) -> dict[str, Count]:
    """`beneficiaries` of an action in each of these categories, its beneficiaries read once. When its file says its
    beneficiaries are still to complete (`a_completer` names them), each number it gives is a minimum, and a category
    it gives none of is unknown (« non renseigné »), not « — »."""
    given = [b for b in entity.items("beneficiaires") if isinstance(b, dict)]
    if not given:
        return dict.fromkeys(categories, Count.unknown())
    found: dict[str, list[Count]] = {category: [] for category in categories}
    for block in given:
        number, category = block.get("nombre"), block.get("categorie")
        if isinstance(number, int) and not isinstance(number, bool) and isinstance(category, str) \
                and category in found:
            found[category].append(Count.of(number, block.get("precision")))
    if entity.declares_gap("beneficiaires"):
        return {category: total(counts) + Count(0, minimum=True) if counts else Count.unknown()
                for category, counts in found.items()}
    return {category: total(counts) for category, counts in found.items()}


# Where the registry says when a structure began: its creation, its label, its signature.
FOUNDED_BY: dict[str, list[tuple[str, ...]]] = {
    "clee": [("date_creation",)],
    "cmq": [("label", "date"), ("label", "annee")],
    "partenariat": [("convention", "date_signature")],
}


def founded(entity: Entity) -> dt.date | None:
    """When a structure began, as its file says (a CLEE's creation, a campus's label, a partnership's signature);
    None when it does not say. A label given as a year alone counts from the 1st of January of that year."""
    for pointer in FOUNDED_BY.get(entity.kind.name, ()):
        value = entity.get(*pointer)
        if isinstance(value, int) and not isinstance(value, bool) and 1900 < value < 3000:
            return dt.date(value, 1, 1)
        day = parse_date(value)
        if day is not None:
            return day
    return None


def existed_in(entity: Entity, year: str) -> bool | None:
    """Whether a structure existed during a school year (it began before the year ended); None when its file
    does not say when it began (it is then counted, and said to be undated). Actions and events are of their
    own year."""
    start = None if entity.kind.by_year else founded(entity)
    return _existed(entity.kind, entity.get("annee_scolaire"), start, year)


def _existed(kind: Kind, annee: Any, start: dt.date | None, year: str) -> bool | None:
    """`existed_in`, from what it reads of the entity: its kind, its school year, when it began."""
    if kind.by_year:
        return annee == year
    bounds = school_year_bounds(year)
    if start is None or bounds is None:
        return None
    return start <= bounds[1]


def referrers_of_kind(registry: Registry, entity: Entity, kind: str, pointer_start: str | None = None) -> list[str]:
    """Ids of the entities of `kind` that reference this one (optionally from one field)."""
    ids: list[str] = []
    for ref in registry.referencing(entity.id):
        if ref.source.kind.name == kind and (pointer_start is None or ref.pointer[0] == pointer_start):
            if ref.source.id not in ids:
                ids.append(ref.source.id)
    return ids


def cites(registry: Registry, entity: Entity, target_id: str) -> bool:
    """Whether the entity references `target_id` (looked up among the target's referrers: not a pass over
    every reference of the registry, which a listing would make once per entity)."""
    return any(ref.source is entity for ref in registry.referrers.get(target_id, ()))


def cited(registry: Registry, entity: Entity) -> tuple[str, ...]:
    """The distinct ids the entity references, in its file's order."""
    known = registry.derived["cited"]
    if not known:
        for source, found in registry.found_references:
            known[id(source)] = cited_ids(found)
        known[None] = ()  # made, even when nothing references anything
    return known.get(id(entity), ())


def _count_fields(count: Count) -> tuple[int | None, bool, bool, int]:
    return count.value, count.minimum, count.approximate, count.missing


class Facts(NamedTuple):
    """What `eee list` filters on (`matches`) and `eee stats` counts (`stats.tally`) of one entity.

    Worked out by `facts_of` from the entity's own fields and from those of the entities it references (its
    host school's département), nothing else: the query index keeps them for each file (eee/index.py) and
    works them out again for a file and for the files that reference it when it changes, so that lists and
    figures need no model of the whole registry. `packed` and `unpacked` turn them into plain values and back."""

    path: str
    kind: str
    id: str
    departements: tuple[str, ...]
    academies: tuple[str, ...]
    annee: str | None  # its school year, if written as text
    statut: str | None
    type: str | None  # what --type filters on: its type, nature or secteur
    cites: tuple[str, ...]  # the ids it references
    membres: tuple[str, ...]  # its member schools and partners
    founded: dt.date | None  # when a structure began (`founded`); None for actions and events
    action_type: str  # an action's type, « ? » when it has none
    eleves: Count
    enseignants: Count
    sans_nombre: bool  # it gives no number of beneficiaries at all
    gaps: int  # fields it names as to be completed
    sources: bool  # it says where its facts come from
    expected: dict[str, Any] | None  # a network's expected numbers (effectifs_attendus)

    def existed_in(self, year: str) -> bool | None:
        """`existed_in` of the entity these facts are of."""
        return _existed(KINDS[self.kind], self.annee, self.founded, year)

    def packed(self) -> tuple[Any, ...]:
        """The facts as plain values (marshal, for the cache), but those the cache has already: the path, kind
        and id, and the ids it references (`unpacked` takes them back)."""
        return (*self[3:8], *self[9:10], self.founded.toordinal() if self.founded else None, self.action_type,
                _count_fields(self.eleves), _count_fields(self.enseignants), *self[14:])

    @classmethod
    def unpacked(cls, path: str, kind: str, entity_id: str, cites: tuple[str, ...], values: tuple[Any, ...]) -> Facts:
        """The facts of the entity at `path`, of this kind and id, which references `cites`, from `packed`'s
        values."""
        return tuple.__new__(cls, (path, kind, entity_id, *values[:5], cites, values[5],  # `_make`, less a check
                                   dt.date.fromordinal(values[6]) if values[6] else None, values[7],
                                   _shared_count(values[8]), _shared_count(values[9]), *values[10:]))


@lru_cache(maxsize=1 << 12)  # most entities share a few counts (« non renseigné », « — »); a Count is frozen
def _shared_count(fields: tuple[int | None, bool, bool, int]) -> Count:
    return Count(*fields)


def facts_of(registry: Registry, entity: Entity) -> Facts:
    """The facts lists and figures read of an entity (see `Facts`)."""
    departements = departements_of(registry, entity)
    action_type = entity.get("type")
    annee = entity.get("annee_scolaire")
    expected = entity.get("effectifs_attendus") if entity.kind.name == "reseau" else None
    counts = beneficiaries_by_category(entity, ("eleves", "enseignants"))
    return Facts(
        entity.path, entity.kind.name, entity.id, tuple(departements),
        tuple(academies_of(registry, entity, departements)), annee if isinstance(annee, str) else None,
        entity.statut, _type_of(entity), cited(registry, entity),
        tuple(entity.texts("membres", "etablissements") + entity.texts("membres", "partenaires")),
        None if entity.kind.by_year else founded(entity), action_type if isinstance(action_type, str) else "?",
        counts["eleves"], counts["enseignants"], not entity.items("beneficiaires"),
        len(entity.gaps()), "sources" in entity.data, expected if isinstance(expected, dict) else None)


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    key: str  # stable, for scripts (JSON keys, CSV header, --tri)
    header: str  # French, for people
    value: Callable[[Registry, Entity], Any]
    vocabulary: str | None = None  # labels for people, from common.schema.json
    refs: bool = False  # ids shown as names to people
    count: bool = False  # a `Count` (beneficiaries): scripts get its number and, beside it, its precision


def _field(*pointer: str) -> Callable[[Registry, Entity], Any]:
    return lambda registry, entity: entity.get(*pointer)


def _ids(*pointer: str) -> Callable[[Registry, Entity], Any]:
    return lambda registry, entity: [v for v in entity.items(*pointer) if isinstance(v, str)]


def _members(of: str) -> Callable[[Registry, Entity], Count]:
    """How many members of a kind (`membres.<of>`) a structure lists: exact, unless its file says they are still
    to complete (`a_completer` names them, or `membres`): then « au moins » the ones listed, and « non renseigné »
    with none listed, never 0."""
    return lambda registry, entity: Count.listed(len(entity.items("membres", of)),
                                                 not entity.declares_gap(f"membres.{of}"))


ID = Column("id", "Identifiant", lambda r, e: e.id)
NOM = Column("nom", "Nom", lambda r, e: e.nom)
DEPS = Column("departements", "Départements", departements_of)
ACAD = Column("academie", "Académie", lambda r, e: ", ".join(academies_of(r, e)) or None, "academie")


def _statut(vocabulary: str) -> Column:
    return Column("statut", "Statut", _field("statut"), vocabulary)


COLUMNS: dict[str, list[Column]] = {
    "reseau": [ID, NOM, _statut("statut_structure"), DEPS],
    "club": [ID, NOM, _statut("statut_structure"), Column("partenaires", "Partenaires", _ids("membres", "partenaires"),
                                                           refs=True)],
    "clee": [ID, NOM, _statut("statut_structure"), ACAD, DEPS,
             Column("siege", "Établissement siège", _field("etablissement_siege"), refs=True),
             Column("etablissements", "Établissements", _members("etablissements"), count=True),
             Column("partenaires", "Partenaires", _members("partenaires"), count=True),
             Column("actions", "Actions", lambda r, e: len(referrers_of_kind(r, e, "action")))],
    "cmq": [ID, NOM, _statut("statut_structure"), ACAD, Column("secteur", "Secteur", _field("secteur"), "secteur"),
            Column("support", "Établissement support", _field("etablissement_support"), refs=True),
            Column("label", "Labellisé en", _field("label", "annee")),
            Column("excellence", "Excellence", _field("label", "excellence"))],
    "pft": [ID, NOM, _statut("statut_structure"), ACAD, DEPS, Column("domaine", "Domaine", _field("domaine")),
            Column("support", "Lycée siège", _field("etablissement_support"), refs=True)],
    "partenariat": [ID, NOM, Column("type", "Type", _field("type"), "type_partenariat"), _statut("statut_partenariat"),
                    Column("partenaires", "Partenaires", _ids("partenaires"), refs=True),
                    Column("actions", "Actions", lambda r, e: len(referrers_of_kind(r, e, "action")))],
    "partenaire": [ID, NOM, Column("type", "Type", _field("type"), "type_partenaire"),
                   Column("secteur", "Secteur", _field("secteur"), "secteur"), Column("siret", "SIRET", _field("siret")),
                   Column("references", "Cité par", lambda r, e: len({ref.source.id for ref in r.referencing(e.id)}))],
    "etablissement": [Column("uai", "UAI", _field("uai")), NOM,
                      Column("nature", "Nature", _field("nature"), "nature_etablissement"),
                      Column("secteur", "Secteur", _field("secteur"), "secteur_public_prive"),
                      Column("commune", "Commune", _field("commune")), Column("departement", "Dép.", _field("departement")),
                      ACAD, Column("clee", "CLEE", lambda r, e: referrers_of_kind(r, e, "clee"), refs=True),
                      ID],
    "action": [ID, NOM, Column("type", "Type", _field("type"), "type_action"),
               Column("annee", "Année", _field("annee_scolaire")), _statut("statut_action"),
               Column("organisateurs", "Organisateurs", _ids("organisateurs"), refs=True),
               Column("eleves", "Élèves", lambda r, e: beneficiaries(e, "eleves"), count=True),
               Column("enseignants", "Enseignants", lambda r, e: beneficiaries(e, "enseignants"), count=True), DEPS],
    "evenement": [ID, Column("date", "Date", _field("date")), NOM, Column("type", "Type", _field("type"), "type_evenement"),
                  Column("annee", "Année", _field("annee_scolaire")), _statut("statut_evenement"),
                  Column("commune", "Lieu", _field("lieu", "commune")), DEPS],
}

DEFAULT_SORT = {"action": ["-annee", "nom"], "evenement": ["date"], "etablissement": ["departement", "nom"]}


@dataclass
class Table:
    kind: Kind
    columns: list[Column]
    rows: list[tuple[Entity, dict[str, Any]]]

    def records(self) -> list[dict[str, Any]]:
        return [values for _, values in self.rows]


# --------------------------------------------------------------------------- filters


@dataclass
class Filters:
    departement: list[str] = field(default_factory=list)
    academie: list[str] = field(default_factory=list)
    annee: list[str] = field(default_factory=list)
    statut: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    partenaire: list[str] = field(default_factory=list)
    membre: list[str] = field(default_factory=list)


def check_departement(value: str, schemas: SchemaSet) -> str:
    """A département of the région académique given by a user (`--departement`): its code written with or without
    its zero, or its name, in any case or accents (« 9 », « 09 », « Ariège »); else a usage error with a guess and the
    codes possible."""
    labels = schemas.labels("departement")
    return _check_choice("--departement", departement_code(value.strip()), labels, labels)


def _check_choice(option: str, value: str, choices: Iterable[str], labels: Mapping[str, str] | None = None) -> str:
    """The code a user means (code or label, any case or accents), or a usage error."""
    choices = list(choices)
    wanted = normalize(value)
    for choice in choices:
        if wanted in (normalize(choice), normalize((labels or {}).get(choice, ""))):
            return choice
    guess = closest(value, choices)
    shown = ", ".join(choices)
    raise UsageError(f"valeur inconnue pour {option} : « {value} »",
                     (f"vouliez-vous dire « {guess} » ? " if guess else "") + f"valeurs possibles : {shown}")


def _type_of(entity: Entity) -> str | None:
    for key in ("type", "nature", "secteur"):
        value = entity.get(key)
        if isinstance(value, str):
            return value
    return None


def _type_vocabulary(kind: str) -> str | None:
    return {"action": "type_action", "evenement": "type_evenement", "partenaire": "type_partenaire",
            "partenariat": "type_partenariat", "etablissement": "nature_etablissement", "cmq": "secteur",
            "pft": "secteur"}.get(kind)


def _statut_vocabulary(kind: str) -> str:
    return {"action": "statut_action", "evenement": "statut_evenement", "partenariat": "statut_partenariat",
            "etablissement": "statut_etablissement"}.get(kind, "statut_structure")


def resolve_filters(schemas: SchemaSet, ids: Callable[[], Collection[str]], kind: Kind, filters: Filters) -> Filters:
    """The filters with codes the registry uses; a usage error names any value that cannot match (`ids`: gives
    the registry's ids, in its order, which --partenaire and --membre must name; asked for only then)."""
    academies = schemas.labels("academie")
    out = Filters()
    out.departement = [check_departement(d, schemas) for d in filters.departement]
    out.academie = [_check_choice("--academie", a.replace("16", "toulouse").replace("11", "montpellier"),
                                  academies, academies) for a in filters.academie]
    out.annee = [check_school_year(year) for year in filters.annee]
    statut_vocabulary = _statut_vocabulary(kind.name)
    labels = schemas.labels(statut_vocabulary)
    out.statut = [_check_choice("--statut", s, labels, labels) for s in filters.statut]
    type_vocabulary = _type_vocabulary(kind.name)
    if filters.type and type_vocabulary is None:
        raise UsageError(f"--type ne s'applique pas aux {kind.plural}", "retirez --type")
    if type_vocabulary:
        labels = schemas.labels(type_vocabulary)
        out.type = [_check_choice("--type", t, labels, labels) for t in filters.type]
    known = ids() if filters.partenaire or filters.membre else ()
    for option, given, wanted in (("--partenaire", filters.partenaire, out.partenaire),
                                  ("--membre", filters.membre, out.membre)):
        for value in given:
            entity_id = value.strip().lower()
            if entity_id not in known:
                guess = closest(entity_id, list(known))
                raise UsageError(f"{option} : « {value} » n'est pas un identifiant du registre",
                                 f"vouliez-vous dire « {guess} » ?" if guess else "eee search aide à trouver un identifiant")
            wanted.append(entity_id)
    return out


def matches(facts: Facts, filters: Filters) -> bool:
    """Whether an entity, by its facts, passes every filter (resolved: `resolve_filters`)."""
    if filters.departement and not set(filters.departement) & set(facts.departements):
        return False
    if filters.academie and not set(filters.academie) & set(facts.academies):
        return False
    if filters.annee and facts.annee not in filters.annee:
        return False
    if filters.statut and facts.statut not in filters.statut:
        return False
    if filters.type and facts.type not in filters.type:
        return False
    if filters.partenaire and not all(p in facts.cites for p in filters.partenaire):
        return False
    if filters.membre and not set(filters.membre) <= set(facts.membres):
        return False
    return True


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, Count):  # by the number known; unknown ones last, as empty cells
        value = value.value
    if value is None or value == [] or value == "":
        return (2, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return (1, normalize(value))


def select(registry: Registry, kind: Kind, filters: Filters | None = None, sort: list[str] | None = None) -> Table:
    """The entities of a kind that match every filter, as rows of raw values, sorted."""
    filters = resolve_filters(registry.schemas, lambda: registry.entities, kind, filters or Filters())
    return table_of(registry, kind, [e for e in registry.of_kind(kind.name) if matches(facts_of(registry, e), filters)],
                    sort)


def table_of(registry: Registry, kind: Kind, entities: Iterable[Entity], sort: list[str] | None = None) -> Table:
    """These entities of a kind as rows of raw values, sorted (`registry`: a model with them and the entities
    around them)."""
    columns = COLUMNS[kind.name]
    rows = [(e, {c.key: c.value(registry, e) for c in columns}) for e in entities]
    keys = {c.key: c for c in columns} | {normalize(c.header).replace(" ", "_"): c for c in columns}
    order = sort or DEFAULT_SORT.get(kind.name, ["nom"])
    for spec in reversed(order):
        descending = spec.startswith("-")
        name = normalize(spec.lstrip("-+")).replace(" ", "_")
        column = keys.get(name)
        if column is None:
            guess = closest(name, [c.key for c in columns])
            raise UsageError(f"--tri : colonne inconnue « {spec} »",
                             (f"vouliez-vous dire « {guess} » ? " if guess else "")
                             + "colonnes : " + ", ".join(c.key for c in columns))
        # Empty values go last whatever the direction.
        filled = [r for r in rows if _sort_key(r[1][column.key])[0] < 2]
        empty = [r for r in rows if _sort_key(r[1][column.key])[0] == 2]
        rows = sorted(filled, key=lambda row: _sort_key(row[1][column.key]), reverse=descending) + empty
    return Table(kind, columns, rows)


# --------------------------------------------------------------------------- describe (eee show)


@dataclass
class Relation:
    kind: Kind
    id: str
    nom: str
    field: str  # the field, as a path (membres.partenaires)
    exists: bool = True


def outgoing(registry: Registry, entity: Entity) -> list[Relation]:
    out = []
    for ref in registry.references:
        if ref.source is entity:
            target = registry.get(ref.target_id)
            path = ".".join(str(p) for p in ref.pointer if not isinstance(p, int))
            if target is None:
                out.append(Relation(entity.kind, ref.target_id, ref.target_id, path, exists=False))
            else:
                out.append(Relation(target.kind, target.id, target.nom, path))
    return out


def incoming(registry: Registry, entity: Entity) -> dict[str, list[Relation]]:
    """Who references this entity, grouped by kind (in the order of KINDS)."""
    grouped: dict[str, list[Relation]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for ref in registry.referencing(entity.id):
        path = ".".join(str(p) for p in ref.pointer if not isinstance(p, int))
        if (ref.source.id, path) in seen:
            continue
        seen.add((ref.source.id, path))
        grouped[ref.source.kind.name].append(Relation(ref.source.kind, ref.source.id, ref.source.nom, path))
    return {kind: sorted(grouped[kind], key=lambda r: normalize(r.nom)) for kind in KINDS if kind in grouped}
