"""The registry as one workbook an officer can open in a spreadsheet: `eee export xlsx`.

One sheet per kind, one row per entity, beside a first sheet « À propos » (what
the file is, when and from which registry it was made, public or internal) and
a last sheet « Relations ». Everything a cell holds is what a person reads on
the site, not what the YAML says:

- headers are the schemas' French titles (`Date de début`, `Co-animation –
  Partenaire – Fonction`), the id keeps a column of its own (`Identifiant`);
- vocabularies show their labels (`Réalisée`, `Visite d'entreprise`), booleans
  « oui » / « non », blocks and lists of blocks a readable text (one block a
  line), never JSON;
- a reference shows the entity's name, and the column beside it its id;
- an action's beneficiaries are number columns by category (`Élèves`), each
  with its qualifier beside it (`exactement`, `environ`, `au moins`); an action
  that gives no number leaves both empty, never 0 (`export.effectifs`);
- codes (UAI, SIRET, SIREN, département, code postal, code commune, bassin)
  are text cells formatted as text (`@`), so that `09` stays `09`; dates are
  dates (`JJ/MM/AAAA`);
- a text is always a text cell: one starting with `=`, `+`, `-` or `@` is never
  a formula (string cell with the « quote prefix » a spreadsheet sets when one
  types an apostrophe first).

Public by default, like every export: each entity's data goes through
`public.public_data` (via `export.flatten` of the public copy) before anything
is read from it. The file is written beside its place and moved over it in one
go (`files.replacing`). openpyxl is imported only here, when a workbook is made.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import __version__, gitsafe
from .domain import parse_date
from .errors import EeeError, UsageError
from .escape import terminal
from .export import effectifs, entities_of, flatten, relations, schema_columns, selected_kinds
from .figures import block_number
from .files import replacing
from .kinds import KINDS, Kind
from .model import Entity, Registry
from .public import INTERNAL_KEYS, public_data
from .schema import LABELS_KEYWORD, REF_KEYWORD

ABOUT_SHEET = "À propos"
RELATIONS_SHEET = "Relations"
DATE_FORMAT = "DD/MM/YYYY"  # French order, whatever the language of the spreadsheet
TEXT_FORMAT = "@"  # « Texte »: what one types in the cell stays text (a code keeps its leading zero)
MAX_CELL = 32767  # the most characters a cell holds in Excel
CUT = " […] (texte coupé : voir le registre)"
LIST_JOIN = "; "  # the items of a list of plain values, in one cell
BLOCK_JOIN = "\n"  # the blocks of a list of blocks (contacts, sources…): one a line
FIELD_JOIN = " ; "  # the fields of one block
TITLE_JOIN = " – "  # the titles of a nested field: « Co-animation – Partenaire – Fonction »
MIN_WIDTH, MAX_WIDTH = 8, 60

Path_ = tuple[str, ...]
# The fields every kind has: who it is first, then what is proper to the kind, then the long texts and the
# registry's own bookkeeping (the schemas list them first: a sheet reads better the other way).
FIRST = ("id", "nom", "statut")
LAST = ("description", "site_web", "contacts", "etiquettes", "notes_internes", "a_completer", "mis_a_jour", "sources")
EFFECTIFS: Path_ = ("effectifs",)  # where a row keeps an action's counts by category (figures.Count)

# What XML 1.0 cannot hold (openpyxl refuses it); the loader refuses these in the registry's values already
# (EEE-Y015), this guards the fields it does not read as text.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FORMULA_STARTS = ("=", "+", "-", "@")


def _is_ref(node: dict[str, Any] | None) -> bool:
    return bool(node) and REF_KEYWORD in node  # type: ignore[operator]


def _is_date(node: dict[str, Any] | None) -> bool:
    return bool(node) and node.get("format") == "date"  # type: ignore[union-attr]


def _is_code(node: dict[str, Any] | None) -> bool:
    """A code made of digits that a spreadsheet would turn into a number (UAI, SIRET, SIREN, code postal, code
    commune, bassin, département): a text pattern starting with a digit, or a vocabulary of digits only."""
    if not node or node.get("type") != "string":
        return False
    pattern = node.get("pattern")
    if isinstance(pattern, str) and pattern.startswith(("^[0-9]", "^([0-9]")):
        return True
    values = node.get("enum")
    return isinstance(values, list) and bool(values) and all(isinstance(v, str) and v.isdigit() for v in values)


# --------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its French header, how it is shown (text, code, date, number) and its value in a row."""

    header: str
    style: str  # "text", "code", "date", "number"
    value: Callable[[Entity, dict[Path_, Any]], Any]


