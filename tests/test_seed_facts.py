"""The facts of the seed and of the verified sources are in the shipped registry.

Every expectation below is taken from a sentence of the seed (the DRAFPICA page « La mission
École-Entreprise-Économie », spring 2023, cited « seed »), of the project's list of verified
sources (cited « SOURCES ») or of its design notes (cited « DESIGN »), never from the registry
files: a later edit of the registry that loses one of them fails here. Those three documents
were the project's starting material and are not in this repository (they lived beside it, in
`shared/seeds/000_343a51990d2b6c7b.txt`, `shared/SOURCES.md` and `shared/DESIGN.md`); this module
reads none of them: each sentence it relies on is quoted in a comment next to its test. Entities
are found by meaning (the words of their `nom`, accent- and case-insensitive); schools by their
id, which the design fixes (the UAI in lower case).

The schools are checked against the Annuaire de l'éducation through the rows this repository
carries (tests/data/annuaire-registre.csv, see tests/data/README.md), so nothing is skipped.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from eee.diagnostics import Report
from eee.model import Entity, Registry
from eee.settings import shipped_registry
from eee.validate import load, run

# The rows of the Annuaire de l'éducation (Occitanie export of 26 November 2024) for every UAI the shipped
# registry names, copied unchanged: a school added to the registry needs its row added there (tests/data/README.md).
ANNUAIRE = Path(__file__).resolve().parent / "data" / "annuaire-registre.csv"
MISSING = "absente de tests/data/annuaire-registre.csv (recopiez-y sa ligne de l'export de l'Annuaire)"


# --------------------------------------------------------------------------- helpers

@functools.cache
def registry() -> Registry:
    """The shipped registry, loaded once for the module (absolute path: tests run in a tmp dir)."""
    found, _ = load(shipped_registry())
    return found


@functools.cache
def report() -> Report:
    """Every problem of the shipped registry, computed once."""
    return run(shipped_registry())


def norm(text: Any) -> str:
    """Lower case, no accents, words separated by one space (« l’Éducation » → « l education »)."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def mentions(text: Any, word: str) -> bool:
    """`text` contains `word` as whole words; `word` may list alternatives: « cnes|centre national »."""
    haystack = norm(text)
    return any(re.search(rf"(?<![a-z0-9]){re.escape(norm(alt))}(?![a-z0-9])", haystack)
               for alt in word.split("|"))


def find(kind: str, *words: str) -> list[Entity]:
    """The entities of `kind` whose nom contains every word; fails clearly if there is none."""
    entities = registry().of_kind(kind)
    found = [e for e in entities if all(mentions(e.nom, w) for w in words)]
    if not found:
        names = sorted(e.nom for e in entities)
        pytest.fail(f"aucun {kind} dont le nom contient {' + '.join(words)!r} ; présents : {names}")
    return found


def one(kind: str, *words: str) -> Entity:
    """The single entity of `kind` whose nom contains every word."""
    found = find(kind, *words)
    assert len(found) == 1, f"plusieurs {kind} pour {' + '.join(words)!r} : {[e.id for e in found]}"
    return found[0]


def school(uai: str) -> Entity:
    """The school whose id is this UAI in lower case (fixed by the design)."""
    entity = registry().get(uai.lower())
    assert entity is not None, f"l'établissement {uai.upper()} (etablissements/{uai.lower()}.yaml) est absent"
    assert entity.kind.name == "etablissement", f"{uai.lower()} n'est pas un établissement mais un {entity.kind.name}"
    return entity


def network() -> Entity:
    entity = registry().network
    assert entity is not None, "reseau.yaml est absent du registre livré"
    return entity


def targets(entity: Entity) -> set[str]:
    """Every id that `entity` references (organisers, partners, schools, members, co-animators…)."""
    return {ref.target_id for ref in registry().references if ref.source is entity}


def actors(entity: Entity) -> set[str]:
    """Partners and organisers of an action or event, with the partners of an organising partnership."""
    ids = set(entity.texts("partenaires")) | set(entity.texts("organisateurs"))
    for organiser_id in entity.texts("organisateurs"):
        organiser = registry().get(organiser_id)
        if organiser is not None and organiser.kind.name == "partenariat":
            ids |= set(organiser.texts("partenaires")) | set(organiser.texts("organisateurs"))
    return ids


def organised_by(kind: str, organiser: Entity) -> list[Entity]:
    """The entities of `kind` (actions, events) that name `organiser` among their organisers."""
    return [e for e in registry().of_kind(kind) if organiser.id in e.texts("organisateurs")]


def text_of(entity: Entity, *keys: str) -> str:
    """The values of some fields, as one text (strings, lists and mappings flattened)."""
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for key in keys:
        walk(entity.get(key))
    return " | ".join(parts)


def norm_set(values: Iterable[str]) -> set[str]:
    return {norm(v) for v in values}


def sources_at(entity: Entity, address: str) -> list[dict[str, Any]]:
    """The sources of `entity` whose url contains `address` (a host and path, without the scheme)."""
    return [s for s in entity.items("sources") if isinstance(s, dict) and address in str(s.get("url", ""))]


def note_at(entity: Entity, address: str) -> str:
    """The notes of the sources of `entity` at `address`, as one text; fails if the entity does not cite it."""
    found = sources_at(entity, address)
    assert found, f"{entity.id} ne cite pas {address} ; sources : {[s.get('url') for s in entity.items('sources')]}"
    return " | ".join(str(s.get("note", "")) for s in found)


def gap(entity: Entity, champ: str) -> str | None:
    """The note of the a_completer entry for `champ` ("" without a note), or None if the gap is not declared."""
    for item in entity.items("a_completer"):
        if isinstance(item, dict) and item.get("champ") == champ:
            return str(item.get("note", ""))
    return None


# --------------------------------------------------------------------------- network

def test_region_academique_code() -> None:
    # SOURCES: « Région académique Occitanie (INSEE region code 76) »
    assert network().get("region_academique", "code") == "76"


def test_recteur_region_academique_is_montpellier() -> None:
    # SOURCES: « The recteur de région académique is the recteur of Montpellier. »
    assert mentions(network().get("region_academique", "recteur_region_academique", default=""), "montpellier")


ACADEMIES = [
    # SOURCES: « académie de Toulouse (code 16: départements 09 Ariège, 12 Aveyron, 31 Haute-Garonne,
    # 32 Gers, 46 Lot, 65 Hautes-Pyrénées, 81 Tarn, 82 Tarn-et-Garonne) »
    ("toulouse", "16", ["09", "12", "31", "32", "46", "65", "81", "82"]),
    # SOURCES: « + académie de Montpellier (code 11: 11 Aude, 30 Gard, 34 Hérault, 48 Lozère,
    # 66 Pyrénées-Orientales) »
    ("montpellier", "11", ["11", "30", "34", "48", "66"]),
]


@pytest.mark.parametrize(("code", "officiel", "departements"), ACADEMIES)
def test_academie(code: str, officiel: str, departements: list[str]) -> None:
    academies = [a for a in network().items("academies") if isinstance(a, dict) and a.get("code") == code]
    assert len(academies) == 1, f"académie {code} : {len(academies)} entrée(s) dans reseau.yaml"
    academie = academies[0]
    assert academie.get("code_officiel") == officiel
    assert sorted(academie.get("departements") or []) == sorted(departements)


DEPARTEMENTS = {
    # SOURCES, same sentence: the 13 départements, their names and their académie.
    "09": ("Ariège", "toulouse"), "12": ("Aveyron", "toulouse"), "31": ("Haute-Garonne", "toulouse"),
    "32": ("Gers", "toulouse"), "46": ("Lot", "toulouse"), "65": ("Hautes-Pyrénées", "toulouse"),
    "81": ("Tarn", "toulouse"), "82": ("Tarn-et-Garonne", "toulouse"),
    "11": ("Aude", "montpellier"), "30": ("Gard", "montpellier"), "34": ("Hérault", "montpellier"),
    "48": ("Lozère", "montpellier"), "66": ("Pyrénées-Orientales", "montpellier"),
}


def test_exactly_thirteen_departements() -> None:
    listed = [d for d in network().items("departements") if isinstance(d, dict)]
    codes = [d.get("code") for d in listed]
    assert sorted(codes) == sorted(DEPARTEMENTS), codes


