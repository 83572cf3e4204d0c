"""The command line: options → one service → a reporter → an exit code.

The only module that imports typer. Services are imported inside the command
bodies, so that `eee --help` stays light (no jsonschema, no jinja2, no rules).
Exit codes: 0 success, 1 problems found, 2 usage error, 3 the tool could not
run, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperCommand, TyperGroup

from . import __version__
from .errors import EeeError, UsageError
from .escape import one_line, terminal

# --------------------------------------------------------------------------- French help


def _french_help() -> None:
    """Translate the labels typer's rich help prints (imported only when help is shown)."""
    from typer import rich_utils

    rich_utils.ARGUMENTS_PANEL_TITLE = "Arguments"
    rich_utils.OPTIONS_PANEL_TITLE = "Options"
    rich_utils.COMMANDS_PANEL_TITLE = "Commandes"
    rich_utils.ERRORS_PANEL_TITLE = "Erreur"
    rich_utils.DEFAULT_STRING = "[par défaut : {}]"
    rich_utils.ENVVAR_STRING = "[variable d'environnement : {}]"
    rich_utils.REQUIRED_LONG_STRING = "[obligatoire]"
    rich_utils.DEPRECATED_STRING = "(obsolète) "
    rich_utils.RICH_HELP = "Essayez [blue]'{command_path} {help_option}'[/] pour l'aide."


class _French:
    """Mixin: French usage line and help option for typer's commands and groups."""

    def get_usage(self, ctx: Any) -> str:
        return super().get_usage(ctx).replace("Usage:", "Utilisation :", 1)  # type: ignore[misc]

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = "Affiche cette aide et quitte."
            option.metavar = ""  # a flag: no value to show
        return option

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _french_help()
        if getattr(self, "help", None):
            self.help = _reflow(self.help)  # type: ignore[has-type]
        super().format_help(ctx, formatter)  # type: ignore[misc]


def _reflow(text: str) -> str:
    """A docstring's paragraphs as single lines: typer's rich help keeps the source's line breaks, then wraps
    again at the terminal's width, which left short broken lines in the middle of sentences."""
    import inspect
    import re

    return re.sub(r"(?<!\n)\n(?!\n)", " ", inspect.cleandoc(text))


class FrenchGroup(_French, TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[OPTIONS]")
        super().__init__(*args, **kwargs)
        self.subcommand_metavar = "COMMANDE [ARGS]..."


class FrenchCommand(_French, TyperCommand):
    pass


app = typer.Typer(
    cls=FrenchGroup,
    name="eee",
    help=(
        "Registre du réseau École-Entreprise-Économie de la région académique Occitanie : "
        "valider les fichiers YAML, interroger le réseau, produire les annuaires et les bilans."
    ),
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,  # one top-level handler; locals may hold internal data
    context_settings={"help_option_names": ["-h", "--help"]},
)


RegistryOption = Annotated[
    Optional[str],
    typer.Option(
        "--registry", "-r", metavar="DOSSIER",
        help="Dossier du registre (par défaut : $EEE_REGISTRY, sinon ./registry, sinon le registre livré avec eee).",
    ),
]


class State:
    registry: Optional[str] = None
    debug: bool = False
    terminated: bool = False  # SIGTERM was received
    # The last model checked, kept to the end: the console entry point ends the process without freeing it
    # one object at a time (0.1 s for 20,000 files).
    kept: Any = None


JobsOption = Annotated[
    Optional[int],
    typer.Option("--jobs", "-j", metavar="N", show_default=False,
                 help="Nombre de processus qui lisent les fichiers (par défaut : les cœurs disponibles)."),
]
NoCacheOption = Annotated[
    bool,
    typer.Option("--no-cache", metavar="", help="Tout refaire, sans lire ni écrire le cache des fichiers "
                 "déjà vus."),
]


class _Progress:
    """« Vérification des fichiers » with a bar on the terminal (stderr), once a check takes more than a moment.

    Nothing is shown when stderr is not a terminal (pipes, CI, pre-commit) nor
    for a check that ends within half a second; the bar vanishes when done.
    """

    DELAY = 0.5

    def __init__(self, label: str = "Vérification des fichiers") -> None:
        import time

        self.label = label
        self.clock = time.monotonic
        self.start = self.clock()
        self.enabled = sys.stderr.isatty()
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if done >= total or self.clock() - self.start < self.DELAY:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            # No refresh thread (auto_refresh=False): worker processes are forked while the bar is shown.
            self.bar = Progress(TextColumn(self.label), BarColumn(), MofNCompleteColumn(), TextColumn("reste"),
                                TimeRemainingColumn(), console=Console(stderr=True), transient=True,
                                auto_refresh=False)
            self.bar.start()
            self.task = self.bar.add_task("", total=total)
        self.bar.update(self.task, completed=done)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _checked(root: Path, jobs: Optional[int] = None, no_cache: bool = False, whole: bool = True) -> tuple[Any, Any]:
    """The model and report of a whole registry, with a progress bar on a terminal (without `whole`,
    the model holds only what the report needs: see `validate.load`)."""
    from .validate import check

    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs} : il faut au moins un processus", "par exemple --jobs 2, ou sans --jobs pour "
                         "utiliser tous les cœurs")
    progress = _Progress()
    try:
        State.kept = check(root, jobs=jobs, cache=not no_cache, progress=progress, whole=whole)
        return State.kept  # type: ignore[no-any-return]
    finally:
        progress.close()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"eee {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    registry: RegistryOption = None,
    debug: Annotated[bool, typer.Option("--debug", metavar="", help="Affiche la trace Python complète en cas d'erreur interne.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", metavar="", callback=_version, is_eager=True, help="Affiche la version d'eee et quitte."),
    ] = False,
) -> None:
    """Registre du réseau École-Entreprise-Économie d'Occitanie."""
    State.registry = registry
    State.debug = debug


