"""What lets `eee build` redo only what changed: a manifest of what each page was made from.

After a build the output folder holds MANIFEST, hashes only (never data): a key for the whole site (`site_key`:
eee's version and source, the options, the generated date, every template and static file, the schemas, the
network's own data, the kinds present, the school years summarised), then by unit of pages its key and the digest
(SHA-256) of each of its pages (`Manifest`):

- an entity's own pages (`entity_keys`): its file's data, its summary, and the summaries of every entity it names
  and of every entity that names it;
- a page that lists or counts (`page_key`): a kind's index, the summaries of its rows and its filters; a
  territory's page, the summaries of its entities; every other page (home, territories, search, site map, the
  footer's pages), the counts across the registry and the map (`counts_key`);
- a school year's summary in every format (`bilan_key`): its figures and lists (`bilan.compute`), the data of the
  entities among them, what changed that year (git) and the name of every entity it may link to; the summaries'
  index, their headline figures.

Each key holds what eee's own templates read for these pages: a template that reads more needs its key to hold it
too. The next build into the same folder carries a unit's pages over from the previous site (a hard link, else a
copy) when its key is the same and its pages are still the files the manifest describes (their digests); it
renders the others. The search index and the static files are written each time. A missing, unreadable or foreign
manifest, a registry with duplicated ids, or a page made from templates of the registry's repository (which may
read anything of the site) means every page is rendered: the result is always byte for byte what a clean build
gives.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..bilan import Bilan, Figure
from ..model import Entity, Registry
from .context import EntitySummary, Site

MANIFEST = ".eee-manifeste.json"  # in the output folder, beside MARKER
FORMAT = "eee-manifeste/2"


def _hash_files(digest: Any, folder: Path) -> None:
    """Every file under `folder` (names and contents) into `digest`, in a stable order."""
    if not folder.is_dir():
        digest.update(b"\0absent\0")
        return
    for path in sorted(p for p in folder.rglob("*") if "__pycache__" not in p.parts):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())


def _text(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=repr, separators=(",", ":"))
    except (TypeError, ValueError):  # a mapping key JSON cannot hold (YAML allows any): its Python text
        return repr(value)


def _json(value: Any) -> bytes:
    return _text(value).encode("utf-8", "surrogatepass")


def summary_key(summary: EntitySummary) -> list[Any]:
    """Everything an entity's summary holds (what lists and links show of it), as plain values."""
    return [summary.kind.name if name == "kind" else getattr(summary, name)
            for name in EntitySummary.__dataclass_fields__]


def site_key(registry: Registry, site: Site, template_folders: Iterable[Path], options: dict[str, Any]) -> str:
    """What every page's frame reads from the whole site, and what every page is made with."""
    from .. import __version__
    from ..settings import PACKAGE_DIR, schemas_dir

    digest = hashlib.sha256(FORMAT.encode("ascii") + b"\0" + __version__.encode("ascii") + b"\0")
    _hash_files(digest, PACKAGE_DIR)  # eee's own code: a change of eee without a new version number too
    for folder in template_folders:
        digest.update(b"\0templates\0" + str(folder).encode("utf-8") + b"\0")
        _hash_files(digest, folder)
    digest.update(b"\0schemas\0")
    _hash_files(digest, schemas_dir())
    network = registry.network
    digest.update(_json({
        "options": options, "generated": site.generated, "internal": site.internal, "theme": site.theme,
        "reports": site.reports, "kinds": [index.kind.name for index in site.indexes],
        "network": [network.path, network.data] if network else None,
        "frame": [site.title, site.region, site.mission, site.publication, site.publication_gaps,
                  site.legal_pages, site.accessibility, list(site.stylesheets), site.standalone],
        "territories": [[t.code, t.nom, t.academie] for t in site.departements + site.academies],
    }))
    return digest.hexdigest()


def summary_digests(site: Site) -> dict[str, str]:
    """By entity id, the digest of its summary (`summary_key`): once each, since many keys include it."""
    return {entity_id: hashlib.sha256(_json(summary_key(summary))).hexdigest()
            for entity_id, summary in site.entities.items()}


def contents(registry: Registry, site: Site) -> dict[str, tuple[str, list[str]]]:
    """By entity id, the digest of what its file says (its path, whether it passed its schema, its data) and the ids
    among its data's texts (more if a text holds a quote): once each, since several keys include them."""
    entities = registry.entities
    out = {}
    for entity_id in site.entities:
        entity = entities[entity_id]
        text = _text([entity_id, entity.path, entity.valid, entity.data])
        named = sorted({piece for piece in text.split('"') if piece in entities})  # a text is between two quotes
        out[entity_id] = (hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), named)
    return out


