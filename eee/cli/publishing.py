"""Publishing: the directory (`eee render`), the annual summary (`eee report`), the main job (`eee build`) and
the exports (`eee export`)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import UsageError
from ..escape import terminal
from .options import (
    EditUrlOption,
    EntityTypeOption,
    FormerKindOption,
    JobsOption,
    NoCacheOption,
    RegistryOption,
    SiteInterneOption,
    Theme,
    ThemeOption,
    entity_types,
)
from .workspace import Workspace, check_year, standard_output


class RenderFormat(str, Enum):
    html = "html"
    markdown = "markdown"


def render(
    fmt: Annotated[RenderFormat, typer.Argument(metavar="FORMAT", help="html ou markdown.", show_default=False)],
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="DOSSIER",
                                                help="Dossier de sortie (par défaut : site/ pour html, "
                                                "annuaire-md/ pour markdown) ; remplacé d'un coup, une fois complet.",
                                                show_default=False)] = None,
    interne: Annotated[bool, typer.Option("--interne", metavar="", help="Version interne : contacts et notes "
                                          "internes compris, chaque page marquée « version interne ».")] = False,
    edit_url: EditUrlOption = None,
    theme: ThemeOption = Theme.dsfr,
    registry: RegistryOption = None,
) -> None:
    """Produit l'annuaire du réseau en HTML (site statique) ou en Markdown.

    Public par défaut : aucun contact interne ni note interne n'y figure. Refuse un registre
    qui a des erreurs (lancez eee validate).
    """
    from ..render import build, check_edit_url

    url = check_edit_url(edit_url)  # before the registry is read
    standard_output(out, ("un annuaire", "site" if fmt is RenderFormat.html else "annuaire-md"))
    model = Workspace.of(registry).valid_model("l'annuaire")
    target = out or Path("site" if fmt is RenderFormat.html else "annuaire-md")
    written = build(model, fmt.value, target, interne, url, theme=theme.value)
    kind = "interne" if interne else "public"
    typer.echo(f"Annuaire {fmt.value} {kind} écrit dans {target}/ : {len(written)} fichiers "
               f"(page d'accueil : {target / ('index.html' if fmt is RenderFormat.html else 'index.md')}).")


class ReportFormat(str, Enum):
    markdown = "markdown"
    html = "html"
    pdf = "pdf"


def report(
    annee: Annotated[str | None, typer.Option("--annee", metavar="AAAA-AAAA", help="Année scolaire du bilan "
                                                 "(par défaut : la dernière qui a des actions).", show_default=False)] = None,
    format: Annotated[ReportFormat, typer.Option("--format", "-f", help="markdown, html ou pdf (pdf : avec "
                                                 "l'extension eee\\[pdf], et --out).")] = ReportFormat.markdown,
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="FICHIER", help="Fichier à écrire "
                                                "(par défaut : la sortie standard ; obligatoire pour pdf).",
                                                show_default=False)] = None,
    interne: Annotated[bool, typer.Option("--interne", metavar="", help="Marque le bilan comme interne.")] = False,
    theme: ThemeOption = Theme.dsfr,
    registry: RegistryOption = None,
) -> None:
    """Le bilan annuel d'une année scolaire : indicateurs, répartitions, comparaison, événements, lacunes.

    En PDF (A4, couverture, sommaire, numéros de page), le même texte que le bilan HTML, à envoyer tel quel :
    il demande l'extension PDF d'eee (pip install 'eee\\[pdf]').
    """
    from ..bilan import compute, years_with_actions
    from ..render.report import render_report, year_changes

    check_year(annee)
    out = standard_output(out, ("un bilan PDF", "bilan.pdf") if format is ReportFormat.pdf else None)
    if format is ReportFormat.pdf:
        if out is None:
            raise UsageError("un bilan PDF s'écrit dans un fichier : précisez-le avec --out",
                             "par exemple --out bilan.pdf")
        from ..render.pdf import check_available

        check_available()  # before the registry is read
    workspace = Workspace.of(registry)
    if out is not None:
        from ..files import check_outside

        check_outside(out, workspace.root, f"bilan.{'md' if format is ReportFormat.markdown else format.value}")
    model = workspace.valid_model("le bilan")
    years = years_with_actions(model, events=False)
    year = annee or (years[-1] if years else None)
    if year is None:
        raise UsageError("le registre ne contient aucune action : précisez l'année avec --annee",
                         "par exemple --annee 2022-2023")
    if format is ReportFormat.pdf:
        from ..files import write_atomic
        from ..render.pdf import summary_pdf

        assert out is not None
        write_atomic(out, summary_pdf(model, compute(model, year), interne, changes=year_changes(model.root, year),
                                      theme=theme.value), within=out.absolute().parent)
        typer.echo(f"Bilan {year} écrit en PDF dans {out}.")
        return
    text = render_report(model, compute(model, year), format.value, interne, history=True, theme=theme.value)
    if out is None:
        sys.stdout.write(text)
        return
    from ..files import write_atomic

    write_atomic(out, text, within=out.absolute().parent)  # a link may not lead out of the folder
    typer.echo(f"Bilan {year} écrit dans {out}.")


def build(
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DOSSIER", help="Dossier du site, remplacé d'un coup "
                                      "une fois complet.")] = Path("site"),
    interne: SiteInterneOption = False,
    edit_url: EditUrlOption = None,
    theme: ThemeOption = Theme.dsfr,
    jobs: JobsOption = None,
    no_cache: NoCacheOption = False,
    sans_pdf: Annotated[bool, typer.Option("--sans-pdf", metavar="", help="Ne pas écrire les bilans en PDF "
                                           "(plus rapide).")] = False,
    clean: Annotated[bool, typer.Option("--clean", metavar="", help="Tout refaire, sans reprendre les fiches "
                                        "inchangées du site précédent.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Le travail principal : valider, puis produire l'annuaire HTML et Markdown et tous les bilans annuels.

    Chaque bilan est aussi écrit en PDF (bilans/AAAA-AAAA.pdf) quand l'extension PDF d'eee est installée
    (pip install 'eee\\[pdf]') ; sans elle, le reste est produit et une ligne dit pourquoi les PDF manquent.
    Les PDF prennent la plus grande part du temps : --sans-pdf les omet.
    Dans un dossier déjà produit, les fiches dont rien n'a changé sont reprises du site précédent ;
    --clean refait tout.
    S'arrête sur les erreurs du registre (code de sortie 1) sans toucher au site existant.
    """
    from ..render import build_site, check_edit_url, linked_ahead
    from ..render.pdf import INSTALL, unavailable

    url = check_edit_url(edit_url)  # before the registry is read
    standard_output(out, ("un site", "site"))
    work = Workspace.of(registry)
    err = typer.get_text_stream("stderr")
    on_terminal = err.isatty()

    def progress(step: str) -> None:
        if on_terminal:
            err.write(f"… {step}\n")

    with linked_ahead(out, work.root, clean, jobs, not no_cache) as ahead:  # (the previous site's pages, meanwhile)
        model, checked = work.valid("le site", jobs, no_cache)
        no_pdf = "" if sans_pdf else unavailable()
        result = build_site(model, out, interne, url, progress=progress, jobs=jobs, theme=theme.value,
                            pdf=not (sans_pdf or no_pdf), clean=clean, cache=not no_cache, ahead=ahead)
    years = result["years"]
    summaries = ", ".join(years) if years else "aucun (pas d'action)"
    if result["pdf"]:
        summaries += ", en HTML, Markdown et PDF"
    typer.echo(f"Site {'interne' if interne else 'public'} écrit dans {out}/ : annuaire HTML ({result['html']} fichiers, "
               f"{out / 'index.html'}), annuaire Markdown ({out / 'markdown'}/), bilans annuels : {summaries} "
               f"({out / 'bilans' / 'index.html'}).")
    if checked.warnings:
        from ..domain import number_fr

        n = checked.warnings
        typer.echo(terminal(f"{number_fr(n)} avertissement{'s' if n > 1 else ''} : {work.command('validate')} pour "
                            f"{'les' if n > 1 else 'le'} voir."))
    if no_pdf and years:
        err.write(f"Bilans PDF non produits : {no_pdf} (installez-le avec : {INSTALL}).\n")


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"
    sqlite = "sqlite"
    xlsx = "xlsx"