class Shower:
    """Values of the registry as a spreadsheet shows them: labels, names, dates and readable blocks."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.schemas = registry.schemas

    def name(self, target: Any) -> str:
        found = self.registry.get(target) if isinstance(target, str) else None
        return found.nom if found is not None else str(target)

    def text(self, node: dict[str, Any] | None, value: Any) -> str:
        """Any value as one readable text: a label, a name, a date JJ/MM/AAAA, `Titre : valeur` for a block."""
        node = node or {}
        if value is None:
            return ""
        if isinstance(value, bool):
            return "oui" if value else "non"
        if isinstance(value, dict):
            return self.block(node, value)
        if isinstance(value, list):
            below = self.schemas.child(node, 0)
            items = [self.text(below, v) for v in value]
            return (BLOCK_JOIN if any(isinstance(v, dict) for v in value) else LIST_JOIN).join(items)
        if isinstance(value, str):
            if REF_KEYWORD in node:
                return self.name(value)
            labels = node.get(LABELS_KEYWORD)
            if isinstance(labels, dict) and not _is_code(node):
                return str(labels.get(value, value))
            day = parse_date(value) if _is_date(node) else None
            return day.strftime("%d/%m/%Y") if day else value
        return str(value)

    def block(self, node: dict[str, Any], data: dict[str, Any]) -> str:
        """A block as `Titre : valeur ; Titre : valeur`; a number with its precision reads « au moins 350 »."""
        number = block_number(data)
        if number is not None and "categorie" in data:  # a line of beneficiaries: « Élèves : au moins 350 (Note : …) »
            what = self.text(self.schemas.child(node, "categorie"), data["categorie"])
            rest = self.block(node, {k: v for k, v in data.items() if k not in ("categorie", "nombre", "precision")})
            return f"{what} : {number}" + (f" ({rest})" if rest else "")
        parts = []
        for key, item in data.items():
            if number is not None and key == "precision":
                continue
            below = self.schemas.child(node, key)
            shown = number if number is not None and key == "nombre" else self.text(below, item)
            parts.append(f"{(below or {}).get('title') or key} : {shown}")
        return FIELD_JOIN.join(parts)


def _header(registry: Registry, kind: Kind, path: Path_) -> str:
    """A column's French title: the titles of the field and of the blocks above it, repeats left out."""
    titles: list[str] = []
    for end in range(1, len(path) + 1):
        title = registry.schemas.title(kind.name, path[:end]) or path[end - 1]
        if not titles or titles[-1] != title:
            titles.append(title)
    return TITLE_JOIN.join(titles)


def _columns_of(registry: Registry, kind: Kind, internal: bool, show: Shower) -> list[Column]:
    """A kind's columns, in the schema's order (fields of blocks the schema describes opened, as in CSV)."""
    columns = [(path, node) for path, node in schema_columns(registry, kind)
               if internal or not any(part in INTERNAL_KEYS for part in path)]
    first = [c for c in columns if c[0][0] in FIRST]
    last = sorted((c for c in columns if c[0][0] in LAST), key=lambda c: LAST.index(c[0][0]))
    middle = [c for c in columns if c[0][0] not in FIRST and c[0][0] not in LAST]
    out: list[Column] = []
    for path, node in first + middle + last:
        out += _columns_for(registry, kind, path, node, show)
    return out


def _get(path: Path_) -> Callable[[Entity, dict[Path_, Any]], Any]:
    return lambda entity, flat: flat.get(path)


def _columns_for(registry: Registry, kind: Kind, path: Path_, node: dict[str, Any], show: Shower) -> list[Column]:
    schemas = registry.schemas
    header = _header(registry, kind, path)
    get = _get(path)
    if path == ("id",):
        return [Column(header or "Identifiant", "text", lambda entity, flat: entity.id)]
    if path == ("a_completer",):
        def gaps(entity: Entity, flat: dict[Path_, Any]) -> str:
            lines = []
            for gap in flat.get(path) or []:
                if isinstance(gap, dict) and isinstance(gap.get("champ"), str):
                    field = gap["champ"]
                    title = _header(registry, kind, tuple(field.split("."))) if field else field
                    note = gap.get("note")
                    lines.append(f"{title} : {note}" if isinstance(note, str) and note else title)
            return BLOCK_JOIN.join(lines)
        return [Column(header, "text", gaps)]
    item = schemas.child(node, 0) if node.get("type") == "array" else None
    if _is_ref(node) or _is_ref(item):
        def names(entity: Entity, flat: dict[Path_, Any]) -> str:
            value = flat.get(path)
            return LIST_JOIN.join(show.name(v) for v in (value if isinstance(value, list) else [value]) if v is not None)

        def ids(entity: Entity, flat: dict[Path_, Any]) -> str:
            value = flat.get(path)
            return LIST_JOIN.join(str(v) for v in (value if isinstance(value, list) else [value]) if v is not None)
        return [Column(header, "text", names), Column(f"{header} (identifiant{'s' if item else ''})", "code", ids)]
    if _is_date(node):
        return [Column(header, "date", get)]
    if _is_code(node) or _is_code(item):
        return [Column(header, "code", _text_of(path, node, show))]
    if node.get("type") in ("integer", "number"):
        return [Column(header, "number", get)]
    columns = [Column(header, "text", _text_of(path, node, show))]
    if kind.name == "action" and path == ("beneficiaires",):
        columns += _effectif_columns(registry)
    return columns


