"""What lets `eee build` redo only what changed: a manifest of what each entity's pages were made from.

After a build the output folder holds MANIFEST, hashes only (never data): a key for the whole site (`site_key`:
eee's version and source, the options, the generated date, every template and static file, the schemas, the
network's own data, the kinds present, the school years summarised) and, by entity, a key of what its own pages
show (`entity_keys`: the site's key, its data, its summary, and the summaries of every entity it names and of
every entity that names it), with the digest (SHA-256) of each of its pages.

The next build into the same folder carries an entity's pages over from the previous site (a hard link, else a
copy) when its key is the same and its pages are still the files the manifest describes (their digests); it renders the others,
and always the pages that list or count across the registry (`render.write_directories`). A missing, unreadable
or foreign manifest, a registry with duplicated ids, or an entity page made from templates of the registry's
repository (which may read anything of the site) means every page is rendered: the result is always byte for byte
what a clean build gives.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..model import Registry
from .context import EntitySummary, Site

MANIFEST = ".eee-manifeste.json"  # in the output folder, beside MARKER
FORMAT = "eee-manifeste/1"


def _hash_files(digest: Any, folder: Path) -> None:
    """Every file under `folder` (names and contents) into `digest`, in a stable order."""
    if not folder.is_dir():
        digest.update(b"\0absent\0")
        return
    for path in sorted(p for p in folder.rglob("*") if "__pycache__" not in p.parts):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())


def _json(value: Any) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False, default=repr, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError):  # a mapping key JSON cannot hold (YAML allows any): its Python text
        return repr(value).encode("utf-8")


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


def _strings(value: Any, out: set[str]) -> None:
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)


def entity_keys(registry: Registry, site: Site, whole: str) -> dict[str, str]:
    """By entity id, the key of what its own pages show: `whole` (the site's key), its data, its summary, the
    summaries of the entities it names (any text of its data that is an id) and of those that name it."""
    summaries = site.entities
    shown = {entity_id: hashlib.sha256(_json(summary_key(summary))).hexdigest()  # once each: many pages show it
             for entity_id, summary in summaries.items()}
    keys = {}
    for entity_id in summaries:
        entity = registry.entities[entity_id]
        named: set[str] = set()
        _strings(entity.data, named)
        incoming = [[ref.source.id, ref.source.kind.name, ref.source.nom, ref.source.path, list(ref.pointer),
                     shown.get(ref.source.id)] for ref in registry.referencing(entity_id)]
        digest = hashlib.sha256(whole.encode("ascii"))
        digest.update(_json([entity_id, entity.path, entity.valid, entity.data, shown[entity_id],
                             [[i, shown[i]] for i in sorted(named) if i in shown], incoming]))
        keys[entity_id] = digest.hexdigest()
    return keys


def reusable(registry: Registry, envs: dict[str, Any], templates: dict[str, str]) -> bool:
    """Whether entity pages may be carried over at all: no duplicated ids, and every template an entity page loads
    (`templates`: its template by format, and all it extends, imports and includes) is eee's own."""
    if registry.duplicates:
        return False
    from ..settings import data_dir

    own = data_dir("templates").resolve()
    for fmt, name in templates.items():
        if not _own_templates(envs[fmt], name, own):
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


def read_manifest(out: Path, whole: str) -> dict[str, Any]:
    """The previous build's entries by entity id, if its manifest is there, readable, eee's and made for the same
    site key; else none (everything is rendered)."""
    try:
        with open(out / MANIFEST, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("site") != whole:
        return {}
    pages = manifest.get("pages")
    return pages if isinstance(pages, dict) else {}


def _digest(path: Path) -> str | None:
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


def carry(entry: Any, key: str, pages: list[tuple[Path, Path]]) -> list[str] | None:
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
            new.unlink(missing_ok=True)
        return None
    return list(entry[1])


def write_manifest(folder: Path, whole: str, keys: dict[str, str], digests: dict[str, list[str]]) -> None:
    """The manifest of the site being written in `folder`: its key, and by entity its key and its pages' digests
    (the same text for the same site: a clean build and an incremental one write the same manifest)."""
    entries = {entity_id: [key, digests[entity_id]] for entity_id, key in keys.items() if entity_id in digests}
    (folder / MANIFEST).write_text(json.dumps({"format": FORMAT, "site": whole, "pages": entries},
                                              separators=(",", ":")), encoding="utf-8")