# --------------------------------------------------------------------------- validate


class Format(str, Enum):
    text = "text"
    parsable = "parsable"
    json = "json"
    github = "github"
    gitlab = "gitlab"


@app.command(cls=FrenchCommand)
def validate(
    paths: Annotated[
        Optional[list[Path]],
        typer.Argument(
            metavar="[CHEMINS]...",
            help="Fichiers ou dossiers du registre dont afficher les problèmes (par défaut : tout le registre). "
            "Tout le registre est lu, pour vérifier les références.",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        Format, typer.Option("--format", "-f", help="Format de sortie : text, parsable, json, github ou gitlab.")
    ] = Format.text,
    strict: Annotated[bool, typer.Option("--strict", metavar="", help="Les avertissements font aussi échouer (code de sortie 1).")] = False,
    explain: Annotated[
        Optional[str],
        typer.Option("--explain", metavar="CODE", help="Explique un code (par exemple EEE-R012) avec un exemple, "
                     "ou « tout » pour la documentation de tous les codes, puis quitte."),
    ] = None,
    jobs: JobsOption = None,
    no_cache: NoCacheOption = False,
    registry: RegistryOption = None,
) -> None:
    """Valide le registre : lecture YAML, schémas, références et règles du domaine.

    Affiche tous les problèmes de tous les fichiers (fichier:ligne:colonne, code, message, conseil).
    Code de sortie : 0 registre valide (avertissements permis), 1 erreurs trouvées
    (ou avertissements avec --strict), 2 erreur d'utilisation, 3 eee n'a pas pu s'exécuter.

    Le résultat de chaque fichier est gardé dans un cache, hors du registre ($EEE_CACHE_DIR,
    sinon ~/.cache/eee) : un fichier inchangé n'est pas relu, un fichier, un schéma ou une
    version d'eee modifiés sont toujours revérifiés, et les références entre fichiers sont
    toujours vérifiées. Chaque ligne du cache est authentifiée par une clé gardée ailleurs
    ($EEE_CACHE_KEY, sinon ~/.config/eee/cache-key) : une ligne retouchée n'est jamais crue.
    Le supprimer est sans risque ; --no-cache s'en passe.
    """
    if explain is not None:
        _explain(explain)
        return
    from .report import REPORTERS
    from .settings import resolve_registry

    root = resolve_registry(registry or State.registry)
    report = _checked(root, jobs, no_cache, whole=False)[1]
    if paths:
        report = _restrict(report, root, paths)
    REPORTERS[format.value](report, sys.stdout, _shown_root(root), strict)
    raise typer.Exit(report.exit_code(strict))


def _shown_root(root: Path) -> str:
    """The registry path as the user can open it: relative to the working directory if inside it."""
    try:
        return root.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(root)


def _restrict(report: Any, root: Path, paths: list[Path]) -> Any:
    from .diagnostics import Report

    real_root = root.resolve()
    wanted = []
    for path in paths:
        try:
            wanted.append(path.resolve().relative_to(real_root).as_posix())
        except ValueError:
            raise UsageError(
                f"« {path} » n'est pas dans le registre « {root} »",
                "donnez des chemins à l'intérieur du registre, ou choisissez le registre avec --registry",
            ) from None
        if not path.exists():
            raise UsageError(f"« {path} » n'existe pas", "vérifiez le chemin")

    def keep(problem_path: str) -> bool:
        return any(w == "." or problem_path == w or problem_path.startswith(w + "/") for w in wanted)

    kept = Report([p for p in report.problems if keep(p.path)], report.files_checked, report.entities)
    return kept


def _explain(code: str) -> None:
    from .codes import catalogue, docs_markdown, explain

    docs = catalogue()
    wanted = code.strip().upper()
    if wanted in ("TOUT", "ALL"):
        text = docs_markdown()
    else:
        if not wanted.startswith("EEE-"):
            wanted = "EEE-" + wanted
        if wanted not in docs:
            from .suggest import closest

            guess = closest(wanted, list(docs))
            raise UsageError(
                f"code inconnu : « {code} »",
                (f"vouliez-vous dire {guess} ? " if guess else "") + "« eee validate --explain tout » liste tous les codes",
            )
        text = explain(docs[wanted])
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text)


# --------------------------------------------------------------------------- queries