@pytest.mark.parametrize("code", sorted(DEPARTEMENTS))
def test_departement(code: str) -> None:
    nom, academie = DEPARTEMENTS[code]
    listed = [d for d in network().items("departements") if isinstance(d, dict) and d.get("code") == code]
    assert len(listed) == 1, f"département {code} : {len(listed)} entrée(s)"
    assert norm(listed[0].get("nom")) == norm(nom)
    assert listed[0].get("academie") == academie
    # SEED: « désigné par l'IA-DASEN […] du département dont le CLEE dépend » (one per département, SOURCES)
    assert listed[0].get("ia_dasen"), f"département {code} sans IA-DASEN"


def test_effectifs_attendus_clee() -> None:
    # SEED: « Les 27 CLEE de l'Occitanie maillent l'ensemble du territoire »
    assert network().get("effectifs_attendus", "clee") == 27


def test_mission_service() -> None:
    # SEED: « Au sein de la DRAFPICA, la mission École-Entreprise […] » ;
    # « La DRAFPICA et son département OFPEE pilote et/ou anime les CLEE, les CMQ, les PFT et le CEE. »
    assert mentions(network().get("mission", "service", default=""), "drafpica")
    assert mentions(network().get("mission", "departement", default=""), "ofpee")


def test_mission_fonctions() -> None:
    # SEED: « la mission École-Entreprise a pour principales fonctions de : » (four bullets)
    expected = [
        "Développer des liens durables entre les établissements scolaires et les acteurs du monde économique",
        "Faire connaître et coordonner les interventions des différents partenaires",
        "Impulser et répondre à des demandes d’établissements",
        "Mutualiser et valoriser les actions réalisées",
    ]
    fonctions = network().texts("mission", "fonctions")
    assert sorted(norm(f) for f in fonctions) == sorted(norm(f) for f in expected)


def test_mission_entites() -> None:
    # SEED: « un réseau d'acteurs très variés qui se mobilisent autour des entités : Club École-Entreprise ;
    # Les CLEE […] ; Les Partenariats EE ; Les CMQ […] ; Les PFT […] »
    entites = network().texts("mission", "entites")
    assert len(entites) == 5, entites
    for entite, word in zip(entites, ["club", "clee", "partenariats", "cmq", "pft"]):
        assert mentions(entite, word), f"« {entite} » devrait nommer {word}"


def test_club_ecole_entreprise() -> None:
    # SEED: « La mission École-Économie et le club École-Entreprise apportent un soutien […] »
    one("club", "club", "ecole entreprise")


def _contacts() -> list[tuple[Entity, dict[str, Any]]]:
    return [(e, c) for e in registry() for c in e.items("contacts") if isinstance(c, dict)]


def test_seed_contact_present_and_internal() -> None:
    # SEED: « Pour plus d'infos, contactez Olivier XERRI » ; SOURCES: « a person, so internal unless the
    # mission says otherwise »
    xerri = [(e, c) for e, c in _contacts() if mentions(c.get("nom", ""), "olivier xerri")]
    assert xerri, "le contact de la mission (Olivier XERRI) est absent du registre"
    public = [e.id for e, c in xerri if c.get("visibilite", "interne") != "interne"]
    assert not public, f"Olivier XERRI ne doit pas être public : {public}"


def test_public_contacts_have_visibilite_and_source() -> None:
    # DESIGN: « Contacts are embedded, each with visibilite: publique | interne; interne is the
    # default » ; SOURCES: « Each fact names its source ».
    contacts = _contacts()
    assert contacts, "aucun contact dans le registre (le seed en donne un)"
    bad = []
    for entity, contact in contacts:
        visibilite = contact.get("visibilite")
        assert visibilite in (None, "interne", "publique"), (entity.id, visibilite)
        if visibilite == "publique" and not entity.items("sources"):
            bad.append(f"{entity.id}: {contact.get('nom') or contact.get('fonction')} public sans source")
        if visibilite == "publique" and contact.get("nom"):
            # A named person is public only when a source of the entity says so.
            cited = any(mentions(text_of_source(s), contact["nom"]) for s in entity.items("sources"))
            if not cited:
                bad.append(f"{entity.id}: {contact['nom']} public, mais aucune source de l'entité ne le cite")
    assert not bad, bad


def text_of_source(source: Any) -> str:
    return " ".join(str(v) for v in source.values()) if isinstance(source, dict) else ""


# --------------------------------------------------------------------------- validation

def test_shipped_registry_has_no_error() -> None:
    errors = [f"{p.path}:{p.line}:{p.column} {p.code} {p.message}" for p in report().sorted() if p.is_error]
    assert report().entities > 0
    assert not errors, "\n".join(errors)


def test_clee_count_warning() -> None:
    # SEED: 27 CLEE ; four named, SOURCES adds the Bassin de Thau, the Gard rhodanien – Uzège and (Additions)
    # the CLEE of Nîmes of 2016: « The list of all 27 CLEE is not public: the registry holds those known and
    # reports the rest as a gap against the expected 27. »
    clee = [p.message for p in report().sorted() if p.code == "EEE-R021" and "CLEE" in p.message]
    assert len(clee) == 1, clee
    assert clee[0].startswith("7 CLEE décrits sur 27 attendus"), clee[0]


def test_only_gap_warnings() -> None:
    # EEE-R034 is a gap too: actions the seed or SOURCES give as planned or under way, whose outcome no source
    # states. Their statut stays as the sources say it, and the warning shows it.
    others = [f"{p.path}:{p.line}:{p.column} {p.code} {p.message}" for p in report().sorted()
              if not p.is_error and p.code not in ("EEE-R021", "EEE-R031", "EEE-R034")]
    assert report().warnings > 0  # at least the 27-CLEE gap
    assert not others, "\n".join(others)


# --------------------------------------------------------------------------- CLEE

CLEE = [
    # (words of the nom, départements, académie, statut, bassins de formation)
    # SEED: « Le CLEE d'Alès met en place des actions […] » ; Alès is in the Gard (Annuaire: 0300002P,
    # Alès, département 030, bassin 11116 GARD NORD-OUEST; SOURCES lists 11116 among the CLEE bassins).
    (("ales",), ["30"], "montpellier", "actif", ["11116"]),
    # SEED: « Le CLEE du Tarn-et-Garonne a mis en place un livret d'accueil » ; SOURCES: bassins
    # 16120 MONTAUBAN/CAUSSADE and 16121 CASTELSARRASIN / MOISSAC (the two bassins of the 82).
    (("tarn et garonne",), ["82"], "toulouse", "actif", ["16120", "16121"]),
    # SEED: « Le CLEE de Béziers qui se met en place » → en_creation ; SOURCES: bassin 11071 BEZIERS.
    (("beziers",), ["34"], "montpellier", "en_creation", ["11071"]),
    # SEED: « Le CLEE de l'Ariège organise des visites […] » ; SOURCES: bassin 16125 ARIEGE.
    (("ariege",), ["09"], "toulouse", "actif", ["16125"]),
    # SOURCES: « CLEE Bassin de Thau (34, académie de Montpellier): installed on 18 October 2024 » ;
    # bassin 11114 BASSIN DE THAU.
    (("thau",), ["34"], "montpellier", "actif", ["11114"]),
    # SOURCES: « CLEE Gard rhodanien – Uzège (30): first plenary on 7 November 2024 […] charter signed » ;
    # Bagnols-sur-Cèze and Uzès are in bassin 11115 GARD NORD-EST (Annuaire; listed in SOURCES).
    (("gard rhodanien",), ["30"], "montpellier", "actif", ["11115"]),
]
CLEE_IDS = [" ".join(c[0]) for c in CLEE]


@pytest.mark.parametrize(("words", "departements", "academie", "statut", "bassins"), CLEE, ids=CLEE_IDS)
def test_clee_territory(words: tuple[str, ...], departements: list[str], academie: str, statut: str,
                        bassins: list[str]) -> None:
    clee = one("clee", *words)
    assert sorted(clee.texts("departements")) == departements
    assert clee.get("academie") == academie
    assert clee.statut == statut


@pytest.mark.parametrize(("words", "departements", "academie", "statut", "bassins"), CLEE, ids=CLEE_IDS)
def test_clee_bassins(words: tuple[str, ...], departements: list[str], academie: str, statut: str,
                      bassins: list[str]) -> None:
    # SOURCES: « a CLEE is set up over one or two bassins d'éducation », codes from the Annuaire.
    clee = one("clee", *words)
    codes = [b.get("code") for b in clee.items("territoire", "bassins") if isinstance(b, dict)]
    assert sorted(codes) == bassins


