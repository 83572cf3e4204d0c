"""The annual summary as a PDF (`eee report --format pdf`, and beside each HTML summary in `eee build`).

The PDF is the HTML summary itself (`bilan.html`, the same French text), rendered with `pdf=True`: a cover (the
network, the school year, the date it was made) and a table of contents come before it, and WeasyPrint lays it out
for print, A4, with the PDF stylesheet of the theme (`jinja.pdf_stylesheet`: the theme's fonts and colours in
`themes/<theme>/pdf-theme.css`, then `html/pdf.css`, the layout: cover, table of contents with page numbers, page
numbers in the footer, tables that do not break mid-row, the charts in their colours). WeasyPrint does not read
the site's own stylesheets: the DSFR's is made for screens, and WeasyPrint fails on parts of it.
The table of contents is read from the page's own section headings (`<h2 id>`), so that it always lists the
sections the page has: the page is rendered once to find them, and once more with them.

WeasyPrint is an optional extra (`pip install 'eee[pdf]'`, with the Pango libraries of the system): it is
imported here only, inside the functions that need it, and `unavailable()` says why it cannot be used. The PDF's
maker reads no file but the theme's own (stylesheets, fonts, pictures) and fetches nothing from the network
(`theme_fetcher`): a registry's text is never a way to reach a file or an address.
"""

from __future__ import annotations

import mimetypes
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..bilan import Bilan
from ..errors import EeeError
from ..model import Registry
from .jinja import static_files, template_dirs

INSTALL = "pip install 'eee[pdf]'"
BASE_URL = "file:///eee-bilan/"  # the page's address: its relative addresses are the theme's files (`theme_fetcher`)


def unavailable() -> str:
    """Why PDFs cannot be made here, in French, or "" when they can."""
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        return "WeasyPrint, qui met les bilans en PDF, n'est pas installé"
    except OSError:  # WeasyPrint is there, the system's libraries it loads (Pango) are not
        return "les bibliothèques du système dont WeasyPrint a besoin (Pango) sont introuvables"
    return ""


def check_available() -> None:
    """Raise a French EeeError (exit 3) saying how to install the PDF extra, unless PDFs can be made here."""
    why = unavailable()
    if why:
        raise EeeError(f"impossible de produire le bilan en PDF : {why}",
                       f"installez-le avec : {INSTALL} (et, sous Debian ou Ubuntu, le paquet libpango-1.0-0), "
                       "ou choisissez --format html")


class _Headings(HTMLParser):
    """The (id, text) of a page's section headings, `<h2 id="…">`, in order (the table of contents' own left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._current: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ident = dict(attrs).get("id")
        if tag == "h2" and ident and ident != "sommaire":
            self._current = (ident, [])

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self._current is not None:
            self.found.append((self._current[0], " ".join("".join(self._current[1]).split())))
            self._current = None


def headings(html: str) -> list[tuple[str, str]]:
    parser = _Headings()
    parser.feed(html)
    parser.close()
    return parser.found


def summary_html(registry: Registry, bilan: Bilan, internal: bool = False, generated: str = "",
                 changes: tuple[dict[str, Any] | None, str] | None = None, theme: str = "dsfr",
                 env: Any = None) -> str:
    """The HTML page a summary's PDF is made from: `bilan.html` with its cover and table of contents."""
    from .report import render_report

    def page(toc: list[tuple[str, str]] | None) -> str:
        return render_report(registry, bilan, "html", internal, None, generated, changes=changes or (None, ""),
                             env=env, theme=theme, pdf=True, toc=toc)

    return page(headings(page(None)))


def summary_pdf(registry: Registry, bilan: Bilan, internal: bool = False, generated: str = "",
                changes: tuple[dict[str, Any] | None, str] | None = None, theme: str = "dsfr",
                env: Any = None) -> bytes:
    """A year's summary as a PDF document (bytes). WeasyPrint must be installed (`check_available`)."""
    html = summary_html(registry, bilan, internal, generated, changes, theme, env)
    return html_to_pdf(html, template_dirs(registry.root), theme, f"Bilan annuel {bilan.year}")


def html_to_pdf(html: str, dirs: list[Path], theme: str, title: str) -> bytes:
    """Lay out a page made by `summary_html` (its stylesheet in it) as a PDF, with the theme's files of `dirs`."""
    check_available()
    import weasyprint

    fetcher = theme_fetcher(weasyprint, static_files(dirs, theme))
    try:
        data = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    except Exception as exc:  # a flaw of WeasyPrint's on a page (a repository's own template): said, not a trace
        raise EeeError(f"WeasyPrint n'a pas pu mettre en page « {title} » ({type(exc).__name__} : {exc})",
                       "vérifiez les gabarits et feuilles de style du dossier templates/ du dépôt, s'il en a ; "
                       "sinon, relancez avec --debug et signalez-le") from exc
    if not isinstance(data, bytes):
        raise EeeError(f"WeasyPrint n'a pas produit le PDF « {title} »", "relancez avec --debug et signalez-le")
    return data


def theme_fetcher(weasyprint: Any, files: dict[str, Path]) -> Any:
    """A WeasyPrint URL fetcher that serves the theme's files (`files`, by path in the site) under `BASE_URL`, and
    data: addresses; anything else (another file, the network) is refused, and left out of the PDF."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ThemeFiles(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = url.split("#")[0].split("?")[0]
            source = files.get(path[len(BASE_URL):]) if path.startswith(BASE_URL) else None
            if source is None:
                raise ValueError(f"hors des fichiers du thème : {url}")
            kind = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, source.read_bytes(), {"Content-Type": kind})

    return ThemeFiles(allowed_protocols=("data", "file"))