def _model(registry: Optional[str]) -> Any:
    """The registry's model for a query: read, not schema-checked (light); one line if files are broken."""
    from .settings import resolve_registry
    from .validate import load

    root = resolve_registry(registry or State.registry)
    model, report = load(root, check_schemas=False)
    if report.errors:
        # Only reading problems leave a file out (schema problems may come along from the cache).
        broken = len({p.path for p in report.problems if p.is_error and p.code.startswith("EEE-Y")})
        sys.stderr.write(
            f"eee : attention, {broken} fichier{'s' if broken > 1 else ''} du registre "
            f"{'sont illisibles ou mal rangés' if broken > 1 else 'est illisible ou mal rangé'} : la réponse porte "
            "sur ce qui a pu être lu (eee validate donne le détail).\n"
        )
    return model


def _check_year(annee: Optional[str]) -> None:
    import re

    if annee is not None and not re.fullmatch(r"\d{4}-\d{4}", annee):
        raise UsageError(f"année scolaire invalide : « {annee} »", "écrivez par exemple --annee 2022-2023")


def _many(help_text: str, metavar: str) -> Any:
    return typer.Option(help=help_text, metavar=metavar, show_default=False)


class TableFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    yaml = "yaml"
    markdown = "markdown"


class ShowFormat(str, Enum):
    text = "text"
    json = "json"
    yaml = "yaml"


class TreeFormat(str, Enum):
    text = "text"
    json = "json"


