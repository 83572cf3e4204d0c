"""Exports of the whole registry for other tools: JSON, CSV, SQLite (Datasette), editor schemas.

Services only: the CLI (`eee export csv|json|sqlite`, `eee schema`) parses
options and calls one of these functions. Every export is **public by
default**: each entity's data goes through `public.public_data`, the
one place that drops internal contacts and `notes_internes`, before anything
is flattened or written, and relations are computed from that cleaned data,
so that a reference made inside an internal contact is not exported either.

Shapes (documented in docs/export.md, stable, `EXPORT_VERSION`):
- JSON: `{"version", "genere_le", "public", "entites": {kind: [{"id", "fichier", "donnees"}]},
  "relations": [{"source", "type_source", "champ", "cible", "type_cible"}]}`;
- CSV: `<kind>.csv` per kind (schema-ordered dotted columns, lists joined with `|`) and `relations.csv`;
- SQLite: one table per kind (`id` primary key, lists and blocks as JSON text), `relations`, `eee_export`.

An entity whose id appears twice (an error reported by `eee validate`) is exported once, as first read.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from .errors import EeeError, UsageError
from .figures import Count
from .files import replacing, unreadable, write_atomic
from .kinds import KINDS, Kind
from .model import Entity, Registry
from .public import INTERNAL_KEYS, public_data
from .query import beneficiaries, kind_named
from .schema import REF_KEYWORD
from .settings import schemas_dir

EXPORT_VERSION = 2  # 2: the actions' beneficiaries by category (`effectifs`), each number beside its precision
LIST_SEPARATOR = "|"
RELATION_COLUMNS = ("source", "type_source", "champ", "cible", "type_cible")
META_TABLE = "eee_export"

Path_ = tuple[str, ...]


# --------------------------------------------------------------------------- selection


def selected_kinds(kinds: Iterable[str | Kind] | None = None) -> list[Kind]:
    """The kinds to export, in the order of KINDS; words as users write them (« partenaires », « clee »)."""
    if not kinds:
        return list(KINDS.values())
    wanted = {k.name if isinstance(k, Kind) else kind_named(k).name for k in kinds}
    return [k for k in KINDS.values() if k.name in wanted]


def entities_of(registry: Registry, kind: Kind) -> list[Entity]:
    """The entities of a kind, by id; an id read twice is exported once (the first file read)."""
    unique = [e for e in registry.of_kind(kind.name) if registry.entities.get(e.id) is e]
    return sorted(unique, key=lambda e: e.id)


def _public(entity: Entity, internal: bool) -> dict[str, Any]:
    data = entity.data if isinstance(entity.data, dict) else {}
    return public_data(data, internal)


def relations(registry: Registry, internal: bool, kinds: Iterable[str | Kind] | None = None) -> list[dict[str, Any]]:
    """Every reference made by the exported entities, read from the data the audience may see.

    `champ` is the field as a dotted path without list positions (`membres.partenaires`), as in
    `eee show`; `type_cible` is the kind of the entity it names, or None if no entity has that id.
    """
    out = []
    for kind in selected_kinds(kinds):
        for entity in entities_of(registry, kind):
            for pointer, target, _allowed in registry.schemas.references(kind.name, _public(entity, internal)):
                found = registry.get(target)
                out.append({
                    "source": entity.id,
                    "type_source": kind.name,
                    "champ": ".".join(str(p) for p in pointer if not isinstance(p, int)),
                    "cible": target,
                    "type_cible": found.kind.name if found is not None else None,
                })
    return out


# --------------------------------------------------------------------------- JSON


def export_json(registry: Registry, internal: bool = False, kinds: Iterable[str | Kind] | None = None,
                today: date | None = None) -> dict[str, Any]:
    """One document of the registry (see docs/export.md); `json.dumps(..., ensure_ascii=False)` it."""
    chosen = selected_kinds(kinds)
    return {
        "version": EXPORT_VERSION,
        "genere_le": (today or date.today()).isoformat(),
        "public": not internal,
        "entites": {
            kind.name: [{"id": e.id, "fichier": e.path, "donnees": _public(e, internal),
                         **({"effectifs": {c: n.as_dict() for c, n in effectifs(registry, e).items()}}
                            if kind.name == "action" else {})}
                        for e in entities_of(registry, kind)]
            for kind in chosen
        },
        "relations": relations(registry, internal, chosen),
    }


def effectifs(registry: Registry, action: Entity) -> dict[str, Count]:
    """An action's beneficiaries, by category it counts (`query.beneficiaries`): each a number with its precision
    (exact, environ, au_moins), so that a spreadsheet can add up the numbers and still say which are minimums."""
    return {category: count for category in registry.schemas.labels("categorie_beneficiaire")
            if (count := beneficiaries(action, category)).known}


def _effectif_columns(registry: Registry) -> list[tuple[Path_, dict[str, Any]]]:
    """The columns of `effectifs` in CSV and SQLite: `effectifs.eleves` (a number) and `effectifs.eleves.precision`."""
    out: list[tuple[Path_, dict[str, Any]]] = []
    for category in registry.schemas.labels("categorie_beneficiaire"):
        out += [(("effectifs", category), {"type": "integer"}), (("effectifs", category, "precision"), {"type": "string"})]
    return out


# --------------------------------------------------------------------------- flattening


def _is_internal(path: Path_) -> bool:
    return any(part in INTERNAL_KEYS for part in path)


def schema_columns(registry: Registry, kind: Kind) -> list[tuple[Path_, dict[str, Any]]]:
    """The flat columns a kind's schema describes, in schema order: (path, schema node).

    Objects the schema describes field by field (`co_animation`, `label`…) become one column per
    field (`co_animation.partenaire.fonction`); everything else, lists included, is one column.
    """
    schemas = registry.schemas
    out: list[tuple[Path_, dict[str, Any]]] = []

    def walk(node: dict[str, Any], prefix: Path_) -> None:
        props = node.get("properties")
        if prefix and not (isinstance(props, dict) and props):
            out.append((prefix, node))
            return
        for key, child in (props or {}).items():
            walk(schemas.annotations(child) if isinstance(child, dict) else {}, prefix + (key,))

    walk(schemas.node_at(kind.name, ()) or {}, ())
    ids = [c for c in out if c[0] == ("id",)] or [(("id",), {})]
    return ids + [c for c in out if c[0] != ("id",)]


def _columns(registry: Registry, kind: Kind) -> list[tuple[Path_, dict[str, Any]]]:
    """The columns of a kind's CSV file and SQLite table: its schema's, then an action's `effectifs`."""
    return schema_columns(registry, kind) + (_effectif_columns(registry) if kind.name == "action" else [])


