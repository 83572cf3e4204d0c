"""A preview of the site that follows the edits (`eee serve`): build what `eee build` builds, serve it on
127.0.0.1, rebuild when a file of the registry or of its templates changes, and reload the open pages.

Three parts, one lock between them:
- `Preview` holds what is served: the folder of the last good site, a generation that changes with every
  rebuild (and every change of the errors), and the errors of the last attempt, ready as HTML;
- `rebuild` checks the registry and builds the site (`render.build_site`, replaced whole: the last good site
  stays in place while the registry has errors);
- the server (`PreviewServer`, standard library) answers GET and HEAD from the site folder only. Into each HTML
  page it serves (never into the files written) it adds a stylesheet and a script, both served by itself under
  `/_eee/`: the script asks `/_eee/generation` a few times a second and reloads the page when it changes, and
  the errors are a banner at the top of every page (or a page of their own before any site was built).
The watcher is watchfiles (`watch`); `run` drives it in the calling thread and stops everything at its end.
"""

from __future__ import annotations

import contextlib
import html
import mimetypes
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .diagnostics import Problem
from .errors import EeeError
from .report import display_path

PREFIX = "/_eee/"  # what the server answers itself; no page of a site is under it (ids never start with « _ »)
SHOWN_ERRORS = 50  # errors listed in a page; the count says how many there are in all
POLL_MS = 300  # how often an open page asks whether the site changed


@dataclass(frozen=True)
class Shown:
    """One error as a page shows it: where (file:line:column), its code, the French message and hint."""

    where: str
    code: str
    message: str
    hint: str = ""

    @classmethod
    def of(cls, problem: Problem, root: str) -> Shown:
        where = f"{display_path(root, problem.path)}:{problem.line or 1}:{problem.column or 1}"
        return cls(where, problem.code, problem.message, problem.hint)


@dataclass
class Preview:
    """What the server shows; changed by the builder, read by the server's threads, under `lock`."""

    site: Path | None = None  # the last good site, or None before one was built
    generation: str = ""
    errors: list[Shown] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    token: str = field(default_factory=lambda: secrets.token_hex(4))  # another server: another generation
    count: int = 0

    def publish(self, site: Path | None, errors: list[Shown]) -> None:
        """A new state: the pages open in a browser reload."""
        with self.lock:
            if site is not None:
                self.site = site
            self.errors = errors
            self.count += 1
            self.generation = f"{self.token}-{self.count}"

    def snapshot(self) -> tuple[Path | None, str, list[Shown]]:
        with self.lock:
            return self.site, self.generation, list(self.errors)


# --------------------------------------------------------------------------- building


@dataclass
class Builder:
    """How to check the registry at `root` and build its site into `out` (eee build's options)."""

    root: Path
    out: Path
    shown_root: str  # the registry folder as the user wrote it, for the errors' file:line:column
    internal: bool = False
    edit_url: str = ""
    theme: str = "dsfr"
    jobs: int | None = None
    cache: bool = True
    clean: bool = False  # the next build renders every page (`build_site`'s `clean`): the first one, if asked

    def build(self) -> list[Shown]:
        """Check the registry and, without errors, build the site in place of the previous one; return the errors
        (none: the site was built). KeyboardInterrupt goes through (the staging folder is then removed)."""
        from .render import build_site
        from .validate import check

        try:
            model, report = check(self.root, jobs=self.jobs, cache=self.cache)
            errors = [Shown.of(p, self.shown_root) for p in report.sorted() if p.is_error]
            if errors:
                return errors
            build_site(model, self.out, self.internal, self.edit_url, jobs=self.jobs, theme=self.theme,
                       clean=self.clean, cache=self.cache)
            self.clean = False  # then only what changed
        except EeeError as exc:  # a broken template of the registry repository, a full disk, a registry gone
            return [Shown("", "", exc.message, exc.hint)]
        return []

    def watched(self) -> list[Path]:
        """The folders whose changes rebuild the site: the registry, and its repository's templates (templates/
        beside registry/, where `render.template_dirs` looks first) if there are any."""
        templates = self.root.resolve().parent / "templates"
        return [self.root, templates] if templates.is_dir() else [self.root]