def _effectif_columns(registry: Registry) -> list[Column]:
    """Two columns per category of beneficiaries: the number (that a spreadsheet adds up) and its qualifier, read
    from the row's `("effectifs", category)` (`export.effectifs`: absent when the action gives no number)."""
    precision = registry.schemas.labels("precision")

    def number(path: Path_) -> Callable[[Entity, dict[Path_, Any]], Any]:
        return lambda entity, flat: flat[path].value if path in flat else None

    def qualifier(path: Path_) -> Callable[[Entity, dict[Path_, Any]], Any]:
        return lambda entity, flat: precision.get(flat[path].precision, flat[path].precision) if path in flat else None

    out = []
    for category, label in registry.schemas.labels("categorie_beneficiaire").items():
        path = EFFECTIFS + (category,)
        out += [Column(label, "number", number(path)), Column(f"{label} : précision", "text", qualifier(path))]
    return out


def _extra_columns(known: set[Path_], rows: Iterable[dict[Path_, Any]], show: Shower) -> list[Column]:
    """Fields the schema does not know (an invalid registry), at the end, by name, as text."""
    extra = sorted({p for flat in rows for p in flat if p not in known})
    return [Column(".".join(p), "text", _text_of(p, None, show)) for p in extra]


def _text_of(path: Path_, node: dict[str, Any] | None, show: Shower) -> Callable[[Entity, dict[Path_, Any]], Any]:
    return lambda entity, flat: show.text(node, flat.get(path))


# --------------------------------------------------------------------------- the registry's version


