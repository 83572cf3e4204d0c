#!/usr/bin/env python3
"""Génère un registre eee synthétique, réaliste et déterministe, pour les mesures de performance.

    python benchmarks/generate.py --entities 20000 --out /tmp/registre [--seed 1] [--errors 0]

Même graine → mêmes octets. Le registre produit est valide (`eee validate` sort en 0, sans
avertissement) quand --errors vaut 0 ; --errors K y injecte K erreurs de codes variés, chacune
dans un fichier différent, sans toucher aux autres fichiers (les erreurs sont tirées avec leur
propre générateur pseudo-aléatoire). Bibliothèque standard seulement : le générateur ne dépend
pas d'eee, il écrit le YAML lui-même (plus rapide que PyYAML, et dans le style du registre livré).

Répartition des types (voir benchmarks/README.md) : 1 reseau.yaml, 1 club, puis, sur le reste,
45 % d'actions, 25 % d'établissements, 15 % de partenaires, 8 % d'événements, 3 % de
partenariats, 2 % de CLEE, 1 % de CMQ et 1 % de PFT (au moins un de chaque).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import textwrap
import time
from pathlib import Path

# --------------------------------------------------------------------------------------------
# Référentiel : les 13 départements de la région académique Occitanie.

DEPARTEMENTS = {
    "09": ("Ariège", "toulouse", ["Foix", "Pamiers", "Saint-Girons", "Lavelanet", "Tarascon-sur-Ariège"]),
    "11": ("Aude", "montpellier", ["Carcassonne", "Narbonne", "Limoux", "Castelnaudary", "Quillan"]),
    "12": ("Aveyron", "toulouse", ["Rodez", "Millau", "Villefranche-de-Rouergue", "Decazeville", "Espalion"]),
    "30": ("Gard", "montpellier", ["Nîmes", "Alès", "Bagnols-sur-Cèze", "Beaucaire", "Le Vigan"]),
    "31": ("Haute-Garonne", "toulouse", ["Toulouse", "Blagnac", "Colomiers", "Muret", "Saint-Gaudens"]),
    "32": ("Gers", "toulouse", ["Auch", "Condom", "Fleurance", "L'Isle-Jourdain", "Mirande"]),
    "34": ("Hérault", "montpellier", ["Montpellier", "Béziers", "Sète", "Lodève", "Lunel"]),
    "46": ("Lot", "toulouse", ["Cahors", "Figeac", "Gourdon", "Souillac", "Gramat"]),
    "48": ("Lozère", "montpellier", ["Mende", "Marvejols", "Langogne", "Florac", "Saint-Chély-d'Apcher"]),
    "65": ("Hautes-Pyrénées", "toulouse", ["Tarbes", "Lourdes", "Bagnères-de-Bigorre", "Lannemezan", "Vic-en-Bigorre"]),
    "66": ("Pyrénées-Orientales", "montpellier", ["Perpignan", "Céret", "Prades", "Argelès-sur-Mer", "Font-Romeu"]),
    "81": ("Tarn", "toulouse", ["Albi", "Castres", "Gaillac", "Graulhet", "Lavaur"]),
    "82": ("Tarn-et-Garonne", "toulouse", ["Montauban", "Castelsarrasin", "Moissac", "Caussade", "Valence"]),
}
DEPT_CODES = list(DEPARTEMENTS)
# Poids grossièrement proportionnels aux effectifs scolaires.
DEPT_WEIGHTS = [2, 4, 3, 8, 16, 2, 12, 2, 1, 3, 5, 4, 3]
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
YEARS = ["2019-2020", "2020-2021", "2021-2022", "2022-2023", "2023-2024", "2024-2025"]
LAST_UPDATE = "2025-10-15"  # aucune date de mise à jour après celle-ci : jamais dans le futur

NATURES = [  # (nature, préfixe du nom, poids)
    ("college", "Collège", 45), ("lycee_general_technologique", "Lycée général et technologique", 10),
    ("lycee_polyvalent", "Lycée polyvalent", 10), ("lycee_professionnel", "Lycée professionnel", 12),
    ("lycee_agricole", "Lycée agricole", 4), ("erea", "EREA", 1), ("cfa", "CFA", 4),
    ("maison_familiale_rurale", "Maison familiale rurale", 3), ("cio", "CIO", 2),
    ("section_enseignement_professionnel", "SEP du lycée", 3),
]
PERSONNALITES = [
    "Jean Jaurès", "Marie Curie", "Pierre de Fermat", "Olympe de Gouges", "Antoine de Saint-Exupéry",
    "Simone Veil", "Clément Ader", "Jules Ferry", "Louise Michel", "Germaine Tillion", "Victor Hugo",
    "Émile Zola", "Françoise Dolto", "Paul Sabatier", "Camille Claudel", "Honoré de Balzac",
    "Aimé Césaire", "Pierre-Paul Riquet", "Joséphine Baker", "Léo Lagrange", "Marcel Pagnol",
    "Gustave Eiffel", "Élisabeth Vigée Le Brun", "Jean Moulin", "Lucie Aubrac", "Henri Matisse",
    "Frédéric Bazille", "Déodat de Séverac", "Toulouse-Lautrec", "Jean-François Champollion",
]
PRENOMS = ["Camille", "Léa", "Hélène", "Chloé", "Zoé", "Amélie", "Océane", "Inès", "Anaïs", "Maëlle",
           "Jérôme", "Benoît", "Frédéric", "Gaël", "Loïc", "Noël", "Raphaël", "Joël", "Théo", "André"]
NOMS = ["Martin", "Bernard", "Dubois", "Lefèvre", "Mercier", "Fabre", "Guérin", "Rouquette", "Sénac",
        "Castéra", "Barthès", "Delmas", "Vidal", "Pélissier", "Aurières", "Bénézech", "Crémieux", "Gaubert"]
FONCTIONS = ["proviseur", "principale", "proviseure adjointe", "directeur délégué aux formations",
             "chargée de mission École-Entreprise", "présidente", "responsable des ressources humaines",
             "secrétaire du CLEE", "chef de travaux", "conseillère principale d'éducation",
             "chargé de relations écoles", "directrice d'agence"]
SECTEURS = [
    ("aeronautique_spatial", "aéronautique et spatial", "Aéro"), ("industrie", "industrie", "Industries"),
    ("energie", "énergie", "Énergies"), ("numerique", "numérique", "Numérique"),
    ("btp_habitat", "bâtiment et travaux publics", "Bâtiment"), ("bois_foret", "forêt et bois", "Bois"),
    ("tourisme", "tourisme", "Tourisme"), ("hotellerie_restauration", "hôtellerie et restauration", "Gastronomie"),
    ("agriculture_viticulture", "agriculture et viticulture", "Vignobles"), ("chimie", "chimie", "Chimie"),
    ("transport_logistique", "transport et logistique", "Logistique"), ("sante_social", "santé et social", "Santé"),
    ("environnement", "environnement", "Environnement"), ("commerce", "commerce", "Commerce"),
]
TYPES_PARTENAIRE = [("entreprise", 70), ("association", 8), ("club_entreprises", 5),
                    ("organisation_professionnelle", 5), ("chambre_consulaire", 4), ("collectivite", 4),
                    ("organisme_public", 2), ("enseignement_superieur", 2)]
FORMES = ["SAS", "SARL", "SA", "Coopérative", "Établissements", "Groupe", "Ateliers", "Société"]
RACINES = ["Pyrène", "Occitane", "Garonne", "Causses", "Cévennes", "Canigou", "Minervois", "Lauragais",
           "Quercy", "Rouergue", "Bigorre", "Albigeois", "Camargue", "Corbières", "Aubrac", "Armagnac",
           "Comminges", "Couserans", "Vallespir", "Larzac", "Méditerranée", "Midi", "Étang", "Thau"]
TYPES_ACTION = [
    ("stage_decouverte", "Stages de découverte"), ("parcours_decouverte", "Parcours de découverte des métiers"),
    ("visite_entreprise", "Visites d'entreprises"), ("visite_etablissement", "Visite d'établissement"),
    ("visite_plateau_technique", "Visite des plateaux techniques"),
    ("immersion_enseignants", "Immersion d'enseignants en entreprise"),
    ("preparation_entretiens", "Préparation aux entretiens de recrutement"),
    ("identite_numerique", "Atelier « identité numérique »"), ("livret_accueil", "Livret d'accueil des stagiaires"),
    ("banque_stages", "Banque de stages"), ("atelier", "Atelier métiers"),
    ("intervention_classe", "Intervention en classe d'un professionnel"), ("forum_metiers", "Forum des métiers"),
]
TYPES_EVENEMENT = [("conference", "Conférence"), ("tables_rondes", "Tables rondes"), ("rencontre", "Rencontre"),
                   ("reunion", "Réunion"), ("pleniere", "Séance plénière"), ("forum", "Forum"),
                   ("signature", "Signature de convention"), ("inauguration", "Inauguration")]
NIVEAUX = ["4e", "3e", "3e_segpa", "2de", "1re", "terminale", "cap", "bac_pro", "bts"]
PUBLICS = ["education_prioritaire", "qpv", "rural", "handicap", "decrochage", "sans_stage"]
THEMES = ["État de l'emploi dans le bassin", "Égalité filles-garçons dans les métiers", "Transition écologique",
          "Métiers en tension", "Apprentissage et alternance", "Numérique et industrie du futur",
          "Accueil des stagiaires de 3e", "Découverte des métiers de l'aéronautique", "Mixité des métiers"]
PHRASES = [
    "Les élèves découvrent les métiers du {secteur} au contact de professionnels de {commune}.",
    "L'action s'appuie sur le réseau des entreprises partenaires du bassin et sur les équipes éducatives.",
    "Chaque élève prépare sa venue avec son professeur principal, puis présente ce qu'il a appris à sa classe.",
    "Les entreprises ouvrent leurs ateliers et présentent leurs filières de formation, du CAP au BTS.",
    "Un bilan est dressé en fin d'année avec les chefs d'établissement et les partenaires économiques.",
    "L'objectif est d'élargir les choix d'orientation et de lever les idées reçues sur les métiers de l'industrie.",
    "Une attention particulière est portée aux élèves de l'éducation prioritaire et des zones rurales.",
    "Les enseignants sont associés à la préparation, et certains ont suivi une immersion d'une journée.",
    "Le calendrier tient compte des périodes d'examens et des contraintes de production des entreprises.",
    "Les trajets sont pris en charge par la collectivité, ce qui permet aux collèges éloignés d'y participer.",
]
SOURCES = [
    "Lettre d'information de la mission École-Entreprise-Économie",
    "Compte rendu de la réunion du CLEE",
    "Bilan annuel de la DRAFPICA",
    "Page « Relations école-entreprise » du site académique",
    "Communiqué de presse de la région académique Occitanie",
    "Ministère de l'Éducation nationale – Annuaire de l'éducation, Licence Ouverte 2.0",
]


# --------------------------------------------------------------------------------------------
# Un petit émetteur YAML : déterministe, rapide, dans le style du registre livré.

class Raw(str):
    """Écrit tel quel, sans guillemets (dates, années scolaires : eee les lit comme du texte)."""


_PLAIN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ][^:#\[\]{},\"\n|>&*!`]*")
_AMBIGUOUS = {"y", "yes", "n", "no", "true", "false", "on", "off", "null", "~"}


def scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Raw):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text == text.strip() and text.lower() not in _AMBIGUOUS:
        return text
    if re.fullmatch(r"[0-9]{7}[a-z]", text):  # identifiant d'établissement : l'UAI en minuscules
        return text
    return json.dumps(text, ensure_ascii=False)  # une chaîne JSON est un scalaire YAML entre guillemets


def emit(data: dict, indent: int = 0) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines.extend(emit(value, indent + 2))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{pad}{key}:")
            for item in value:
                sub = emit(item, indent + 4)
                sub[0] = f"{pad}  - " + sub[0][indent + 4:]
                lines.extend(sub)
        elif isinstance(value, list):
            lines.append(f"{pad}{key}: [{', '.join(scalar(v) for v in value)}]")
        elif isinstance(value, str) and len(value) > 90 and not isinstance(value, Raw):
            lines.append(f"{pad}{key}: >-")
            lines.extend(textwrap.wrap(value, 96, initial_indent=pad + "  ", subsequent_indent=pad + "  ",
                                       break_on_hyphens=False, break_long_words=False))
        else:
            lines.append(f"{pad}{key}: {scalar(value)}")
    return lines


def dump(data: dict) -> str:
    return "\n".join(emit(data)) + "\n"


# --------------------------------------------------------------------------------------------
# Contrôles

def luhn_complete(digits: str) -> str:
    """Ajoute le chiffre qui rend le nombre valide selon Luhn (SIREN, SIRET)."""
    for check in "0123456789":
        total = 0
        for i, ch in enumerate(reversed(digits + check)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits + check
    raise AssertionError


def uai_for(dept: str, number: int) -> str:
    digits = f"0{dept}{number:04d}"
    return digits + UAI_LETTERS[int(digits) % 23]


def de(name: str) -> str:
    """« de Rodez », « d'Alès », « du Vigan »."""
    if name.startswith("Le "):
        return "du " + name[3:]
    return ("d'" if name[:1] in "AEIOUÉÈÂ" else "de ") + name


