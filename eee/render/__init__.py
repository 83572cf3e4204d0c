"""Render the directory (annuaire) as a static HTML site or as Markdown.

One place builds the Jinja environment (autoescape for HTML, StrictUndefined),
`context.site_context` is the one place internal data is dropped, and output
is written into a temporary folder moved into place only when complete: a
failing render leaves the previous output untouched.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import EeeError
from ..model import Registry
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


def build(registry: Registry, fmt: str, out: Path, internal: bool = False, edit_url: str = "",
          generated: str | None = None) -> list[str]:
    """Render the directory into `out` (replaced atomically); return the files written."""
    if fmt not in FORMATS:
        raise EeeError(f"format inconnu : {fmt}")
    import jinja2

    site = site_context(registry, internal, generated or dt.date.today().isoformat())
    ext = "html" if fmt == "html" else "md"
    env = make_environment(template_dirs(registry.root), fmt)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    written: list[str] = []
    try:
        svg = network_map(site)
        for template, path, extra in _pages(site, ext):
            depth = path.count("/")
            context = {"site": site, "root": "../" * depth, "page": path, "ext": ext, "edit_url": edit_url.rstrip("/"),
                       "map_svg": svg, **extra}
            try:
                text = env.get_template(template).render(context)
            except jinja2.TemplateError as exc:
                raise EeeError(f"le gabarit « {template} » n'a pas pu être rendu ({exc})",
                               "vérifiez les gabarits du dossier templates/") from exc
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(path)
        if fmt == "html":
            for static in ("eee.css", "eee.js"):
                source = next((d / "html" / static for d in template_dirs(registry.root) if (d / "html" / static).exists()))
                shutil.copyfile(source, staging / static)
                written.append(static)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


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