def export(
    fmt: Annotated[ExportFormat, typer.Argument(metavar="FORMAT", help="csv, json, sqlite ou xlsx.", show_default=False)],
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="CHEMIN", help="csv : dossier (par défaut "
                                                "export-csv/, remplacé en entier) ; json : fichier (par défaut la sortie standard) ; "
                                                "sqlite : fichier (par défaut registre.sqlite) ; xlsx : classeur "
                                                "(par défaut registre.xlsx).", show_default=False)] = None,
    type_: EntityTypeOption = None,
    former_kind: FormerKindOption = None,
    interne: Annotated[bool, typer.Option("--interne", metavar="", help="Inclure les contacts et notes internes.")] = False,
    excel: Annotated[bool, typer.Option("--excel", metavar="", help="CSV pour Excel en français : séparateur « ; », "
                                        "BOM, codes protégés (« 09 » reste « 09 »).")] = False,
    separateur: Annotated[str | None, typer.Option("--separateur", metavar="CAR", help="Séparateur CSV (par défaut "
                                                      "« , », ou « ; » avec --excel).", show_default=False)] = None,
    bom: Annotated[bool, typer.Option("--bom", metavar="", help="CSV avec BOM, pour Excel.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Exporte le registre en CSV (un fichier par type), en un document JSON, en base SQLite ou en classeur
    Excel (xlsx : une feuille par type, titres et libellés en français).

    Public par défaut : les contacts internes et notes internes n'y figurent qu'avec --interne.
    La forme des exports est décrite dans docs/export.md.
    """
    import json

    from .. import export as service

    if fmt is not ExportFormat.csv and (excel or separateur is not None or bom):
        option = "--excel" if excel else "--separateur" if separateur is not None else "--bom"
        raise UsageError(f"{option} ne vaut que pour l'export csv",
                         "pour un tableur, eee export xlsx écrit un classeur qui n'en a pas besoin")
    out = standard_output(out, None if fmt is ExportFormat.json else {
        ExportFormat.csv: ("un export CSV (un dossier)", "export-csv"), ExportFormat.sqlite: ("une base SQLite", "registre.sqlite"),
        ExportFormat.xlsx: ("un classeur", "registre.xlsx")}[fmt])
    if fmt is ExportFormat.xlsx:
        from ..workbook import check_path

        check_path(out or Path("registre.xlsx"))  # before the registry is read
    kind = entity_types(type_, former_kind) or None
    workspace = Workspace.of(registry)
    default = {ExportFormat.csv: "export-csv", ExportFormat.json: "registre.json",
               ExportFormat.sqlite: "registre.sqlite", ExportFormat.xlsx: "registre.xlsx"}[fmt]
    if fmt is not ExportFormat.json or out is not None:
        from ..files import check_outside

        check_outside(out or Path(default), workspace.root, default)
    model = workspace.valid_model("l'export")
    if fmt is ExportFormat.json:
        text = json.dumps(service.export_json(model, interne, kind), ensure_ascii=False, indent=2) + "\n"
        if out is None:
            sys.stdout.write(text)
            return
        from ..files import write_atomic

        write_atomic(out, text, within=out.absolute().parent)  # a link may not lead out of the folder
        typer.echo(f"Export JSON écrit dans {out}.")
    elif fmt is ExportFormat.csv:
        from ..render.output import staged

        folder = out or Path(default)
        # A folder of its own, replaced whole once complete: never files mixed into a folder eee did not make.
        with staged(folder, workspace.root) as staging:
            files = service.export_csv(model, staging, interne, separateur or (";" if excel else ","), bom or excel,
                                       kind, protect_codes=excel)
        typer.echo(f"Export CSV{' pour Excel' if excel else ''} : {len(files)} fichiers écrits dans {folder}/.")
    elif fmt is ExportFormat.xlsx:
        from ..escape import terminal
        from ..workbook import export_xlsx

        path = out or Path(default)
        sheets = export_xlsx(model, path, interne, kind)
        typer.echo(f"Classeur {'interne' if interne else 'public'} écrit dans {terminal(path)} : {len(sheets)} feuilles "
                   f"({', '.join(sheets)}).")
    else:
        path = out or Path(default)
        service.export_sqlite(model, path, interne, kind)
        typer.echo(f"Export SQLite écrit dans {path} (une table par type, et la table relations).")


def serve(
    port: Annotated[int, typer.Option("--port", "-p", metavar="PORT",
                                      help="Port de l'aperçu sur 127.0.0.1, de 1 à 65535 (0 : un port libre).")] = 8000,
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="DOSSIER", help="Dossier où construire le site "
                                                "(par défaut : un dossier temporaire, retiré à l'arrêt).",
                                                show_default=False)] = None,
    interne: SiteInterneOption = False,
    edit_url: EditUrlOption = None,
    theme: ThemeOption = Theme.dsfr,
    jobs: JobsOption = None,
    no_cache: NoCacheOption = False,
    clean: Annotated[bool, typer.Option("--clean", metavar="", help="Avec --out : tout refaire à la première "
                                        "construction, sans reprendre les fiches inchangées du site précédent.")]
    = False,
    registry: RegistryOption = None,
) -> None:
    """Aperçu du site qui suit les modifications : construit ce que construit eee build, le sert sur
    http://127.0.0.1:PORT/ et le reconstruit à chaque modification du registre ou de ses gabarits.

    Les pages ouvertes se rechargent d'elles-mêmes ; tant que le registre a des erreurs, elles les montrent en
    haut de la page et le dernier site correct reste servi. Rien ne s'ouvre tout seul : ouvrez l'adresse
    affichée dans votre navigateur. Ctrl-C arrête l'aperçu.
    """
    import time

    from ..render import check_edit_url, check_theme
    from ..serve import Builder, follow, start

    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} : un port va de 1 à 65535", "par exemple --port 8000, ou --port 0 pour un "
                         "port libre")
    url = check_edit_url(edit_url)
    standard_output(out, ("un site", "site"))
    workspace = Workspace.of(registry)
    builder = Builder(workspace.root, out or Path("site"), workspace.shown, interne, url, check_theme(theme.value),
                      jobs, not no_cache, clean)
    session = start(builder, port, out)
    try:
        typer.echo("Construction du site…")
        started = time.monotonic()
        errors = session.rebuild()
        _said_build([], errors, time.monotonic() - started, workspace.shown)
        typer.echo(f"Aperçu du site : {session.address} (ouvrez cette adresse dans votre navigateur ; "
                   "Ctrl-C pour arrêter).")
        typer.echo("Les pages se mettent à jour à chaque modification du registre"
                   + (" ou de ses gabarits." if len(builder.watched()) > 1 else "."))
        follow(session, lambda changed, errors, took: _said_build(changed, errors, took, workspace.shown))
    finally:
        session.close()


def _said_build(changed: list[Path], errors: list[Any], took: float | None, root: str) -> None:
    """One line (and the errors, on stderr) after each build of `eee serve`."""
    from ..escape import terminal

    when = ""
    if changed:
        try:
            first = changed[0].resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            first = str(changed[0])
        others = len(changed) - 1
        more = f" (et {others} autre{'s' if others > 1 else ''})" if others else ""
        when = f"{terminal(first)}{more} modifié : "
    took_text = f" en {took:.1f} s".replace(".", ",") if took is not None else ""
    if not errors:
        typer.echo(f"{when}site {'re' if changed else ''}construit{took_text}.")
        return
    err = typer.get_text_stream("stderr")
    n = len(errors)
    err.write(f"{when}le site n'est pas {'re' if changed else ''}construit : {n} erreur{'s' if n > 1 else ''} "
              f"(montrée{'s' if n > 1 else ''} aussi en haut des pages"
              f"{' ; le dernier site correct reste servi' if changed else ''}).\n")
    for error in errors[:SHOWN]:
        where = f"{error.where}: " if error.where else ""
        code = f" ({error.code})" if error.code else ""
        err.write(f"  {terminal(where + error.message)}{code}\n")
    if n > SHOWN:
        err.write(f"  … et {n - SHOWN} autres (eee validate les donne toutes).\n")


SHOWN = 20  # errors listed in the terminal after a build of `eee serve`