def slug(text: str) -> str:
    table = str.maketrans("àâäçéèêëîïôöùûüÿœæÀÂÉÈÊÎÔÛÇŒ’'", "aaaceeeeiioouuuyoaaaeeeiouco--")
    text = text.translate(table).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def year_bounds(year: str) -> tuple[int, int]:
    start = int(year[:4])
    return start, start + 1


def date_in_year(rng: random.Random, year: str, earliest_month: int = 9) -> tuple[int, int, int]:
    """Une date de l'année scolaire (septembre à juin, jour 1 à 28)."""
    start, end = year_bounds(year)
    month = rng.choice([9, 10, 11, 12, 1, 2, 3, 4, 5, 6])
    return (start if month >= 9 else end, month, rng.randint(1, 28))


def fmt_date(d: tuple[int, int, int]) -> Raw:
    return Raw(f"{d[0]:04d}-{d[1]:02d}-{d[2]:02d}")


def update_after(rng: random.Random, year: str) -> Raw:
    """Une date de mise à jour après la fin de l'année scolaire, jamais après LAST_UPDATE."""
    _, end = year_bounds(year)
    y = min(end + rng.randint(0, 1), 2025)
    m = rng.randint(7, 10) if y == 2025 else rng.randint(7, 12)
    return Raw(f"{y:04d}-{m:02d}-{rng.randint(1, 28):02d}")