def entity_keys(registry: Registry, site: Site, whole: str, shown: dict[str, str],
                files: dict[str, tuple[str, list[str]]]) -> dict[str, str]:
    """By entity id, the key of what its own pages show: `whole` (the site's key), what its file says, its summary,
    the summaries of the entities it names (any text of its data that is an id) and of those that name it
    (`shown`: `summary_digests`; `files`: `contents`)."""
    keys = {}
    for entity_id in site.entities:
        content, named = files[entity_id]
        incoming = [[ref.source.id, ref.source.kind.name, ref.source.nom, ref.source.path, list(ref.pointer),
                     shown.get(ref.source.id)] for ref in registry.referencing(entity_id)]
        digest = hashlib.sha256(whole.encode("ascii"))
        digest.update(_json([entity_id, content, shown[entity_id], [[i, shown[i]] for i in named if i in shown],
                             incoming]))
        keys[entity_id] = digest.hexdigest()
    return keys


def counts_key(site: Site, svg: str) -> list[Any]:
    """What the pages that count across the registry read of it (the home page, the territories, the search page,
    the site map and the footer's pages): the number of entities of each kind and of each territory, the coverage
    (the one part of `site.figures` the templates show), the map."""
    return [[[index.kind.name, len(index.entities)] for index in site.indexes], site.figures.get("couverture"), svg,
            [[t.code, [[kind, len(members)] for kind, members in t.by_kind.items()]]
             for t in site.departements + site.academies]]


def page_key(whole: str, name: str, template: str, extra: dict[str, Any], counts: list[Any],
             shown: dict[str, str]) -> str:
    """The key of a page that lists or counts (`render._pages`): `name`, its path in the site, and what it reads
    besides the site's frame: a kind's index (`index`) its rows, headers and filters; a territory's page (`t`) its
    entities by kind; every other page `counts` (`counts_key`)."""
    parts: list[Any] = [name, template]
    for field, value in sorted(extra.items()):
        if field == "index":
            parts.append([field, value.kind.name, value.headers, value.filters,
                          [shown[summary.id] for summary in value.entities]])
        elif field == "t":
            parts.append([field, value.code, value.nom, value.academie,
                          [[kind, [shown[summary.id] for summary in members]] for kind, members in value.by_kind.items()]])
        else:  # plain values: the level of a territory, the credits of the legal notice
            parts.append([field, value])
    if "index" not in extra and "t" not in extra:
        parts.append(counts)
    digest = hashlib.sha256(whole.encode("ascii"))
    digest.update(_json(parts))
    return digest.hexdigest()


