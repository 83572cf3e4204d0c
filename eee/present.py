"""Query results → text on a stream: tables, JSON, CSV, YAML, Markdown, trees.

People read labels (« Actif », « Haute-Garonne », names instead of ids);
scripts read codes with stable keys (`--format json|csv|yaml`). On a terminal,
tables and trees use rich and fit its width; piped, they are plain text, one
line per row, never cut.
"""

from __future__ import annotations

import csv
from typing import Any, TextIO

from .domain import date_fr, parse_date, plural
from .escape import json_text, terminal
from .figures import Count, block_number
from .kinds import KINDS
from .model import Entity, Registry
from .query import Column, Table, incoming, outgoing
from .schema import LABELS_KEYWORD, REF_KEYWORD, SchemaSet, pointer_text
from .search import Hit
from .stats import Node

FORMATS = ("table", "json", "csv", "yaml", "markdown")


def _console(stream: TextIO) -> Any:
    from rich.console import Console

    return Console(file=stream, highlight=False)


# --------------------------------------------------------------------------- values for people


def label(registry: Registry, vocabulary: str | None, value: Any) -> str:
    if vocabulary and isinstance(value, str):
        return plain(registry.schemas.labels(vocabulary).get(value, value))
    return plain(value)


def plain(value: Any) -> str:
    """A value as people read it, on one line, with no control character (see `escape.terminal`)."""
    if value is None or value == []:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return ", ".join(plain(v) for v in value)
    return terminal(value)


def name_of(registry: Registry, entity_id: Any) -> str:
    entity = registry.get(entity_id) if isinstance(entity_id, str) else None
    return plain(entity.nom if entity is not None else entity_id)


def cell(registry: Registry, column: Column, value: Any) -> str:
    if isinstance(value, Count):
        return value.number()  # « au moins 350 », « non renseigné »: never a bare number for a minimum
    if column.refs:
        values = value if isinstance(value, list) else ([] if value is None else [value])
        return ", ".join(name_of(registry, v) for v in values) or "—"
    if isinstance(value, list):
        return ", ".join(label(registry, column.vocabulary, v) for v in value) or "—"
    return label(registry, column.vocabulary, value)


# --------------------------------------------------------------------------- tables