def registry_version(root: Path) -> str:
    """Which state of the registry a file was made from, in French: its git commit and whether files of the
    registry differ from it, or that the registry is not followed by git. No git command run here starts a program
    the repository's configuration names (`gitsafe`)."""
    git_ = gitsafe.prefix(root)
    if git_ is None:
        return "version du registre non lue (la configuration de son dépôt git nomme des programmes qu'eee ne lance pas)"

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run([*git_, *args], capture_output=True, timeout=20, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else None

    commit = git("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if not commit or not re.fullmatch(r"[0-9a-f]{40,64}", commit):
        return "registre non suivi par git (pas de version enregistrée)"
    day = git("log", "-1", "--format=%cs", commit) or ""
    when = parse_date(day)
    text = f"commit {commit}" + (f" du {when.strftime('%d/%m/%Y')}" if when else "")
    changed = git("status", "--porcelain", "--untracked-files=normal", "--ignore-submodules=all", "--", ".")
    if changed:
        text += ", avec des modifications pas encore enregistrées dans git (git status les montre)"
    return text


# --------------------------------------------------------------------------- the workbook


def _clean(text: str) -> str:
    text = _ILLEGAL.sub("\ufffd", text)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - len(CUT)] + CUT


@dataclass
class Sheet:
    title: str
    columns: list[tuple[str, str]]  # (header, style)
    rows: list[list[Any]]
    freeze: str = "A2"
    about: str = ""  # what the sheet holds, for « À propos »


def _kind_sheet(registry: Registry, kind: Kind, internal: bool, show: Shower) -> Sheet:
    entities = entities_of(registry, kind)
    flats = []
    for entity in entities:
        data = entity.data if isinstance(entity.data, dict) else {}
        flat = flatten(registry, kind, public_data(data, internal))
        if kind.name == "action":
            for category, count in effectifs(registry, entity).items():
                flat[EFFECTIFS + (category,)] = count
        flats.append(flat)
    columns = _columns_of(registry, kind, internal, show)
    known = {path for path, _ in schema_columns(registry, kind)}
    known |= {EFFECTIFS + (category,) for category in registry.schemas.labels("categorie_beneficiaire")}
    columns += _extra_columns(known, flats, show)
    rows = [[column.value(entity, flat) for column in columns] for entity, flat in zip(entities, flats)]
    headers = _unique([c.header for c in columns])
    freeze = "C2" if len(columns) > 1 and columns[1].header == "Nom" else "B2"
    return Sheet(kind.title, list(zip(headers, [c.style for c in columns])), rows, freeze,
                 f"{len(rows)} {kind.label if len(rows) < 2 else kind.plural}")


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for header in headers:
        seen[header] = seen.get(header, 0) + 1
        out.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return out


def _relations_sheet(registry: Registry, internal: bool, chosen: list[Kind], show: Shower) -> Sheet:
    rows = []
    for r in relations(registry, internal, chosen):
        target_kind = KINDS.get(r["type_cible"] or "")
        champ = tuple(r["champ"].split("."))
        source_kind = KINDS[r["type_source"]]
        rows.append([show.name(r["source"]), r["source"], source_kind.capitalised,
                     _header(registry, source_kind, champ), show.name(r["cible"]), r["cible"],
                     target_kind.capitalised if target_kind else "introuvable"])
    columns = [("Source", "text"), ("Source (identifiant)", "code"), ("Type de la source", "text"),
               ("Champ", "text"), ("Cible", "text"), ("Cible (identifiant)", "code"), ("Type de la cible", "text")]
    return Sheet(RELATIONS_SHEET, columns, rows, "B2",
                 f"{len(rows)} lien{'s' if len(rows) > 1 else ''} d'une entité vers une autre, un par ligne")


def _about(registry: Registry, internal: bool, today: date, sheets: list[Sheet], version: str) -> list[list[Any]]:
    network = registry.network
    name = network.nom if network is not None else "Réseau École-Entreprise-Économie"
    rows: list[list[Any]] = [
        [f"{name} : le registre pour tableur"],
        [],
        ["Ce fichier", "Le registre du réseau, exporté par eee (eee export xlsx) : une feuille par type d'entité, "
                       "une ligne par entité, et la feuille « Relations » (qui cite qui)."],
        ["Diffusion", "VERSION INTERNE : contacts internes, notes internes et notes des informations à compléter "
                      "compris. Ne pas diffuser ni publier." if internal else
                      "Version publique : ni contacts internes, ni notes internes, ni notes des informations à "
                      "compléter. Comme l'annuaire publié."],
        ["Produit le", today],
        ["Registre", f"dossier « {registry.root.name} », {version}"],
        ["Logiciel", f"eee {__version__}"],
        [],
        ["Feuilles"],
    ]
    rows += [[sheet.title, sheet.about] for sheet in sheets]
    rows += [
        [],
        ["Lire le fichier"],
        ["Colonnes", "Les titres sont ceux des fiches ; un champ d'un bloc porte le titre du bloc devant le sien "
                     "(« Lieu – Commune »). La colonne « Identifiant » donne le nom du "
                     "fichier de chaque entité dans le registre."],
        ["Entités citées", "Une entité citée est donnée par son nom ; son identifiant est dans la colonne voisine "
                      "(« … (identifiant) »)."],
        ["Bénéficiaires", "Feuille « Actions » : une colonne de nombre par catégorie (Élèves, Enseignants…), et "
                          "à côté sa précision (exactement, environ, au moins). Une cellule vide veut dire non "
                          "renseigné, jamais 0 : une somme ne compte que les actions qui donnent un nombre, et "
                          "n'est exacte que si toutes les précisions additionnées sont « exactement »."],
        ["Codes", "UAI, SIRET, SIREN, départements, codes postaux, codes commune et bassins sont du texte : "
                  "« 09 » reste « 09 »."],
        ["Dates", "Les dates sont des dates (JJ/MM/AAAA) : le tableur peut les trier et les filtrer."],
        ["Lignes", "Dans une cellule, chaque contact, source, lieu ou information à compléter est sur sa ligne."],
    ]
    return rows


def check_path(path: Path | str) -> Path:
    """The workbook's path, if its name ends in `.xlsx` (a spreadsheet refuses to open it otherwise); else a
    UsageError (exit 2). The CLI asks before it reads the registry."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"« {terminal(str(path))} » : le nom du classeur doit finir par .xlsx",
                         "par exemple --out registre.xlsx (un tableur refuse d'ouvrir un classeur nommé autrement)")
    return path


def export_xlsx(registry: Registry, path: Path, internal: bool = False, kinds: Iterable[str | Kind] | None = None,
                today: date | None = None) -> list[str]:
    """Write the workbook to `path` (replaced in one go); returns the titles of its sheets.

    The file's name must end in `.xlsx` (`check_path`)."""
    path = check_path(path)
    try:
        from openpyxl import Workbook
    except ImportError:
        raise EeeError("la bibliothèque openpyxl, qui écrit les classeurs, n'est pas installée",
                       "réinstallez eee (pip install .), ou installez-la : pip install openpyxl") from None
    show = Shower(registry)
    chosen = selected_kinds(kinds)
    sheets = [_kind_sheet(registry, kind, internal, show) for kind in chosen]
    sheets.append(_relations_sheet(registry, internal, chosen, show))
    made = today or date.today()
    about = _about(registry, internal, made, sheets, registry_version(registry.root))

    book = Workbook(write_only=True)
    book.properties.creator = f"eee {__version__}"
    book.properties.title = str(about[0][0])
    _write_about(book, about)
    for sheet in sheets:
        _write_sheet(book, sheet)
    with replacing(path, within=path.absolute().parent) as tmp:  # a link may not lead out of the folder
        book.save(tmp)
    return [ABOUT_SHEET] + [sheet.title for sheet in sheets]


def _styles() -> dict[str, Any]:
    from openpyxl.styles import Alignment, Font, PatternFill

    return {"bold": Font(bold=True), "title": Font(bold=True, size=14), "fill": PatternFill("solid", fgColor="DDE5F0"),
            "top": Alignment(vertical="top", wrap_text=True)}


def _cell(sheet: Any, value: Any, style: str) -> Any:
    """A cell of a write-only sheet: a text is always a text, a code formatted as text, a date as JJ/MM/AAAA."""
    from openpyxl.cell import WriteOnlyCell

    if value is None or value == "":
        return None
    if style == "date":
        day = parse_date(value) if isinstance(value, str) else value if isinstance(value, date) else None
        if day is None:  # not a date of the calendar (an invalid registry): shown as written
            return _cell(sheet, str(value), "text")
        cell = WriteOnlyCell(sheet, value=day)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, (int, float)) and not isinstance(value, bool) and style != "code":
        return value  # a number stays a number
    text = _clean(value if isinstance(value, str) else str(value))
    if style == "text" and not text.startswith(_FORMULA_STARTS):
        return text  # openpyxl makes a text cell of it (most cells: a cell object each costs time)
    cell = WriteOnlyCell(sheet)
    cell.value = text
    cell.data_type = "s"  # openpyxl makes a formula of a text starting with « = »: not here
    if style == "code":
        cell.number_format = TEXT_FORMAT
    if text.startswith(_FORMULA_STARTS):
        cell.quotePrefix = True  # edited in the spreadsheet, it stays text
    return cell


