"""Render the directory (annuaire) as a static HTML site or as Markdown.

One place builds the Jinja environment (autoescape for HTML, StrictUndefined),
`context.site_context` is the one place internal data is dropped, and output
is written into a temporary folder moved into place only when complete: a
failing render leaves the previous output untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from ..errors import EeeError, UsageError
from ..files import failure, new_mode
from ..model import Registry
from ..parallel import fork_map
from ..settings import data_dir
from .context import Site, entity_view, site_context
from .filters import date_fr, md_escape, md_url, plural, safe_url
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
    """The Jinja environment of a format. With templates of the registry repository among `dirs`, every
    template (eee's own too: a repository's template may include them) runs in Jinja's sandbox: a
    template can show the data it is given, not reach Python (os, files, processes)."""
    import jinja2

    own = data_dir("templates").resolve()
    sandboxed = any(d.resolve() != own for d in dirs)
    env = (_sandboxed_environment_class() if sandboxed else _environment_class())(
        loader=jinja2.FileSystemLoader([str(d / fmt) for d in dirs]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "svg"), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates do not change during a run: no stat() of each template for each page
    )
    env.filters["date_fr"] = date_fr
    env.filters["md"] = md_escape  # Markdown text: paragraph, heading, list item, table cell, link text
    env.filters["md_url"] = md_url  # Markdown link target
    env.filters["safe_url"] = safe_url  # an address of the registry as a link target (HTML and Markdown), or None
    env.globals["plural"] = plural
    return env


@functools.cache
def _environment_class() -> Any:
    """jinja2.Environment, with templates that escape what they output faster, to the same text.

    In an autoescaped template each `{{ … }}` goes through markupsafe.escape: since MarkupSafe 3 a
    Python function that builds a Markup object (about 0.6 µs), although the page only joins the
    pieces. Here a plain string goes straight to MarkupSafe's own C escaping (about 0.1 µs) and
    anything else (Markup, numbers, objects with __html__, undefined values) still to
    markupsafe.escape. Only the output of `{{ … }}` changes path: macros, `{% set %}` blocks and
    the `e` filter keep Jinja's own. An entity's HTML page costs a quarter fewer instructions
    (benchmarks/README.md); tests/test_render.py compares whole sites with stock Jinja's.
    """
    import jinja2
    import markupsafe
    from jinja2.compiler import CodeGenerator

    inner = getattr(markupsafe, "_escape_inner", None)
    if inner is None:  # MarkupSafe 2: escape is already written in C
        return jinja2.Environment

    def escape_output(value: Any, _inner: Any = inner, _str: type = str, _escape: Any = markupsafe.escape) -> str:
        return _inner(value) if type(value) is _str else _escape(value)  # type: ignore[no-any-return]

    class Generator(CodeGenerator):  # type: ignore[misc]
        def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
            if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
                super()._output_child_pre(node, frame, finalize)
                return
            self.write("environment.escape_output(")  # `environment`: a local of every compiled function
            if finalize.src is not None:
                self.write(finalize.src)

    class Environment(jinja2.Environment):  # type: ignore[misc]
        code_generator_class = Generator

    Environment.escape_output = staticmethod(escape_output)
    return Environment


@functools.cache
def _sandboxed_environment_class() -> Any:
    """jinja2.sandbox.SandboxedEnvironment, with the faster output escaping of `_environment_class` (the
    sandbox checks what templates read and call, not what they output: the same text)."""
    import jinja2
    import jinja2.sandbox

    faster = _environment_class()
    if faster is jinja2.Environment:
        return jinja2.sandbox.SandboxedEnvironment

    class SandboxedEnvironment(jinja2.sandbox.SandboxedEnvironment, faster):  # type: ignore[misc,valid-type]
        pass

    return SandboxedEnvironment


def render_template(env: Any, name: str, context: dict[str, Any]) -> str:
    """A template rendered, or a French error naming it (a broken template of the repository's templates/)."""
    import jinja2

    try:
        return env.get_template(name).render(context)  # type: ignore[no-any-return]
    except jinja2.exceptions.SecurityError as exc:
        where = _template_at(env, exc) or f"« {name} »"
        raise EeeError(f"le gabarit {where} tente une opération interdite aux gabarits, refusée : rien n'a "
                       f"été exécuté ({exc})",
                       "un gabarit ne peut qu'afficher les données qu'il reçoit : retirez cette expression du "
                       "dossier templates/ du dépôt") from None
    except jinja2.TemplateError as exc:
        raise EeeError(f"le gabarit « {name} » n'a pas pu être rendu ({exc})",
                       "vérifiez les gabarits du dossier templates/") from None


def _template_at(env: Any, exc: BaseException) -> str:
    """« name » (ligne N): the template, and its line, where `exc` was raised (Jinja puts them in the trace)."""
    folders = [Path(folder) for folder in getattr(env.loader, "searchpath", [])]
    found = ""
    trace = exc.__traceback__
    while trace is not None:
        path = Path(trace.tb_frame.f_code.co_filename)
        for folder in folders:
            if path.is_relative_to(folder):
                found = f"« {path.relative_to(folder).as_posix()} » (ligne {trace.tb_lineno})"
        trace = trace.tb_next
    return found


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


def compile_templates(env: Any, names: Any) -> None:
    """Compile templates now (worker processes forked later inherit them), or a French error naming the
    one that cannot be read."""
    import jinja2

    for name in sorted(names):
        try:
            env.get_template(name)
        except jinja2.TemplateError as exc:
            raise EeeError(f"le gabarit « {name} » n'a pas pu être lu ({exc})",
                           "vérifiez les gabarits du dossier templates/") from exc


def _pages(site: Site, ext: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(template, output path, extra context) for every page of the directory but the entities' own."""
    pages: list[tuple[str, str, dict[str, Any]]] = [(f"index.{ext}", f"index.{ext}", {})]
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
                    site: Site | None = None, jobs: int | None = None) -> list[str]:
    """Write the directory's pages in one format into `folder` (which must exist); return the files written."""
    if fmt not in FORMATS:
        raise EeeError(f"format inconnu : {fmt}")
    return write_directories(registry, {fmt: folder}, internal, edit_url, generated, reports, site, jobs)[fmt]


def write_directories(registry: Registry, folders: dict[str, Path], internal: bool = False, edit_url: str = "",
                      generated: str | None = None, reports: list[str] | None = None,
                      site: Site | None = None, jobs: int | None = None,
                      also: Sequence[Callable[[], Any]] = ()) -> dict[str, list[Any]]:
    """Write the directory in each format into its folder (which must exist); return the files written by format.

    The work is spread over `jobs` processes (default: the cores available) for a large registry:
    each entity's whole view is made once, by the process that writes its pages in every format.
    `also`: other work for the same processes, done first (the longest tasks); their results are
    under the key "also", in order."""
    if site is None:
        site = site_context(registry, internal, generated or dt.date.today().isoformat())
        site.reports = list(reports or [])
    svg = network_map(site)
    formats = list(folders)
    envs = {fmt: make_environment(template_dirs(registry.root), fmt) for fmt in formats}
    pages = {fmt: _pages(site, EXTENSIONS[fmt]) for fmt in formats}
    views = [view for index in site.indexes for view in index.entities]
    for fmt in formats:
        compile_templates(envs[fmt], {template for template, _, _ in pages[fmt]} | {f"entity.{EXTENSIONS[fmt]}"})

    made: set[str] = set()  # folders known to exist (in this process)

    def write(fmt: str, template: str, path: str, extra: dict[str, Any]) -> None:
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
        with open(target, "wb") as handle:
            handle.write(text.encode("utf-8"))

    def task(item: tuple[str, int, int]) -> list[tuple[str, Any]]:
        """Pages [start, end) of the other pages ("page") or of the entities ("entity"), in every format,
        as (format, path) written; or the work `also[start]` ("also"), as ("also", its result). A worker's
        EeeError (a broken template) reaches this process whole."""
        what, start, end = item
        if what == "also":
            return [("also", also[start]())]
        done = []
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
                    write(fmt, f"entity.{EXTENSIONS[fmt]}", path, {"e": view})
                    done.append((fmt, path))
        return done

    # The longest tasks first: the other work (`also`), then the other pages one per task (an index of thousands
    # of rows), then the entities' pages by chunks.
    other = len(pages[formats[0]])
    tasks = [("also", i, i + 1) for i in range(len(also))]
    tasks += [("page", i, i + 1) for i in range(other)]
    tasks += [("entity", start, start + PAGES_PER_TASK) for start in range(0, len(views), PAGES_PER_TASK)]
    written: dict[str, list[Any]] = {fmt: [] for fmt in formats}
    written["also"] = []
    for result in fork_map(task, tasks, jobs if len(views) >= PARALLEL_PAGES else 1):
        for fmt, path in result:
            written[fmt].append(path)
    if "html" in folders:
        for static in ("eee.css", "eee.js"):
            source = next(d / "html" / static for d in template_dirs(registry.root) if (d / "html" / static).exists())
            shutil.copyfile(source, folders["html"] / static)
            written["html"].append(static)
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
    try:
        foreign = out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file()
    except OSError as exc:
        raise failure("de lire", out, exc) from None
    if foreign:
        raise EeeError(f"« {out} » existe, n'est pas vide et n'a pas été produit par eee : il n'est pas remplacé",
                       "choisissez un dossier nouveau ou vide, ou supprimez celui-ci vous-même")


@contextlib.contextmanager
def staged(out: Path, registry_root: Path | None = None) -> Iterator[Path]:
    """A fresh folder beside `out`, put in its place only if the block completes.

    One eee at a time writes into a folder's outputs (a lock on the parent folder: a second one is
    refused at once); what an interrupted run left there (its staging folder, the old output) is
    removed first. A failure of the system (a full disk, a read-only folder) is a French EeeError;
    the previous output is then untouched.
    """
    check_output(out, registry_root)
    shown, out = out, out.resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with _locked(out.parent):
            _remove_leftovers(out)
            staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
            try:
                (staging / MARKER).write_text("Dossier produit par eee : « eee build » ou « eee render » le "
                                              "remplace en entier.\n", encoding="utf-8")
                yield staging
                _swap(staging, out)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except OSError as exc:
        raise failure("de produire", shown, exc) from None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the output lock of `folder` (an advisory lock on the folder itself), or refuse at once."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise EeeError(f"un autre eee est en train d'écrire dans « {folder} » (eee build ou eee render)",
                           "attendez qu'il ait fini, puis relancez") from None
        yield
    finally:
        os.close(fd)  # releases the lock


