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
renders the others. The search index (its entries of unchanged entities as they were) and the static files are written each
time. A missing, unreadable or foreign
manifest, a registry with duplicated ids, or a page made from templates of the registry's repository (which may
read anything of the site) means every page is rendered: the result is always byte for byte what a clean build
gives.

What the keys are made from is kept for the next build too, in eee's cache folder and authenticated (`Memory`):
each entity's summary, its digest and its key, the ids each file names, the search index's entries, and each
page's stat signature. The next build makes again only the summaries of the entities whose files changed and of
those next to them (`summaries_kept`, `around`), the keys of those next to these, and reads again only the pages
whose signatures changed. `eee build` links those pages ahead: a process of its own links every page still as
the previous build left it into the new site while the registry is read (`prelink`, `render.linked_ahead`); the
pages whose keys did not change are kept (`Manifest.claim`), the others written again as new files
(`output.write_new`: never through a link) or removed (`Manifest.sweep`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import marshal
import os
import shutil
import stat
import struct
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..bilan import Bilan, Figure, Row
from ..kinds import KINDS
from ..model import Entity, Registry
from .context import EntitySummary, Site, coverage

MANIFEST = ".eee-manifeste.json"  # in the output folder, beside MARKER
FORMAT = "eee-manifeste/2"
STATE_FOLDER = "sites"  # in eee's cache folder (`cache.cache_dir`): what a build keeps for the next (`Memory`)
STATE_FORMAT = "eee-site-etat/1"
STATE_PERSON = b"eee-site-etat"  # what the file is, in its MAC (`cachekey.write_signed`)
STATE_SUFFIX = ".etat"
STATES_KEPT = 8  # output folders whose states are kept (the latest built): about 1.3 kB per entity each
# A page's signature is kept for the next build only if the page was not modified within this long (ns) of the end
# of the build: a later change of it then changes its modification time, whatever the file system's clock tick.
SETTLED_NS = 2_000_000_000
_MTIME = struct.Struct("<q").unpack_from  # a signature's modification time, after its size (8 bytes)


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


def code_key() -> str:
    """What an entity's summary is made with besides the registry: eee (its version and code) and the schemas."""
    from .. import __version__
    from ..settings import PACKAGE_DIR, schemas_dir

    digest = hashlib.sha256(FORMAT.encode("ascii") + b"\0" + __version__.encode("ascii") + b"\0")
    _hash_files(digest, PACKAGE_DIR)
    digest.update(b"\0schemas\0")
    _hash_files(digest, schemas_dir())
    return digest.hexdigest()


def site_key(registry: Registry, site: Site, template_folders: Iterable[Path], options: dict[str, Any],
             code: str | None = None) -> str:
    """What every page's frame reads from the whole site, and what every page is made with: eee and the schemas
    (`code`: `code_key()`, when already worked out; a change of eee without a new version number too), the
    templates, the options."""
    digest = hashlib.sha256((code or code_key()).encode("ascii") + b"\0")
    for folder in template_folders:
        digest.update(b"\0templates\0" + str(folder).encode("utf-8") + b"\0")
        _hash_files(digest, folder)
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


def summary_digests(site: Site, known: Mapping[str, str] | None = None) -> dict[str, str]:
    """By entity id, the digest of its summary (`summary_key`): once each, since many keys include it; `known`:
    those of summaries made before and taken again (`summaries_kept`)."""
    known = known or {}
    return {entity_id: known.get(entity_id) or hashlib.sha256(_json(summary_key(summary))).hexdigest()
            for entity_id, summary in site.entities.items()}


def around(registry: Registry, files: Mapping[str, tuple[str, list[str]]], was: Mapping[str, Sequence[str]],
           seeds: set[str]) -> set[str]:
    """`seeds` and the entities next to them: those a seed names and those that name a seed, by the ids their data
    names now (`files`: `contents`) or named before (`was`, by entity id): an entity's summary reads the entities
    it names and those that name it, and no other (`context.entity_summary`)."""
    out = set(seeds)
    for entity_id in registry.entities:
        named = files[entity_id][1]
        before = was.get(entity_id, ())
        if entity_id in seeds:
            out.update(named)
            out.update(before)
        elif not seeds.isdisjoint(named) or not seeds.isdisjoint(before):
            out.add(entity_id)
    for entity_id in seeds - registry.entities.keys():  # gone: those it named
        out.update(was.get(entity_id, ()))
    return out & registry.entities.keys()


def summaries_kept(registry: Registry, memory: Memory | None, files: Mapping[str, tuple[str, list[str]]]
                   ) -> tuple[dict[str, EntitySummary], dict[str, str], set[str] | None]:
    """The summaries (and their digests) the previous build made that are still right, by entity id: those of the
    entities whose file, and the files of the entities next to them (`around`), did not change; and the entities
    whose summaries are made again (None: all). Nothing with duplicated ids."""
    if memory is None or not memory.summaries or registry.duplicates:
        return {}, {}, None
    old = memory.summaries
    entities = registry.entities
    changed = {entity_id for entity_id, entity in entities.items()
               if entity.doc.key is None or (seen := old.get(entity_id)) is None or seen[0] != entity.doc.key}
    changed |= old.keys() - entities.keys()
    memory.was = {entity_id: memory.old_named.get(seen[0], ()) for entity_id, seen in old.items()}
    again = around(registry, files, memory.was, changed)
    summaries, digests = {}, {}
    for entity_id in entities:
        if entity_id not in again:
            _, values, digest = old[entity_id]
            summaries[entity_id] = EntitySummary(values[0], KINDS[values[1]], *values[2:])
            digests[entity_id] = digest
    return summaries, digests, again


def contents(registry: Registry, memory: Memory | None = None) -> dict[str, tuple[str, list[str]]]:
    """By entity id, the digest of what its file says (its path, whether it passed its schema, its data: by its
    file's key, `SourceDoc.key`, when it has one) and the ids among its data's texts (more if a text holds a quote):
    once each, since several keys include them. The ids named by a file of the same key, among the same ids, are
    taken from `memory` (and kept there)."""
    entities = registry.entities
    ids = hashlib.sha256("\0".join(sorted(entities)).encode("utf-8", "surrogatepass")).hexdigest()
    known = memory.named if memory is not None and memory.ids == ids else {}
    kept: dict[bytes, list[str]] = {}
    out = {}
    for entity_id in entities:
        entity = entities[entity_id]
        key = entity.doc.key
        named = known.get(key) if key is not None else None
        if key is None or named is None:
            text = _text([entity_id, entity.path, entity.valid, entity.data])
            named = sorted({piece for piece in text.split('"') if piece in entities})  # a text is between two quotes
        if key is not None:  # its id, path (neither holds a NUL), verdict and file key
            content = hashlib.sha256(f"{entity_id}\0{entity.path}\0{entity.valid:d}\0".encode("utf-8", "surrogatepass")
                                     + key).hexdigest()
        else:
            content = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        if key is not None:
            kept[key] = named
        out[entity_id] = (content, named)
    if memory is not None:
        memory.ids, memory.old_named, memory.named = ids, memory.named, kept
    return out


def entity_keys(registry: Registry, site: Site, whole: str, shown: dict[str, str],
                files: dict[str, tuple[str, list[str]]], reuse: Mapping[str, str] | None = None) -> dict[str, str]:
    """By entity id, the key of what its own pages show: `whole` (the site's key), what its file says, its summary,
    the summaries of the entities it names (any text of its data that is an id) and of those that name it
    (`shown`: `summary_digests`; `files`: `contents`). `reuse`: keys worked out before from the same inputs
    (`Manifest.prepare`), taken as they are."""
    keys = {}
    reuse = reuse or {}
    for entity_id in site.entities:
        if entity_id in reuse:
            keys[entity_id] = reuse[entity_id]
            continue
        content, named = files[entity_id]
        incoming = [[ref.source.id, ref.source.kind.name, ref.source.nom, ref.source.path, list(ref.pointer),
                     shown.get(ref.source.id)] for ref in registry.referencing(entity_id)]
        digest = hashlib.sha256(whole.encode("ascii"))
        digest.update(_json([entity_id, content, shown[entity_id], [[i, shown[i]] for i in named if i in shown],
                             incoming]))
        keys[entity_id] = digest.hexdigest()
    return keys


def counts_key(registry: Registry, site: Site, svg: str) -> list[Any]:
    """What the pages that count across the registry read of it (the home page, the territories, the search page,
    the site map and the footer's pages): the number of entities of each kind and of each territory, the coverage
    (the one part of `site.figures` the templates show: `context.coverage`), the map."""
    return [[[index.kind.name, len(index.entities)] for index in site.indexes], coverage(registry), svg,
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


# The fields of a `bilan.Bilan` that are tables of rows (`bilan.Row`).
ROWS = tuple(field.name for field in dataclasses.fields(Bilan) if field.type in ("list[Row]", list[Row]))


def bilan_key(whole: str, registry: Registry, bilan: Bilan, changes: Any, paths: list[str],
              files: dict[str, tuple[str, list[str]]]) -> str:
    """The key of a school year's summary (its pages `paths`): its figures and lists (`bilan.compute`; the previous
    year's figures and the rows' by their counts), an entity among them by what its file says (`files`: `contents`), what
    changed that year (git), and the name and kind of every entity whose id is among its texts: the entities
    among its lists, its rows' and its sources' (what the templates link to, by `url` and `name`; not the ids
    within the entities' data)."""

    fields: dict[type, tuple[str, ...]] = {}  # a dataclass's fields, by its type (tens of thousands of figures)

    def encode(value: Any) -> Any:
        """What JSON cannot write itself, one level down (JSON's C encoder goes through the rest)."""
        if isinstance(value, Entity):
            if value.id not in files:  # not one of the site's entities: never, but then whole
                return ["entity", value.id, value.kind.name, value.path, value.valid, value.data]
            return ["entity", value.id, files[value.id][0]]
        names = fields.get(type(value))
        if names is None:
            if not dataclasses.is_dataclass(value) or isinstance(value, type):
                return repr(value)
            names = fields[type(value)] = tuple(f.name for f in dataclasses.fields(value))
        return [type(value).__name__, *map(value.__getattribute__, names)]

    # The previous year's figures, and the rows' (by type, by département…), by their counts alone: the templates
    # compare and show counts, and show the sources of the year's own headline figures only.
    rows: dict[str, Any] = {name: [Row(row.label, {key: Figure(figure.count) for key, figure in row.figures.items()},
                                       row.id) for row in getattr(bilan, name)] for name in ROWS}
    bilan = dataclasses.replace(bilan, previous_headline={key: Figure(figure.count)
                                                          for key, figure in bilan.previous_headline.items()}, **rows)
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
    the pages' templates by format, and all they extend, import and include) is eee's own, or a copy of it byte
    for byte (eee's repository itself, where `eee build` runs with eee installed: its templates/ is beside
    registry/). (With no template folder of the registry's repository, every template is eee's own: nothing to
    read.)"""
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
        if filename is None:
            return False
        found_at = Path(filename).resolve()
        if not found_at.is_relative_to(own):  # eee's own template of that name, the same bytes?
            mine = next((Path(folder) / current for folder in env.loader.searchpath
                         if Path(folder).resolve().is_relative_to(own) and (Path(folder) / current).is_file()), None)
            try:
                if mine is None or mine.read_bytes() != found_at.read_bytes():
                    return False
            except OSError:
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


def _digest(path: str | Path) -> tuple[str | None, bytes]:
    """The SHA-256 of a regular file (not a link), or None; and its stat signature (`signature`)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None, b""
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, b""
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return hashlib.sha256(handle.read()).hexdigest(), signature(info)
    except OSError:
        return None, b""
    finally:
        os.close(fd)


_SIGNATURE = struct.Struct("<QqQQ").pack


def signature(info: os.stat_result) -> bytes:
    """A page's stat signature: size, modification time (ns), inode and device. A page carried over by a hard
    link keeps it; a page written again, or replaced, does not."""
    return _SIGNATURE(info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)


def carry(entry: Any, key: str, pages: Sequence[tuple[str | Path, str | Path]], memory: Memory | None = None,
          names: Sequence[str] = ()) -> tuple[list[str], list[bytes]] | None:
    """Put an entity's previous pages (old, new) in the new site if `entry` (its manifest entry) was made from the
    same `key` and each old page is still the file it describes (its digest; or, with `memory`, the stat signature
    it had when that digest was taken, by its path in the site among `names`): a hard link, else a copy; return
    their digests and their signatures (b"" for a copy: its digest is read again next time), for `Memory.keep`.
    None: render them. (It may run in a worker process: it changes nothing but the files.)"""
    if not (isinstance(entry, list) and len(entry) == 2 and entry[0] == key and isinstance(entry[1], list)
            and len(entry[1]) == len(pages)):
        return None
    signatures = []
    for index, ((old, _), digest) in enumerate(zip(pages, entry[1])):
        seen = memory.signatures.get(names[index]) if memory is not None else None
        if seen is not None and seen[1] == digest:
            try:
                info = os.lstat(old)
            except OSError:
                return None
            if stat.S_ISREG(info.st_mode) and signature(info) == seen[0]:
                signatures.append(seen[0])
                continue
        found, sign = _digest(old)
        if found != digest:  # changed or removed since: rendered again
            return None
        signatures.append(sign)
    done: list[str | Path] = []
    try:
        for old, new in pages:
            try:
                try:
                    os.link(old, new, follow_symlinks=False)
                except FileExistsError:  # linked ahead (`prelink`), or not: replaced, never written through
                    os.unlink(new)
                    os.link(old, new, follow_symlinks=False)
            except OSError:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(new)
                shutil.copyfile(old, new, follow_symlinks=False)
                signatures[len(done)] = b""  # another file: its digest is read again next time
            done.append(new)
    except OSError:
        for new in done:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(new)
        return None
    return list(entry[1]), signatures


def _inside(name: str) -> bool:
    """Whether a page's path in the site (as a state read back names it) stays inside the site."""
    return bool(name) and not name.startswith("/") and ".." not in name.split("/")


def prelink(previous: str | Path, folder: str | Path, signatures: Mapping[str, tuple[bytes, str]]
            ) -> dict[str, bytes]:
    """Link into `folder` (the new site) every page of `previous` (the previous site) that is still the file whose
    stat signature was kept (`signatures`: `Memory.signatures`, by path in the site); return their paths in the
    site and signatures. Done before the keys are known (`render.linked_ahead` runs it in a process of its own
    while the registry is read): which pages are carried over is decided by their keys (`Manifest.claim`); the
    others are written again (`output.write_new`) or removed (`Manifest.sweep`)."""
    previous, folder = str(previous), str(folder)
    made: set[str] = set()
    linked = {}
    for name, (sign, _) in signatures.items():
        if not _inside(name):
            continue
        old = os.path.join(previous, name)
        try:
            info = os.lstat(old)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or signature(info) != sign:
            continue
        new = os.path.join(folder, name)
        parent = os.path.dirname(new)
        try:
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            os.link(old, new, follow_symlinks=False)
        except OSError:
            continue
        linked[name] = sign
    return linked


class Memory:
    """What a build keeps for the next one into the same output folder, in eee's cache folder (never in the
    site): by file key, the ids its data names (`contents`, for the same ids: `ids`); by entity id, its file's key,
    its summary and the summary's digest (`summaries_kept`), its key (`entity_keys`); by entity key, its entry of
    the search index; by page (its path in the site), the stat signature (`signature`) it had when its digest was
    known, so that an unchanged page is not read again to be checked before it is carried over.

    One file per output folder (`STATE_FOLDER`; those of the STATES_KEPT folders built last only), signed with the
    cache's secret for that output folder (`cachekey.write_signed`), its values read with `marshal` (reading them
    never runs code). A file whose MAC is wrong, damaged or of another format is ignored: everything is worked out
    again, the pages read again. The ids named and the summaries hold for the same eee and schemas (`code_key`)
    only; the entity keys and search entries for the same site key too (`bind`). A page's signature is kept only once it is settled (not modified within `SETTLED_NS` of
    the end of the build: a later change changes it): a page changed by hand keeping its size, inode and
    modification time (set back on purpose) would be taken for the page eee wrote. Without a cache folder or a
    secret, nothing is kept."""

    def __init__(self, out: Path, base: str, read: bool = True) -> None:
        from ..cache import cache_dir
        from ..cachekey import secret

        self.base = base  # `code_key`: what the ids named and the summaries hold for
        self.whole = ""  # the site's key: what the entity keys and the search entries hold for (`bind`)
        self.ids = ""
        self.named: dict[bytes, list[str]] = {}  # by file key (`contents`)
        self.old_named: dict[bytes, list[str]] = {}  # the same, as the previous build knew them
        self.was: dict[str, Sequence[str]] = {}  # by entity id, what it named in the previous build
        # By entity id: its file's key, its summary (`summary_key`) and the summary's digest.
        self.summaries: dict[str, tuple[bytes, list[Any], str]] = {}
        self.keys: dict[str, str] = {}  # by entity id, its key (`entity_keys`)
        self.entries: dict[str, list[str]] = {}
        self.signatures: dict[str, tuple[bytes, str]] = {}
        self.new_signatures: dict[str, tuple[bytes, str]] = {}
        self._saving: threading.Thread | None = None  # `save_soon`
        where = cache_dir()
        self.path: Path | None = None
        self.secret: bytes | None = None
        if where is None:
            return
        folder = where / STATE_FOLDER
        self.secret = secret(folder, out)
        if self.secret is None:
            return
        self.out = str(out)
        self.path = folder / (hashlib.blake2b(self.out.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
                              + STATE_SUFFIX)
        if read:  # (not for --clean: everything is made again, and kept for the next build)
            self._read()

    def read(self) -> Memory:
        """What the previous build kept (for a memory made with `read=False`)."""
        if self.path is not None:
            self._read()
        return self

    def _read(self) -> None:
        from ..cachekey import read_signed

        assert self.path is not None and self.secret is not None
        data = read_signed(self.path, self.secret, STATE_PERSON, self.out.encode("utf-8", "surrogatepass"))
        if data is None:
            return
        try:
            form, base, whole, ids, named, summaries, keys, entries, signatures = marshal.loads(data)
            if form != STATE_FORMAT:
                return
            self.signatures = {name: (sign, digest) for name, (sign, digest) in signatures.items()}
            if base == self.base:
                self.ids, self.named, self.summaries = ids, named, summaries
                self.whole, self.keys, self.entries = whole, keys, entries
        except (ValueError, TypeError, EOFError):  # a file of another shape: nothing kept
            self.signatures, self.named, self.summaries = {}, {}, {}
            self.whole, self.keys, self.entries = "", {}, {}

    def bind(self, whole: str) -> None:
        """The site's key: the entity keys and search entries kept for another are dropped."""
        if whole != self.whole:
            self.keys, self.entries = {}, {}
        self.whole = whole

    def keep(self, name: str, sign: bytes, digest: str) -> None:
        """A page of the new site (its path in it), its stat signature and digest."""
        self.new_signatures[name] = (sign, digest)

    def save_soon(self) -> None:
        """`save` in a thread of its own: the new site is swapped in and the old one removed meanwhile (`saving`
        waits for it at the end of the build)."""
        def save() -> None:
            with contextlib.suppress(Exception):  # (a cache that cannot be written is left as it was, silently)
                self.save()

        self._saving = threading.Thread(target=save, name="eee-etat-du-site")
        self._saving.start()

    @contextlib.contextmanager
    def saving(self) -> Iterator[None]:
        """Wait, at the end of the block, for `save_soon`'s thread (whichever way the block ends)."""
        try:
            yield
        finally:
            if self._saving is not None:
                self._saving.join()
                self._saving = None

    def save(self) -> None:
        """Write what the next build may use (atomically; a cache that cannot be written is left as it was)."""
        from ..cachekey import write_signed

        if self.path is None:
            return
        limit = time.time_ns() - SETTLED_NS
        settled = {name: seen for name, seen in self.new_signatures.items()
                   if _MTIME(seen[0], 8)[0] < limit}
        data = marshal.dumps((STATE_FORMAT, self.base, self.whole, self.ids, self.named, self.summaries, self.keys,
                              self.entries, settled))
        assert self.secret is not None
        if not write_signed(self.path, self.secret, STATE_PERSON, self.out.encode("utf-8", "surrogatepass"), data):
            return
        self._forget_others()

    def _forget_others(self) -> None:
        """Remove the states of all but the STATES_KEPT output folders built last (this one among them)."""
        assert self.path is not None
        try:
            found = [(entry.stat(follow_symlinks=False).st_mtime_ns, entry.path)
                     for entry in os.scandir(self.path.parent) if entry.name.endswith(STATE_SUFFIX)]
        except OSError:
            return
        for _, path in sorted(found, reverse=True)[STATES_KEPT:]:
            if path != str(self.path):
                with contextlib.suppress(OSError):
                    os.unlink(path)


class Manifest:
    """The manifest of the site being written in `folder`, and the entries of the previous site's (`previous`, the
    output folder; None: a clean build), whose files are carried over when made from the same key.

    `pages`: by entity id, its pages' key and digests (in the order of the formats); `files`: by unit, the key and
    digests of the other files made together (a page that lists or counts, by its path in the site; a school
    year's summary in every format)."""

    def __init__(self, folder: Path, previous: Path | None, whole: str, memory: Memory | None = None) -> None:
        self.folder = folder
        self.previous = previous
        self.whole = whole
        self.memory = memory  # what the previous build into the same output folder kept (none: --no-cache)
        if memory is not None:
            memory.bind(whole)
        self.reuse: dict[str, str] = {}  # entity keys worked out before from the same inputs
        self.old_pages, self.old_files = read_manifest(previous, whole) if previous is not None else ({}, {})
        self.pages: dict[str, list[Any]] = {}
        self.files: dict[str, list[Any]] = {}
        self.shown: dict[str, str] = {}  # `summary_digests`
        self.contents: dict[str, tuple[str, list[str]]] = {}  # `contents`
        # The pages of the previous site linked ahead into `folder` (`prelink`): their paths in the site, signatures.
        self.linked: dict[str, bytes] = {}

    def take_linked(self, linked: dict[str, bytes] | None) -> None:
        """The pages `prelink` linked into `folder`; None: it did not run to its end, and what it may have linked
        is removed (nothing but its links and their folders is in `folder` yet, besides MARKER)."""
        from .output import MARKER

        if linked is not None:
            self.linked = linked
            return
        self.linked = {}
        for entry in os.scandir(self.folder):
            if entry.name != MARKER:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)

    def claim(self, entry: Any, key: str, names: Sequence[str]) -> list[str] | None:
        """Carry over the pages `names` (paths in the site) linked ahead, if `entry` (their manifest entry) was
        made from the same `key` and each was linked as the page of the digest the entry gives; return their
        digests (else None: `carry` them, or render them)."""
        memory = self.memory
        if not self.linked or memory is None or not (
                isinstance(entry, list) and len(entry) == 2 and entry[0] == key and isinstance(entry[1], list)
                and len(entry[1]) == len(names)):
            return None
        seen, linked = memory.signatures, self.linked
        # (each linked as the page this build's state knows: the same signature, and the entry's digest)
        if not all((sign := linked.get(name)) is not None and (known := seen.get(name)) is not None
                   and known[0] == sign and known[1] == digest for name, digest in zip(names, entry[1])):
            return None
        self.keep_all(names, [linked[name] for name in names], entry[1])
        return list(entry[1])

    def sweep(self) -> None:
        """Remove the pages linked ahead that the new site does not have: those neither carried over nor written
        again (an entity removed, a summary no longer made…), and the folders they leave empty."""
        if not self.linked or self.memory is None:
            return
        kept = self.memory.new_signatures
        emptied = set()
        for name in self.linked.keys() - kept.keys():
            path = os.path.join(self.folder, name)
            try:
                if signature(os.lstat(path)) != self.linked[name]:
                    continue  # written again
                os.unlink(path)
            except OSError:
                continue
            emptied.add(os.path.dirname(path))
        top = os.path.normpath(self.folder)
        for folder in sorted(emptied, key=len, reverse=True):
            while os.path.normpath(folder) != top and folder.startswith(top):
                try:
                    os.rmdir(folder)
                except OSError:
                    break
                folder = os.path.dirname(folder)

    def prepare(self, registry: Registry, site: Site, files: dict[str, tuple[str, list[str]]] | None = None,
                digests: Mapping[str, str] | None = None, again: set[str] | None = None) -> None:
        """What several keys include, worked out once (before worker processes are forked): `files`, `digests`
        and `again` as `contents` and `summaries_kept` gave them (else worked out here). The keys of the entities
        whose summaries, and those of the entities next to them, are the previous build's are taken again."""
        self.contents = contents(registry, self.memory) if files is None else files
        self.shown = summary_digests(site, digests)
        memory = self.memory
        if memory is None:
            return
        if again is not None and memory.keys:
            stale = around(registry, self.contents, memory.was, again)
            self.reuse = {entity_id: key for entity_id, key in memory.keys.items()
                          if entity_id not in stale and entity_id in site.entities}
        kept = memory.summaries
        entities = registry.entities
        memory.summaries = {
            entity_id: (kept[entity_id] if entity_id in kept and entity_id in (digests or {})
                        else (key, summary_key(summary), self.shown[entity_id]))
            for entity_id, summary in site.entities.items() if (key := entities[entity_id].doc.key) is not None}

    def forget(self) -> None:
        """Carry nothing over: every page is rendered."""
        self.old_pages, self.old_files = {}, {}

    def carry(self, unit: str, key: str, paths: list[str]) -> list[str] | None:
        """Put the files of `unit` (`paths`, in the site) from the previous site into the new one if they were made
        from `key` and are still what the manifest says; return their digests, else None (render them)."""
        entry = self.old_files.get(unit)
        if entry is None or self.previous is None:
            return None
        claimed = self.claim(entry, key, paths)
        if claimed is not None:
            return claimed
        for path in paths:
            (self.folder / path).parent.mkdir(parents=True, exist_ok=True)
        carried = carry(entry, key, [(self.previous / path, self.folder / path) for path in paths], self.memory, paths)
        if carried is None:
            return None
        digests, signatures = carried
        self.keep_all(paths, signatures, digests)
        return digests

    def record(self, unit: str, key: str, digests: list[str]) -> None:
        self.files[unit] = [key, digests]

    def keep(self, name: str, sign: bytes, digest: str) -> None:
        """A page just written (its path in the site), its stat signature and digest: for `memory`."""
        if self.memory is not None:
            self.memory.keep(name, sign, digest)

    def keep_all(self, names: Sequence[str], signatures: Sequence[bytes], digests: Sequence[str]) -> None:
        """`keep` for pages carried over (`carry`), but those copied (no signature)."""
        for name, sign, digest in zip(names, signatures, digests):
            if sign:
                self.keep(name, sign, digest)

    def keep_written(self, paths: Sequence[str], digests: Sequence[str]) -> None:
        """Pages of the new site (their paths in it) written by another hand than `keep`'s, and their digests."""
        if self.memory is None:
            return
        for path, digest in zip(paths, digests):
            if path not in self.memory.new_signatures:
                with contextlib.suppress(OSError):
                    self.memory.keep(path, signature(os.stat(self.folder / path)), digest)

    def write(self) -> None:
        """The manifest, in `folder` (the same text for the same site: a clean build and an incremental one write
        the same manifest); and, while the site is put in place, what `memory` keeps (`Memory.save_soon`)."""
        (self.folder / MANIFEST).write_text(json.dumps(
            {"format": FORMAT, "site": self.whole, "pages": self.pages, "files": dict(sorted(self.files.items()))},
            separators=(",", ":")), encoding="utf-8")
        if self.memory is not None:
            self.memory.save_soon()