# --------------------------------------------------------------------------------------------
# Générateur

KIND_SHARES = [  # (type, part du total hors reseau et club)
    ("action", 0.45), ("etablissement", 0.25), ("partenaire", 0.15), ("evenement", 0.08),
    ("partenariat", 0.03), ("clee", 0.02), ("cmq", 0.01), ("pft", 0.01),
]
FOLDERS = {"action": "actions", "etablissement": "etablissements", "partenaire": "partenaires",
           "evenement": "evenements", "partenariat": "partenariats", "clee": "clee", "cmq": "cmq", "pft": "pft",
           "club": "club", "reseau": ""}


def counts_for(n: int) -> dict[str, int]:
    if n < 12:
        raise SystemExit("generate.py : --entities doit valoir au moins 12 (un reseau, un club et chaque type)")
    rest = n - 2
    counts = {kind: max(1, int(rest * share)) for kind, share in KIND_SHARES}
    counts["etablissement"] = max(2, counts["etablissement"])
    counts["partenaire"] = max(2, counts["partenaire"])
    counts["action"] += rest - sum(counts.values())  # l'arrondi va aux actions
    return counts


class Generator:
    def __init__(self, n: int, seed: int):
        self.rng = random.Random(seed)
        self.counts = counts_for(n)
        self.entities: list[tuple[str, str, dict]] = []  # (type, chemin relatif, données)
        self.used_ids: set[str] = set()

    def unique(self, base: str) -> str:
        base = base[:70].strip("-")
        ident, k = base, 2
        while ident in self.used_ids:
            ident = f"{base}-{k}"
            k += 1
        self.used_ids.add(ident)
        return ident

    def person(self) -> str:
        return f"{self.rng.choice(PRENOMS)} {self.rng.choice(NOMS)}"

    def contact(self, fonction: str | None = None, org: str | None = None) -> dict:
        nom = self.person()
        c = {"nom": nom, "fonction": fonction or self.rng.choice(FONCTIONS)}
        if org:
            c["organisation"] = org
        c["courriel"] = f"{slug(nom).replace('-', '.')}@exemple.fr"
        c["telephone"] = f"05 {self.rng.randint(10, 99)} {self.rng.randint(10, 99)} {self.rng.randint(10, 99)} " \
                         f"{self.rng.randint(10, 99)}"
        return c  # interne : visibilité par défaut

    def source(self, year: str | None = None, note: bool = True) -> dict:
        s = {"titre": self.rng.choice(SOURCES[:-1])}
        if self.rng.random() < 0.6:
            s["url"] = f"https://www.ac-{self.rng.choice(['toulouse', 'montpellier'])}.fr/ecole-entreprise/" \
                       f"{self.rng.randint(1000, 99999)}"
        if year:
            s["date"] = update_after(self.rng, year)
        if note:
            s["note"] = self.text(self.rng.randint(1, 2))
        return s

    def text(self, sentences: int, **fmt) -> str:
        fmt.setdefault("secteur", self.rng.choice(SECTEURS)[1])
        fmt.setdefault("commune", self.rng.choice(DEPARTEMENTS[self.rng.choice(DEPT_CODES)][2]))
        return " ".join(self.rng.choice(PHRASES).format(**fmt) for _ in range(sentences))

    def add(self, kind: str, data: dict, year: str | None = None) -> None:
        folder = FOLDERS[kind]
        if kind == "reseau":
            path = "reseau.yaml"
        elif year:
            path = f"{folder}/{year}/{data['id']}.yaml"
        else:
            path = f"{folder}/{data['id']}.yaml"
        self.entities.append((kind, path, data))

    # ---- types

    def etablissements(self) -> None:
        rng, self.etabs, self.etabs_by_dept = self.rng, [], {d: [] for d in DEPT_CODES}
        counters = {d: rng.randrange(10000) for d in DEPT_CODES}
        natures, weights = [n[:2] for n in NATURES], [n[2] for n in NATURES]
        for i in range(self.counts["etablissement"]):
            dept = DEPT_CODES[i] if i < 2 else rng.choices(DEPT_CODES, DEPT_WEIGHTS)[0]
            counters[dept] = (counters[dept] + 7919) % 10000  # 7919 premier avec 10 000 : pas de doublon
            uai = uai_for(dept, counters[dept])
            nom_dept, academie, communes = DEPARTEMENTS[dept]
            commune = rng.choice(communes)
            nature, prefix = rng.choices(natures, weights)[0]
            perso = rng.choice(PERSONNALITES)
            data = {
                "id": uai.lower(), "nom": f"{prefix} {perso}", "statut": "ouvert", "uai": uai, "nature": nature,
                "secteur": rng.choices(["public", "prive"], [8, 2])[0], "commune": commune,
                "code_postal": f"{dept}{rng.randint(0, 999):03d}", "departement": dept, "academie": academie,
                "bassin": {"code": f"16{rng.randint(100, 999)}", "nom": f"BASSIN DE {commune.upper()}"},
                "description": f"{prefix} {perso}, {de(commune)} ({nom_dept}). " + self.text(rng.randint(4, 6), commune=commune),
                "site_web": f"https://{slug(prefix + ' ' + perso)}.{academie}.fr/",
                "contacts": [self.contact(org=f"{prefix} {perso}") for _ in range(rng.randint(1, 3))],
                "etiquettes": [slug(nature).replace("-", " "), slug(commune)],
                "sources": [{"titre": SOURCES[-1], "date": Raw("2024-11-26")}],
                "mis_a_jour": Raw("2024-11-26"),
            }
            if nature == "college" and rng.random() < 0.2:
                data["education_prioritaire"] = rng.choice(["REP", "REP+"])
            self.add("etablissement", data)
            self.etabs.append(data["id"])
            self.etabs_by_dept[dept].append(data["id"])
        self.dept_of = {e: e[1:3] for e in self.etabs}

    def partenaires(self) -> None:
        rng, self.partners = self.rng, []
        types, weights = [t[0] for t in TYPES_PARTENAIRE], [t[1] for t in TYPES_PARTENAIRE]
        for _ in range(self.counts["partenaire"]):
            code, label, mot = rng.choice(SECTEURS)
            ptype = rng.choices(types, weights)[0]
            nom = f"{rng.choice(FORMES)} {mot} {rng.choice(RACINES)}" if ptype == "entreprise" else \
                f"{dict(TYPES_PARTENAIRE_LABELS)[ptype]} {rng.choice(RACINES)} {mot}"
            ident = self.unique(slug(nom))
            dept = rng.choices(DEPT_CODES, DEPT_WEIGHTS)[0]
            data = {"id": ident, "nom": nom, "statut": rng.choices(["actif", "en_sommeil"], [19, 1])[0],
                    "type": ptype, "secteur": code}
            if ptype == "entreprise":
                siren = luhn_complete(f"{rng.randint(30000000, 99999999)}")
                data["siren"] = siren
                if rng.random() < 0.5:
                    data["siret"] = luhn_complete(f"{siren}{rng.randint(10, 9999):04d}")
            data["description"] = f"{nom}, acteur de la filière {label} en Occitanie. " + self.text(rng.randint(4, 6), secteur=label)
            data["site_web"] = f"https://www.{ident}.fr/"
            data["sites"] = [{"commune": c, "departement": dept}
                             for c in sorted(set(rng.choices(DEPARTEMENTS[dept][2], k=rng.randint(1, 3))))]
            data["contacts"] = [self.contact(org=nom) for _ in range(rng.randint(1, 2))]
            data["sources"] = [self.source()]
            data["mis_a_jour"] = Raw(f"2025-0{rng.randint(1, 9)}-{rng.randint(10, 28)}")
            self.add("partenaire", data)
            self.partners.append(ident)
        self.referenced_partners: set[str] = set()

    def pick_partners(self, k: int) -> list[str]:
        chosen = self.rng.sample(self.partners, min(k, len(self.partners)))
        self.referenced_partners.update(chosen)
        return chosen

    def clees(self) -> None:
        rng, self.clee_ids = self.rng, []
        populated = [d for d in DEPT_CODES if self.etabs_by_dept[d]]
        for i in range(self.counts["clee"]):
            dept = populated[i % len(populated)]
            nom_dept, academie, communes = DEPARTEMENTS[dept]
            commune = rng.choice(communes)
            ident = self.unique(f"clee-{slug(commune)}")
            pool = self.etabs_by_dept[dept]
            members = rng.sample(pool, min(len(pool), rng.randint(3, 8)))
            partners = self.pick_partners(rng.randint(2, 5))
            data = {
                "id": ident, "nom": f"CLEE {de(commune)}", "statut": rng.choices(["actif", "en_creation"], [9, 1])[0],
                "description": f"Le comité local École-Entreprise {de(commune)} ({nom_dept}) réunit établissements "
                               f"et entreprises du bassin. " + self.text(2, commune=commune),
                "academie": academie, "departements": [dept],
                "territoire": {"bassins": [{"code": f"16{rng.randint(100, 999)}", "nom": f"BASSIN DE {commune.upper()}"}],
                               "communes": sorted(set(rng.sample(communes, 3)))},
                "etablissement_siege": members[0],
                "co_animation": {"etablissement": {"etablissement": members[0], "fonction": "proviseur"},
                                 "partenaire": {"partenaire": partners[0], "fonction": "présidente"}},
                "designation": {"par": f"IA-DASEN {de(nom_dept)}", "date": Raw(f"20{rng.randint(19, 23)}-09-15")},
                "charte": {"signee": True, "date": Raw(f"20{rng.randint(19, 24)}-10-0{rng.randint(1, 9)}")},
                "membres": {"etablissements": members, "partenaires": partners},
                "contacts": [self.contact("secrétaire du CLEE")],
                "sources": [self.source()],
                "mis_a_jour": Raw(f"2025-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"),
            }
            self.add("clee", data)
            self.clee_ids.append(ident)

    def cmqs(self) -> None:
        rng, self.cmq_ids = self.rng, []
        for _ in range(self.counts["cmq"]):
            etab = rng.choice(self.etabs)
            dept = self.dept_of[etab]
            code, label, _ = rng.choice(SECTEURS)
            ident = self.unique(f"cmq-{slug(label)}-{slug(DEPARTEMENTS[dept][0])}")
            year = rng.randint(2014, 2023)
            data = {
                "id": ident, "nom": f"Campus des métiers et des qualifications {label[:1].upper()}{label[1:]}",
                "statut": "actif",
                "description": f"Le campus fédère lycées, CFA, universités et entreprises de la filière {label}. "
                               + self.text(2, secteur=label),
                "academie": DEPARTEMENTS[dept][1], "departements": [dept], "secteur": code,
                "label": {"annee": year, "excellence": rng.random() < 0.4, "duree_ans": 5},
                "etablissement_support": etab,
                "membres": {"etablissements": rng.sample(self.etabs, min(4, len(self.etabs))),
                            "partenaires": self.pick_partners(3)},
                "contacts": [self.contact("directeur opérationnel du campus")],
                "sources": [self.source()],
                "mis_a_jour": Raw(f"2025-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"),
            }
            self.add("cmq", data)
            self.cmq_ids.append(ident)

    def pfts(self) -> None:
        rng, self.pft_ids = self.rng, []
        for _ in range(self.counts["pft"]):
            etab = rng.choice(self.etabs)
            dept = self.dept_of[etab]
            code, label, _ = rng.choice(SECTEURS)
            domaine = rng.choice(["Fabrication additive", "Usinage de précision", "Maintenance des aéronefs",
                                  "Éco-construction", "Génie électrique", "Agroalimentaire"])
            ident = self.unique(f"pft-{slug(domaine)}-{slug(DEPARTEMENTS[dept][2][0])}")
            data = {
                "id": ident, "nom": f"Plateforme technologique {domaine} {de(DEPARTEMENTS[dept][2][0])}",
                "statut": "actif", "description": f"Plateforme {domaine.lower()} ouverte aux PME. " + self.text(1),
                "academie": DEPARTEMENTS[dept][1], "departements": [dept], "domaine": domaine, "secteur": code,
                "etablissement_support": etab, "partenaires": self.pick_partners(2),
                "etablissements": [etab], "contacts": [self.contact()], "sources": [self.source()],
                "mis_a_jour": Raw(f"2025-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"),
            }
            self.add("pft", data)
            self.pft_ids.append(ident)

    def partenariats(self) -> None:
        rng, self.partnership_ids = self.rng, []
        for _ in range(self.counts["partenariat"]):
            theme = rng.choice(TYPES_ACTION)[1]
            nom = f"{theme} avec {rng.choice(RACINES)}"
            ident = self.unique(slug(nom))
            academie = rng.choice(["toulouse", "montpellier"])
            depts = sorted(d for d in DEPT_CODES if DEPARTEMENTS[d][1] == academie)[: rng.randint(1, 4)]
            data = {
                "id": ident, "nom": nom, "statut": rng.choice(["actif", "experimental", "termine"]),
                "type": rng.choice(["convention", "dispositif", "programme"]),
                "description": f"Partenariat régional : {theme.lower()}. " + self.text(2),
                "partenaires": self.pick_partners(rng.randint(1, 4)), "academies": [academie],
                "departements": depts, "animation": f"Mission École-Entreprise-Économie, académie de {academie.title()}",
                "convention": {"reference": f"CONV-{rng.randint(2018, 2024)}-{rng.randint(1, 999):03d}",
                               "date_signature": Raw(f"20{rng.randint(18, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"),
                               "signataires": [f"Recteur de l'académie de {academie.title()}", self.person()]},
                "contacts": [self.contact()], "sources": [self.source()],
                "mis_a_jour": Raw(f"2025-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"),
            }
            self.add("partenariat", data)
            self.partnership_ids.append(ident)

    def organiser(self) -> str:
        rng = self.rng
        pools = [(self.clee_ids, 50), (self.cmq_ids, 15), (self.pft_ids, 5), (self.partnership_ids, 10),
                 (self.etabs, 15), (self.partners, 5)]
        pool = rng.choices([p for p, _ in pools], [w for _, w in pools])[0]
        chosen = rng.choice(pool)
        if pool is self.partners:
            self.referenced_partners.add(chosen)
        return chosen

    def actions(self) -> None:
        rng = self.rng
        for i in range(self.counts["action"]):
            year = YEARS[i % len(YEARS)] if i < len(YEARS) else rng.choice(YEARS)
            code, label = rng.choice(TYPES_ACTION)
            etabs = rng.sample(self.etabs, min(len(self.etabs), rng.randint(1, 4)))
            dept = self.dept_of[etabs[0]]
            commune = rng.choice(DEPARTEMENTS[dept][2])
            ident = self.unique(f"{slug(label)}-{slug(commune)}-{year}")
            start = date_in_year(rng, year)
            end = start if rng.random() < 0.3 else max(start, date_in_year(rng, year))
            partners = self.pick_partners(rng.randint(1, 3))
            if i < len(self.partners):  # chaque partenaire est cité au moins une fois : pas d'orphelin (EEE-R005)
                partners = list(dict.fromkeys(partners + [self.partners[i]]))
                self.referenced_partners.add(self.partners[i])
            niveaux = rng.sample(NIVEAUX, rng.randint(1, 2))
            cats = rng.sample(["eleves", "enseignants", "entreprises", "parents"], rng.randint(1, 3))
            data = {
                "id": ident, "nom": f"{label} à {commune} ({year})",
                # Every school year of YEARS has ended: an action is done or cancelled (a planned one would be a
                # stale status, EEE-R034). The draw is kept, so that the rest of the registry stays the same.
                "statut": "realisee" if year < "2024-2025" else rng.choice(["realisee", "realisee", "annulee"]),
                "description": self.text(rng.randint(4, 8), commune=commune),
                "type": code, "annee_scolaire": Raw(year), "date_debut": fmt_date(start), "date_fin": fmt_date(end),
                "organisateurs": list(dict.fromkeys([self.organiser() for _ in range(rng.randint(1, 2))])),
                "partenaires": partners, "etablissements": etabs, "departements": [dept],
                "public": {"niveaux": niveaux, "publics_prioritaires": rng.sample(PUBLICS, rng.randint(0, 2))},
                "beneficiaires": [{"categorie": c, "nombre": rng.randint(5, 400),
                                   "precision": rng.choice(["exact", "environ", "au_moins"])} for c in cats],
                "lieux": [{"nom": f"Site {rng.choice(RACINES)}", "commune": commune, "departement": dept}],
                "contacts": [self.contact() for _ in range(rng.randint(1, 2))],
                "etiquettes": [slug(label).replace("-", " "), slug(commune)],
                "sources": [self.source(year) for _ in range(rng.randint(1, 2))],
                "notes_internes": self.text(rng.randint(1, 2)),
                "mis_a_jour": update_after(rng, year),
            }
            if not data["public"]["publics_prioritaires"]:
                del data["public"]["publics_prioritaires"]
            self.add("action", data, year)

    def evenements(self) -> None:
        rng = self.rng
        for _ in range(self.counts["evenement"]):
            year = rng.choice(YEARS)
            code, label = rng.choice(TYPES_EVENEMENT)
            dept = rng.choices(DEPT_CODES, DEPT_WEIGHTS)[0]
            commune = rng.choice(DEPARTEMENTS[dept][2])
            ident = self.unique(f"{slug(label)}-{slug(commune)}-{year}")
            data = {
                "id": ident, "nom": f"{label} École-Entreprise à {commune}", "statut": "realise",
                "description": self.text(rng.randint(4, 6), commune=commune),
                "type": code, "annee_scolaire": Raw(year), "date": fmt_date(date_in_year(rng, year)),
                "lieu": {"nom": f"Salle {rng.choice(PERSONNALITES)}", "commune": commune, "departement": dept},
                "organisateurs": [self.organiser()], "partenaires": self.pick_partners(rng.randint(1, 3)),
                "etablissements": rng.sample(self.etabs, min(2, len(self.etabs))), "departements": [dept],
                "public": ["Chefs d'établissement", "Chefs d'entreprise"],
                "themes": rng.sample(THEMES, 2), "contacts": [self.contact()],
                "sources": [self.source(year) for _ in range(rng.randint(1, 2))], "mis_a_jour": update_after(rng, year),
            }
            self.add("evenement", data, year)

    def club_and_network(self) -> None:
        rng = self.rng
        orphans = [p for p in self.partners if p not in self.referenced_partners]
        members = orphans + [p for p in self.partners[:5] if p not in orphans]
        self.add("club", {
            "id": "club-ecole-entreprise", "nom": "Club École-Entreprise", "statut": "actif",
            "description": "Le club réunit les grandes entreprises partenaires de la région académique. " + self.text(2),
            "academies": ["toulouse", "montpellier"], "membres": {"partenaires": members},
            "contacts": [self.contact("chargée de mission École-Entreprise")], "sources": [self.source()],
            "mis_a_jour": Raw("2025-06-30"),
        })
        self.add("reseau", {
            "id": "reseau", "nom": "Réseau École-Entreprise-Économie d'Occitanie (synthétique)", "statut": "actif",
            "description": "Registre synthétique produit par benchmarks/generate.py pour mesurer eee.",
            "region_academique": {"code": "76", "nom": "Occitanie"},
            "academies": [
                {"code": a, "code_officiel": c, "nom": f"Académie de {a.title()}",
                 "departements": [d for d in DEPT_CODES if DEPARTEMENTS[d][1] == a]}
                for a, c in (("toulouse", "16"), ("montpellier", "11"))
            ],
            "departements": [{"code": d, "nom": DEPARTEMENTS[d][0], "academie": DEPARTEMENTS[d][1],
                              "ia_dasen": f"IA-DASEN {de(DEPARTEMENTS[d][0])}"} for d in DEPT_CODES],
            "mission": {"nom": "Mission École-Entreprise-Économie", "service": "DRAFPICA"},
            "effectifs_attendus": {"clee": self.counts["clee"], "cmq": self.counts["cmq"], "pft": self.counts["pft"]},
            "annees_scolaires": [Raw(y) for y in YEARS],
            "contacts": [self.contact("chef de la mission")], "sources": [self.source()],
            "mis_a_jour": Raw("2025-09-01"),
        })
        del rng

    def generate(self) -> list[tuple[str, str, dict]]:
        self.etablissements()
        self.partenaires()
        self.clees()
        self.cmqs()
        self.pfts()
        self.partenariats()
        self.actions()
        self.evenements()
        self.club_and_network()
        return self.entities