def _remove_leftovers(out: Path) -> None:
    """Remove what an interrupted run left beside `out`: staging folders and the old output, each marked
    as eee's own (MARKER), never anything else."""
    prefix = f".{out.name}."
    with os.scandir(out.parent) as entries:
        leftovers = [e.path for e in entries if e.name.startswith(prefix) and e.is_dir(follow_symlinks=False)
                     and os.path.isfile(os.path.join(e.path, MARKER))]
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)


def _swap(staging: Path, out: Path) -> None:
    """Put the new output in place of the old in two renames; the old one is removed after."""
    os.chmod(staging, new_mode(folder=True))  # mkdtemp made it private
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
    from ..bilan import Facts, compute, years_with_actions
    from .report import render_report, year_changes

    say = progress or (lambda message: None)
    generated = generated or dt.date.today().isoformat()
    years = years_with_actions(registry)
    site = site_context(registry, internal, generated)  # built once, for both directories and the index
    site.reports = years
    facts = Facts(registry) if years else None  # what every year's summary reads, worked out once for all
    with staged(out, registry.root) as staging:
        (staging / "markdown").mkdir()
        folders = {"html": staging / "bilans", "markdown": staging / "markdown" / "bilans"}
        envs = {fmt: make_environment(template_dirs(registry.root), fmt) for fmt in folders}
        for fmt, env in envs.items():
            compile_templates(env, {f"bilan.{EXTENSIONS[fmt]}"} | ({"bilans.html"} if fmt == "html" else set()))

        def summary(year: str) -> Any:
            """Write a year's summary in both formats; return its headline figures, for the index."""
            bilan = compute(registry, year, facts)
            changes = year_changes(registry.root, year)  # from git, once for both formats
            for fmt, folder in folders.items():
                folder.mkdir(exist_ok=True)
                text = render_report(registry, bilan, fmt, internal, links="../", generated=generated, changes=changes,
                                     env=envs[fmt])
                (folder / f"{year}.{EXTENSIONS[fmt]}").write_text(text, encoding="utf-8")
            return bilan.headline

        say("annuaires HTML et Markdown, bilans annuels : " + (", ".join(years) if years else "aucun"))
        written = write_directories(registry, {"html": staging, "markdown": staging / "markdown"}, internal, edit_url,
                                    generated, site=site, jobs=jobs,
                                    also=[lambda year=year: summary(year) for year in years])
        html, markdown = written["html"], written["markdown"]
        summaries = [(year, {"headline": headline}) for year, headline in zip(years, written["also"])]
        index = render_template(envs["html"], "bilans.html", {
            "site": site, "root": "../", "page": "bilans/index.html", "ext": "html", "edit_url": edit_url,
            "map_svg": "", "summaries": summaries})
        (staging / "bilans").mkdir(exist_ok=True)
        (staging / "bilans" / "index.html").write_text(index, encoding="utf-8")
    return {"html": len(html), "markdown": len(markdown), "years": years}