def _csv_value(value: Any, whole: bool = True) -> str:
    """A value as a CSV cell (`whole`), or as an item of a list joined with `|` into one cell.

    A cell a spreadsheet would read as a formula (it starts, after any apostrophes, with `=`, `+`, `-`, `@`
    or a control character: tab, carriage return, line feed…) gets a `'` in front (OWASP, « CSV Injection »;
    the rule of export.formula_like, which this layer cannot import); an int or a float stays as it is.
    A carriage return inside a text becomes a line feed: the writer quotes a cell holding a line feed, not
    one holding a lone carriage return, which a spreadsheet would read as the end of the row (and the rest
    as a new row, maybe a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        text = "|".join(_csv_value(v, whole=False) for v in value)
    else:
        text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    first = text.lstrip("'")[:1]
    if whole and first != "" and (first in "=+-@" or first < " " or "\x7f" <= first <= "\x9f"):
        return "'" + text
    return text


def _machine(result: Table) -> tuple[list[str], list[dict[str, Any]]]:
    """Keys and records for scripts: a number of beneficiaries as its number (null when unknown) and, in a key of
    its own beside it, its qualifier (`eleves_precision`: exact, environ, au_moins)."""
    keys: list[str] = []
    for column in result.columns:
        keys.append(column.key)
        if column.count:
            keys.append(f"{column.key}_precision")
    records = []
    for record in result.records():
        out: dict[str, Any] = {}
        for column in result.columns:
            value = record[column.key]
            if column.count:
                out[column.key] = value.value
                out[f"{column.key}_precision"] = value.precision
            else:
                out[column.key] = value
        records.append(out)
    return keys, records


def table(result: Table, registry: Registry, stream: TextIO, fmt: str = "table", separator: str = ",",
          bom: bool = False) -> None:
    keys, records = _machine(result) if fmt in ("json", "yaml", "csv") else ([], result.records())
    if fmt == "json":
        stream.write(json_text(records, indent=2) + "\n")
    elif fmt == "yaml":
        import yaml

        stream.write(yaml.safe_dump(records, allow_unicode=True, sort_keys=False) if records else "[]\n")
    elif fmt == "csv":
        if bom:
            stream.write("\ufeff")
        writer = csv.writer(stream, delimiter=separator, lineterminator="\r\n" if bom else "\n")
        writer.writerow(keys)
        # A line feed inside a cell is quoted by the CSV writer; no other control character is written.
        writer.writerows([[terminal(_csv_value(r[key]), newlines=True) for key in keys] for r in records])
    elif fmt == "markdown":
        from .markdown import md_escape

        stream.write("| " + " | ".join(c.header for c in result.columns) + " |\n")
        stream.write("|" + "---|" * len(result.columns) + "\n")
        for r in records:
            stream.write("| " + " | ".join(md_escape(cell(registry, c, r[c.key])) for c in result.columns) + " |\n")
    else:
        title = f"{len(records)} {result.kind.label if len(records) == 1 else result.kind.plural}"
        _people_table(title, [c.header for c in result.columns],
                      [[cell(registry, c, r[c.key]) for c in result.columns] for r in records], stream)


def _people_table(title: str, headers: list[str], rows: list[list[str]], stream: TextIO) -> None:
    console = _console(stream)
    if console.is_terminal:
        from rich import box
        from rich.table import Table as RichTable
        from rich.text import Text

        grid = RichTable(title=title, box=box.SIMPLE_HEAD, title_justify="left", title_style="bold")
        # Columns come by importance: the last ones are hidden first when the terminal is too narrow
        # for each column to show its longest word. The first column (identifiers) is never folded.
        mins = [min(max(len(w) for w in [*header.split(), *(w for row in rows for w in row[i].split())]), 28)
                for i, header in enumerate(headers)]
        if rows:
            mins[0] = max(len(row[0]) for row in rows + [headers])  # never folded
        hidden: list[str] = []
        while len(mins) > 3 and sum(mins) + 3 * len(mins) > console.width:
            hidden.insert(0, headers[len(mins) - 1])
            mins.pop()
        for index, header in enumerate(headers[: len(mins)]):
            grid.add_column(header, no_wrap=index == 0)
        for row in rows:
            grid.add_row(*(Text(terminal(value)) for value in row[: len(mins)]))  # Text: « [link=…] » is no markup
        console.print(grid)
        if hidden:
            console.print(f"[dim]Colonnes masquées faute de place : {', '.join(hidden)} "
                          "(élargissez le terminal, ou --format csv ou json pour tout voir).[/dim]")
        return
    rows = [[terminal(value) for value in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    stream.write(title + "\n")
    stream.write("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip() + "\n")
    for row in rows:
        stream.write("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() + "\n")


# --------------------------------------------------------------------------- show


def _human(registry: Registry, kind: str, pointer: tuple[Any, ...], value: Any) -> str:
    node = registry.schemas.node_at(kind, pointer) or {}
    if isinstance(value, str) and LABELS_KEYWORD in node:
        return node[LABELS_KEYWORD].get(value, value)
    if isinstance(value, str) and REF_KEYWORD in node:
        target = registry.get(value)
        return f"{target.nom} ({value})" if target is not None else f"{value} (introuvable)"
    if parse_date(value) is not None:  # as the site writes it: 15 septembre 2025
        return date_fr(value)
    return plain(value)


def _lines(registry: Registry, entity: Entity, value: Any, pointer: tuple[Any, ...], depth: int) -> list[str]:
    """An entity's data as indented French lines (titles from the schema)."""
    pad = "  " * depth
    out: list[str] = []
    kind = entity.kind.name
    if isinstance(value, dict):
        number = block_number(value)  # « au moins 350 »: a number is never shown apart from its precision
        for key, item in value.items():
            title = registry.schemas.title(kind, pointer + (key,)) or key
            if number is not None and key in ("nombre", "precision"):
                if key == "nombre":
                    out.append(f"{pad}{title} : {number}")
                continue
            if isinstance(item, (dict, list)) and item and not _flat_list(item):
                out.append(f"{pad}{title} :")
                out.extend(_lines(registry, entity, item, pointer + (key,), depth + 1))
            elif isinstance(item, list):
                shown = ", ".join(_human(registry, kind, pointer + (key, i), v) for i, v in enumerate(item))
                out.append(f"{pad}{title} : {shown or '—'}")
            else:
                out.append(f"{pad}{title} : {_human(registry, kind, pointer + (key,), item)}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            sub = _lines(registry, entity, item, pointer + (index,), depth + 1)
            if sub:
                out.append(f"{pad}- {sub[0].strip()}")
                out.extend(sub[1:])
    else:
        out.append(f"{pad}{_human(registry, kind, pointer, value)}")
    return out


def _flat_list(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value)


def describe(registry: Registry, entity: Entity) -> dict[str, Any]:
    """`eee show --format json|yaml`: the entity, its relations both ways (stable keys)."""
    return {
        "id": entity.id,
        "type": entity.kind.name,
        "fichier": entity.path,
        "donnees": entity.data,
        "references": [{"champ": r.field, "id": r.id, "type": r.kind.name if r.exists else None, "nom": r.nom}
                       for r in outgoing(registry, entity)],
        "referencee_par": [{"champ": r.field, "id": r.id, "type": r.kind.name, "nom": r.nom}
                           for relations in incoming(registry, entity).values() for r in relations],
    }


def show(registry: Registry, entity: Entity, stream: TextIO, fmt: str = "text") -> None:
    if fmt == "json":
        stream.write(json_text(describe(registry, entity), indent=2) + "\n")
        return
    if fmt == "yaml":
        import yaml

        stream.write(yaml.safe_dump(describe(registry, entity), allow_unicode=True, sort_keys=False))
        return
    from rich.text import Text

    console = _console(stream)
    console.soft_wrap = not console.is_terminal
    console.print(Text(terminal(entity.nom), style="bold"))
    console.print(Text(terminal(f"{entity.kind.capitalised} · {entity.id} · {entity.path}"),
                       style="dim"))
    console.print()
    data = {k: v for k, v in entity.data.items() if k not in ("id", "nom")}
    if isinstance(data.get("contacts"), list):  # say that a contact is internal, as it is by default
        data["contacts"] = [dict(c, visibilite=c.get("visibilite", "interne")) if isinstance(c, dict) else c
                            for c in data["contacts"]]
    for line in _lines(registry, entity, data, (), 0):
        console.print(Text(terminal(line)))
    relations = incoming(registry, entity)
    if relations:
        console.print()
        console.print(Text("Référencé par", style="bold"))
        for kind, items in relations.items():
            console.print(Text(f"  {KINDS[kind].title} ({len(items)})", style="bold"))
            for r in items:
                field_title = registry.schemas.title(kind, tuple(r.field.split("."))) or r.field
                console.print(Text(terminal(f"    {r.nom} ({r.id}) — {field_title.lower()}")))
    else:
        console.print()
        console.print(Text("Aucune entité ne fait référence à celle-ci.", style="dim"))


# --------------------------------------------------------------------------- search


def hits(found: list[Hit], stream: TextIO, fmt: str = "table", registry: Registry | None = None) -> None:
    if fmt == "json":
        stream.write(json_text([{"type": h.entity.kind.name, "id": h.entity.id, "nom": h.entity.nom,
                                 "score": round(h.score, 2), "approche": h.approximate,
                                 "champ": pointer_text(h.field), "texte": h.text}
                                for h in found], indent=2) + "\n")
        return
    if not found:
        stream.write("Aucun résultat.\n")
        return
    rows = []
    for h in found:
        where = ""
        if registry is not None and h.field[:1] not in (("nom",), ("id",)):
            title = registry.schemas.title(h.entity.kind.name, h.field) or str(h.field[-1])
            where = f"{title} : {_snippet(_human(registry, h.entity.kind.name, h.field, h.text), h.words)}"
        rows.append([h.entity.id, h.entity.kind.capitalised, h.entity.nom, where])
    title = plural(len(found), "résultat", "résultats")
    approximate = sum(h.approximate for h in found)
    if approximate == len(found):  # found only with a typo: say so, the officer may have meant another word
        title = plural(len(found), "résultat approché", "résultats approchés") + " (faute de frappe tolérée)"
    elif approximate:
        title += f", dont {plural(approximate, 'approché', 'approchés')} (faute de frappe tolérée), en dernier"
    _people_table(title, ["Identifiant", "Type", "Nom", "Trouvé dans"], rows, stream)


def _snippet(text: str, words: list[str], width: int = 70) -> str:
    """The part of a long text around the first matched word."""
    if len(text) <= width:
        return text
    from .query import normalize

    positions = [i for i in range(len(text)) if any(normalize(text[i:i + len(w) + 2]).startswith(w) for w in words)
                 and (i == 0 or not text[i - 1].isalnum())]
    start = max(0, (positions[0] if positions else 0) - 20)
    if start:
        start = text.find(" ", start) + 1 or start  # begin on a word
    end = start + width
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")


# --------------------------------------------------------------------------- tree


def tree(root: Node, stream: TextIO, fmt: str = "text") -> None:
    if fmt == "json":
        stream.write(json_text(root.as_dict(), indent=2) + "\n")
        return
    console = _console(stream)
    if console.is_terminal:
        from rich.text import Text
        from rich.tree import Tree

        def grow(branch: Any, node: Node) -> None:
            for child in node.children:
                grow(branch.add(Text(terminal(child.label))), child)  # Text: a label is no rich markup

        rich_tree = Tree(Text(terminal(root.label)), guide_style="dim")
        grow(rich_tree, root)
        console.print(rich_tree)
        return

    def walk(node: Node, prefix: str) -> None:
        for index, child in enumerate(node.children):
            last = index == len(node.children) - 1
            stream.write(f"{prefix}{'└── ' if last else '├── '}{terminal(child.label)}\n")
            walk(child, prefix + ("    " if last else "│   "))

    stream.write(terminal(root.label) + "\n")
    walk(root, "")


# --------------------------------------------------------------------------- stats


def stats(data: dict[str, Any], schemas: SchemaSet, stream: TextIO, fmt: str = "text") -> None:
    if fmt == "json":
        from .stats import stats_json

        stream.write(json_text(stats_json(data), indent=2) + "\n")
        return
    deps = schemas.labels("departement")
    academies = schemas.labels("academie")
    types = schemas.labels("type_action")
    shown_kinds = ["clee", "cmq", "pft", "etablissement", "action", "evenement"]
    year = f" — année scolaire {data['annee']}" if data["annee"] else ""
    _people_table(f"Entités par type{year}", ["Type", "Nombre"],
                  [[KINDS[k].title, str(n)] for k, n in data["par_type"].items()], stream)
    stream.write("\n")
    headers = ["Territoire"] + [KINDS[k].title for k in shown_kinds]
    rows = []
    for academie, counts in data["par_academie"].items():
        rows.append([academies.get(academie, academie)] + [str(counts.get(k, 0)) for k in shown_kinds])
        for dep, dep_counts in data["par_departement"].items():
            if schemas.academie_of_departement.get(dep) == academie:
                rows.append([f"  {dep} {deps.get(dep, '')}"] + [str(dep_counts.get(k, 0)) for k in shown_kinds])
    _people_table("Par académie et département", headers, rows, stream)
    stream.write("\n")
    coverage = [[KINDS[k].title, f"{c['decrits']} décrits sur {c['attendus']} attendus"
                 + (f" (dont {len(data['sans_date'][k])} sans date connue, comptés)" if data["sans_date"].get(k) else "")]
                for k, c in data["couverture"].items()]
    missing = ", ".join(f"{d} {deps.get(d, '')}" for d in data["departements_sans_clee"]) or "aucun"
    coverage.append(["Départements sans CLEE", missing])
    _people_table("Couverture", ["", ""], coverage, stream)
    stream.write("\n")
    rows = [[types.get(t, t), str(r["actions"]), r["eleves"].number(), r["enseignants"].number(), str(r["sans_nombre"])]
            for t, r in data["actions_par_type"].items()]
    _people_table(f"Actions par type{year}", ["Type", "Actions", "Élèves", "Enseignants", "Sans nombre"], rows, stream)
    stream.write("\n")
    rows = [[y, str(r["actions"]), r["eleves"].number(), r["enseignants"].number(), str(r["sans_nombre"])]
            for y, r in data["actions_par_annee"].items()]
    _people_table("Actions par année scolaire", ["Année", "Actions", "Élèves", "Enseignants", "Sans nombre"], rows,
                  stream)
    stream.write("\n")
    gaps = data["a_completer"]
    lines = [["Informations à compléter", str(gaps["total"])]]
    lines += [[f"  {KINDS[k].title}", str(n)] for k, n in gaps["par_type"].items()]
    lines.append(["Entités sans source", ", ".join(data["sans_sources"]) or "aucune"])
    _people_table("Lacunes", ["", ""], lines, stream)