def test_six_distinct_clee() -> None:
    # SEED + SOURCES: six CLEE are known by name; each is one entity.
    ids = {one("clee", *words).id for words, *_ in CLEE}
    assert len(ids) == 6, ids


def test_clee_gard_rhodanien_uzege() -> None:
    # SOURCES: « CLEE Gard rhodanien – Uzège (30): first plenary on 7 November 2024 at Lycée Albert
    # Einstein, Bagnols-sur-Cèze (its host); co-pilots: the lycée's proviseur and the head of groupe D&S »
    clee = one("clee", "gard rhodanien")
    assert mentions(clee.nom + " " + text_of(clee, "territoire"), "uzege"), "l'Uzège n'est pas nommée"
    assert clee.get("date_creation") == "2024-11-07"
    assert clee.get("etablissement_siege") == "0300950v"
    assert clee.get("co_animation", "etablissement", "etablissement") == "0300950v"
    partner = registry().get(clee.get("co_animation", "partenaire", "partenaire", default=""))
    assert partner is not None, "co-animateur du monde économique (groupe D&S) absent"
    assert mentions(partner.nom, "d s"), partner.nom


def test_clee_bassin_de_thau() -> None:
    # SOURCES: « installed on 18 October 2024 at Maison Noilly-Prat, Marseillan; co-pilots: Lycée Charles
    # de Gaulle (Sète), Collège Olympe de Gouges (Loupian) and the Hôtel Port Marine (Sète); partners
    # include EDF and ENEDIS. » The two schools are 0340078A and 0342224H in the Annuaire.
    clee = one("clee", "thau")
    assert clee.get("date_creation") == "2024-10-18"
    hotel = one("partenaire", "port marine")
    edf = one("partenaire", "edf|electricite de france")
    enedis = one("partenaire", "enedis")
    refs = targets(clee)
    missing = {"0340078a", "0342224h", hotel.id, edf.id, enedis.id} - refs
    assert not missing, f"absents du CLEE du Bassin de Thau : {sorted(missing)}"
    assert clee.get("co_animation", "partenaire", "partenaire") == hotel.id


@pytest.mark.parametrize(("uai", "nom", "commune"), [
    ("0340078a", "Lycée Charles de Gaulle", "Sète"),
    ("0342224h", "Collège Olympe de Gouges", "Loupian"),
    ("0300950v", "Lycée polyvalent Albert Einstein", "Bagnols-sur-Cèze"),
    # SOURCES (Additions): « le Lycée Mistral » of the CLEE of Nîmes; the Annuaire's only lycée of that name
    # in the Gard is the Lycée Frédéric Mistral, Nîmes (0300058A).
    ("0300058a", "Lycée Frédéric Mistral", "Nîmes"),
])
def test_clee_schools(uai: str, nom: str, commune: str) -> None:
    # SOURCES (Thau, Gard rhodanien) ; UAI and official names from the Annuaire de l'éducation.
    entity = school(uai)
    assert norm(entity.nom) == norm(nom)
    assert norm(entity.get("commune")) == norm(commune)


def _types(clee: Entity) -> dict[str, list[Entity]]:
    found: dict[str, list[Entity]] = {}
    for action in organised_by("action", clee):
        found.setdefault(action.get("type"), []).append(action)
    return found


def test_clee_ales_actions() -> None:
    # SEED: « Le CLEE d'Alès met en place des actions « prépare ton futur » pour un public post-bac. Il
    # s'agit de préparations qui ont pour objectif de former les élèves aux futurs entretiens de
    # recrutement, de développer son identité numérique et d'immerger les professeurs dans les
    # entreprises par des stages. […] Des visites de plateaux techniques pour les chefs d'établissements
    # sont également envisagées. »
    types = _types(one("clee", "ales"))
    expected = {"preparation_entretiens", "identite_numerique", "immersion_enseignants", "visite_plateau_technique"}
    assert expected <= set(types), f"types d'actions du CLEE d'Alès : {sorted(types)}"
    assert any("post_bac" in a.texts("public", "niveaux") for a in types["preparation_entretiens"])
    assert {a.statut for a in types["visite_plateau_technique"]} == {"prevue"}


def test_clee_tarn_et_garonne_livret() -> None:
    # SEED: « Le CLEE du Tarn-et-Garonne a mis en place un livret d'accueil à destination des entreprises. »
    types = _types(one("clee", "tarn et garonne"))
    assert "livret_accueil" in types, f"types d'actions du CLEE du Tarn-et-Garonne : {sorted(types)}"


def test_clee_beziers_banque_de_stages() -> None:
    # SEED: « Le CLEE de Béziers qui se met en place a axé sa réflexion sur les stages de 3ème (Banque de
    # stages, stages en industrie). Une prochaine réunion se déroulera en juin pour une mise en place à
    # la rentrée. » → planned.
    types = _types(one("clee", "beziers"))
    assert "banque_stages" in types, f"types d'actions du CLEE de Béziers : {sorted(types)}"
    assert {a.statut for a in types["banque_stages"]} == {"prevue"}


@pytest.mark.parametrize(("type_", "partner", "commune"), [
    # SEED: « Le CLEE de l'Ariège organise des visites d'entreprises locales pour les élèves (Exp. Akzo
    # Nobel à Pamiers), des immersions d'enseignants (Exp. Recaero à Verniolle) ainsi que des visites
    # d'établissements (collèges) à l'attention de chefs d'entreprises. »
    ("visite_entreprise", "akzo nobel", "Pamiers"),
    ("immersion_enseignants", "recaero", "Verniolle"),
    ("visite_etablissement", None, None),
])
def test_clee_ariege_actions(type_: str, partner: str | None, commune: str | None) -> None:
    types = _types(one("clee", "ariege"))
    assert type_ in types, f"types d'actions du CLEE de l'Ariège : {sorted(types)}"
    if partner is None:
        return
    company = one("partenaire", partner)
    actions = [a for a in types[type_] if company.id in a.texts("partenaires")]
    assert actions, f"aucune action {type_} du CLEE de l'Ariège avec {company.nom}"
    places = text_of(company, "sites") + " " + " ".join(text_of(a, "lieux") for a in actions)
    assert mentions(places, commune), f"{commune} absente des lieux de {company.nom}"


# --------------------------------------------------------------------------- CMQ

CMQ = [
    # SOURCES, CMQ table: (words of the nom, académie, établissement support UAI or None)
    (("aeronautique", "spatial"), "toulouse", "0312686b"),  # Lycée polyvalent Saint-Exupéry, Blagnac
    (("herec|habitat energies renouvelables",), "montpellier", "0300026r"),  # Lycée Dhuoda, Nîmes
    (("process", "milieux sensibles"), "montpellier", "0300950v"),  # Lycée Albert Einstein, Bagnols
    (("design", "industries creatives"), "montpellier", "0300027s"),  # Lycée Ernest Hemingway, Nîmes
    (("btp|batiment", "numerique"), "toulouse", "0320067z"),  # Lycée Le Garros, Auch
    (("tourisme", "pyreneen|pyrenees"), "toulouse", None),  # « seat at the centre universitaire de Foix »
    (("industrie du futur",), "toulouse", "0120006s"),  # Lycée La Découverte, Decazeville
    (("foret", "bois"), "toulouse", "0120096p"),  # Lycée des métiers du bois et de l'habitat, Aubin
]
CMQ_IDS = [" ".join(c[0]) for c in CMQ]


@pytest.mark.parametrize(("words", "academie", "support"), CMQ, ids=CMQ_IDS)
def test_cmq_academie_and_support(words: tuple[str, ...], academie: str, support: str | None) -> None:
    cmq = one("cmq", *words)
    assert cmq.get("academie") == academie
    assert cmq.get("etablissement_support") == support
    if support is not None:
        school(support)


def test_eight_distinct_cmq() -> None:
    ids = {one("cmq", *words).id for words, _, _ in CMQ}
    assert len(ids) == 8, ids


def test_cmq_tourisme_pyreneen_seat_in_foix() -> None:
    # SOURCES: Tourisme pyrénéen — « seat at the centre universitaire de Foix »
    cmq = one("cmq", "tourisme", "pyreneen|pyrenees")
    assert mentions(text_of(cmq, "siege"), "foix"), cmq.get("siege")


