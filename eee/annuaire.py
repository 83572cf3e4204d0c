"""Import schools from the Ministry's « Annuaire de l'éducation » (CSV export).

Columns are found by name, never by position: national exports drift between
versions (a column dropped, dates as 26/11/2024, `,` or `;`, a BOM or none).
Each établissement becomes `etablissements/<uai>.yaml`, stamped with a
fingerprint of what was imported, so that a later import updates files nobody
edited and never overwrites a file edited by hand (unless --force).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalogue import I001, I002, Code
from .diagnostics import Problem, excerpt
from .discovery import read_bytes
from .domain import departement_code, slug
from .errors import EeeError, UsageError
from .files import check_inside, reason, write_atomic
from .kinds import KINDS
from .yamlwrite import dump

SOURCE_TITLE = "Ministère de l'Éducation nationale – Annuaire de l'éducation, Licence Ouverte 2.0"
SOURCE_URL = "https://data.education.gouv.fr/explore/dataset/fr-en-annuaire-education/"
STAMP = "# Importé de l'Annuaire de l'éducation par « eee import annuaire » ; empreinte "
_STAMP_RE = re.compile(r"^# Importé de l'Annuaire de l'éducation .* empreinte ([0-9a-f]{16})\Z")

# The columns read, by their normalised name (see _norm); the first is required.
REQUIRED = ["identifiant_de_l_etablissement", "nom_etablissement", "code_departement", "code_academie", "nom_commune"]

_ACADEMIES = {"16": "toulouse", "11": "montpellier"}
_ETATS = {"OUVERT": "ouvert", "A FERMER": "a_fermer", "FERME": "ferme", "FERMEE": "ferme"}
_NATURE_BY_CODE = {
    "101": "ecole", "103": "ecole", "151": "ecole", "153": "ecole", "162": "ecole",
    "340": "college", "350": "college",
    "300": "lycee_general_technologique", "301": "lycee_technologique", "302": "lycee_general",
    "306": "lycee_polyvalent", "307": "lycee_agricole", "320": "lycee_professionnel",
    "334": "section_enseignement_professionnel", "335": "section_general_technologique",
    "370": "erea", "380": "maison_familiale_rurale", "400": "ecole_sts_cpge", "841": "cio",
    "240": "medico_social", "241": "medico_social", "242": "medico_social", "245": "medico_social",
    "247": "medico_social", "248": "medico_social", "249": "medico_social",
    "802": "service_administratif", "803": "service_administratif", "805": "service_administratif",
    "809": "service_administratif",
}
_MANGLED = re.compile(r"^\d+[,.]\d+E\+?\d+\Z", re.IGNORECASE)
_DATE_FR = re.compile(r"^(\d{2})/(\d{2})/(\d{4})\Z")


def _norm(name: str) -> str:
    """A column name as compared: lower case, no accent, words joined by _."""
    return slug(name, "_")


def _date(value: str) -> str | None:
    value = value.strip()
    match = _DATE_FR.match(value)
    if match:
        value = f"{match.group(3)}-{match.group(2)}-{match.group(1)}"
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


MAX_BYTES = 512 * 1024 * 1024  # the national export is some 70 Mo; Occitanie's, 4 Mo
UAI = re.compile(r"[0-9]{7}[A-Z]")  # the UAI is also the file name: nothing else is ever written


@dataclass
class Annuaire:
    """The rows of an Annuaire export, by UAI (upper case), columns by normalised name."""

    path: Path
    rows: dict[str, dict[str, str]]
    line_of: dict[str, int]  # UAI -> line in the file, for messages
    children: dict[str, list[str]]  # UAI -> UAIs of its sections (etablissement_mere)
    problems: list[Problem] = field(default_factory=list)  # rows refused while reading (EEE-I001)
    broken: bool = False  # the file could not be read to its end: nothing of it is imported


def _read_bytes(path: Path) -> bytes:
    """The bytes of a regular file (never a device, a pipe or a folder: /dev/zero would never end)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise EeeError(f"le fichier « {path} » ne peut pas être lu : {reason(exc)}",
                       "vérifiez le chemin du fichier de l'Annuaire") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise EeeError(f"« {path} » n'est pas un fichier ordinaire (dossier, périphérique ou tube)",
                           "donnez le fichier CSV téléchargé sur data.education.gouv.fr")
        if info.st_size > MAX_BYTES:
            raise EeeError(f"« {path} » fait {info.st_size // 2**20} Mio, au-delà de la limite de "
                           f"{MAX_BYTES // 2**20} Mio : ce n'est pas un export de l'Annuaire de l'éducation",
                           "téléchargez l'export CSV du jeu fr-en-annuaire-education")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise EeeError(f"le fichier « {path} » ne peut pas être lu : {reason(exc)}",
                       "vérifiez le chemin du fichier de l'Annuaire") from None
    finally:
        os.close(fd)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # not text of the Annuaire (tab allowed)