def _width(header: str, values: Iterable[Any], style: str) -> float:
    if style == "date":
        longest = 10
    else:
        longest = max((len(str(v).split("\n", 1)[0]) for v in values if v is not None), default=0)
    return float(min(MAX_WIDTH, max(MIN_WIDTH, len(header) + 2 if len(header) < 30 else 30, longest + 2)))


def _write_sheet(book: Any, sheet: Sheet) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    styles = _styles()
    ws = book.create_sheet(sheet.title)
    for index, (header, style) in enumerate(sheet.columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = _width(header, (r[index - 1] for r in sheet.rows), style)
    ws.freeze_panes = sheet.freeze
    last = get_column_letter(max(1, len(sheet.columns)))
    ws.auto_filter.ref = f"A1:{last}{len(sheet.rows) + 1}"
    head = []
    for header, _ in sheet.columns:
        cell = WriteOnlyCell(ws, value=_clean(header))
        cell.data_type = "s"
        cell.font, cell.fill, cell.alignment = styles["bold"], styles["fill"], styles["top"]
        head.append(cell)
    ws.append(head)
    for row in sheet.rows:
        ws.append([_cell(ws, value, style) for value, (_, style) in zip(row, sheet.columns)])


def _write_about(book: Any, rows: list[list[Any]]) -> None:
    from openpyxl.cell import Cell, WriteOnlyCell

    styles = _styles()
    ws = book.create_sheet(ABOUT_SHEET)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 100
    for number, row in enumerate(rows):
        cells = []
        for position, value in enumerate(row):
            made = _cell(ws, value, "date" if isinstance(value, date) else "text")
            cell = made if isinstance(made, Cell) else WriteOnlyCell(ws, value=made)
            if number == 0:
                cell.font = styles["title"]
            elif position == 0:
                cell.font = styles["bold"]
            cell.alignment = styles["top"]
            cells.append(cell)
        ws.append(cells)


__all__ = ["ABOUT_SHEET", "DATE_FORMAT", "RELATIONS_SHEET", "TEXT_FORMAT", "check_path", "export_xlsx", "registry_version"]