@pytest.mark.parametrize(("words", "expected"), [
    # SOURCES: « labelled 2016; excellence (among the first, 6 February 2020) »
    (("aeronautique", "spatial"), {"annee": 2016, "excellence": True, "date_excellence": "2020-02-06"}),
    # SOURCES: « excellence; label renewed for five years (COS of 21 November 2025) »
    (("herec|habitat energies renouvelables",), {"excellence": True, "renouvellement": "2025-11-21", "duree_ans": 5}),
    # SOURCES: « labelled February 2017 » (toulemploi page)
    (("design", "industries creatives"), {"annee": 2017}),
    (("btp|batiment", "numerique"), {"annee": 2017}),
    (("tourisme", "pyreneen|pyrenees"), {"annee": 2017}),
    # SOURCES: Industrie du futur « since September 2017 »
    (("industrie du futur",), {"annee": 2017}),
], ids=["aeronautique", "herec", "design", "btp", "tourisme", "industrie-du-futur"])
def test_cmq_label(words: tuple[str, ...], expected: dict[str, Any]) -> None:
    cmq = one("cmq", *words)
    label = {key: cmq.get("label", key) for key in expected}
    assert label == expected
    date = cmq.get("label", "date")
    if expected.get("annee") and date is not None:
        assert str(date).startswith(str(expected["annee"])), date


@pytest.mark.parametrize(("words", "secteur"), [
    # The campus's own name is its sector (SOURCES, CMQ table).
    (("aeronautique", "spatial"), "aeronautique_spatial"),
    (("design", "industries creatives"), "design_industries_creatives"),
    (("btp|batiment", "numerique"), "btp_habitat"),
    (("tourisme", "pyreneen|pyrenees"), "tourisme"),
    (("industrie du futur",), "industrie"),
    (("foret", "bois"), "bois_foret"),
], ids=["aeronautique", "design", "btp", "tourisme", "industrie-du-futur", "foret-bois"])
def test_cmq_secteur(words: tuple[str, ...], secteur: str) -> None:
    assert one("cmq", *words).get("secteur") == secteur


def test_cmq_aeronautique_stage_3e() -> None:
    # SEED: « Le CMQ Aéronautique et Spatial propose aux élèves de 3ème la découverte des organismes de
    # formation et des entreprises partenaires »
    actions = organised_by("action", one("cmq", "aeronautique", "spatial"))
    assert any("3e" in a.texts("public", "niveaux") for a in actions), [a.id for a in actions]


def test_cmq_industrie_du_futur_segpa() -> None:
    # SEED: « Le CMQ Industrie du Futur propose également à des jeunes de 3ème SEGPA d'un collège de
    # l'Aveyron un parcours de découverte d'entreprises, d'un CFA et du lycée de Decazeville. »
    # The lycée of Decazeville is La Découverte, 0120006S (Annuaire; SOURCES: support of the campus).
    actions = [a for a in organised_by("action", one("cmq", "industrie du futur"))
               if "3e_segpa" in a.texts("public", "niveaux")]
    assert actions, "aucune action du CMQ Industrie du futur pour des 3e SEGPA"
    assert any("12" in a.texts("departements") for a in actions)
    assert any("0120006s" in a.texts("etablissements") for a in actions)


@pytest.mark.parametrize(("kind", "words"), [
    # SOURCES: « Unverified leads (gaps, not facts): campus "Transition énergétique" and "Gastronomie,
    # hôtellerie, tourisme" […]; a campus "Eau" at Lycée Pablo Picasso, Perpignan » ;
    # « Unverified lead: Indusnum@eco-innov at Lycée Pablo Picasso » — not entities of the registry.
    # The Additions attest the first two in the press kit of 2016, without their académie (a required field):
    # they stay out of cmq/, recorded in a note of reseau.yaml; the « eau » campus has no attested label.
    ("cmq", "transition energetique"),
    ("cmq", "gastronomie"),
    ("cmq", "eau"),
    ("pft", "indusnum"),
])
def test_unverified_leads_are_not_entities(kind: str, words: str) -> None:
    assert registry().of_kind(kind), f"aucun {kind} dans le registre"
    leads = [e.id for e in registry().of_kind(kind) if mentions(e.nom, words)]
    assert not leads, f"piste non vérifiée décrite comme un fait : {leads}"


# --------------------------------------------------------------------------- PFT

PFT = [
    # SOURCES: « 3D INNOV: seat Lycée Jean-Baptiste Dumas, Alès (0300002P), with the IUT de Nîmes »
    (("3d innov",), "0300002p", None),
    # SOURCES: « MEC@INNOV: seat Lycée Jean Moulin, Béziers (0340011C) »
    (("mec innov",), "0340011c", None),
    # SOURCES: « PFT 11-66 (Aude – Pyrénées-Orientales): animated from Lycée Jules Fil, Carcassonne (0110007Y) »
    (("11 66|aude pyrenees orientales",), "0110007y", ["11", "66"]),
]


@pytest.mark.parametrize(("words", "support", "departements"), PFT, ids=["3d-innov", "mec-innov", "11-66"])
def test_pft(words: tuple[str, ...], support: str, departements: list[str] | None) -> None:
    pft = one("pft", *words)
    # All three are in the académie de Montpellier (UAI 030…, 034…, 011…; « No PFT of the académie
    # de Toulouse is documented »).
    assert pft.get("academie") == "montpellier"
    assert pft.get("etablissement_support") == support
    school(support)
    if departements is not None:
        assert sorted(pft.texts("departements")) == departements


def test_pft_3d_innov_with_iut_de_nimes() -> None:
    # SOURCES: « 3D INNOV: seat Lycée Jean-Baptiste Dumas, Alès (0300002P), with the IUT de Nîmes »
    pft = one("pft", "3d innov")
    named = [registry().get(t) for t in targets(pft)]
    assert any(e is not None and mentions(e.nom, "iut") and mentions(e.nom, "nimes") for e in named), \
        f"l'IUT de Nîmes n'est pas relié à 3D INNOV : {sorted(targets(pft))}"


def test_lycee_jean_moulin_secondary_uai() -> None:
    # SOURCES: « A lycée polyvalent often has several UAIs (e.g. Jean Moulin, Béziers: 0340011C and its
    # professional section 0340013E). »
    assert "0340013e" in {u.lower() for u in school("0340011c").texts("uai_secondaires")}


# --------------------------------------------------------------------------- partners

PARTNERS = [
    # (words of the nom, type) — SEED names the companies; DESIGN: « a company, business club, […]
    # professional body (MEDEF, UIMM), public body (CNES) »
    ("airbus", "entreprise"),
    ("thales", "entreprise"),  # « Thalès » in the seed
    ("cnes|centre national d etudes spatiales", "organisme_public"),
    ("medef|mouvement des entreprises de france", "organisation_professionnelle"),
    ("uimm|union des industries et metiers de la metallurgie", "organisation_professionnelle"),
    ("akzo nobel", "entreprise"),
    ("recaero", "entreprise"),
    # SOURCES (Additions): the signatories of the CLEE of Nîmes (2016)
    ("chambre de commerce et d industrie de nimes|cci de nimes", "chambre_consulaire"),
    ("leroy merlin", "entreprise"),
    ("sabena technics", "entreprise"),
]


@pytest.mark.parametrize(("words", "type_"), PARTNERS, ids=[p[0].split("|")[0] for p in PARTNERS])
def test_partner(words: str, type_: str) -> None:
    assert one("partenaire", words).get("type") == type_


def test_cnes_siret() -> None:
    # SOURCES: « the CNES (SIRET 77566591200082) »
    cnes = one("partenaire", "cnes|centre national d etudes spatiales")
    if cnes.get("siret") is not None:
        assert cnes.get("siret") == "77566591200082"
    if cnes.get("siren") is not None:
        assert cnes.get("siren") == "775665912"


def test_cnes_convention() -> None:
    # SOURCES: « A partnership agreement N° CNES/90552 links the académie de Toulouse (rectorat, SIRET
    # 17310430800015) and the CNES (SIRET 77566591200082). »
    cnes = one("partenaire", "cnes|centre national d etudes spatiales")
    partnerships = [p for p in registry().of_kind("partenariat") if cnes.id in p.texts("partenaires")]
    assert partnerships, "aucun partenariat avec le CNES"
    assert any(mentions(p.get("convention", "reference", default=""), "cnes 90552") for p in partnerships), \
        [p.get("convention") for p in partnerships]
    for rectorat in [p for p in registry().of_kind("partenaire") if mentions(p.nom, "rectorat")]:
        if rectorat.get("siret") is not None and mentions(rectorat.nom, "toulouse"):
            assert rectorat.get("siret") == "17310430800015"