TYPES_PARTENAIRE_LABELS = [("association", "Association"), ("club_entreprises", "Club des entreprises"),
                           ("organisation_professionnelle", "Fédération"), ("chambre_consulaire", "Chambre de métiers"),
                           ("collectivite", "Communauté de communes"), ("organisme_public", "Agence"),
                           ("enseignement_superieur", "Institut universitaire")]


# --------------------------------------------------------------------------------------------
# Erreurs injectées (chacune dans un fichier différent)

ERROR_KINDS = [
    ("EEE-Y002", "yaml cassé"), ("EEE-R003", "référence introuvable"), ("EEE-R010", "lettre de l'UAI fausse"),
    ("EEE-S001", "clé inconnue"), ("EEE-S004", "valeur hors vocabulaire"), ("EEE-R017", "date hors de l'année"),
    ("EEE-R013", "SIREN invalide"), ("EEE-R019", "date de fin avant le début"),
]


def inject_errors(entities: list[tuple[str, str, dict]], k: int, seed: int) -> tuple[dict[str, str], list[dict]]:
    """Modifie k entités (données ou texte) ; renvoie {chemin: texte cassé} et la liste des erreurs."""
    rng = random.Random(f"erreurs-{seed}")
    by_kind: dict[str, list[int]] = {}
    for i, (kind, _, data) in enumerate(entities):
        if kind == "partenaire" and "siren" not in data:
            continue
        by_kind.setdefault(kind, []).append(i)
    for pool in by_kind.values():
        rng.shuffle(pool)
    broken: dict[str, str] = {}
    log = []
    for n in range(k):
        code, what = ERROR_KINDS[n % len(ERROR_KINDS)]
        kind = {"EEE-R010": "etablissement", "EEE-R013": "partenaire"}.get(code, "action")
        if not by_kind.get(kind):
            kind = "action"
        if not by_kind.get(kind):
            raise SystemExit(f"generate.py : pas assez d'entités pour {k} erreurs")
        i = by_kind[kind].pop()
        _, path, data = entities[i]
        if code == "EEE-Y002":
            broken[path] = None  # type: ignore[assignment]  # texte cassé à l'écriture
        elif code == "EEE-R003":
            data["partenaires"] = data["partenaires"] + [f"partenaire-inexistant-{n}"]
        elif code == "EEE-R010":
            uai = data["uai"]
            good = UAI_LETTERS.index(uai[-1])
            data["uai"] = uai[:-1] + UAI_LETTERS[(good + 1) % 23]
        elif code == "EEE-S001":
            data["descripton"] = "Clé mal orthographiée."
        elif code == "EEE-S004":
            data["statut"] = "terminee"
        elif code == "EEE-R017":
            start, end = year_bounds(data["annee_scolaire"])
            data["date_fin"] = Raw(f"{end + 1}-01-15")
        elif code == "EEE-R013":
            siren = data["siren"]
            data["siren"] = siren[:-1] + str((int(siren[-1]) + 1) % 10)
            data.pop("siret", None)
        elif code == "EEE-R019":
            start, end = year_bounds(data["annee_scolaire"])
            data["date_debut"], data["date_fin"] = Raw(f"{end}-06-20"), Raw(f"{start}-09-10")
        log.append({"code": code, "erreur": what, "fichier": path})
    return broken, log