_CSV_FR = [  # the csv module's errors, in French
    ("field larger than field limit", "un champ dépasse 128 Ko : le fichier n'est pas un export de l'Annuaire"),
    ("unexpected end of data", "des guillemets ouverts ne sont jamais refermés"),
    ("newline inside string", "un retour à la ligne coupe un champ"),
]


def read(path: Path) -> Annuaire:
    """Read an export of the Annuaire de l'éducation; an unusable file is an EeeError.

    Rows that cannot be trusted (a field count other than the header's, an identifier that is not a
    UAI) are refused with an EEE-I001 problem naming their line; a file the CSV reader cannot read to
    its end (unclosed quote, NUL byte, oversized field) is `broken`: nothing of it is imported.
    """
    raw = _read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EeeError(f"le fichier « {path} » n'est pas en UTF-8",
                       "téléchargez à nouveau l'export CSV sur data.education.gouv.fr (encodage UTF-8)") from None
    if "\x00" in text:  # Python's csv reads NUL bytes as text: a binary or damaged file
        line = text.count("\n", 0, text.index("\x00")) + 1
        return Annuaire(path, {}, {}, {}, [I001.problem(
            path.name, line, 0,
            f"fichier illisible à la ligne {line} : la ligne contient un caractère nul (fichier binaire ou abîmé ?) ; "
            "rien n'est importé", "téléchargez à nouveau l'export CSV original")], broken=True)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    annuaire = Annuaire(path, {}, {}, {})

    def refuse(line: int, message: str, hint: str, uai: str = "") -> None:
        annuaire.problems.append(I001.problem(path.name, line, 0, message, hint, uai.lower()))

    try:
        header = [_norm(h) for h in next(reader)]
    except StopIteration:
        raise EeeError(f"le fichier « {path} » est vide", "téléchargez à nouveau l'export CSV") from None
    except csv.Error as exc:
        raise EeeError(f"« {path} », ligne 1 : {_csv_fr(exc)}", "téléchargez à nouveau l'export CSV") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise EeeError(
            f"« {path} » n'est pas un export de l'Annuaire de l'éducation : colonne(s) absente(s) : {', '.join(missing)}",
            "utilisez l'export CSV du jeu de données fr-en-annuaire-education (data.education.gouv.fr)",
        )
    line = reader.line_num
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # (located where the unreadable record begins, as the message says; the reader stopped further down)
            refuse(start, f"fichier illisible à partir de la ligne {start} : {_csv_fr(exc)} ; "
                   "rien n'est importé", "téléchargez à nouveau l'export CSV original (sans l'ouvrir dans un tableur)")
            annuaire.broken = True
            break
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            refuse(start, f"la ligne {start} a {len(values)} champs au lieu de {len(header)} : elle est refusée",
                   "le fichier a été modifié ou coupé : téléchargez à nouveau l'export CSV original")
            continue
        if any(_CONTROL.search(v) for v in values):
            refuse(start, f"la ligne {start} contient un caractère de contrôle invisible : elle est refusée",
                   "le fichier a été modifié : téléchargez à nouveau l'export CSV original")
            continue
        row = {name: values[i].strip() for i, name in enumerate(header)}
        uai = row["identifiant_de_l_etablissement"].upper()
        if not UAI.fullmatch(uai):
            refuse(start, f"« {excerpt(row['identifiant_de_l_etablissement'])} » n'est pas un UAI (7 chiffres et une lettre) : la ligne {start} "
                   "est refusée", "vérifiez la colonne Identifiant_de_l_etablissement de cette ligne")
            continue
        annuaire.rows[uai] = row
        annuaire.line_of[uai] = start
        mother = row.get("etablissement_mere", "").upper()
        if UAI.fullmatch(mother) and "SECTION" in row.get("type_rattachement_etablissement_mere", "").upper():
            annuaire.children.setdefault(mother, []).append(uai)
    return annuaire


def _csv_fr(exc: csv.Error) -> str:
    text = str(exc)
    for needle, french in _CSV_FR:
        if needle in text:
            return french
    return f"erreur de lecture CSV ({text})"