def test_airbus_thales_partnership_run_by_ipe() -> None:
    # SEED: « Airbus et Thalès ont pu accueillir des élèves […] Les IPE (Ingénieurs Pour l'École) de ces
    # deux entreprises en ont assuré l'organisation. »
    airbus, thales = one("partenaire", "airbus"), one("partenaire", "thales")
    found = [p for p in registry().of_kind("partenariat") if {airbus.id, thales.id} <= set(p.texts("partenaires"))]
    assert found, "aucun partenariat avec Airbus et Thales"
    assert any(mentions(text_of(p, "animation", "description"), "ipe|ingenieurs pour l ecole") for p in found)


# --------------------------------------------------------------------------- numbers of the seed

def _partner_ids(*words: str) -> set[str]:
    return {one("partenaire", w).id for w in words}


def _rectorat_or_drafpica(action: Entity) -> bool:
    ids = actors(action)
    if network().id in ids:
        return True  # the mission, carried by the DRAFPICA
    return any(e is not None and mentions(e.nom, "rectorat|drafpica") for e in map(registry().get, ids))


NUMBERS = {
    # SEED: « Airbus et Thalès ont pu accueillir des élèves des zones rurales, d'éducation prioritaire ou
    # en situation de handicap […] Un peu plus de 350 jeunes ont pu bénéficier de ce dispositif. »
    350: dict(categorie="eleves", precision="au_moins", partners=("airbus", "thales"),
              prioritaires={"rural", "education_prioritaire", "handicap"}),
    # SEED: « le CNES […] a pu offrir à 42 élèves issus de collèges du Tarn-et-Garonne et de la
    # Haute-Garonne, un parcours de découverte »
    42: dict(categorie="eleves", precision="exact", partners=("cnes|centre national d etudes spatiales",),
             departements=["31", "82"]),
    # SEED: « en lien avec le MEDEF et l'UIMM […] élèves n'ayant pas pu trouver un stage par leurs propres
    # moyens ou […] en situation de décrochage. Cette expérimentation a été initiée cette année sur 2
    # départements, les Hautes-Pyrénées et la Haute-Garonne, 60 élèves sont concernés. » (« cette année »:
    # the page's school year, 2022-2023, that of its news of April 2023)
    60: dict(categorie="eleves", precision="exact",
             partners=("medef|mouvement des entreprises de france",
                       "uimm|union des industries et metiers de la metallurgie"),
             departements=["31", "65"], prioritaires={"sans_stage", "decrochage"}, annee="2022-2023"),
    # SEED: « la DRAFPICA organise également un parcours de découverte des différents services au sein du
    # rectorat de Toulouse [pour des] jeunes issus de quartiers prioritaires […] Cette année, 4 élèves ont
    # postulé. » → candidates, QPV.
    4: dict(categorie="candidats", precision="exact", rectorat=True, prioritaires={"qpv"}, annee="2022-2023"),
}


def _unmet(action: Entity, beneficiaire: dict[str, Any], facts: dict[str, Any]) -> list[str]:
    unmet = []
    if beneficiaire.get("categorie") != facts["categorie"]:
        unmet.append(f"catégorie {beneficiaire.get('categorie')} ≠ {facts['categorie']}")
    if beneficiaire.get("precision", "exact") != facts["precision"]:
        unmet.append(f"précision {beneficiaire.get('precision', 'exact')} ≠ {facts['precision']}")
    if "partners" in facts:
        missing = _partner_ids(*facts["partners"]) - actors(action)
        if missing:
            unmet.append(f"partenaires ou organisateurs sans {sorted(missing)}")
    if facts.get("rectorat"):
        if not _rectorat_or_drafpica(action):
            unmet.append("ni la DRAFPICA (réseau) ni le rectorat parmi les organisateurs")
        if not mentions(text_of(action, "nom", "description"), "rectorat"):
            unmet.append("le rectorat n'est pas nommé")
    if "departements" in facts and sorted(action.texts("departements")) != facts["departements"]:
        unmet.append(f"départements {sorted(action.texts('departements'))} ≠ {facts['departements']}")
    if not facts.get("prioritaires", set()) <= set(action.texts("public", "publics_prioritaires")):
        unmet.append(f"publics prioritaires {action.texts('public', 'publics_prioritaires')} sans "
                     f"{sorted(facts['prioritaires'])}")
    if "annee" in facts and action.get("annee_scolaire") != facts["annee"]:
        unmet.append(f"année {action.get('annee_scolaire')} ≠ {facts['annee']}")
    return unmet


@pytest.mark.parametrize("nombre", sorted(NUMBERS, reverse=True))
def test_seed_number_is_a_beneficiary_count(nombre: int) -> None:
    facts = NUMBERS[nombre]
    candidates = [(a, b) for a in registry().of_kind("action") for b in a.items("beneficiaires")
                  if isinstance(b, dict) and b.get("nombre") == nombre]
    assert candidates, f"aucune action n'a {nombre} bénéficiaires"
    reasons = {a.id: _unmet(a, b, facts) for a, b in candidates}
    assert any(not r for r in reasons.values()), reasons


# --------------------------------------------------------------------------- events

EVENTS = [
    # (date, school year, type) — SEED: « 5 avril 2023 : « Conversations gersoises ». Trois tables rondes »
    ("2023-04-05", "2022-2023", "tables_rondes"),
    # SEED: « 6 avril 2023 : « Attractivité des métiers et égalité des chances […] », événement »
    ("2023-04-06", "2022-2023", None),
    # SEED: « 21 avril 2023 : Rencontre Écoles-Entreprises […] à Foix »
    ("2023-04-21", "2022-2023", "rencontre"),
    # SOURCES: Bassin de Thau « installed on 18 October 2024 at Maison Noilly-Prat, Marseillan »
    ("2024-10-18", "2024-2025", "installation"),
    # SOURCES: Gard rhodanien – Uzège « first plenary on 7 November 2024 at Lycée Albert Einstein »
    ("2024-11-07", "2024-2025", "pleniere"),
    # SOURCES: Forêt-Bois « inaugurated 5 November 2024, the 13th campus of Occitanie »
    ("2024-11-05", "2024-2025", "inauguration"),
    # SOURCES: Gard rhodanien – Uzège « plenary of 24 November 2025 in Saint-Gervais »
    ("2025-11-24", "2025-2026", "pleniere"),
    # SOURCES (Additions): the Rencontres jeunes entreprises of Bagnols-sur-Cèze, « 7th edition, 1 Feb 2025 »
    ("2025-02-01", "2024-2025", None),
]


def _on(date: str) -> list[Entity]:
    events = [e for e in registry().of_kind("evenement") if e.get("date") == date]
    assert events, f"aucun événement le {date}"
    return events


@pytest.mark.parametrize(("date", "annee", "type_"), EVENTS, ids=[e[0] for e in EVENTS])
def test_event_date_and_school_year(date: str, annee: str, type_: str | None) -> None:
    events = _on(date)
    assert len(events) == 1, [e.id for e in events]
    assert events[0].get("annee_scolaire") == annee
    if type_ is not None:
        assert events[0].get("type") == type_


def test_conversations_gersoises() -> None:
    # SEED: « 5 avril 2023 : « Conversations gersoises ». Trois tables rondes ont été organisées. »
    event = one("evenement", "conversations gersoises")
    assert event.get("date") == "2023-04-05"
    assert norm_set(event.texts("themes")) == norm_set([
        "Stages de 3ème et PFMP (bac pro ou BTS)",
        "Métiers en tension et besoins des entreprises",
        "Carte des formations : adaptation et évolution",
    ])
    assert "32" in event.texts("departements")  # « gersoises »: the Gers


def test_stage_decouverte_premiere_clef_du_succes() -> None:
    # SEED: « 6 avril 2023 : « Attractivité des métiers et égalité des chances : le stage découverte, 1ère
    # clef du succès ? », événement impulsé par Monsieur le recteur de l'académie de Toulouse »
    event = one("evenement", "attractivite des metiers", "stage decouverte", "1ere clef du succes")
    assert event.get("date") == "2023-04-06"
    organiser = text_of(event, "organise_par") + " " + " ".join(
        e.nom for e in map(registry().get, event.texts("organisateurs")) if e is not None)
    assert mentions(organiser, "recteur|rectorat") and mentions(organiser, "toulouse"), organiser


