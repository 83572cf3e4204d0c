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
from collections import Counter, defaultdict
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from .errors import NotFound, UsageError
from .escape import one_line
from .figures import NOTHING, Count, total
from .kinds import KINDS, Kind
from .model import Entity, Registry
from .parallel import fork_map
from .rules._util import parse_date, school_year_bounds
from .suggest import closest, within

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


class _NoMarks(dict):  # type: ignore[type-arg]
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
    given = [b for b in entity.items("beneficiaires") if isinstance(b, dict)]
    if not given:
        return Count.unknown()
    return total(Count.of(b["nombre"], b.get("precision")) for b in given
                 if b.get("categorie") == category and isinstance(b.get("nombre"), int)
                 and not isinstance(b.get("nombre"), bool))


FOUNDED_BY = {  # where the registry says when a structure began: its creation, its label, its signature
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
    if entity.kind.by_year:
        return entity.get("annee_scolaire") == year
    bounds = school_year_bounds(year)
    start = founded(entity)
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


def _count(*pointer: str) -> Callable[[Registry, Entity], Any]:
    return lambda registry, entity: len(entity.items(*pointer))


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
             Column("etablissements", "Établissements", _count("membres", "etablissements")),
             Column("partenaires", "Partenaires", _count("membres", "partenaires")),
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


def _check_choice(option: str, value: str, choices: Iterable[str], labels: dict[str, str] | None = None) -> str:
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


def _departement_code(value: str) -> str:
    digits = value.strip()
    return digits.lstrip("0").zfill(2) if digits.isdigit() else digits.upper()


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


def resolve_filters(registry: Registry, kind: Kind, filters: Filters) -> Filters:
    """The filters with codes the registry uses; a usage error names any value that cannot match."""
    schemas = registry.schemas
    deps = schemas.labels("departement")
    academies = schemas.labels("academie")
    out = Filters()
    out.departement = [_check_choice("--departement", _departement_code(d), deps, deps) for d in filters.departement]
    out.academie = [_check_choice("--academie", a.replace("16", "toulouse").replace("11", "montpellier"),
                                  academies, academies) for a in filters.academie]
    for year in filters.annee:
        if not re.fullmatch(r"\d{4}-\d{4}", year):
            raise UsageError(f"année scolaire invalide : « {year} »", "écrivez par exemple --annee 2022-2023")
    out.annee = list(filters.annee)
    statut_vocabulary = _statut_vocabulary(kind.name)
    labels = schemas.labels(statut_vocabulary)
    out.statut = [_check_choice("--statut", s, labels, labels) for s in filters.statut]
    type_vocabulary = _type_vocabulary(kind.name)
    if filters.type and type_vocabulary is None:
        raise UsageError(f"--type ne s'applique pas aux {kind.plural}", "retirez --type")
    if type_vocabulary:
        labels = schemas.labels(type_vocabulary)
        out.type = [_check_choice("--type", t, labels, labels) for t in filters.type]
    for option, ids, wanted in (("--partenaire", filters.partenaire, out.partenaire),
                                ("--membre", filters.membre, out.membre)):
        for value in ids:
            entity_id = value.strip().lower()
            if entity_id not in registry.entities:
                guess = closest(entity_id, list(registry.entities))
                raise UsageError(f"{option} : « {value} » n'est pas un identifiant du registre",
                                 f"vouliez-vous dire « {guess} » ?" if guess else "eee search aide à trouver un identifiant")
            wanted.append(entity_id)
    return out


def matches(registry: Registry, entity: Entity, filters: Filters) -> bool:
    if filters.departement and not set(filters.departement) & set(departements_of(registry, entity)):
        return False
    if filters.academie and not set(filters.academie) & set(academies_of(registry, entity)):
        return False
    if filters.annee and entity.get("annee_scolaire") not in filters.annee:
        return False
    if filters.statut and entity.statut not in filters.statut:
        return False
    if filters.type and _type_of(entity) not in filters.type:
        return False
    if filters.partenaire and not all(cites(registry, entity, p) for p in filters.partenaire):
        return False
    if filters.membre:
        members = set(entity.texts("membres", "etablissements")) | set(entity.texts("membres", "partenaires"))
        if not set(filters.membre) <= members:
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
    filters = resolve_filters(registry, kind, filters or Filters())
    columns = COLUMNS[kind.name]
    rows = [(e, {c.key: c.value(registry, e) for c in columns})
            for e in registry.of_kind(kind.name) if matches(registry, e, filters)]
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


# --------------------------------------------------------------------------- search


@dataclass
class Hit:
    entity: Entity
    score: float
    field: tuple[Any, ...]  # where the best match is (a pointer into the entity's data)
    text: str  # the matched text
    words: list[str] = field(default_factory=list)  # the query's words, normalised


# Top-level fields that say what an entity is weigh more than the rest of its text.
_WEIGHTS = {"nom": 4.0, "id": 3.0, "uai": 3.0, "etiquettes": 3.0, "commune": 2.5, "territoire": 2.0}
_SKIPPED_FIELDS = {"sources", "mis_a_jour"}


def _texts(entity: Entity) -> list[tuple[tuple[Any, ...], str]]:
    """(pointer, text) of every string of an entity, sources aside."""
    out: list[tuple[tuple[Any, ...], str]] = [(("id",), entity.id)]

    def walk(value: Any, pointer: tuple[Any, ...]) -> None:
        if isinstance(value, str):
            out.append((pointer, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in _SKIPPED_FIELDS:
                    walk(item, pointer + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, pointer + (index,))

    walk(entity.data, ())
    return out


def _token_score(query: str, word: str) -> float:
    """How well a query word matches a word of the text: 1 exact, less for prefixes and typos, 0 none."""
    if query == word:
        return 1.0
    if len(query) >= 3 and word.startswith(query):
        return 0.8
    if len(query) >= 4 and abs(len(query) - len(word)) <= 2:
        allowed = 1 if len(query) < 8 else 2
        d = within(query, word, allowed)
        if d <= allowed:
            return 0.6 - 0.1 * d
    return 0.0


class _Scores(dict):  # type: ignore[type-arg]
    """`_token_score` of one query word against words of the texts, each worked out on first use."""

    def __init__(self, query: str) -> None:
        super().__init__()
        self.query = query

    def __missing__(self, word: str) -> float:
        score = self[word] = _token_score(self.query, word)
        return score


class _Words(dict):  # type: ignore[type-arg]
    """text → its normalised words, each text worked out on first use."""

    def __missing__(self, text: str) -> list[str]:
        words = self[text] = normalize(text).split()
        return words


class _HasWord(dict):  # type: ignore[type-arg]
    """text → whether one of its words matches a query word (`_Scores`), each text worked out on first use."""

    def __init__(self, scores: _Scores, words: _Words) -> None:
        super().__init__()
        self.scores = scores
        self.words = words

    def __missing__(self, text: str) -> bool:
        found = self[text] = any(map(self.scores.__getitem__, self.words[text]))
        return found


SEARCH_CHUNK = 1000  # entities per task given to a worker
SEARCH_PARALLEL_FROM = 2000  # below this many entities, worker processes cost more than they save


def search(registry: Registry, text: str, kinds: list[Kind] | None = None, limit: int = 50,
           jobs: int | None = None) -> list[Hit]:
    """Entities matching every word of `text`, best first; accents, case, punctuation and typos tolerated.

    A large registry is searched over `jobs` processes (default: the cores available), by chunks, with the
    same hits in the same order as in one process."""
    words = normalize(text).split()
    query = [w for w in words if w not in STOP_WORDS] or words
    if not query:
        raise UsageError("recherche vide", "donnez au moins un mot, par exemple : eee search aeronautique")
    phrase = " ".join(words)
    # A word of the query against each distinct word of the texts, once: the same words recur in thousands of
    # entities (lycée, atelier, a commune…).
    scores = {word: _Scores(word) for word in query}
    # Most entities lack some word of the query: each distinct text is normalised and tried against each word
    # once (the same texts recur across thousands of entities), and only entities with every word are scored.
    words_of = _Words()
    has_word = [_HasWord(scores[word], words_of).__getitem__ for word in query]
    entities = [e for e in registry if not kinds or e.kind in kinds]

    def scored(entity: Entity) -> tuple[float, tuple[Any, ...], str] | None:
        """The entity's score, and where its best match is; None if a word of the query is not in it."""
        texts = _texts(entity)
        values = [value for _, value in texts]
        if not all(any(map(has, values)) for has in has_word):
            return None
        fields = [(pointer, value, " ".join(tokens), tokens) for pointer, value in texts
                  for tokens in (words_of[value],)]
        total, best = 0.0, (0.0, (), "")
        for word in query:
            word_best: tuple[float, tuple[Any, ...], str] = (0.0, (), "")
            score_of = scores[word].__getitem__
            for pointer, value, _, tokens in fields:
                weight = _WEIGHTS.get(pointer[0], 1.0) if len(pointer) == 1 else 1.0
                score = max(map(score_of, tokens), default=0.0) * weight
                if score > word_best[0]:
                    word_best = (score, pointer, value)
            if word_best[0] == 0:
                return None
            total += word_best[0]
            if word_best[0] > best[0]:
                best = word_best
        if len(query) > 1 and any(phrase in norm for _, _, norm, _ in fields):
            total += 2.0
        # The more of its name the words cover, the more the entity is what was asked for.
        name_words = [w for w in normalize(entity.nom).split() if w not in STOP_WORDS] or [""]
        covered = sum(1 for w in name_words if any(scores[q][w] for q in query))
        return total + 3.0 * covered / len(name_words), best[1], best[2]

    def scan(span: tuple[int, int]) -> list[tuple[int, float, tuple[Any, ...], str]]:
        """(index, score, where, matched text) of the matching entities among entities[start:end]."""
        found = []
        for index in range(*span):
            result = scored(entities[index])
            if result is not None:
                found.append((index, *result))
        return found

    spans = [(start, min(start + SEARCH_CHUNK, len(entities))) for start in range(0, len(entities), SEARCH_CHUNK)]
    hits = [Hit(entities[index], total, where, matched, query)
            for part in fork_map(scan, spans, jobs if len(entities) >= SEARCH_PARALLEL_FROM else 1)
            for index, total, where, matched in part]
    hits.sort(key=lambda h: (-h.score, len(h.entity.nom), normalize(h.entity.nom)))
    return hits[:limit]


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


def find_entity(registry: Registry, entity_id: str) -> Entity:
    """The entity with this id, or a usage error with the closest ids."""
    if not entity_id.strip():
        raise UsageError("identifiant vide", "donnez l'identifiant d'une entité, par exemple : eee show clee-ariege")
    entity = registry.get(entity_id) or registry.get(entity_id.strip().lower())
    if entity is not None:
        return entity
    ids = list(registry.entities)
    limit, wanted = max(2, len(entity_id) // 3), entity_id.lower()
    near = [(d, i) for i in ids if (d := within(wanted, i, limit)) <= limit]
    close = [i for _, i in sorted(near, key=lambda pair: pair[0])[:3]]  # the nearest three, ties in id order
    hits = search(registry, entity_id.replace("-", " "), limit=3) if not close else []
    suggestions = close or [h.entity.id for h in hits]
    hint = ("vouliez-vous dire " + " ou ".join(f"« {s} »" for s in suggestions) + " ?") if suggestions else \
        "eee search aide à trouver un identifiant"
    raise NotFound(f"aucune entité n'a l'identifiant « {one_line(entity_id)} »", hint)


# --------------------------------------------------------------------------- stats


STRUCTURES = ("clee", "cmq", "pft", "partenariat")  # counted in a year's figures only if they existed that year


def stats(registry: Registry, annee: str | None = None) -> dict[str, Any]:
    """Counts for `eee stats`: by kind, by académie and département, coverage, actions, gaps.

    With `annee`, actions and events are that year's, and a CLEE, CMQ, PFT or partnership counts only if it
    existed that year (`existed_in`; one whose file gives no date counts, and is listed in `sans_date`).
    Without, every figure is as of today. Numbers of beneficiaries are `Count`s: exact, approximate, minimum
    or unknown, never 0 for an unknown (see eee/figures.py); `stats_json` writes them for scripts."""
    dep_labels = registry.schemas.labels("departement")
    counted = [k for k in KINDS.values() if k.name != "reseau"]
    undated: dict[str, list[str]] = {}

    def in_year(entity: Entity) -> bool:
        if annee is None:
            return True
        if entity.kind.by_year or entity.kind.name in STRUCTURES:
            existed = existed_in(entity, annee)
            if existed is None:
                undated.setdefault(entity.kind.name, []).append(entity.id)
            return existed is not False
        return True

    members = {k.name: [e for e in registry.of_kind(k.name) if in_year(e)] for k in counted}
    by_kind = {kind: len(entities) for kind, entities in members.items()}
    by_dep: dict[str, dict[str, int]] = {d: {} for d in sorted(dep_labels)}
    # An académie counts each entity once, even when it spans several of its départements.
    by_academie: dict[str, dict[str, int]] = {a: {} for a in registry.schemas.labels("academie")}
    for kind in ("clee", "cmq", "pft", "etablissement", "action", "evenement"):
        for entity in members[kind]:
            deps = departements_of(registry, entity)
            for dep in deps:
                if dep in by_dep:
                    by_dep[dep][kind] = by_dep[dep].get(kind, 0) + 1
            for academie in academies_of(registry, entity, deps):
                if academie in by_academie:
                    by_academie[academie][kind] = by_academie[academie].get(kind, 0) + 1
    network = registry.network
    expected = network.get("effectifs_attendus") if network else None
    coverage = {}
    for kind, count in (expected.items() if isinstance(expected, dict) else []):
        if kind in KINDS and isinstance(count, int) and not isinstance(count, bool):
            coverage[kind] = {"decrits": len(members.get(kind, registry.of_kind(kind))), "attendus": count}
    clee_deps = {d for e in members["clee"] for d in departements_of(registry, e)}
    by_type: dict[str, dict[str, Any]] = {}
    for action in members["action"]:
        row = by_type.setdefault(action.get("type") if isinstance(action.get("type"), str) else "?",
                                 {"actions": 0, "eleves": NOTHING, "enseignants": NOTHING, "sans_nombre": 0})
        row["actions"] += 1
        for category in ("eleves", "enseignants"):
            row[category] += beneficiaries(action, category)
        if not action.items("beneficiaires"):
            row["sans_nombre"] += 1
    by_year: dict[str, dict[str, Any]] = {}
    for action in registry.of_kind("action"):
        year = action.get("annee_scolaire") if isinstance(action.get("annee_scolaire"), str) else "?"
        row = by_year.setdefault(year, {"actions": 0, "eleves": NOTHING, "enseignants": NOTHING, "sans_nombre": 0})
        row["actions"] += 1
        for category in ("eleves", "enseignants"):
            row[category] += beneficiaries(action, category)
        if not action.items("beneficiaires"):
            row["sans_nombre"] += 1
    gaps = Counter(e.kind.name for e in registry for _ in e.gaps())
    return {
        "annee": annee,
        "par_type": by_kind,
        "par_academie": by_academie,
        "par_departement": {d: c for d, c in by_dep.items()},
        "couverture": coverage,
        "sans_date": {kind: sorted(ids) for kind, ids in sorted(undated.items()) if kind in STRUCTURES},
        "departements_sans_clee": sorted(set(dep_labels) - clee_deps),
        "actions_par_type": dict(sorted(by_type.items())),
        "actions_par_annee": dict(sorted(by_year.items())),
        "a_completer": {"total": sum(gaps.values()), "par_type": dict(sorted(gaps.items()))},
        "sans_sources": sorted(e.id for e in registry if "sources" not in e.data),
    }


def stats_json(data: dict[str, Any]) -> dict[str, Any]:
    """`stats` for scripts: each number of beneficiaries as a number (null when unknown) and, beside it, its
    qualifier (`eleves_precision`: exact, environ, au_moins; null when unknown), so that a spreadsheet can
    still add up."""
    def plain(row: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, Count):
                out[key] = value.value
                out[f"{key}_precision"] = value.precision
            else:
                out[key] = value
        return out

    return {**data, "actions_par_type": {t: plain(r) for t, r in data["actions_par_type"].items()},
            "actions_par_annee": {y: plain(r) for y, r in data["actions_par_annee"].items()}}


# --------------------------------------------------------------------------- tree


@dataclass
class Node:
    label: str
    kind: str = ""  # the kind of entity the node stands for, if any
    id: str = ""
    children: list["Node"] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"libelle": self.label}
        if self.id:
            out["type"], out["id"] = self.kind, self.id
        if self.children:
            out["enfants"] = [c.as_dict() for c in self.children]
        return out


def tree(registry: Registry) -> Node:
    """Région académique → académies → départements → CLEE, CMQ, PFT → member schools and partners."""
    network = registry.network
    region = network.get("region_academique", "nom") if network else None
    if not isinstance(region, str):
        region = "Région académique"
    root = Node(region if region.lower().startswith("région") else f"Région académique {region}")
    schemas = registry.schemas
    mapping = schemas.academie_of_departement
    dep_labels = schemas.labels("departement")
    academy_labels = schemas.labels("academie")
    placed: dict[str, list[Entity]] = defaultdict(list)
    unplaced: dict[str, list[Entity]] = defaultdict(list)  # by académie
    for kind in ("clee", "cmq", "pft"):
        for entity in sorted(registry.of_kind(kind), key=lambda e: normalize(e.nom)):
            deps = departements_of(registry, entity)
            if deps:
                placed[deps[0]].append(entity)  # shown once, under its first département
            else:
                for academie in academies_of(registry, entity) or ["?"]:
                    unplaced[academie].append(entity)

    def structure(entity: Entity) -> Node:
        node = Node(f"{entity.kind.short or entity.kind.label} · {entity.nom}", entity.kind.name, entity.id)
        members = entity.texts("membres", "etablissements") + entity.texts("membres", "partenaires")
        members += [v for v in (entity.get("etablissement_support"), entity.get("etablissement_siege"))
                    if isinstance(v, str) and v not in members]
        members += [v for v in entity.texts("partenaires") if v not in members]
        for member_id in members:
            member = registry.get(member_id)
            if member is not None:
                node.children.append(Node(f"{member.kind.label[:1].upper() + member.kind.label[1:]} · {member.nom}",
                                          member.kind.name, member.id))
        others = entity.texts("departements")[1:]
        if others:
            node.label += " (aussi : " + ", ".join(f"{d} {dep_labels.get(d, '')}".strip() for d in others) + ")"
        return node

    for academie, label in academy_labels.items():
        branch = Node(label, "academie", academie)
        for dep in sorted(d for d, a in mapping.items() if a == academie):
            leaf = Node(f"{dep_labels[dep]} ({dep})", "departement", dep)
            leaf.children = [structure(e) for e in placed.get(dep, [])]
            branch.children.append(leaf)
        for entity in unplaced.get(academie, []):
            branch.children.append(structure(entity))
        root.children.append(branch)
    return root