def entity(annuaire: Annuaire, uai: str, today: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The registry entity of one row, or None when the row cannot be imported; and its problems."""
    row = annuaire.rows[uai]
    where = f"{annuaire.path.name}"
    line = annuaire.line_of[uai]
    problems: list[Problem] = []

    def problem(code: Code, message: str, hint: str) -> None:
        problems.append(code.problem(where, line, 0, message, hint, uai.lower()))

    departement = departement_code(row["code_departement"]) if row["code_departement"].isdigit() else ""
    academie = _ACADEMIES.get(row["code_academie"].lstrip("0").zfill(2), "")
    siret = row.get("siren_siret", "")
    if _MANGLED.match(siret):
        problem(I001, f"SIRET « {siret} » abîmé par un tableur : la ligne de {uai} est refusée",
                "le fichier a été ouvert et enregistré dans un tableur : téléchargez à nouveau l'export CSV original")
        return None, problems
    if not departement or departement not in _departements() or not academie:
        problem(I001, f"{uai} n'est pas dans la région académique Occitanie "
                f"(département {row['code_departement'] or '?'}, académie {row['code_academie'] or '?'})",
                "seuls les établissements des académies de Toulouse et de Montpellier s'importent")
        return None, problems
    data: dict[str, Any] = {
        "id": uai.lower(),
        "nom": row["nom_etablissement"],
        "statut": _ETATS.get(row.get("etat", "OUVERT").upper(), "ouvert"),
        "uai": uai,
    }
    sections = sorted(annuaire.children.get(uai, []))
    if sections:
        data["uai_secondaires"] = sections
    data["nature"] = _NATURE_BY_CODE.get(row.get("code_nature", ""), _nature_from_label(row))
    public = row.get("statut_public_prive", "")
    if public:
        data["secteur"] = "prive" if _norm(public).startswith("prive") else "public"
    data["commune"] = row["nom_commune"]
    if re.fullmatch(r"\d{5}|2[AB]\d{3}", row.get("code_commune", "")):
        data["code_commune"] = row["code_commune"]
    if re.fullmatch(r"\d{5}", row.get("code_postal", "")):
        data["code_postal"] = row["code_postal"]
    data["departement"] = departement
    data["academie"] = academie
    if row.get("code_bassin_formation"):
        data["bassin"] = {"code": row["code_bassin_formation"], "nom": row.get("libelle_bassin_formation") or None}
        if data["bassin"]["nom"] is None:
            del data["bassin"]["nom"]
    if row.get("appartenance_education_prioritaire") in ("REP", "REP+"):
        data["education_prioritaire"] = row["appartenance_education_prioritaire"]
    gaps = []
    if siret:
        from stdnum.fr import siret as siret_check

        if siret.isdigit() and len(siret) == 14 and siret_check.is_valid(siret):
            data["siret"] = siret
        else:
            problem(I002, f"SIRET « {siret} » de {uai} invalide dans l'Annuaire : il n'est pas importé",
                    "le registre le signale à compléter ; vérifiez-le dans l'annuaire des entreprises")
            gaps.append({"champ": "siret", "note": f"SIRET de l'Annuaire invalide ({siret}) : à vérifier"})
    web = row.get("web", "")
    if re.fullmatch(r"https?://\S+", web):
        data["site_web"] = web
    source: dict[str, Any] = {"titre": SOURCE_TITLE, "url": SOURCE_URL}
    row_date = _date(row.get("date_maj_ligne", ""))
    if row_date:
        source["date"] = row_date
    data["sources"] = [source]
    if gaps:
        data["a_completer"] = gaps
    data["mis_a_jour"] = today
    return data, problems


def _departements() -> frozenset[str]:
    """The départements of the schemas' vocabulary."""
    from .schema import SchemaSet

    return frozenset(SchemaSet.installed().academie_of_departement)


def _nature_from_label(row: dict[str, str]) -> str:
    label = _norm(row.get("libelle_nature", ""))
    for needle, nature in (("college", "college"), ("polyvalent", "lycee_polyvalent"),
                           ("professionnel", "lycee_professionnel"), ("lycee", "lycee_general_technologique"),
                           ("ecole", "ecole"), ("apprentis", "cfa")):
        if needle in label:
            return nature
    return "autre"


# --------------------------------------------------------------------------- writing


def _fingerprint(body: str) -> str:
    # mis_a_jour changes at every import: it is not part of what was imported.
    stable = "\n".join(line for line in body.splitlines() if not line.startswith("mis_a_jour:"))
    return hashlib.sha256(stable.encode("utf-8")).hexdigest()[:16]


def canonical_body(data: dict[str, Any]) -> str:
    """The YAML of an imported entity in `eee fmt`'s canonical form, so that fmt never touches it."""
    from .fmt import format_text
    from .schema import SchemaSet

    return format_text(dump(data), KINDS["etablissement"], SchemaSet.installed())


def render(body: str) -> str:
    """The file of an imported entity: header, fingerprint of the canonical body, body."""
    return f"# yaml-language-server: $schema=../../schemas/etablissement.schema.json\n{STAMP}{_fingerprint(body)}\n{body}"


def _state(path: Path, new_body: str) -> str:
    """created, unchanged, updated or edited (by hand) — for an existing or new file (anything else
    than a regular file counts as edited: it is replaced only with --force)."""
    if not os.path.lexists(path):
        return "created"
    raw, _ = read_bytes(path.parent, path.name)
    if raw is None:
        return "edited"
    lines = raw.decode("utf-8", errors="replace").splitlines(keepends=True)
    stamps = [i for i, line in enumerate(lines[:3]) if _STAMP_RE.match(line.rstrip("\n"))]
    if not stamps:
        return "edited"
    body = "".join(lines[stamps[0] + 1:])
    stamp = _STAMP_RE.match(lines[stamps[0]].rstrip("\n"))
    assert stamp is not None  # the line was chosen because it matches
    recorded = stamp.group(1)
    if _fingerprint(body) != recorded:
        return "edited"
    return "unchanged" if _fingerprint(body) == _fingerprint(new_body) else "updated"


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # edited by hand, kept
    problems: list[Problem] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if any(p.is_error for p in self.problems) else 0


def select(annuaire: Annuaire, uais: Iterable[str], departements: Iterable[str], natures: Iterable[str]
           ) -> tuple[list[str], list[Problem]]:
    """The UAIs to import: those named, plus those matching every given filter."""
    from .suggest import closest

    uais = [u.strip().upper() for u in uais]
    departements = {d.strip().lstrip("0").zfill(2) for d in departements}
    natures = set(natures)
    problems = []
    chosen: list[str] = []
    for uai in uais:
        if uai in annuaire.rows:
            chosen.append(uai)
        else:
            guess = closest(uai, list(annuaire.rows))
            problems.append(I001.problem(annuaire.path.name, 0, 0, f"l'UAI {uai} est absent de ce fichier de l'Annuaire",
                                         f"vouliez-vous dire {guess} ?" if guess else "vérifiez l'UAI", uai.lower()))
    if departements or natures:
        for uai, row in annuaire.rows.items():
            dep = row["code_departement"].lstrip("0").zfill(2)
            nature = _NATURE_BY_CODE.get(row.get("code_nature", ""), _nature_from_label(row))
            if (not departements or dep in departements) and (not natures or nature in natures) and uai not in chosen:
                chosen.append(uai)
    return chosen, problems


def import_schools(csv_path: Path, root: Path, uais: list[str], departements: list[str], natures: list[str],
                   force: bool = False, dry_run: bool = False, today: str | None = None) -> ImportResult:
    """Create or update `etablissements/<uai>.yaml` for the chosen rows of an Annuaire export."""
    if not (uais or departements or natures):
        raise UsageError("précisez quoi importer : --uai, --departement ou --type",
                         "par exemple : eee import annuaire annuaire.csv --uai 0312686B")
    from .query import check_departement, normalize
    from .schema import SchemaSet
    from .suggest import closest

    vocabulary = sorted(set(_NATURE_BY_CODE.values()) | {"cfa", "medico_social", "autre"})
    # (« collège », « Lycée professionnel »: the code is the name without accents, words joined by « _ »)
    codes = {nature: normalize(nature).replace(" ", "_") for nature in natures}
    natures = list(codes.values())
    unknown = [nature for nature, code in codes.items() if code not in vocabulary]  # (as the officer wrote them)
    if unknown:
        guess = closest(codes[unknown[0]], vocabulary)
        raise UsageError(f"type d'établissement inconnu : {', '.join(unknown)}",
                         (f"vouliez-vous dire « {guess} » ? " if guess else "") + "types possibles : "
                         + ", ".join(vocabulary))
    schemas = SchemaSet.installed()
    departements = [check_departement(d, schemas) for d in departements]  # (a typo would import nothing, silently)
    annuaire = read(csv_path)
    if annuaire.broken:
        return ImportResult(problems=annuaire.problems)
    chosen, problems = select(annuaire, uais, departements, natures)
    result = ImportResult(problems=annuaire.problems + problems)
    folder = root / KINDS["etablissement"].folder
    today = today or dt.date.today().isoformat()
    for uai in chosen:
        data, row_problems = entity(annuaire, uai, today)
        result.problems.extend(row_problems)
        if data is None:
            continue
        path = folder / f"{uai.lower()}.yaml"  # a UAI: `read` let no other identifier through
        check_inside(path, folder, "un établissement importé")
        rel = path.relative_to(root).as_posix()
        body = canonical_body(data)
        text = render(body)
        state = _state(path, body)
        if state == "edited" and not force:
            result.skipped.append(rel)
            continue
        if state == "unchanged":
            result.unchanged.append(rel)
            continue
        (result.created if state == "created" else result.updated).append(rel)
        if not dry_run:
            write_atomic(path, text, within=folder)
    return result