def test_rencontre_foix() -> None:
    # SEED: « 21 avril 2023 : Rencontre Écoles-Entreprises organisée par Monsieur l'inspecteur d'académie
    # de l'Ariège à Foix : » (four themes)
    (event,) = _on("2023-04-21")
    assert mentions(event.nom, "rencontre")
    assert mentions(event.get("lieu", "commune", default=""), "foix")
    assert event.get("lieu", "departement") == "09"
    assert mentions(text_of(event, "organise_par"), "ariege")
    assert norm_set(event.texts("themes")) == norm_set([
        "État de l’emploi et de l’orientation des élèves en Ariège",
        "Bilan des actions pour renforcer les liens entre les personnels de l’Éducation nationale et les entreprises",
        "Perspectives pour fluidifier la découverte du monde du travail par les jeunes",
        "Évolutions règlementaires et nouvelle politique de l’apprentissage",
    ])


@pytest.mark.parametrize(("date", "kind", "words"), [
    ("2024-10-18", "clee", ("thau",)),
    ("2024-11-07", "clee", ("gard rhodanien",)),
    ("2025-11-24", "clee", ("gard rhodanien",)),
    ("2024-11-05", "cmq", ("foret", "bois")),
], ids=["thau", "gard-rhodanien-2024", "gard-rhodanien-2025", "foret-bois"])
def test_event_linked_to_its_structure(date: str, kind: str, words: tuple[str, ...]) -> None:
    # SOURCES: each dated event is that of a named CLEE or campus.
    structure = one(kind, *words)
    linked = [e.id for e in _on(date) if structure.id in targets(e)]
    assert linked, f"l'événement du {date} ne référence pas {structure.id}"


@pytest.mark.parametrize(("date", "commune", "etablissement"), [
    # SOURCES: « installed on 18 October 2024 at Maison Noilly-Prat, Marseillan »
    ("2024-10-18", "Marseillan", None),
    # SOURCES: « first plenary on 7 November 2024 at Lycée Albert Einstein, Bagnols-sur-Cèze »
    ("2024-11-07", "Bagnols-sur-Cèze", "0300950v"),
    # SOURCES: « plenary of 24 November 2025 in Saint-Gervais »
    ("2025-11-24", "Saint-Gervais", None),
], ids=["marseillan", "bagnols", "saint-gervais"])
def test_event_place(date: str, commune: str, etablissement: str | None) -> None:
    (event,) = _on(date)
    at_school = etablissement is not None and etablissement in event.texts("etablissements")
    assert at_school or mentions(event.get("lieu", "commune", default=""), commune), event.get("lieu")
    if date == "2024-10-18":
        assert mentions(text_of(event, "lieu"), "noilly prat"), event.get("lieu")


def test_pleniere_2025_viticulture() -> None:
    # SOURCES: « plenary of 24 November 2025 in Saint-Gervais, yearly theme viticulture »
    (event,) = _on("2025-11-24")
    assert mentions(text_of(event, "nom", "description", "themes"), "viticulture")


# --------------------------------------------------------------------------- schools vs the Annuaire

def test_every_uai_is_in_the_annuaire() -> None:
    # SOURCES: « Data file: Annuaire de l'éducation, Occitanie extract » ; DESIGN: an établissement's id
    # is its UAI in lower case. Names are the official `Nom_etablissement`.
    with ANNUAIRE.open(encoding="utf-8-sig", newline="") as handle:
        rows = {r["Identifiant_de_l_etablissement"].upper(): r for r in csv.DictReader(handle, delimiter=";")}
    academies = {"16": "toulouse", "11": "montpellier"}
    schools = registry().of_kind("etablissement")
    assert schools, "aucun établissement dans le registre"
    bad: list[str] = []
    for entity in schools:
        uai = entity.id.upper()
        row = rows.get(uai)
        if row is None:
            bad.append(f"{entity.id}: UAI {MISSING}")
            continue
        if entity.nom != row["Nom_etablissement"]:
            bad.append(f"{entity.id}: nom « {entity.nom} » ≠ « {row['Nom_etablissement']} »")
        if str(entity.get("uai", default="")).upper() != uai:
            bad.append(f"{entity.id}: uai {entity.get('uai')} ≠ {uai}")
        if entity.get("departement") != row["Code_departement"][-2:]:
            bad.append(f"{entity.id}: département {entity.get('departement')} ≠ {row['Code_departement']}")
        if entity.get("academie") != academies.get(row["Code_academie"]):
            bad.append(f"{entity.id}: académie {entity.get('academie')} ≠ code {row['Code_academie']}")
        for secondary in entity.texts("uai_secondaires"):
            other = rows.get(secondary.upper())
            if other is None:
                bad.append(f"{entity.id}: UAI secondaire {secondary} {MISSING}")
            elif other["etablissement_mere"] and other["etablissement_mere"].upper() != uai:
                bad.append(f"{entity.id}: {secondary} dépend de {other['etablissement_mere']}, pas de {uai}")
            elif other["Code_commune"] != row["Code_commune"]:
                bad.append(f"{entity.id}: {secondary} est dans une autre commune ({other['Nom_commune']})")
    for ref in registry().references:
        target = registry().get(ref.target_id)
        is_school = target.kind.name == "etablissement" if target is not None else ref.kinds == ("etablissement",)
        if is_school and ref.target_id.upper() not in rows:
            bad.append(f"{ref.source.id} → {ref.target_id}: UAI {MISSING}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("uai", ["0312686b", "0300026r", "0300950v", "0300027s", "0320067z", "0120006s",
                                 "0120096p", "0300002p", "0340011c", "0110007y"])
def test_support_school_present(uai: str) -> None:
    # SOURCES: the UAIs of the CMQ and PFT supports (tables above); academy from the UAI's département.
    entity = school(uai)
    expected = "toulouse" if uai[:3] in ("009", "012", "031", "032", "046", "065", "081", "082") else "montpellier"
    assert entity.get("academie") == expected
    assert entity.get("departement") == uai[1:3]


# --------------------------------------------------------------------------- sources checked again (2026-11-30)
# SOURCES, « Additions (checked 2026-11-30) »: each fact is credited to the page that states it, a gap never
# says a source is silent when it is not, and a status read on one date is not given as today's.

MINISTERE_ESR = "enseignementsup-recherche.gouv.fr/fr/les-etablissements-d-enseignement-superieur"
ANNUAIRE_URL = "data.education.gouv.fr/explore/dataset/fr-en-annuaire-education"


def test_recteur_region_academique_credited_to_the_ministry() -> None:
    # SOURCES: « La rectrice de l'académie de Montpellier est rectrice de la région académique. » — Ministère
    # de l'Enseignement supérieur et de la Recherche ; the Annuaire gives académies and départements only.
    note = note_at(network(), MINISTERE_ESR)
    assert mentions(note, "recteur|rectrice") and mentions(note, "montpellier"), note
    annuaire = note_at(network(), ANNUAIRE_URL)
    assert not mentions(annuaire, "montpellier est recteur"), annuaire


def test_cmq_aeronautique_excellence_credited_to_ut2j() -> None:
    # SOURCES: « décerné par le Ministère de l'Education et de la Jeunesse à 23 lauréats, dont trois sur
    # l'Académie de Toulouse. L'IUT de Blagnac fait partie des labellisés dans la filière aéronautique et
    # spatiale » ; « Parmi les 23 premiers lauréats annoncés le 6 février » — Université Toulouse – Jean
    # Jaurès, published 25 Feb 2020; the excellence of February 2020 comes from this page, not the two others.
    cmq = one("cmq", "aeronautique", "spatial")
    assert cmq.get("label", "date_excellence") == "2020-02-06"
    (source,) = sources_at(cmq, "univ-tlse2.fr")
    assert source.get("date") == "2020-02-25"
    assert mentions(source.get("note", ""), "6 fevrier") and mentions(source.get("note", ""), "excellence")
    for address in ("laregion.fr", "entreprises-occitanie.com"):
        assert not mentions(note_at(cmq, address), "6 fevrier"), address


