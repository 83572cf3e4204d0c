"""The site's search index: a script (`recherche-index.js`) that the search page (`recherche.html`) loads.

A script and not a JSON file: a browser refuses to fetch a file from a page opened from the disk (file://), and
runs a script beside it. Each entry is what a result shows (page, name, kind, status, territories) and the text
searched: the entity's name, its kind, its type and status, its territories, its commune and the names of the
entities it names (partners, host schools, organisers), all public, lower-cased and without accents, as the page's
script (`eee-recherche.js`) makes the words typed. Built from the summaries of `context.site_context` and the
registry's references outside contacts: nothing internal.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..query import normalize

if TYPE_CHECKING:
    from ..model import Registry
    from .context import Site

# The reference fields that may name people's organisations in a contact: never part of the index.
_SKIPPED = ("contacts", "notes_internes", "a_completer", "sources")
_COMMUNES = (("commune",), ("lieu", "commune"), ("adresse", "commune"))


def search_entries(registry: Registry, site: Site, known: Mapping[str, list[str]] | None = None) -> list[list[str]]:
    """[page, name, kind, status, territories, searched text] of every entity of the site, in the order of the
    indexes; `known`: entries already made, by entity id (made from the same inputs: `incremental.Memory`), taken
    as they are."""
    known = known or {}
    departements = {t.code: t.nom for t in site.departements}
    academies = {t.code: t.nom for t in site.academies}
    names: dict[str, list[str]] = {}
    for entity, (pointers, targets, _kinds) in registry.found_references:
        if entity.id in known:
            continue
        for pointer, target in zip(pointers, targets):
            if pointer and pointer[0] not in _SKIPPED and target in site.entities:
                names.setdefault(entity.id, []).append(site.entities[target].nom)
    entries = []
    for index in site.indexes:
        for view in index.entities:
            entry = known.get(view.id)
            if entry is not None:
                entries.append(entry)
                continue
            entity = registry.entities[view.id]
            places = [f"{departements.get(code, code)} ({code})" for code in view.departements]
            places += [academies.get(code, code) for code in view.academies]
            communes = [value for pointer in _COMMUNES if isinstance(value := entity.get(*pointer), str)]
            kind = view.kind.capitalised
            searched = [view.nom, view.id, kind, view.kind.plural, view.statut, view.row.get("type", ""),
                        view.row.get("nature", ""), view.row.get("secteur", ""), *places, *communes,
                        *names.get(view.id, [])]
            entries.append([f"{view.kind.folder}/{view.id}.html", view.nom, kind, view.statut,
                            ", ".join(places[:len(view.departements)] or places), normalize(" ".join(searched))])
    return entries


def search_script(registry: Registry, site: Site, entries: list[list[str]] | None = None) -> str:
    """The text of recherche-index.js: one assignment of the entries (`entries`, else `search_entries`), in ASCII
    (no character a script could misread: U+2028 and the like are escaped), with < > & escaped too, so that no
    name reads as markup even to a tool that takes the file for HTML (the page writes the names as text, never as
    markup)."""
    data = json.dumps(search_entries(registry, site) if entries is None else entries, ensure_ascii=True,
                      separators=(",", ":"))
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"window.EEE_RECHERCHE = {data};\n"