# --------------------------------------------------------------------------- what the server adds to pages

SCRIPT = """\
(function () {
  "use strict";
  var script = document.currentScript;
  var seen = script ? script.getAttribute("data-generation") : null;
  function ask() {
    fetch("/_eee/generation", {cache: "no-store"})
      .then(function (answer) { return answer.ok ? answer.text() : seen; })
      .then(function (generation) {
        if (generation !== seen) { window.location.reload(); return; }
        window.setTimeout(ask, POLL_MS);
      }, function () { window.setTimeout(ask, 1000); });  /* the preview is stopped or restarting */
  }
  window.setTimeout(ask, POLL_MS);
})();
""".replace("POLL_MS", str(POLL_MS))

STYLE = """\
#eee-apercu-erreurs { position: relative; z-index: 10000; margin: 0; padding: 1rem 1.5rem;
  background: #fff4f3; color: #3a3a3a; border-bottom: 4px solid #ce0500; font: 1rem/1.5 sans-serif; }
#eee-apercu-erreurs h2 { margin: 0 0 .5rem; font-size: 1.25rem; color: #ce0500; }
#eee-apercu-erreurs ul { margin: .5rem 0; padding-left: 1.25rem; max-height: 50vh; overflow: auto; }
#eee-apercu-erreurs li { margin: .25rem 0; }
#eee-apercu-erreurs code { font-family: monospace; background: #fff; padding: 0 .2em; }
#eee-apercu-erreurs .eee-conseil { display: block; color: #555; }
"""


def errors_html(errors: list[Shown], site: bool) -> str:
    """The banner that lists the errors, every text escaped for HTML."""
    n = len(errors)
    title = f"Le registre a {n} erreur{'s' if n > 1 else ''}" if all(e.code for e in errors) \
        else "Le site n'a pas pu être reconstruit"
    state = ("Cette page est celle du dernier site correct : elle se mettra à jour dès que les erreurs seront "
             "corrigées." if site else "Aucun site n'a encore pu être construit : corrigez ces erreurs, la page "
             "se mettra à jour d'elle-même.")
    items = []
    for error in errors[:SHOWN_ERRORS]:
        parts = []
        if error.where:
            parts.append(f"<code>{html.escape(error.where)}</code> ")
        if error.code:
            parts.append(f"[{html.escape(error.code)}] ")
        parts.append(html.escape(error.message))
        if error.hint:
            parts.append(f'<span class="eee-conseil">→ {html.escape(error.hint)}</span>')
        items.append(f"<li>{''.join(parts)}</li>")
    more = n - SHOWN_ERRORS
    if more > 0:
        items.append(f"<li>… et {more} autre{'s' if more > 1 else ''} (eee validate les donne toutes).</li>")
    return (f'<section id="eee-apercu-erreurs" role="alert" lang="fr"><h2>{html.escape(title)}</h2>'
            f"<p>{state}</p><ul>{''.join(items)}</ul></section>")


def additions(generation: str, errors: list[Shown], site: bool) -> tuple[str, str]:
    """What goes at the start of a served page's body (the errors) and at its end (the stylesheet, the script)."""
    top = errors_html(errors, site) if errors else ""
    end = (f'<link rel="stylesheet" href="{PREFIX}apercu.css">'
           f'<script src="{PREFIX}apercu.js" data-generation="{html.escape(generation)}"></script>')
    return top, end


def inject(page: bytes, generation: str, errors: list[Shown]) -> bytes:
    """A page of the site as served: the errors after `<body …>`, the stylesheet and the script before `</body>`."""
    top, end = (part.encode("utf-8") for part in additions(generation, errors, site=True))
    lower = page.lower()
    start = lower.find(b"<body")
    opened = lower.find(b">", start) + 1 if start >= 0 else 0
    closing = lower.rfind(b"</body")
    if closing < opened:
        closing = len(page)
    return page[:opened] + top + page[opened:closing] + end + page[closing:]