def plain(value: Any) -> Any:
    """Figures (`bilan.Bilan`: dataclasses, entities, mappings) as plain values, for a key: an entity as its id,
    kind, file and data."""
    if isinstance(value, Entity):
        return ["entity", value.id, value.kind.name, value.path, value.valid, value.data]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, *(plain(getattr(value, f.name)) for f in dataclasses.fields(value))]
    if isinstance(value, dict):
        return [[plain(k), plain(v)] for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def bilan_key(whole: str, registry: Registry, bilan: Bilan, changes: Any, paths: list[str],
              files: dict[str, tuple[str, list[str]]]) -> str:
    """The key of a school year's summary (its pages `paths`): its figures and lists (`bilan.compute`; the previous
    year's figures by their counts), an entity among them by what its file says (`files`: `contents`), what
    changed that year (git), and the name and kind of every entity whose id is among its texts: the entities
    among its lists, its rows' and its sources' (what the templates link to, by `url` and `name`; not the ids
    within the entities' data)."""

    def encode(value: Any) -> Any:
        """What JSON cannot write itself, one level down (JSON's C encoder goes through the rest)."""
        if isinstance(value, Entity):
            if value.id not in files:  # not one of the site's entities: never, but then whole
                return ["entity", value.id, value.kind.name, value.path, value.valid, value.data]
            return ["entity", value.id, files[value.id][0]]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return [type(value).__name__, *(getattr(value, f.name) for f in dataclasses.fields(value))]
        return repr(value)

    # The previous year's figures by their counts alone: the templates compare counts, and show the sources of the
    # year's own figures only.
    bilan = dataclasses.replace(bilan, previous_headline={key: Figure(figure.count)
                                                          for key, figure in bilan.previous_headline.items()})
    try:
        text = json.dumps([paths, bilan, changes], ensure_ascii=False, default=encode, separators=(",", ":"))
    except (TypeError, ValueError):  # a mapping key JSON cannot hold (YAML allows any): its Python text
        text = repr([paths, plain(bilan), changes])
    named = {piece for piece in text.split('"') if piece in registry.entities}  # a text is between two quotes
    names = [[i, registry.entities[i].kind.name, registry.entities[i].nom] for i in sorted(named)]
    digest = hashlib.sha256(whole.encode("ascii"))
    digest.update(text.encode("utf-8", "surrogatepass"))
    digest.update(_json(names))
    return digest.hexdigest()


def reusable(registry: Registry, envs: dict[str, Any], templates: Mapping[str, Iterable[str]]) -> bool:
    """Whether pages may be carried over at all: no duplicated ids, and every template a page loads (`templates`:
    the pages' templates by format, and all they extend, import and include) is eee's own. (With no template
    folder of the registry's repository, every template is eee's own: nothing to read.)"""
    if registry.duplicates:
        return False
    from ..settings import data_dir

    own = data_dir("templates").resolve()
    for fmt, names in templates.items():
        if all(Path(folder).resolve().is_relative_to(own) for folder in envs[fmt].loader.searchpath):
            continue
        if not all(_own_templates(envs[fmt], name, own) for name in sorted(names)):
            return False
    return True


def _own_templates(env: Any, name: str, own: Path) -> bool:
    import jinja2.meta

    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            source, filename, _ = env.loader.get_source(env, current)
            found_names = list(jinja2.meta.find_referenced_templates(env.parse(source)))
        except (jinja2.TemplateError, OSError):  # not found, or unreadable: the render says so
            return False
        if filename is None or not Path(filename).resolve().is_relative_to(own):
            return False
        for found in found_names:
            if found is None:  # a template chosen at run time: cannot say which
                return False
            todo.append(found)
    return True


def read_manifest(out: Path, whole: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The previous build's entries, by entity id (its pages) and by other unit (`Manifest.files`), if its manifest
    is there, readable, eee's and made for the same site key; else none (everything is rendered)."""
    try:
        with open(out / MANIFEST, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        return {}, {}
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("site") != whole:
        return {}, {}
    pages, files = manifest.get("pages"), manifest.get("files")
    return pages if isinstance(pages, dict) else {}, files if isinstance(files, dict) else {}


def _digest(path: str | Path) -> str | None:
    """The SHA-256 of a regular file (not a link), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)


def carry(entry: Any, key: str, pages: Sequence[tuple[str | Path, str | Path]]) -> list[str] | None:
    """Put an entity's previous pages (old, new) in the new site if `entry` (its manifest entry) was made from the
    same `key` and each old page is still the file it describes (its digest): a hard link, else a copy; return
    their digests. None: render them."""
    if not (isinstance(entry, list) and len(entry) == 2 and entry[0] == key and isinstance(entry[1], list)
            and len(entry[1]) == len(pages)):
        return None
    for (old, _), digest in zip(pages, entry[1]):
        if _digest(old) != digest:  # changed or removed since: rendered again
            return None
    done = []
    try:
        for old, new in pages:
            try:
                os.link(old, new, follow_symlinks=False)
            except OSError:
                shutil.copyfile(old, new, follow_symlinks=False)
            done.append(new)
    except OSError:
        for new in done:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(new)
        return None
    return list(entry[1])


class Manifest:
    """The manifest of the site being written in `folder`, and the entries of the previous site's (`previous`, the
    output folder; None: a clean build), whose files are carried over when made from the same key.

    `pages`: by entity id, its pages' key and digests (in the order of the formats); `files`: by unit, the key and
    digests of the other files made together (a page that lists or counts, by its path in the site; a school
    year's summary in every format)."""

    def __init__(self, folder: Path, previous: Path | None, whole: str) -> None:
        self.folder = folder
        self.previous = previous
        self.whole = whole
        self.old_pages, self.old_files = read_manifest(previous, whole) if previous is not None else ({}, {})
        self.pages: dict[str, list[Any]] = {}
        self.files: dict[str, list[Any]] = {}
        self.shown: dict[str, str] = {}  # `summary_digests`
        self.contents: dict[str, tuple[str, list[str]]] = {}  # `contents`

    def prepare(self, registry: Registry, site: Site) -> None:
        """What several keys include, worked out once (before worker processes are forked)."""
        self.shown = summary_digests(site)
        self.contents = contents(registry, site)

    def forget(self) -> None:
        """Carry nothing over: every page is rendered."""
        self.old_pages, self.old_files = {}, {}

    def carry(self, unit: str, key: str, paths: list[str]) -> list[str] | None:
        """Put the files of `unit` (`paths`, in the site) from the previous site into the new one if they were made
        from `key` and are still what the manifest says; return their digests, else None (render them)."""
        entry = self.old_files.get(unit)
        if entry is None or self.previous is None:
            return None
        for path in paths:
            (self.folder / path).parent.mkdir(parents=True, exist_ok=True)
        return carry(entry, key, [(self.previous / path, self.folder / path) for path in paths])

    def record(self, unit: str, key: str, digests: list[str]) -> None:
        self.files[unit] = [key, digests]

    def write(self) -> None:
        """The manifest, in `folder` (the same text for the same site: a clean build and an incremental one write
        the same manifest)."""
        (self.folder / MANIFEST).write_text(json.dumps(
            {"format": FORMAT, "site": self.whole, "pages": self.pages, "files": dict(sorted(self.files.items()))},
            separators=(",", ":")), encoding="utf-8")
