"""Render the directory (annuaire) as a static HTML site or as Markdown.

One place builds the Jinja environment (autoescape for HTML, StrictUndefined),
`context.site_context` is the one place internal data is dropped, and output
is written into a temporary folder moved into place only when complete: a
failing render leaves the previous output untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

from ..errors import EeeError
from ..model import Registry
from ..parallel import fork_map
from ..settings import data_dir
from .context import Site, site_context
from .filters import date_fr, md_escape, plural
from .map import network_map

FORMATS = ("html", "markdown")


def template_dirs(registry_root: Path | None = None) -> list[Path]:
    """Templates of the registry repository (templates/ beside registry/) first, then eee's own."""
    dirs = []
    if registry_root is not None:
        local = registry_root.resolve().parent / "templates"
        if local.is_dir() and local != data_dir("templates").resolve():
            dirs.append(local)
    dirs.append(data_dir("templates"))
    return dirs


def make_environment(dirs: list[Path], fmt: str) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d / fmt) for d in dirs]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "svg"), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates do not change during a run: no stat() of each template for each page
    )
    env.filters["date_fr"] = date_fr
    env.filters["md"] = md_escape
    env.globals["plural"] = plural
    return env


def _pages(site: Site, ext: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(template, output path, extra context) for every page of the directory."""
    pages: list[tuple[str, str, dict[str, Any]]] = [(f"index.{ext}", f"index.{ext}", {})]
    for index in site.indexes:
        folder = index.kind.folder
        pages.append((f"kind.{ext}", f"{folder}/index.{ext}", {"index": index}))
        for view in index.entities:
            pages.append((f"entity.{ext}", f"{folder}/{view.id}.{ext}", {"e": view}))
    pages.append((f"territories.{ext}", f"territoires.{ext}", {}))
    for territory in site.departements:
        pages.append((f"territory.{ext}", f"departements/{territory.code}.{ext}", {"t": territory,
                                                                                 "level": "departement"}))
    for territory in site.academies:
        pages.append((f"territory.{ext}", f"academies/{territory.code}.{ext}", {"t": territory, "level": "academie"}))
    return pages


PAGES_PER_TASK = 50
PARALLEL_PAGES = 400  # below this many pages, worker processes cost more than they save


def write_directory(registry: Registry, fmt: str, folder: Path, internal: bool = False, edit_url: str = "",
                    generated: str | None = None, reports: list[str] | None = None,
                    site: Site | None = None, jobs: int | None = None) -> list[str]:
    """Write the directory's pages into `folder` (which must exist); return the files written.

    Pages are rendered over `jobs` processes (default: the cores available) for a large registry."""
    if fmt not in FORMATS:
        raise EeeError(f"format inconnu : {fmt}")
    import jinja2

    if site is None:
        site = site_context(registry, internal, generated or dt.date.today().isoformat())
        site.reports = list(reports or [])
    ext = "html" if fmt == "html" else "md"
    env = make_environment(template_dirs(registry.root), fmt)
    svg = network_map(site)
    pages = _pages(site, ext)
    for template in sorted({template for template, _, _ in pages}):
        try:
            env.get_template(template)  # compiled here, once: worker processes inherit them
        except jinja2.TemplateError as exc:
            raise EeeError(f"le gabarit « {template} » n'a pas pu être lu ({exc})",
                           "vérifiez les gabarits du dossier templates/") from exc

    def render_pages(chunk: tuple[int, int]) -> list[str] | str:
        done = []
        for template, path, extra in pages[chunk[0]:chunk[1]]:
            depth = path.count("/")
            context = {"site": site, "root": "../" * depth, "page": path, "ext": ext, "edit_url": edit_url.rstrip("/"),
                       "map_svg": svg, **extra}
            try:
                text = env.get_template(template).render(context)
            except jinja2.TemplateError as exc:
                return f"le gabarit « {template} » n'a pas pu être rendu ({exc})"
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            done.append(path)
        return done

    written: list[str] = []
    chunks = [(start, start + PAGES_PER_TASK) for start in range(0, len(pages), PAGES_PER_TASK)]
    for result in fork_map(render_pages, chunks, jobs if len(pages) >= PARALLEL_PAGES else 1):
        if isinstance(result, str):
            raise EeeError(result, "vérifiez les gabarits du dossier templates/")
        written.extend(result)
    if fmt == "html":
        for static in ("eee.css", "eee.js"):
            source = next(d / "html" / static for d in template_dirs(registry.root) if (d / "html" / static).exists())
            shutil.copyfile(source, folder / static)
            written.append(static)
    return written


def build(registry: Registry, fmt: str, out: Path, internal: bool = False, edit_url: str = "",
          generated: str | None = None) -> list[str]:
    """Render the directory into `out` (replaced atomically); return the files written."""
    with staged(out, registry.root) as staging:
        return write_directory(registry, fmt, staging, internal, edit_url, generated)


MARKER = ".eee-sortie"  # written in every output folder: only such folders are ever replaced


def check_output(out: Path, registry_root: Path | None = None) -> None:
    """Refuse an output folder whose replacement would destroy something eee did not write."""
    out = out.resolve()
    if registry_root is not None:
        root = registry_root.resolve()
        if out == root or root.is_relative_to(out) or out.is_relative_to(root):
            raise EeeError(f"« {out} » contient le registre ou s'y trouve : il serait écrasé",
                           "choisissez un dossier de sortie à part, par exemple --out site")
    if out.exists() and not out.is_dir():
        raise EeeError(f"« {out} » existe et n'est pas un dossier", "choisissez un autre dossier avec --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise EeeError(f"« {out} » existe, n'est pas vide et n'a pas été produit par eee : il n'est pas remplacé",
                       "choisissez un dossier nouveau ou vide, ou supprimez celui-ci vous-même")


@contextlib.contextmanager
def staged(out: Path, registry_root: Path | None = None) -> Iterator[Path]:
    """A fresh folder beside `out`, put in its place only if the block completes."""
    check_output(out, registry_root)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield staging
        (staging / MARKER).write_text("Dossier produit par eee : « eee build » ou « eee render » le remplace en entier.\n",
                                      encoding="utf-8")
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap(staging: Path, out: Path) -> None:
    """Put the new output in place of the old in two renames; the old one is removed after."""
    os.chmod(staging, 0o755)
    if out.exists():
        if not out.is_dir():
            raise EeeError(f"« {out} » existe et n'est pas un dossier", "choisissez un autre dossier avec --out")
        old = out.with_name(f".{out.name}.ancien")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out)


def build_site(registry: Registry, out: Path, internal: bool = False, edit_url: str = "",
               generated: str | None = None, progress: Any = None, jobs: int | None = None) -> dict[str, Any]:
    """The main job's output: the HTML directory, the Markdown directory and every annual summary, atomically.

    Layout: `index.html`… (HTML directory), `bilans/<année>.html` and `bilans/index.html`,
    `markdown/…` (Markdown directory) and `markdown/bilans/<année>.md`.
    """
    from ..bilan import compute, years_with_actions
    from .report import render_report, year_changes

    say = progress or (lambda message: None)
    generated = generated or dt.date.today().isoformat()
    years = years_with_actions(registry)
    site = site_context(registry, internal, generated)  # built once, for both directories and the index
    site.reports = years
    with staged(out, registry.root) as staging:
        say("annuaire HTML")
        html = write_directory(registry, "html", staging, internal, edit_url, generated, site=site, jobs=jobs)
        say("annuaire Markdown")
        (staging / "markdown").mkdir()
        markdown = write_directory(registry, "markdown", staging / "markdown", internal, edit_url, generated, site=site,
                                   jobs=jobs)

        def summary(year: str) -> tuple[Any, dict[str, str]]:
            """A year's summary in both formats, and its headline figures for the index (what crosses processes)."""
            bilan = compute(registry, year)
            changes = year_changes(registry.root, year)  # from git, once for both formats
            return bilan.headline, {fmt: render_report(registry, bilan, fmt, internal, links="../", generated=generated,
                                                       changes=changes) for fmt in ("html", "markdown")}

        say("bilans annuels : " + ", ".join(years) if years else "bilans annuels : aucun")
        summaries = []
        for year, (headline, texts) in zip(years, fork_map(summary, years, jobs if len(registry) >= PARALLEL_PAGES else 1)):
            for fmt, folder in (("html", staging / "bilans"), ("markdown", staging / "markdown" / "bilans")):
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{year}.{'html' if fmt == 'html' else 'md'}").write_text(texts[fmt], encoding="utf-8")
            summaries.append((year, {"headline": headline}))
        env = make_environment(template_dirs(registry.root), "html")
        index = env.get_template("bilans.html").render(
            site=site, root="../", page="bilans/index.html", ext="html", edit_url=edit_url, map_svg="",
            summaries=summaries)
        (staging / "bilans").mkdir(exist_ok=True)
        (staging / "bilans" / "index.html").write_text(index, encoding="utf-8")
    return {"html": len(html), "markdown": len(markdown), "years": years}