def test_cmq_tourisme_pyreneen_sources() -> None:
    # SOURCES: départements « Il s'étend sur les départements de l'Ariège, de la Haute-Garonne et des
    # Hautes-Pyrénées » (ToulEmploi, 20 Mar 2017) ; « depuis sa création le 27 juin 2017 » (Azinat) ; the
    # seat: « le changement du siège social du Campus … qui désormais s'installe à Foix, sur le site du centre
    # universitaire de l'Ariège » (GNI Occitanie).
    cmq = one("cmq", "tourisme", "pyreneen|pyrenees")
    assert sorted(cmq.texts("departements")) == ["09", "31", "65"]
    assert gap(cmq, "departements") is None, "les départements sont donnés par ToulEmploi : pas de manque"
    toulemploi = note_at(cmq, "toulemploi.fr")
    assert mentions(toulemploi, "ariege") and mentions(toulemploi, "hautes pyrenees"), toulemploi
    assert mentions(note_at(cmq, "gni-hcr.fr"), "foix")
    assert mentions(note_at(cmq, "azinat.com"), "27 juin 2017")
    assert mentions(text_of(cmq, "description", "label"), "27 juin 2017")


def test_cmq_industrie_du_futur_excellence_2020() -> None:
    # SOURCES: « Le Campus est né en 2017 autour d'une association. En 2020 il est devenu campus d'excellence
    # et a obtenu un programme d'investissement avenir » — Mécanic Vallée (undated). The month is not given.
    cmq = one("cmq", "industrie du futur")
    assert cmq.get("label", "excellence") is True
    assert gap(cmq, "label.excellence") is None, "la mention excellence est attestée : pas de manque"
    assert not str(cmq.get("label", "date_excellence", default="2020")).startswith(("2017", "2018", "2019", "2021"))
    note = note_at(cmq, "mecanicvallee.com/decazeville-dans-10-ans")
    assert mentions(note, "2020") and mentions(note, "excellence"), note


DAYFR_FORET_BOIS = "news.dayfr.com/local/3898371"
AC_TOULOUSE_FORET_BOIS = "ac-toulouse.fr/le-recteur-inaugure-le-campus-des-metiers-et-des-qualifications-bois-et-foret"


def test_inauguration_foret_bois_place_and_inaugurator() -> None:
    # SOURCES: « … a inauguré un nouveau campus des métiers et des qualifications, le CMQ Forêt-Bois, au lycée
    # des métiers du Bois et de l'Habitat de Aubin, en Aveyron. » (the recteur de l'académie de Toulouse
    # inaugurated it; he did not organise an event) — Académie de Toulouse, post of 5 Nov 2024.
    (event,) = _on("2024-11-05")
    assert mentions(event.get("lieu", "commune", default=""), "aubin"), event.get("lieu")
    assert event.get("lieu", "departement") == "12"
    assert "0120096p" in event.texts("etablissements")
    assert gap(event, "lieu") is None, "le lieu est donné par la page de l'académie : pas de manque"
    organiser = text_of(event, "organise_par") + " " + " ".join(
        e.nom for e in map(registry().get, event.texts("organisateurs")) if e is not None)
    assert not mentions(organiser, "recteur|rectorat"), f"le recteur inaugure, il n'organise pas : {organiser}"
    assert mentions(text_of(event, "description"), "recteur"), "qui a inauguré le campus"


def test_foret_bois_inauguration_is_not_a_label() -> None:
    # SOURCES: the campus was « inaugurated 5 November 2024 »: an inauguration, not a label. The schema's
    # place for an inauguration is an event of type inauguration; the label date stays unknown.
    cmq = one("cmq", "foret", "bois")
    assert cmq.get("label", "date") != "2024-11-05", "la date d'inauguration n'est pas une date de label"
    assert gap(cmq, "label.annee") is not None or gap(cmq, "label.date") is not None, "date du label inconnue"
    (event,) = _on("2024-11-05")
    assert event.get("type") == "inauguration" and cmq.id in targets(event)


def test_thirteenth_campus_credited_to_the_page_that_says_it() -> None:
    # SOURCES: « Le 13ème campus des métiers et qualifications de la filière forêt et bois Occitanie a été
    # inauguré mardi 5 novembre 2024 » — news.dayfr.com/local/3898371.html (aggregator), not the académie page.
    (event,) = _on("2024-11-05")
    for entity in (one("cmq", "foret", "bois"), event, network()):
        assert mentions(note_at(entity, DAYFR_FORET_BOIS), "13eme"), entity.id
        for source in sources_at(entity, AC_TOULOUSE_FORET_BOIS):
            assert not mentions(source.get("note", ""), "treizieme|13e|13eme"), entity.id


OBJECTIF_GARD_CAMPUS = "objectifgard.com/a-la-une/bagnols-le-campus-des-metiers-un-pole-dexcellence-au-lycee-53719"


def test_groupe_d_et_s_sector() -> None:
    # SOURCES: « … D&S group …, qui compte 120 salariés dans le domaine de l'ingénierie nucléaire. » —
    # Objectif Gard article 53719, already cited for the CMQ of Bagnols.
    partner = one("partenaire", "d s")
    assert partner.get("secteur") is not None and gap(partner, "secteur") is None
    note = note_at(partner, OBJECTIF_GARD_CAMPUS)
    assert mentions(note, "120 salaries") and mentions(note, "ingenierie nucleaire"), note
    assert mentions(text_of(partner, "description"), "ingenierie nucleaire")


def test_first_plenary_gard_rhodanien_attendance_and_partnership() -> None:
    # SOURCES: « une quarantaine de représentants d'institutionnels, d'entreprises, et de directeurs d'écoles »
    # (news.dayfr.com/local/3895583.html) ; « … conclue par la signature du partenariat entre le CLEE et la
    # région académique » (TV Sud, 7 Nov 2024).
    (event,) = _on("2024-11-07")
    assert mentions(text_of(event, "public", "description"), "une quarantaine"), event.get("public")
    assert gap(event, "public") is None, "l'assistance est donnée : pas de manque"
    assert mentions(note_at(event, "news.dayfr.com/local/3895583"), "une quarantaine")
    assert mentions(text_of(event, "description", "themes"), "partenariat") and mentions(
        text_of(event, "description", "themes"), "region academique")
    assert mentions(note_at(event, "tvsudmagazine.fr"), "signature du partenariat")


def test_clee_gard_rhodanien_partnership_2024_and_charter_2025() -> None:
    # SOURCES: 7 Nov 2024, « … conclue par la signature du partenariat entre le CLEE et la région académique »
    # (TV Sud) ; « The signature of the « charte académique » is reported for the plenary of 24 Nov 2025
    # (lycée Albert-Einstein page already cited), not for 2024. »
    clee = one("clee", "gard rhodanien")
    assert clee.get("charte", "signee") is True and clee.get("charte", "date") == "2025-11-24"
    description = text_of(clee, "description")
    assert mentions(description, "partenariat") and mentions(description, "region academique"), description
    assert mentions(note_at(clee, "tvsudmagazine.fr"), "signature du partenariat")
    assert not mentions(note_at(clee, "tvsudmagazine.fr"), "charte academique est signee|signature de la charte")
    assert mentions(note_at(clee, "albert-einstein.mon-ent-occitanie.fr"), "charte academique")


@pytest.mark.parametrize("words", [("3d innov",), ("mec innov",)], ids=["3d-innov", "mec-innov"])
def test_pft_known_as_labelled_in_2015_only(words: tuple[str, ...]) -> None:
    # SOURCES: « La Région Languedoc-Roussillon compte actuellement 2 PFT labellisées : la PFT 3D INNOV […], la
    # PFT MEC@INNOV […] » — PFT Innovalo, post of 18 Apr 2024 reporting a meeting of 13 Oct 2015. « A statement
    # of 2015: it does not establish that either is active today. »
    pft = one("pft", *words)
    (source,) = sources_at(pft, "pft-innovalo.com")
    assert source.get("date") == "2024-04-18"
    assert mentions(source.get("note", ""), "2015") and mentions(source.get("note", ""), "labellisees")
    if pft.statut == "actif":  # the schema has no « unknown » status: then the current one is declared a gap
        assert gap(pft, "statut") is not None and mentions(gap(pft, "statut"), "2015"), "statut actuel à confirmer"
    assert mentions(text_of(pft, "description"), "2015")