def flatten(registry: Registry, kind: Kind, data: dict[str, Any]) -> dict[Path_, Any]:
    """The leaves of an entity's data, by path: blocks the schema describes are opened, the rest kept whole."""
    schemas = registry.schemas
    out: dict[Path_, Any] = {}

    def walk(node: dict[str, Any], value: dict[str, Any], prefix: Path_) -> None:
        props = node.get("properties")
        props = props if isinstance(props, dict) else {}
        for key, item in value.items():
            path = prefix + (str(key),)
            child = props.get(key)
            child = schemas.annotations(child) if isinstance(child, dict) else {}
            if isinstance(item, dict) and child.get("properties"):
                walk(child, item, path)
            else:
                out[path] = item

    walk(schemas.node_at(kind.name, ()) or {}, data, ())
    return out


def _table(registry: Registry, kind: Kind, internal: bool) -> tuple[list[Path_], list[tuple[Entity, dict[Path_, Any]]]]:
    """Columns (schema order, then fields the schema does not know, sorted) and flattened rows."""
    rows = []
    for entity in entities_of(registry, kind):
        flat = flatten(registry, kind, _public(entity, internal))
        flat[("id",)] = entity.id  # the file name is the id (EEE-R001 reports a different `id:`)
        if kind.name == "action":
            for category, count in effectifs(registry, entity).items():
                flat[("effectifs", category)] = count.value
                flat[("effectifs", category, "precision")] = count.precision
        rows.append((entity, flat))
    columns = [path for path, _ in _columns(registry, kind) if internal or not _is_internal(path)]
    known = set(columns)
    extra = sorted({p for _, flat in rows for p in flat if p not in known})
    return columns + extra, rows


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# A cell that starts with one of these may be a formula to Excel and LibreOffice (OWASP, « CSV Injection »:
# `=`, `+`, `-`, `@`, tab, carriage return), and so may one that starts with any other control character (a line
# feed, or one a program removes before the spreadsheet sees the cell, leaving the `=` after it first).
FORMULA_STARTS = ("=", "+", "-", "@")


def formula_like(text: str) -> bool:
    """Whether a text cell starts, after any apostrophes, with FORMULA_STARTS or a control character."""
    first = text.lstrip("'")[:1]
    return first != "" and (first in FORMULA_STARTS or first < " " or "\x7f" <= first <= "\x9f")


def csv_cell(value: Any) -> str:
    """A value as a CSV cell: lists of plain values joined with `|`, other lists and blocks as JSON.

    A text that a spreadsheet would read as a formula (`formula_like`) gets a `'` in front, as OWASP
    advises; an int or a float of the data is written as it is (-3 stays -3). Removing one `'` from a
    cell that is `formula_like` and starts with `'` gives the text back (docs/export.md)."""
    if isinstance(value, list):
        text: str | None = None
        if all(not isinstance(v, (list, dict)) for v in value):
            items = [_scalar_text(v) for v in value]
            if not any(LIST_SEPARATOR in i for i in items):
                text = LIST_SEPARATOR.join(items)
        if text is None:
            return _json_text(value)  # starts with `[`
    elif isinstance(value, dict):
        return _json_text(value)  # starts with `{`
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # a number stays a number
    else:
        text = _scalar_text(value)
    return "'" + text if formula_like(text) else text