def write(out: Path, n: int, seed: int, errors: int = 0) -> dict:
    started = time.perf_counter()
    entities = Generator(n, seed).generate()
    broken, log = inject_errors(entities, errors, seed) if errors else ({}, [])
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    made: set[Path] = set()
    total = 0
    for _kind, path, data in entities:
        target = out / path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        text = dump(data)
        if path in broken:  # une liste jamais fermée : erreur de syntaxe YAML
            text = text.replace("\nstatut:", "\netiquettes: [non fermée, \nstatut:", 1)
        raw = text.encode("utf-8")
        target.write_bytes(raw)
        total += len(raw)
    counts: dict[str, int] = {}
    for kind, _, _ in entities:
        counts[kind] = counts.get(kind, 0) + 1
    return {"entites": len(entities), "octets": total, "par_type": counts, "erreurs": log,
            "secondes": round(time.perf_counter() - started, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Génère un registre eee synthétique (déterministe).")
    parser.add_argument("--entities", "-n", type=int, required=True, help="nombre total d'entités (≥ 12)")
    parser.add_argument("--out", "-o", type=Path, required=True, help="dossier du registre (remplacé)")
    parser.add_argument("--seed", type=int, default=1, help="graine (défaut 1)")
    parser.add_argument("--errors", type=int, default=0, help="nombre d'erreurs à injecter (défaut 0)")
    parser.add_argument("--quiet", "-q", action="store_true")
    args = parser.parse_args(argv)
    summary = write(args.out, args.entities, args.seed, args.errors)
    if not args.quiet:
        print(f"{summary['entites']} entités, {summary['octets'] / 1e6:.1f} Mo "
              f"({summary['octets'] / summary['entites']:.0f} o/entité) en {summary['secondes']} s → {args.out}")
        print("  " + ", ".join(f"{k} {v}" for k, v in sorted(summary["par_type"].items())))
        for e in summary["erreurs"]:
            print(f"  erreur injectée {e['code']} ({e['erreur']}) : {e['fichier']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