def test_cnes_convention_dates_from_its_signatories_time_in_office() -> None:
    # SOURCES: « A partnership agreement N° CNES/90552 links the académie de Toulouse […] and the CNES » ;
    # issue 21: « The CNES convention dates from the signatories' time in office. » The agreement is signed by
    # the recteur of Toulouse (in office from 2008 to July 2013) and the CNES president (in office until
    # 18 March 2013); its preamble cites a convention of 8 March 2007. « actif » today is not established.
    convention = one("partenariat", "cnes 90552")
    assert mentions(text_of(convention, "description"), "2008") and mentions(text_of(convention, "description"), "2013")
    assert mentions(note_at(convention, "doczz.fr/doc/4335408"), "8 mars 2007")
    assert mentions(note_at(convention, "lejournaltoulousain.fr"), "depuis 2008")
    assert mentions(note_at(convention, "journal-aviation.com"), "18 mars")
    if convention.statut == "actif":
        assert gap(convention, "statut") is not None, "rien n'établit que la convention est toujours en vigueur"


def test_spring_2023_statuses_stay_as_observed() -> None:
    # SEED (spring 2023) tells in the past only three actions: « Le CLEE du Tarn-et-Garonne a mis en place un
    # livret d'accueil », « Airbus et Thalès ont pu accueillir », « le CNES […] a pu offrir ». The others are
    # told in the present or as plans (« met en place », « organise », « propose », « en cours
    # d'expérimentation », « se met en place », « envisagées »). Issue 21: « Never turn them into « réalisée »
    # without a source »: they stay as observed in spring 2023, and EEE-R034 (or a statut gap) recalls them.
    done_in_the_seed = _partner_ids("airbus", "thales", "cnes|centre national d etudes spatiales")
    actions = [a for a in registry().of_kind("action") if a.get("annee_scolaire") == "2022-2023"]
    assert actions
    told_in_the_present = [a for a in actions if a.get("type") != "livret_accueil"
                           and not (set(a.texts("partenaires")) | actors(a)) & done_in_the_seed]
    assert told_in_the_present
    done = [a.id for a in told_in_the_present if a.statut not in ("prevue", "en_cours")]
    assert not done, f"statuts changés sans source : {done}"


def test_cmq_milieux_sensibles_coorganises_the_rencontres_jeunes_entreprises() -> None:
    # SOURCES: « organisée par le Collectif et le Campus des métiers et des qualifications » — Objectif Gard,
    # updated 01.02.2025 (7th edition, 1 Feb 2025) ; 2024 edition « organisée par Le Collectif et le Campus
    # des métiers et des qualifications du lycée Einstein de Bagnols ». « The CMQ hosted at lycée Einstein is
    # Processus et technologies en milieux sensibles. » What exists: the CLEE's rencontres of February 2026.
    cmq = one("cmq", "process", "milieux sensibles")
    (event,) = _on("2025-02-01")
    assert cmq.id in event.texts("organisateurs")
    assert mentions(text_of(event, "nom", "description"), "rencontres jeunes entreprises")
    assert mentions(text_of(event, "nom", "description"), "7e")
    assert mentions(text_of(event, "organise_par", "description"), "collectif")
    assert mentions(event.get("lieu", "commune", default=""), "bagnols sur ceze")
    assert mentions(note_at(event, "rencontres-jeunes-entreprises-141444"), "organisee par le collectif")
    assert mentions(note_at(event, "se-rencontrer-le-3-fevrier-121616"), "lycee einstein")
    # one edition, one entity: the rencontres of February 2026 stay the CLEE's action, and say who organised 2025
    later = [a for a in registry().of_kind("action") if mentions(a.nom, "rencontres jeunes entreprises")]
    assert later and all(a.get("annee_scolaire") == "2025-2026" for a in later), [a.id for a in later]
    assert any(mentions(note_at(a, "rencontres-jeunes-entreprises-141444"), "collectif") for a in later)


def test_cmq_milieux_sensibles_2016_credited_to_the_press_kit() -> None:
    # SOURCES: « 2016: « Les 5 Campus des métiers et des qualifications de la région académique
    # Languedoc-Roussillon-Midi-Pyrénées »: aéronautique et spatial; transition énergétique; process et
    # technologies en milieux sensibles; […] » — ministry press kit of 15 Apr 2016 ; the Objectif Gard
    # article 53719 is undated: it gives the support school, not the year.
    cmq = one("cmq", "process", "milieux sensibles")
    (kit,) = sources_at(cmq, "frdocs.com/doc/1807921")
    assert kit.get("date") == "2016-04-15" and mentions(kit.get("note", ""), "milieux sensibles")
    assert not mentions(note_at(cmq, OBJECTIF_GARD_CAMPUS), "2016")


def test_cmq_herec_listed_in_2016() -> None:
    # SOURCES: the ministry press kit of 15 Apr 2016 lists « habitat, énergies renouvelables et
    # éco-construction » among « Les 5 Campus des métiers et des qualifications de la région académique ».
    cmq = one("cmq", "herec|habitat energies renouvelables")
    (kit,) = sources_at(cmq, "frdocs.com/doc/1807921")
    assert kit.get("date") == "2016-04-15" and mentions(kit.get("note", ""), "eco construction")
    assert mentions(gap(cmq, "label.annee") or "", "2016")


def test_cmq_btp_departements_gap_says_what_toulemploi_gives() -> None:
    # ToulEmploi, 20 Mar 2017 (SOURCES: « labelled February 2017 »): « Réparti sur quatre départements de
    # l'académie de Toulouse, le CMQ BTP et usages du numérique » — a number, not the names.
    cmq = one("cmq", "btp|batiment", "numerique")
    (source,) = sources_at(cmq, "toulemploi.fr")
    assert source.get("date") == "2017-03-20"
    if not cmq.texts("departements"):
        assert mentions(gap(cmq, "departements") or "", "quatre departements"), gap(cmq, "departements")


def test_clee_nimes_2016_status_unknown_today() -> None:
    # SOURCES: « La Chambre de Commerce et d'Industrie de Nîmes, le Lycée Mistral, Leroy Merlin et la Sabena
    # Technics signaient l'accord de partenariat du Comité Local École Entreprise. » ; « La création du CLEE
    # nîmois en fait le 3ème de l'ancienne région Languedoc-Roussillon » — Objectif Gard, updated 22.03.2016.
    # « Whether it is active today is not known. »
    clee = one("clee", "nimes")
    assert clee.get("academie") == "montpellier" and clee.texts("departements") == ["30"]
    members = {one("partenaire", w).id for w in ("cci de nimes|chambre de commerce", "leroy merlin", "sabena")}
    assert members | {"0300058a"} <= targets(clee), sorted(targets(clee))
    assert mentions(note_at(clee, "objectifgard.com/actualites/nimes-la-cci"), "3eme")
    assert mentions(text_of(clee, "description"), "2016")
    assert clee.get("date_creation") is None or str(clee.get("date_creation")).startswith("2016-03")
    if clee.statut == "actif":  # the schema has no « unknown »: the current status is then a declared gap
        assert gap(clee, "statut") is not None and mentions(gap(clee, "statut"), "2016")


def test_une_trentaine_of_clee_is_a_source_note_not_the_expected_count() -> None:
    # SOURCES: « Ils sont une trentaine à travers l'Académie » (the académie is not named; the Gard is in the
    # académie de Montpellier) is not the seed's 27 for the région: a source note on the expected count, not
    # a new expected figure. SEED: « Les 27 CLEE de l'Occitanie ».
    assert network().get("effectifs_attendus", "clee") == 27
    note = note_at(network(), "news.dayfr.com/local/3895583")
    assert mentions(note, "une trentaine") and mentions(note, "27"), note


def test_cmq_counts_over_time_recorded_and_leads_not_counted() -> None:
    # SOURCES: 2016 « Les 5 Campus […] de la région académique Languedoc-Roussillon-Midi-Pyrénées » (press kit);
    # « La région Occitanie en compte dix » (Objectif Gard) ; the 13th in 2024 ; the « water » CMQ of Perpignan
    # « Not a labelled CMQ: do not add it as one. »
    note = note_at(network(), "frdocs.com/doc/1807921")
    assert mentions(note, "5 campus") and mentions(note, "dix") and mentions(note, "eau"), note
    assert network().get("effectifs_attendus", "cmq") == 13
    assert not [c.id for c in registry().of_kind("cmq") if mentions(text_of(c, "nom", "etiquettes"), "eau|perpignan")]