def excel_code(value: Any, cell: str) -> str:
    """A CSV cell for Excel (`eee export csv --excel`): a text of the registry made only of digits (a code: UAI
    digits, SIRET, département « 09 ») is written `="09"`, which Excel reads as the text 09, where it would
    otherwise make the number 9 of it (1,9E+13 of a SIRET). Numbers of the data, and every other cell, are kept."""
    if isinstance(value, (int, float)) or not (cell.isascii() and cell.isdigit()):
        return cell
    return f'="{cell}"'


def sql_cell(value: Any) -> Any:
    """A value for SQLite: lists and blocks as JSON text, booleans as 0/1."""
    if isinstance(value, (list, dict)):
        return _json_text(value)
    if isinstance(value, bool):
        return int(value)
    return value


# --------------------------------------------------------------------------- files


def _csv_bytes(header: list[str], rows: Iterable[list[str]], separator: str, bom: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def export_csv(registry: Registry, out_dir: Path, internal: bool = False, separator: str = ",", bom: bool = False,
               kinds: Iterable[str | Kind] | None = None, protect_codes: bool = False) -> list[Path]:
    """One `<kind>.csv` per kind (header only when it has no entity) and `relations.csv`; the files written.

    `protect_codes` (with `;` and a BOM, the preset `eee export csv --excel`): codes made of digits are written
    so that Excel keeps them as text (`excel_code`)."""
    if len(separator) != 1 or separator in '"\r\n' or separator == LIST_SEPARATOR:
        raise UsageError(f"séparateur CSV invalide : « {separator} »",
                         "donnez un seul caractère, par exemple --separateur ';' pour Excel en français")
    out_dir = Path(out_dir)
    written = []
    chosen = selected_kinds(kinds)

    def cell(value: Any) -> str:
        text = csv_cell(value)
        return excel_code(value, text) if protect_codes else text

    for kind in chosen:
        columns, rows = _table(registry, kind, internal)
        body = [[cell(flat.get(c)) for c in columns] for _, flat in rows]
        path = out_dir / f"{kind.name}.csv"
        write_atomic(path, _csv_bytes([".".join(c) for c in columns], body, separator, bom), within=out_dir)
        written.append(path)
    links = [[cell(r[c]) for c in RELATION_COLUMNS] for r in relations(registry, internal, chosen)]
    path = out_dir / "relations.csv"
    write_atomic(path, _csv_bytes(list(RELATION_COLUMNS), links, separator, bom), within=out_dir)
    written.append(path)
    return written


# --------------------------------------------------------------------------- SQLite


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_SQL_TYPES = {"integer": "INTEGER", "boolean": "INTEGER", "number": "REAL", "string": "TEXT",
              "array": "TEXT", "object": "TEXT"}


def _sql_type(node: dict[str, Any]) -> str:
    kind = node.get("type")
    return _SQL_TYPES.get(kind, "") if isinstance(kind, str) else ""


def export_sqlite(registry: Registry, path: Path, internal: bool = False,
                  kinds: Iterable[str | Kind] | None = None, today: date | None = None) -> None:
    """A SQLite database (for Datasette): a table per kind, `relations` and `eee_export`; replaced in one go.

    Columns are the CSV's (dotted names); `id` is the primary key; a single-valued reference to one
    kind (`etablissement_siege`) is declared as a foreign key, so that Datasette links it.
    """
    with replacing(path, within=Path(path).absolute().parent) as tmp:  # a link may not lead out of the folder
        connection = sqlite3.connect(tmp)
        try:
            _fill_sqlite(connection, registry, selected_kinds(kinds), internal, today or date.today())
            connection.commit()
        except sqlite3.OperationalError as exc:  # the disk is full, the folder read-only…
            full = "full" in str(exc)
            raise EeeError(f"impossible d'écrire la base « {path} » : "
                           + ("le disque est plein" if full else f"erreur de SQLite ({exc})"),
                           "libérez de la place sur le disque, puis relancez" if full else
                           "vérifiez la place sur le disque et vos droits sur ce dossier") from None
        finally:
            connection.close()


def _fill_sqlite(connection: sqlite3.Connection, registry: Registry, chosen: list[Kind], internal: bool,
                 today: date) -> None:
    exported = {k.name for k in chosen}
    for kind in chosen:
        columns, rows = _table(registry, kind, internal)
        nodes = dict(_columns(registry, kind))
        definitions, keys = [], []
        for column in columns:
            node = nodes.get(column, {})
            name = ".".join(column)
            sql_type = "TEXT PRIMARY KEY" if column == ("id",) else _sql_type(node)
            definitions.append(f"{_quote(name)} {sql_type}".rstrip())
            targets = node.get(REF_KEYWORD)
            if node.get("type") != "array" and isinstance(targets, list) and len(targets) == 1 \
                    and targets[0] in exported and column != ("id",):
                keys.append(f"FOREIGN KEY ({_quote(name)}) REFERENCES {_quote(targets[0])}(\"id\")")
        connection.execute(f"CREATE TABLE {_quote(kind.name)} ({', '.join(definitions + keys)})")
        marks = ", ".join("?" for _ in columns)
        connection.executemany(f"INSERT INTO {_quote(kind.name)} VALUES ({marks})",
                               [[sql_cell(flat.get(c)) for c in columns] for _, flat in rows])
    connection.execute("CREATE TABLE relations (source TEXT NOT NULL, type_source TEXT NOT NULL, "
                       "champ TEXT NOT NULL, cible TEXT NOT NULL, type_cible TEXT)")
    connection.executemany("INSERT INTO relations VALUES (?, ?, ?, ?, ?)",
                           [[r[c] for c in RELATION_COLUMNS] for r in relations(registry, internal, chosen)])
    connection.execute("CREATE INDEX relations_source ON relations (source)")
    connection.execute("CREATE INDEX relations_cible ON relations (cible)")
    connection.execute(f"CREATE TABLE {META_TABLE} (version INTEGER, genere_le TEXT, public INTEGER)")
    connection.execute(f"INSERT INTO {META_TABLE} VALUES (?, ?, ?)", (EXPORT_VERSION, today.isoformat(), int(not internal)))


# --------------------------------------------------------------------------- editor schemas


def schema_globs(registry_dir: str = "registry") -> dict[str, list[str]]:
    """For the YAML language server: `./schemas/<kind>.schema.json` → the files of that kind."""
    mapping = {}
    for kind in KINDS.values():
        if not kind.folder:
            globs = [f"{registry_dir}/reseau.yaml"]
        elif kind.by_year:
            globs = [f"{registry_dir}/{kind.folder}/*/*.yaml"]
        else:
            globs = [f"{registry_dir}/{kind.folder}/*.yaml"]
        mapping[f"./schemas/{kind.schema_file}"] = globs
    return mapping


def _strip_jsonc(text: str) -> str:
    """VS Code settings may hold comments and trailing commas: drop them, leaving strings intact."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j < n and text[j] in "]}":
                i += 1  # trailing comma
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def write_schemas(out_dir: Path, registry_dir: str = "registry") -> list[Path]:
    """Copy the JSON Schemas to `out_dir/schemas/` and point VS Code's YAML extension at them.

    `out_dir` is the registry repository (`registry/` beside `schemas/`). `.vscode/settings.json`
    gets a `yaml.schemas` entry per kind, merged into the existing file: other settings and other
    schema associations are kept (comments in that file are not). Returns the files written.
    """
    out_dir = Path(out_dir)
    written = []
    for source in sorted(schemas_dir().glob("*.schema.json")):
        target = out_dir / "schemas" / source.name
        write_atomic(target, source.read_bytes(), within=out_dir)
        written.append(target)
    settings_path = out_dir / ".vscode" / "settings.json"
    settings: dict[str, Any] = {}
    if settings_path.exists():
        try:
            text = settings_path.read_text(encoding="utf-8-sig")
            loaded = json.loads(_strip_jsonc(text)) if text.strip() else {}
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise EeeError(f"« {settings_path} » n'a pas pu être lu ({unreadable(exc)}) : il n'a pas été modifié",
                           "corrigez ce fichier (du JSON) ou déplacez-le, puis relancez eee schema") from None
        if not isinstance(loaded, dict):
            raise EeeError(f"« {settings_path} » ne contient pas un objet JSON : il n'a pas été modifié",
                           "corrigez ce fichier ou déplacez-le, puis relancez eee schema")
        settings = loaded
    current = settings.get("yaml.schemas")
    associations = dict(current) if isinstance(current, dict) else {}
    associations.update(schema_globs(registry_dir))
    settings["yaml.schemas"] = associations
    write_atomic(settings_path, json.dumps(settings, ensure_ascii=False, indent=2) + "\n", within=out_dir)
    written.append(settings_path)
    return written


__all__ = ["EXPORT_VERSION", "csv_cell", "effectifs", "entities_of", "excel_code", "export_csv", "export_json",
           "export_sqlite", "flatten", "relations", "schema_columns", "schema_globs", "selected_kinds", "sql_cell", "write_schemas"]