@app.command("list", cls=FrenchCommand)
def list_(
    kind: Annotated[str, typer.Argument(metavar="TYPE", help="clee, cmq, pft, partenariats, partenaires, "
                                        "etablissements, actions, evenements ou club.", show_default=False)],
    departement: Annotated[Optional[list[str]], _many("Seulement ce département (code, répétable).", "CODE")] = None,
    academie: Annotated[Optional[list[str]], _many("Seulement cette académie : toulouse ou montpellier.", "ACADÉMIE")] = None,
    annee: Annotated[Optional[list[str]], _many("Seulement cette année scolaire (2022-2023).", "AAAA-AAAA")] = None,
    statut: Annotated[Optional[list[str]], _many("Seulement ce statut (actif, realisee…).", "STATUT")] = None,
    type_: Annotated[Optional[list[str]], typer.Option("--type", help="Seulement ce type (type d'action, nature "
                                                       "d'établissement, secteur…).", metavar="TYPE",
                                                       show_default=False)] = None,
    partenaire: Annotated[Optional[list[str]], _many("Seulement ce qui cite ce partenaire (identifiant).", "ID")] = None,
    membre: Annotated[Optional[list[str]], _many("Seulement ce qui a ce membre (identifiant).", "ID")] = None,
    tri: Annotated[Optional[list[str]], _many("Trier sur une colonne ; « -colonne » pour l'ordre décroissant.", "COLONNE")] = None,
    format: Annotated[TableFormat, typer.Option("--format", "-f", help="table, json, csv, yaml ou markdown.")] = TableFormat.table,
    separateur: Annotated[str, typer.Option("--separateur", metavar="CAR", help="Séparateur CSV (« ; » pour Excel en français).")] = ",",
    bom: Annotated[bool, typer.Option("--bom", metavar="", help="CSV avec BOM, pour Excel.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Liste les entités d'un type, avec filtres combinables et tri.

    Exemples : eee list clee --departement 30 ; eee list actions --annee 2022-2023 --format json ;
    eee list etablissements --departement 09 --tri -clee
    """
    from . import present, query

    if len(separateur) != 1:
        raise UsageError("--separateur attend un seul caractère", "par exemple --separateur ';'")
    model = _model(registry)
    kind = query.kind_named(kind)
    filters = query.Filters(departement or [], academie or [], annee or [], statut or [], type_ or [], partenaire or [],
                            membre or [])
    result = query.select(model, kind, filters, tri)
    present.table(result, model, sys.stdout, format.value, separateur, bom)


@app.command(cls=FrenchCommand)
def show(
    entity_id: Annotated[str, typer.Argument(metavar="ID", help="Identifiant de l'entité (nom de son fichier).",
                                             show_default=False)],
    format: Annotated[ShowFormat, typer.Option("--format", "-f", help="text, json ou yaml.")] = ShowFormat.text,
    registry: RegistryOption = None,
) -> None:
    """Montre une entité, ses relations et tout ce qui la cite.

    Code de sortie 1 si l'identifiant est inconnu (avec les identifiants les plus proches).
    """
    from . import present, query

    model = _model(registry)
    present.show(model, query.find_entity(model, entity_id), sys.stdout, format.value)


@app.command(cls=FrenchCommand)
def search(
    texte: Annotated[list[str], typer.Argument(metavar="TEXTE...", help="Mots cherchés (accents, majuscules, "
                                              "ponctuation et fautes de frappe tolérés).", show_default=False)],
    kind: Annotated[Optional[list[str]], typer.Option("--kind", "-k", metavar="TYPE",
                                                      help="Seulement ce type d'entité (répétable).",
                                                      show_default=False)] = None,
    format: Annotated[TreeFormat, typer.Option("--format", "-f", help="text ou json.")] = TreeFormat.text,
    registry: RegistryOption = None,
) -> None:
    """Cherche dans les noms, descriptions, lieux et étiquettes de toutes les entités.

    Code de sortie 1 si rien n'est trouvé.
    """
    from . import present, query

    model = _model(registry)
    kinds = [query.kind_named(k) for k in kind or []]
    found = query.search(model, " ".join(texte), kinds)
    present.hits(found, sys.stdout, "json" if format is TreeFormat.json else "table", model)
    raise typer.Exit(0 if found else 1)


@app.command(cls=FrenchCommand)
def stats(
    annee: Annotated[Optional[str], typer.Option("--annee", metavar="AAAA-AAAA",
                                                 help="Limiter les actions et événements à une année scolaire.",
                                                 show_default=False)] = None,
    format: Annotated[TreeFormat, typer.Option("--format", "-f", help="text ou json.")] = TreeFormat.text,
    registry: RegistryOption = None,
) -> None:
    """Chiffres du réseau : entités par type et territoire, couverture des CLEE, actions, lacunes."""
    from . import present, query

    _check_year(annee)
    model = _model(registry)
    present.stats(query.stats(model, annee), model, sys.stdout, format.value)


@app.command(cls=FrenchCommand)
def tree(
    format: Annotated[TreeFormat, typer.Option("--format", "-f", help="text ou json.")] = TreeFormat.text,
    registry: RegistryOption = None,
) -> None:
    """Le réseau en arbre : région académique → académies → départements → CLEE, CMQ, PFT → membres."""
    from . import present, query

    model = _model(registry)
    present.tree(query.tree(model), sys.stdout, format.value)


# --------------------------------------------------------------------------- render


class RenderFormat(str, Enum):
    html = "html"
    markdown = "markdown"


@app.command(cls=FrenchCommand)
def render(
    fmt: Annotated[RenderFormat, typer.Argument(metavar="FORMAT", help="html ou markdown.", show_default=False)],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", metavar="DOSSIER",
                                                help="Dossier de sortie (par défaut : site/ pour html, "
                                                "annuaire-md/ pour markdown) ; remplacé d'un coup, une fois complet.",
                                                show_default=False)] = None,
    interne: Annotated[bool, typer.Option("--interne", metavar="", help="Version interne : contacts et notes "
                                          "internes compris, chaque page marquée « version interne ».")] = False,
    edit_url: Annotated[Optional[str], typer.Option("--edit-url", metavar="URL",
                                                    help="Adresse du dépôt du registre pour les liens « Modifier » "
                                                    "(par exemple https://gitlab.example.org/mission/registre/-/edit/main/registry) ; "
                                                    "par défaut $EEE_EDIT_URL.", show_default=False)] = None,
    registry: RegistryOption = None,
) -> None:
    """Produit l'annuaire du réseau en HTML (site statique) ou en Markdown.

    Public par défaut : aucun contact interne ni note interne n'y figure. Refuse un registre
    qui a des erreurs (lancez eee validate).
    """
    from .render import build, check_edit_url

    url = check_edit_url(edit_url)  # before the registry is read
    model = _valid_model(registry, "l'annuaire")
    target = out or Path("site" if fmt is RenderFormat.html else "annuaire-md")
    written = build(model, fmt.value, target, interne, url)
    kind = "interne" if interne else "public"
    typer.echo(f"Annuaire {fmt.value} {kind} écrit dans {target}/ : {len(written)} fichiers "
               f"(page d'accueil : {target / ('index.html' if fmt is RenderFormat.html else 'index.md')}).")


def _valid_model(registry: Optional[str], what: str, jobs: Optional[int] = None, no_cache: bool = False) -> Any:
    """The model of a registry without errors, for commands that publish; else exit 1 with the problems."""
    from .errors import InvalidRegistry
    from .settings import resolve_registry

    root = resolve_registry(registry or State.registry)
    model, report = _checked(root, jobs, no_cache)
    if report.errors:
        from .report import parsable

        parsable(type(report)([p for p in report.problems if p.is_error], report.files_checked, report.entities),
                 sys.stderr, _shown_root(root))
        raise InvalidRegistry(f"le registre a {report.errors} erreur{'s' if report.errors > 1 else ''} : "
                              f"{what} n'est pas produit", "corrigez-les d'abord (eee validate les détaille)")
    return model


@app.command(cls=FrenchCommand)
def report(
    annee: Annotated[Optional[str], typer.Option("--annee", metavar="AAAA-AAAA", help="Année scolaire du bilan "
                                                 "(par défaut : la dernière qui a des actions).", show_default=False)] = None,
    format: Annotated[RenderFormat, typer.Option("--format", "-f", help="markdown ou html.")] = RenderFormat.markdown,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", metavar="FICHIER", help="Fichier à écrire "
                                                "(par défaut : la sortie standard).", show_default=False)] = None,
    interne: Annotated[bool, typer.Option("--interne", metavar="", help="Marque le bilan comme interne.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Le bilan annuel d'une année scolaire : indicateurs, répartitions, comparaison, événements, lacunes."""
    from .bilan import compute, years_with_actions
    from .render.report import render_report

    _check_year(annee)
    model = _valid_model(registry, "le bilan")
    years = years_with_actions(model, events=False)
    year = annee or (years[-1] if years else None)
    if year is None:
        raise UsageError("le registre ne contient aucune action : précisez l'année avec --annee",
                         "par exemple --annee 2022-2023")
    text = render_report(model, compute(model, year), format.value, interne, history=True)
    if out is None:
        sys.stdout.write(text)
        return
    from .files import write_atomic

    write_atomic(out, text)
    typer.echo(f"Bilan {year} écrit dans {out}.")


@app.command(cls=FrenchCommand)
def build(
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DOSSIER", help="Dossier du site, remplacé d'un coup "
                                      "une fois complet.")] = Path("site"),
    interne: Annotated[bool, typer.Option("--interne", metavar="", help="Version interne du site.")] = False,
    edit_url: Annotated[Optional[str], typer.Option("--edit-url", metavar="URL", help="Adresse du dépôt pour les "
                                                    "liens « Modifier » (par défaut $EEE_EDIT_URL).",
                                                    show_default=False)] = None,
    jobs: JobsOption = None,
    no_cache: NoCacheOption = False,
    registry: RegistryOption = None,
) -> None:
    """Le travail principal : valider, puis produire l'annuaire HTML et Markdown et tous les bilans annuels.

    S'arrête sur les erreurs du registre (code de sortie 1) sans toucher au site existant.
    """
    from .render import build_site, check_edit_url

    url = check_edit_url(edit_url)  # before the registry is read
    model = _valid_model(registry, "le site", jobs, no_cache)
    err = typer.get_text_stream("stderr")
    on_terminal = err.isatty()

    def progress(step: str) -> None:
        if on_terminal:
            err.write(f"… {step}\n")

    result = build_site(model, out, interne, url, progress=progress, jobs=jobs)
    years = result["years"]
    summaries = ", ".join(years) if years else "aucun (pas d'action)"
    typer.echo(f"Site {'interne' if interne else 'public'} écrit dans {out}/ : annuaire HTML ({result['html']} fichiers, "
               f"{out / 'index.html'}), annuaire Markdown ({out / 'markdown'}/), bilans annuels : {summaries} "
               f"({out / 'bilans' / 'index.html'}).")


# --------------------------------------------------------------------------- editing workflow


@app.command(cls=FrenchCommand)
def new(
    kind: Annotated[str, typer.Argument(metavar="TYPE", help="clee, cmq, pft, partenariat, partenaire, etablissement, "
                                        "action, evenement ou club.", show_default=False)],
    entity_id: Annotated[str, typer.Argument(metavar="ID", help="Identifiant : minuscules, chiffres et tirets (UAI en "
                                             "minuscules pour un établissement).", show_default=False)],
    values: Annotated[Optional[list[str]], typer.Option("--set", metavar="CHAMP=VALEUR", help="Valeur d'un champ "
                                                        "(répétable ; listes séparées par des virgules).",
                                                        show_default=False)] = None,
    no_input: Annotated[bool, typer.Option("--no-input", metavar="", help="Ne rien demander, même dans un terminal.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Crée le fichier d'une nouvelle entité, valide, avec ce qui reste à compléter.

    Dans un terminal, demande les champs obligatoires manquants (sauf avec --no-input).
    """
    import datetime as dt

    from . import new as service
    from .query import kind_named
    from .schema import SchemaSet
    from .settings import resolve_registry, schemas_dir

    root = resolve_registry(registry or State.registry)
    given: dict[str, str] = {}
    for item in values or []:
        field_name, sep, value = item.partition("=")
        if not sep or not field_name.strip():
            raise UsageError(f"--set attend CHAMP=VALEUR, pas « {item} »", "par exemple --set nom=\"CLEE de l'Aude\"")
        given[field_name.strip()] = value.strip()
    the_kind = kind_named(kind)
    if not no_input and sys.stdin.isatty():
        for field_name, title, description, choices in service.required_fields(the_kind, SchemaSet(schemas_dir())):
            if field_name in given:
                continue
            if choices:
                typer.echo(f"{title} — valeurs possibles : " + ", ".join(f"{v} ({label})" for v, label in choices))
            given[field_name] = typer.prompt(title)
    path = service.create(root, the_kind, entity_id, given, dt.date.today().isoformat())
    typer.echo(f"Créé : {path} — complétez-le, puis lancez eee validate.")


@app.command(cls=FrenchCommand)
def fmt(
    paths: Annotated[Optional[list[Path]], typer.Argument(metavar="[CHEMINS]...", help="Fichiers ou dossiers (par "
                                                          "défaut : tout le registre).", show_default=False)] = None,
    check: Annotated[bool, typer.Option("--check", metavar="", help="N'écrit rien ; code de sortie 1 si des fichiers "
                                        "seraient modifiés.")] = False,
    jobs: JobsOption = None,
    no_cache: NoCacheOption = False,
    registry: RegistryOption = None,
) -> None:
    """Met les fichiers du registre en forme canonique, sans changer les données ni perdre un commentaire.

    Ordre des clés du schéma, guillemets autour des valeurs que YAML pourrait mal lire, indentation,
    fin de fichier. Relancer la commande ne change plus rien.

    Le cache (celui d'eee validate) note si chaque fichier est en forme : un fichier dont le
    contenu n'a pas changé n'est remis en forme que pour être réécrit, jamais pour --check.
    """
    from .fmt import format_registry
    from .settings import resolve_registry

    root = resolve_registry(registry or State.registry)
    for path in paths or []:
        if not path.exists():
            raise UsageError(f"« {path} » n'existe pas", "donnez des fichiers ou dossiers du registre")
    result = format_registry(root, paths or None, check, jobs, use_cache=not no_cache)
    shown = _shown_root(root)
    for path in result.changed:
        typer.echo(terminal(f"{'à reformater' if check else 'reformaté'} : {shown}/{path}"))
    for path, reason in result.skipped:
        sys.stderr.write(terminal(f"eee : {shown}/{path} ignoré : {reason}") + "\n")
    done = "à reformater" if check else "reformaté(s)"
    typer.echo(f"{len(result.changed)} fichier(s) {done}, {len(result.unchanged)} déjà en forme"
               + (f", {len(result.skipped)} ignoré(s)" if result.skipped else "") + ".")
    raise typer.Exit(1 if (check and result.changed) or result.skipped else 0)


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"
    sqlite = "sqlite"


@app.command(cls=FrenchCommand)
def export(
    fmt: Annotated[ExportFormat, typer.Argument(metavar="FORMAT", help="csv, json ou sqlite.", show_default=False)],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", metavar="CHEMIN", help="csv : dossier (par défaut "
                                                "export-csv/) ; json : fichier (par défaut la sortie standard) ; "
                                                "sqlite : fichier (par défaut registre.sqlite).", show_default=False)] = None,
    kind: Annotated[Optional[list[str]], typer.Option("--kind", "-k", metavar="TYPE", help="Seulement ce type "
                                                      "(répétable).", show_default=False)] = None,
    interne: Annotated[bool, typer.Option("--interne", metavar="", help="Inclure les contacts et notes internes.")] = False,
    separateur: Annotated[str, typer.Option("--separateur", metavar="CAR", help="Séparateur CSV (« ; » pour Excel).")] = ",",
    bom: Annotated[bool, typer.Option("--bom", metavar="", help="CSV avec BOM, pour Excel.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Exporte le registre en CSV (un fichier par type), en un document JSON ou en base SQLite.

    Public par défaut : les contacts internes et notes internes n'y figurent qu'avec --interne.
    La forme des exports est décrite dans docs/export.md.
    """
    import json

    from . import export as service

    model = _valid_model(registry, "l'export")
    if fmt is ExportFormat.json:
        text = json.dumps(service.export_json(model, interne, kind), ensure_ascii=False, indent=2) + "\n"
        if out is None:
            sys.stdout.write(text)
            return
        from .files import write_atomic

        write_atomic(out, text)
        typer.echo(f"Export JSON écrit dans {out}.")
    elif fmt is ExportFormat.csv:
        folder = out or Path("export-csv")
        files = service.export_csv(model, folder, interne, separateur, bom, kind)
        typer.echo(f"Export CSV : {len(files)} fichiers écrits dans {folder}/.")
    else:
        path = out or Path("registre.sqlite")
        service.export_sqlite(model, path, interne, kind)
        typer.echo(f"Export SQLite écrit dans {path} (une table par type, et la table relations).")


@app.command(cls=FrenchCommand)
def schema(
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DOSSIER", help="Dossier du dépôt du registre.")] = Path("."),
) -> None:
    """Écrit les schémas JSON et les réglages de l'éditeur (.vscode/settings.json) pour un dépôt de registre.

    L'extension YAML de VS Code complète et vérifie alors chaque fichier selon son type.
    """
    from .export import write_schemas

    written = write_schemas(out)
    typer.echo(f"{len(written)} fichiers écrits : schémas dans {out / 'schemas'}/, réglages dans "
               f"{out / '.vscode' / 'settings.json'}.")


@app.command(cls=FrenchCommand)
def rename(
    old: Annotated[str, typer.Argument(metavar="ANCIEN", help="Identifiant actuel.", show_default=False)],
    new: Annotated[str, typer.Argument(metavar="NOUVEAU", help="Nouvel identifiant.", show_default=False)],
    dry_run: Annotated[bool, typer.Option("--dry-run", metavar="", help="Montre les changements sans rien écrire.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Renomme une entité : son fichier, son id et toutes les références, commentaires gardés."""
    from . import rename as service
    from .settings import resolve_registry

    root = resolve_registry(registry or State.registry)
    plan = service.plan(root, old, new)
    for warning in plan.warnings:
        sys.stderr.write(terminal(f"eee : attention, {warning}") + "\n")
    if dry_run:
        sys.stdout.write(plan.diff())
        typer.echo(f"Simulation (--dry-run, rien n'est écrit) : {plan.summary()}")
        return
    service.apply(plan)
    typer.echo(plan.summary())


class DiffFormat(str, Enum):
    markdown = "markdown"
    json = "json"


@app.command(cls=FrenchCommand)
def diff(
    revisions: Annotated[Optional[list[str]], typer.Argument(metavar="[REV1] [REV2]", help="Révisions git (par défaut : "
                                                            "le dernier commit contre les fichiers actuels).",
                                                            show_default=False)] = None,
    annee: Annotated[Optional[str], typer.Option("--annee", metavar="AAAA-AAAA", help="Ce qui a changé pendant "
                                                 "cette année scolaire.", show_default=False)] = None,
    format: Annotated[DiffFormat, typer.Option("--format", "-f", help="markdown ou json.")] = DiffFormat.markdown,
    registry: RegistryOption = None,
) -> None:
    """Journal des changements du registre d'après git : entités ajoutées, supprimées, renommées, champs et relations."""
    from . import history
    from .settings import resolve_registry

    revisions = revisions or []
    if len(revisions) > 2:
        raise UsageError("au plus deux révisions", "par exemple : eee diff HEAD~3 HEAD")
    if annee and revisions:
        raise UsageError("--annee et des révisions ne se combinent pas", "choisissez l'un ou l'autre")
    _check_year(annee)
    root = resolve_registry(registry or State.registry)
    changes = history.changes_for_year(root, annee) if annee else history.changes(root, *revisions)
    sys.stdout.write(changes.json() if format is DiffFormat.json else changes.markdown())


# --------------------------------------------------------------------------- completion


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


@app.command(cls=FrenchCommand)
def completion(
    shell: Annotated[Shell, typer.Argument(metavar="SHELL", help="bash, zsh ou fish.", show_default=False)],
) -> None:
    """Affiche le script de complétion des commandes pour un shell.

    Pour bash, ajoutez à ~/.bashrc : eval "$(eee completion bash)" ; pour zsh, à ~/.zshrc :
    eval "$(eee completion zsh)" ; pour fish : eee completion fish > ~/.config/fish/completions/eee.fish
    """
    from typer._completion_shared import get_completion_script

    sys.stdout.write(get_completion_script(prog_name="eee", complete_var="_EEE_COMPLETE", shell=shell.value))


# --------------------------------------------------------------------------- import

import_app = typer.Typer(
    cls=FrenchGroup,
    help="Importe des entités depuis des données officielles.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(import_app, name="import")


@import_app.command("annuaire", cls=FrenchCommand)
def import_annuaire(
    fichier: Annotated[Path, typer.Argument(metavar="FICHIER.csv", help="Export CSV de l'Annuaire de l'éducation "
                                            "(data.education.gouv.fr, jeu fr-en-annuaire-education).", show_default=False)],
    uai: Annotated[Optional[list[str]], typer.Option("--uai", metavar="UAI", help="UAI d'un établissement à importer "
                                                     "(option répétable).", show_default=False)] = None,
    departement: Annotated[Optional[list[str]], typer.Option("--departement", metavar="CODE",
                                                             help="Importer tous les établissements de ce département "
                                                             "(répétable ; se combine avec --type).",
                                                             show_default=False)] = None,
    type_: Annotated[Optional[list[str]], typer.Option("--type", metavar="NATURE",
                                                       help="Importer les établissements de cette nature "
                                                       "(college, lycee_polyvalent, lycee_professionnel…).",
                                                       show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", metavar="", help="Remplace aussi les fichiers modifiés à la main.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", metavar="", help="Montre ce qui serait fait, sans rien écrire.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Crée ou met à jour etablissements/<uai>.yaml depuis l'Annuaire de l'éducation.

    Les colonnes sont lues par leur nom ; un fichier modifié à la main n'est jamais remplacé sans --force.
    Code de sortie : 0 import réussi, 1 une ligne refusée ou un UAI absent, 2 erreur d'utilisation.
    """
    from .annuaire import import_schools
    from .settings import resolve_registry

    root = resolve_registry(registry or State.registry)
    result = import_schools(fichier, root, uai or [], departement or [], type_ or [], force=force, dry_run=dry_run)
    shown = _shown_root(root)
    for label, paths in (("créé", result.created), ("mis à jour", result.updated), ("inchangé", result.unchanged),
                         ("ignoré", result.skipped)):
        for path in paths:
            note = "  (modifié à la main : --force pour le remplacer)" if label == "ignoré" else ""
            typer.echo(terminal(f"{label:<10} {shown}/{path}{note}"))
    for p in result.problems:
        level = "erreur" if p.is_error else "avertissement"
        where = f"{fichier}:{p.line}" if p.line else str(fichier)
        typer.echo(f"{one_line(where)}: [{level}] {one_line(p.message)} ({p.code})\n  → {terminal(p.hint)}", err=True)
    counts = (f"{len(result.created)} créé(s), {len(result.updated)} mis à jour, {len(result.unchanged)} inchangé(s), "
              f"{len(result.skipped)} ignoré(s)")
    prefix = "Simulation (--dry-run, rien n'est écrit)" if dry_run else "Import terminé"
    typer.echo(f"{prefix} : {counts}.")
    raise typer.Exit(result.exit_code)


# --------------------------------------------------------------------------- entry point


def _usage_message(exc: Any) -> str:
    """click's usage errors, said in French."""
    from typer._click import exceptions as ce

    if isinstance(exc, ce.NoSuchOption):
        message = f"option inconnue : {exc.option_name}"
        if exc.possibilities:
            message += " (vouliez-vous dire " + " ou ".join(sorted(exc.possibilities)) + " ?)"
        return message
    if isinstance(exc, ce.MissingParameter):
        return f"paramètre manquant : {exc.param.opts[0] if exc.param is not None else ''}"
    if isinstance(exc, ce.BadParameter):
        hint = exc.param.opts[0] if exc.param is not None else (exc.param_hint or "")
        detail = exc.message.removeprefix("Value error, ")
        if " is not one of " in detail:
            value, _, choices = detail.partition(" is not one of ")
            detail = f"{value} n'est pas une valeur possible ({choices.rstrip('.')})"
        elif "valid integer" in detail:
            detail = "un nombre entier est attendu"
        return f"valeur invalide pour {hint} : {detail}"
    import re

    message = re.sub(r"Did you mean '([^']+)'\?", r"Vouliez-vous dire « \1 » ?", exc.format_message())
    message = re.sub(r"No such command '([^']+)'\.", r"commande inconnue : « \1 ».", message)
    for english, french in (
        ("Missing command.", "commande manquante."),
        ("Got unexpected extra argument(s)", "argument(s) en trop"),
        ("requires an argument", "attend une valeur"),
    ):
        message = message.replace(english, french)
    return message


def _app_for(args: list[str]) -> typer.Typer:
    """The command line with only the command that `args` names, when they name one: typer builds
    every command's options before running any (20 ms, paid by each pre-commit hook call). The
    whole command line otherwise (`eee --help`, a misspelt command and its suggestions)."""
    import copy

    name, rest = None, list(args)
    while rest:
        arg = rest.pop(0)
        if arg in ("--registry", "-r"):
            if rest:
                rest.pop(0)
        elif not arg.startswith("-"):
            name = arg
            break
    commands = [c for c in app.registered_commands
                if (c.name or typer.main.get_command_name(c.callback.__name__)) == name]  # type: ignore[union-attr]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return app
    light = copy.copy(app)
    light.registered_commands, light.registered_groups = commands, groups
    return light


def main(argv: Optional[list[str]] = None) -> None:
    """Console entry point: one handler for every way the tool can fail."""
    from typer._click import exceptions as ce

    if "_EEE_COMPLETE" in os.environ:  # the shell asks for completions (eee completion installs this)
        from typer._completion_classes import completion_init

        completion_init()
    args = sys.argv[1:] if argv is None else argv
    command = typer.main.get_command(_app_for(args))
    import signal

    # SIGTERM (a CI job cancelled, a service stopped) interrupts like Ctrl-C: what is half-made is removed.
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminated)
    try:
        result = command.main(args=args, prog_name="eee", standalone_mode=False)
        code = result if isinstance(result, int) else 0
        if code == 130:  # typer returns an interruption (Ctrl-C, SIGTERM) as the code 130
            sys.stderr.write("eee : interrompu.\n")
            code = 143 if State.terminated else 130
    except typer.Exit as exc:
        code = exc.exit_code
    except ce.UsageError as exc:
        err = typer.get_text_stream("stderr")
        err.write(f"eee : erreur d'utilisation : {terminal(_usage_message(exc))}\n")
        ctx = exc.ctx
        path = ctx.command_path if ctx is not None else "eee"
        err.write(f"Aide : {path} --help\n")
        code = 2
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("eee : interrompu.\n")
        code = 143 if State.terminated else 130
    except EeeError as exc:
        sys.stderr.write(f"eee : {terminal(exc.message, newlines=True)}\n")
        if exc.hint:
            sys.stderr.write(f"  → {terminal(exc.hint)}\n")
        code = exc.exit_code
    except BrokenPipeError:
        # The reader went away (eee validate | head): not an error of the tool.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 0
    except OSError as exc:  # a failure of the system no service turned into an EeeError: still said in French
        from .files import reason

        if State.debug or "--debug" in args:
            raise
        where = f" sur « {terminal(exc.filename)} »" if exc.filename else ""
        sys.stderr.write(f"eee : opération impossible{where} : {reason(exc)}.\n")
        code = 3
    except Exception as exc:  # noqa: BLE001 - the last resort: never a traceback for users
        if State.debug or "--debug" in args:
            raise
        sys.stderr.write(
            f"eee : erreur interne ({type(exc).__name__} : {terminal(exc)}).\n"
            "  → relancez avec --debug pour la trace complète, et signalez-la à l'équipe eee.\n"
        )
        code = 3
    finally:
        if previous is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, previous)
    sys.exit(code)


def _terminated(signum: int, frame: Any) -> None:
    """SIGTERM: an interruption, so that `finally` blocks run (a staging folder is removed); exit code 143."""
    State.terminated = True
    raise KeyboardInterrupt
