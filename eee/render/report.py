"""The annual summary as an HTML or Markdown document, from `bilan.compute`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..bilan import Bilan
from ..domain import date_fr, school_year_bounds
from ..figures import compare
from ..model import Registry
from .charts import bar_chart
from .context import Site, frame_context

HEADLINE = [
    ("actions", "Actions menées ou engagées"),
    ("eleves", "Élèves touchés"),
    ("candidats", "Élèves candidats"),
    ("enseignants", "Enseignants touchés"),
    ("chefs_etablissement", "Chefs d'établissement touchés"),
    ("partenaires", "Partenaires mobilisés"),
    ("etablissements", "Établissements impliqués"),
    ("evenements", "Événements"),
]


def year_changes(root: Path, year: str) -> tuple[dict[str, Any] | None, str]:
    """What changed in the registry during the year, from git (`eee diff --annee`), or why it is not known."""
    from ..errors import EeeError
    from ..history import changes_for_year

    try:
        return changes_for_year(root, year).as_dict(), ""
    except EeeError as exc:
        return None, exc.message


def report_context(registry: Registry, bilan: Bilan, internal: bool, links: str | None, css: str = "",
                   generated: str = "", changes: dict[str, Any] | None = None,
                   changes_note: str = "", site: Site | None = None,
                   pdf: bool = False, toc: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """What the summary templates see. `links` is the path to the directory's root, or None (no links: a summary
    alone, its stylesheet `css` inlined). `site`: the site it is part of (its header and navigation), or the frame
    of a summary alone (`context.frame_context`). `pdf`: the page is laid out as a PDF (`render.pdf`), with a cover
    and `toc`, its table of contents, as (id, title) of its sections."""

    def url(entity_id: str) -> str:
        entity = registry.get(entity_id)
        if links is None or entity is None or not entity.kind.has_pages:
            return ""
        return f"{links}{entity.kind.folder}/{entity.id}.html"

    def name(entity_id: str) -> str:
        entity = registry.get(entity_id)
        return entity.nom if entity is not None else entity_id

    def linked(ids: list[str]) -> list[tuple[str, str]]:
        """(`url`, `name`) of each of these entities: one call from a template for a list of thousands (the
        sources of a figure), where a call per entity and per value would cost most of the page's time."""
        return [(url(entity_id), name(entity_id)) for entity_id in ids]

    headline = [(key, label, bilan.headline[key], bilan.previous_headline[key],
                 compare(bilan.headline[key].count, bilan.previous_headline[key].count, bilan.year, bilan.previous))
                for key, label in HEADLINE]
    start, end = school_year_bounds(bilan.year) or (None, None)
    charts = {
        "type": bar_chart("graphique-types", f"Actions par type, {bilan.year}",
                          "Nombre d'actions de l'année par type d'action ; les mêmes chiffres sont dans le tableau.",
                          [(r.label, r.figures["actions"].count) for r in bilan.by_type]),
        "eleves": bar_chart("graphique-eleves", f"Élèves touchés par type d'action, {bilan.year}",
                            "Nombre d'élèves touchés par les actions de l'année, par type d'action, tel que les sources "
                            "le donnent ; les mêmes chiffres sont dans le tableau.",
                            [(r.label, r.figures["eleves"].count) for r in bilan.by_type]),
        "departement": bar_chart("graphique-departements", f"Actions par département, {bilan.year}",
                                 "Nombre d'actions de l'année par département (une action peut concerner plusieurs "
                                 "départements) ; les mêmes chiffres sont dans le tableau.",
                                 [(r.label, r.figures["actions"].count) for r in bilan.by_departement]),
    }
    events = []
    for event in bilan.events:
        lieu = event.get("lieu")
        place = ", ".join(v for v in ((lieu or {}).get("nom"), (lieu or {}).get("commune"))
                          if isinstance(v, str)) if isinstance(lieu, dict) else ""
        events.append({"id": event.id, "nom": event.nom, "date": date_fr(str(event.get("date") or "")),
                       "lieu": place, "themes": event.texts("themes"), "url": url(event.id)})
    generated = generated or dt.date.today().isoformat()
    if site is None:
        site = frame_context(registry, internal, generated)
    # The officers' notes of a_completer are internal: a public summary names the fields to complete, not the notes;
    # each field by its title in the schemas (« Date de début », not date_debut), as an entity's page names it.
    gaps = [(entity, registry.schemas.field_title(entity.kind.name, champ), note if internal else "")
            for entity, champ, note in bilan.gaps]
    return {
        "b": bilan, "internal": internal, "headline": headline, "charts": charts, "events": events, "gaps": gaps,
        "site": site, "root": links or "", "page": f"bilans/{bilan.year}.html", "inline_css": css,
        "url": url, "name": name, "linked": linked, "css": css, "generated": generated,
        "debut": date_fr(start.isoformat()) if start else "", "fin": date_fr(end.isoformat()) if end else "",
        "labels": dict(HEADLINE), "site_links": links is not None,
        "changes": changes, "changes_note": changes_note, "pdf": pdf, "toc": toc or [],
    }


def render_report(registry: Registry, bilan: Bilan, fmt: str, internal: bool = False, links: str | None = None,
                  generated: str = "", history: bool = False,
                  changes: tuple[dict[str, Any] | None, str] | None = None, env: Any = None,
                  site: Site | None = None, theme: str = "dsfr", pdf: bool = False,
                  toc: list[tuple[str, str]] | None = None) -> str:
    """The summary as a document; with `history` (or `changes` already computed by `year_changes`),
    it also says what changed in the registry (git). `env`: the Jinja environment of `fmt`, when the
    caller writes several summaries (its templates are then compiled once). `site`: the site the summary is part of
    (with `links`); without it, the summary is a document alone, in `theme`, its stylesheet inlined. `pdf`: the
    HTML page from which `render.pdf` makes the PDF (a document alone, with a cover and the table of contents `toc`;
    its stylesheet the theme's for PDFs, `jinja.pdf_stylesheet`)."""
    from .jinja import inline_stylesheet, make_environment, pdf_stylesheet, render_template, template_dirs

    dirs = template_dirs(registry.root)
    if site is not None:
        theme = site.theme
    if pdf:
        fmt, links = "html", None
        css = pdf_stylesheet(dirs, theme)
    else:
        css = inline_stylesheet(dirs, theme) if fmt == "html" and links is None else ""
    env = env or make_environment(dirs, fmt, theme)
    if changes is None:
        changes = year_changes(registry.root, bilan.year) if history else (None, "")
    site = site or frame_context(registry, internal, generated or dt.date.today().isoformat(), theme)
    context = report_context(registry, bilan, internal, links, css, generated, *changes, site=site, pdf=pdf, toc=toc)
    return render_template(env, "bilan.html" if fmt == "html" else "bilan.md", context)