def error_page(generation: str, errors: list[Shown]) -> bytes:
    """The page served for every address while no site could be built yet."""
    top, end = additions(generation, errors, site=False)
    return ('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Aperçu : le registre a des erreurs</title></head><body>{top}{end}</body></html>").encode()


# --------------------------------------------------------------------------- serving


def resolve(site: Path, path: str) -> Path | None:
    """The file of `site` that the URL path `path` (percent-encoded, from the request line) names, or None when it
    names nothing there: `..` or `.` segments, hidden names (`.eee-sortie`), a NUL or a backslash, and anything
    that resolves (through a symbolic link) outside the site are refused. A folder gives its index.html."""
    decoded = unquote(path)
    if not decoded.startswith("/") or "\x00" in decoded or "\\" in decoded:
        return None
    parts = [part for part in decoded.split("/") if part]
    if any(part.startswith(".") for part in parts):  # `..`, `.` and hidden files alike
        return None
    root = os.path.realpath(site)
    target = os.path.realpath(os.path.join(root, *parts))
    if os.path.isdir(target):
        target = os.path.realpath(os.path.join(target, "index.html"))
    if not target.startswith(root + os.sep) or not os.path.isfile(target):
        return None
    return Path(target)


class PreviewServer(ThreadingHTTPServer):
    """The HTTP server of a preview: one thread per request, each joined when the server closes."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, port: int, preview: Preview) -> None:
        self.preview = preview
        super().__init__(("127.0.0.1", port), PreviewHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class PreviewHandler(BaseHTTPRequestHandler):
    """GET and HEAD from the site folder only; HTML pages with the preview's additions; nothing cached."""

    server: PreviewServer
    server_version = "eee-apercu"
    sys_version = ""  # no Python version in the Server header
    protocol_version = "HTTP/1.0"  # one request per connection: no thread waits on an idle browser
    timeout = 10  # a client that sends nothing does not hold a thread longer

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self.answer(body=False)

    def log_message(self, format: str, *args: Any) -> None:  # every request would be a line in the terminal
        pass

    def answer(self, body: bool) -> None:
        port = self.server.port
        if self.headers.get("Host", "") not in (f"127.0.0.1:{port}", f"localhost:{port}"):
            # Another site's page that reaches 127.0.0.1 under its own name (DNS rebinding) reads nothing.
            return self.send(HTTPStatus.FORBIDDEN, "text/plain", "Adresse refusée : ouvrez l'aperçu par "
                             f"http://127.0.0.1:{port}/".encode(), body)
        if not self.path.startswith("/"):  # an absolute form (http://…) or `*`
            return self.send(HTTPStatus.BAD_REQUEST, "text/plain", "Requête refusée.".encode(), body)
        path = urlsplit(self.path).path
        site, generation, errors = self.server.preview.snapshot()
        if path.startswith(PREFIX):
            own = {"generation": ("text/plain", generation.encode()),
                   "apercu.js": ("text/javascript", SCRIPT.encode()),
                   "apercu.css": ("text/css", STYLE.encode())}.get(path[len(PREFIX):])
            if own is None:
                return self.not_found(body)
            return self.send(HTTPStatus.OK, own[0], own[1], body)
        if site is None:
            return self.send(HTTPStatus.SERVICE_UNAVAILABLE, "text/html", error_page(generation, errors), body)
        target = resolve(site, path)
        if target is None:
            return self.not_found(body)
        if target.name == "index.html" and not unquote(path).endswith(("/", "index.html")):
            # A folder without its slash: its page's relative links are written from inside it.
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", path + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        try:
            data = target.read_bytes()
        except OSError:  # replaced by a rebuild between the two steps
            return self.not_found(body)
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind == "text/html":
            data = inject(data, generation, errors)
        return self.send(HTTPStatus.OK, kind, data, body)

    def not_found(self, body: bool) -> None:
        self.send(HTTPStatus.NOT_FOUND, "text/plain", b"Page introuvable dans le site.", body)

    def send(self, status: HTTPStatus, kind: str, data: bytes, body: bool) -> None:
        self.send_response(status)
        text = kind.startswith("text/") or kind in ("application/javascript", "image/svg+xml", "application/json")
        self.send_header("Content-Type", f"{kind}; charset=utf-8" if text else kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if body:
            self.wfile.write(data)


def open_server(port: int, preview: Preview) -> PreviewServer:
    """The server bound to 127.0.0.1:`port` (0: a free port), or a French EeeError when the port is taken."""
    import errno

    try:
        return PreviewServer(port, preview)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise EeeError(f"le port {port} est déjà utilisé (un autre aperçu ou un autre programme)",
                           f"choisissez-en un autre avec --port, par exemple --port {port + 1 if port < 65535 else 8001}, "
                           "ou --port 0 pour un port libre") from None
        if exc.errno == errno.EACCES:
            raise EeeError(f"le port {port} est réservé à l'administrateur de cette machine",
                           "choisissez un port au-dessus de 1024 avec --port, par exemple --port 8000") from None
        raise


@dataclass
class Session:
    """A running preview: the built site's folder, the server and its thread, the watcher; `close` leaves nothing
    behind."""

    builder: Builder
    preview: Preview
    server: PreviewServer
    thread: threading.Thread
    temporary: Path | None  # the folder eee made for the site (removed at the end), or None with --out
    stop: threading.Event = field(default_factory=threading.Event)  # set: `follow` returns
    watcher: Generator[list[Path], None, None] | None = None

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/"

    def rebuild(self) -> list[Shown]:
        errors = self.builder.build()
        self.preview.publish(None if errors else self.builder.out, errors)
        return errors

    def close(self) -> None:
        """Stop watching and serving (requests under way end first), then remove the temporary site."""
        self.stop.set()
        if self.watcher is not None:
            with contextlib.suppress(ValueError):  # still running in another thread: it ends with `stop`
                self.watcher.close()
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()  # joins the requests' threads
        if self.temporary is not None:
            shutil.rmtree(self.temporary, ignore_errors=True)


def start(builder: Builder, port: int, out: Path | None) -> Session:
    """Bind the port, serve in a thread (an error page until the first build, see `Session.rebuild`) and watch the
    registry's folders (from now on: a change made during the first build is seen). Without `out`, the site is
    built into a temporary folder that `Session.close` removes."""
    from .render.output import check_output

    if out is not None:
        check_output(out, builder.root)
        for folder in builder.watched()[1:]:
            if out.resolve().is_relative_to(folder.resolve()):
                raise EeeError(f"« {out} » est dans les gabarits du registre : chaque construction en relancerait "
                               "une autre", "choisissez un dossier de sortie à part, par exemple --out site")
    preview = Preview()
    server = open_server(port, preview)
    temporary = None
    if out is None:
        try:
            temporary = Path(tempfile.mkdtemp(prefix="eee-apercu-"))
        except BaseException:
            server.server_close()
            raise
        builder.out = temporary / "site"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="eee-apercu")
    session = Session(builder, preview, server, thread, temporary)
    try:
        thread.start()
        session.watcher = changes(builder.watched(), session.stop)
        next(session.watcher)  # the watcher in place (its first answer comes after a quiet moment)
    except BaseException:
        session.close()
        raise
    return session


def changes(folders: list[Path], stop: threading.Event) -> Generator[list[Path], None, None]:
    """The files changed in `folders`, a batch at a time, and an empty batch after each quiet half second (the
    first one: the watcher is in place). watchfiles leaves out editors' temporary files, .git and the like; changes
    made while the caller works are kept for the next batch. Ends when `stop` is set; Ctrl-C (and SIGTERM, see
    cli/app.py) raises KeyboardInterrupt."""
    from watchfiles import DefaultFilter, watch

    for batch in watch(*folders, watch_filter=DefaultFilter(), stop_event=stop, debounce=1600, step=50,
                       rust_timeout=500, yield_on_timeout=True, raise_interrupt=True):
        changed = sorted({Path(path) for _, path in batch})
        # An editor's (or sed's) temporary file, gone by now, is no news: the files still there first.
        yield [path for path in changed if path.exists()] + [path for path in changed if not path.exists()]


def follow(session: Session, say: Callable[[list[Path], list[Shown], float], None]) -> None:
    """Rebuild on every batch of changes until `session.stop` is set (or KeyboardInterrupt), telling `say`."""
    assert session.watcher is not None, "a session's watcher starts with it"
    for changed in session.watcher:
        if not changed:
            continue
        started = time.monotonic()
        errors = session.rebuild()
        say(changed, errors, time.monotonic() - started)
