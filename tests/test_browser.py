"""The HTML directory in a real browser: Debian's headless Chromium, driven by playwright.

The site is rendered once for the module (from tests/cases/base) and one browser serves every test. Most
pages are opened with file:// (how a reader opens a copied folder); one test goes through a local
http.server. Checked: no console error, no failed request and no request leaving the site; the filters,
search and sort of an index page with JavaScript, and the pages that stand in for them without it;
axe-core (bundled by axe-playwright-python, injected into the page, nothing fetched) on the home, an index
and an entity page; full-page screenshots, desktop and phone, kept in test-artifacts/browser/ for a
person to look at, with no sideways scrolling on a phone.

Without playwright, axe-playwright-python or Chromium these tests are skipped, except under CI=true,
where a missing browser is a failure: CI installs them (.ci/run).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from eee.render import build
from eee.validate import load

from .conftest import REPO, copy_base

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("EEE_CHROMIUM", "/usr/bin/chromium"))
# Headless, as root (no sandbox), and nothing of Chromium's own talks to the network.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}
ARTIFACTS = REPO / "test-artifacts" / "browser"

HOME, INDEX, ENTITY = "index.html", "etablissements/index.html", "clee/clee-ariege.html"


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does it)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML directory of the test registry, rendered once for the module."""
    root = tmp_path_factory.mktemp("browser")
    registry = copy_base(root / "registry")
    # A long option in a filter, as the shipped registry has: it must not widen the page on a phone.
    school = registry / "etablissements" / "0312686b.yaml"
    school.write_text(school.read_text(encoding="utf-8").replace("nature: lycee_polyvalent",
                                                                  "nature: lycee_general_technologique"),
                      encoding="utf-8")
    model, _ = load(registry, check_schemas=False)
    build(model, "html", root / "site", generated="2024-01-15")
    return root / "site"


class Visit:
    """One browser tab on the site, recording what must not happen: errors and requests elsewhere."""

    def __init__(self, page: Any, base: str) -> None:
        self.page, self.base = page, base
        self.errors: list[str] = []
        self.elsewhere: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"JavaScript error: {e}"))
        # A request the browser cancels because the page was left (a font still loading when a link is
        # followed: net::ERR_ABORTED) is no fault of the site; a missing file is (net::ERR_FILE_NOT_FOUND).
        page.on("requestfailed", lambda r: None if r.failure == "net::ERR_ABORTED"
                else self.errors.append(f"failed request: {r.url} ({r.failure})"))
        page.on("request", lambda r: None if r.url.startswith(base) else self.elsewhere.append(r.url))

    def open(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page

    def assert_clean(self) -> None:
        assert self.errors == [], "\n".join(self.errors)
        assert self.elsewhere == [], f"requests outside the site: {self.elsewhere}"


def _new_visit(browser: Any, base: str, js: bool = True, viewport: dict[str, int] = DESKTOP,
               **options: Any) -> tuple[Any, Visit]:
    """A fresh browser context and a Visit of the site at `base` in it."""
    context = browser.new_context(java_script_enabled=js, viewport=viewport, **options)
    # Nothing leaves the machine: any request that is not for the site is refused (and so reported).
    context.route(lambda url: not url.startswith(base), lambda route: route.abort())
    return context, Visit(context.new_page(), base)


@contextmanager
def visiting(browser: Any, site: Path, viewport: dict[str, int] = DESKTOP) -> Iterator[Visit]:
    """A Visit of `site` in a fresh browser context, closed afterwards."""
    context, v = _new_visit(browser, site.as_uri() + "/", viewport=viewport)
    try:
        yield v
    finally:
        context.close()


@pytest.fixture
def visit(browser: Any, site: Path) -> Iterator[Callable[..., Visit]]:
    """visit(js=True, viewport=DESKTOP, base=file URL of the site) → a Visit in a fresh browser context."""
    contexts = []

    def make(js: bool = True, viewport: dict[str, int] = DESKTOP, base: str | None = None, **options: Any) -> Visit:
        context, v = _new_visit(browser, base or site.as_uri() + "/", js, viewport, **options)
        contexts.append(context)
        return v

    yield make
    for context in contexts:
        context.close()


def sticking_out(page: Any, width: int) -> list[str]:
    """The elements past the right edge of the screen, but those inside a frame that scrolls (wide tables, the
    skip links) and the DSFR header's bar of buttons, which the DSFR pulls 8 px to the right (margin-right:
    -.5rem) into the header's 1rem gutter, by design: it leaves no sideways scrolling."""
    return page.evaluate("""w => [...document.querySelectorAll('body *')]
        .filter(e => !e.closest('.defilement, .evitement, .fr-skiplinks'))
        .filter(e => e.getBoundingClientRect().right > w + (e.matches('.fr-header__navbar') ? 8 : 1))
        .map(e => e.tagName.toLowerCase() + (e.getAttribute('class') ? '.' + e.getAttribute('class') : ''))""", width)


def visible_names(page: Any) -> list[str]:
    return [row.locator("th").inner_text() for row in page.locator("#tableau-etablissement tbody tr").all()
            if row.is_visible()]


# --- Pages load cleanly ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [HOME, INDEX, ENTITY, "territoires.html", "departements/09.html"])
def test_page_loads_with_no_error_and_nothing_from_outside(visit: Callable[..., Visit], path: str) -> None:
    v = visit()
    page = v.open(path)
    assert page.locator("h1").count() == 1
    # The DSFR's stylesheet, fonts and script are the site's own and were applied (its script marks the page).
    assert page.locator("header.fr-header").count() == 1
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Marianne")
    page.wait_for_function("document.documentElement.dataset.frJs === 'true'")
    assert page.evaluate("document.fonts.check('1em Marianne')")
    v.assert_clean()


# --- Filters, search and sort with JavaScript --------------------------------------------------------

def test_filter_by_departement_hides_rows_and_updates_the_count(visit: Callable[..., Visit]) -> None:
    v = visit()
    page = v.open(INDEX)
    form, count = page.locator("form.filtres"), page.locator("#compte-etablissement")
    assert form.is_visible()
    assert count.inner_text() == "4 lignes affichées sur 4."
    page.select_option("#f-departement", "09")
    assert visible_names(page) == ["Collège Joseph-Paul Rambaud", "Lycée polyvalent Pyrène"]
    assert count.inner_text() == "2 lignes affichées sur 4."
    assert count.get_attribute("aria-live") == "polite"
    page.select_option("#f-type", "college")  # filters add up
    assert visible_names(page) == ["Collège Joseph-Paul Rambaud"]
    assert count.inner_text() == "1 ligne affichée sur 4."
    page.select_option("#f-departement", "31")
    assert visible_names(page) == [] and count.inner_text() == "0 ligne affichée sur 4."
    page.select_option("#f-departement", "")
    page.select_option("#f-type", "")
    assert len(visible_names(page)) == 4 and count.inner_text() == "4 lignes affichées sur 4."
    v.assert_clean()


def test_search_ignores_case_and_accents(visit: Callable[..., Visit]) -> None:
    v = visit()
    page = v.open(INDEX)
    search, count = page.get_by_label("Rechercher dans la liste"), page.locator("#compte-etablissement")
    search.fill("pamiers")
    assert visible_names(page) == ["Collège Joseph-Paul Rambaud", "Lycée polyvalent Pyrène"]
    assert count.inner_text() == "2 lignes affichées sur 4."
    search.fill("COLLEGE pamiers")  # every word, in any cell, without its accents
    assert visible_names(page) == ["Collège Joseph-Paul Rambaud"]
    search.fill("")
    search.press_sequentially("Alès")  # typed key by key, as a person does
    assert visible_names(page) == ["Lycée polyvalent Jean-Baptiste Dumas"]
    assert count.inner_text() == "1 ligne affichée sur 4."
    search.fill("introuvable")
    assert visible_names(page) == [] and count.inner_text() == "0 ligne affichée sur 4."
    v.assert_clean()


def test_sorting_by_a_column_header(visit: Callable[..., Visit]) -> None:
    v = visit()
    page = v.open(INDEX)
    headers = page.locator("#tableau-etablissement thead th")
    name, town = headers.filter(has_text="Nom"), headers.filter(has_text="Commune")
    assert page.locator("#tableau-etablissement th[aria-sort]").count() == 0
    names = ["Collège Joseph-Paul Rambaud", "Lycée polyvalent Jean-Baptiste Dumas", "Lycée polyvalent Pyrène",
             "Lycée polyvalent Saint Exupéry"]
    name.get_by_role("button").click()
    assert name.get_attribute("aria-sort") == "ascending"
    assert visible_names(page) == names
    name.get_by_role("button").click()
    assert name.get_attribute("aria-sort") == "descending"
    assert visible_names(page) == names[::-1]
    # The arrow shown after the sorted header is not read out: aria-sort says it.
    assert name.get_by_role("button", name="Nom", exact=True).count() == 1
    town.get_by_role("button").focus()
    page.keyboard.press("Enter")  # a button: the keyboard sorts too
    assert town.get_attribute("aria-sort") == "ascending"
    assert name.get_attribute("aria-sort") is None
    assert page.locator("#tableau-etablissement th[aria-sort]").count() == 1
    towns = page.locator("#tableau-etablissement tbody tr td:nth-child(5)").all_inner_texts()
    assert towns == ["Alès", "Blagnac", "Pamiers", "Pamiers"]
    # Ties keep their previous order (names descending), and filtering keeps the order.
    page.select_option("#f-departement", "09")
    assert visible_names(page) == ["Lycée polyvalent Pyrène", "Collège Joseph-Paul Rambaud"]
    v.assert_clean()


# --- Without JavaScript ------------------------------------------------------------------------------

def test_without_javascript_every_row_shows_and_departement_pages_stand_in_for_the_filter(
        visit: Callable[..., Visit]) -> None:
    v = visit(js=False)
    page = v.open(INDEX)
    assert page.locator("form.filtres").is_hidden()
    rows = page.locator("#tableau-etablissement tbody tr")
    assert rows.count() == 4 and all(row.is_visible() for row in rows.all())
    assert page.locator("#tableau-etablissement thead button").count() == 0
    by_departement: dict[str, set[str]] = {}
    for row in rows.all():
        for code in (row.get_attribute("data-departement") or "").split():
            by_departement.setdefault(code, set()).add(row.locator("th").inner_text())
    links = page.locator("nav.par-territoire a")
    assert links.count() == len(by_departement) == 3
    for i in range(links.count()):
        page.goto(v.base + INDEX)
        link = page.locator("nav.par-territoire a").nth(i)
        code = link.inner_text().split()[0]
        link.click()
        assert page.url == f"{v.base}departements/{code}.html#etablissement"
        section = page.locator("section", has=page.locator("h2#etablissement"))
        assert section.is_visible()
        assert set(section.locator("li a").all_inner_texts()) == by_departement[code], code
    v.assert_clean()


# --- Accessibility (axe-core) ------------------------------------------------------------------------

def _axe(page: Any, preload: bool = False, **options: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page. preload=False under file://: axe would fetch the stylesheets
    again with XMLHttpRequest, which Chromium refuses for file:// (a console error of axe's, not the site's)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page, options={"resultTypes": ["violations"], "preload": preload, **options}).response["violations"]


def _report(violations: list[dict[str, Any]]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} — "
                     + "; ".join(" ".join(n["target"]) + ": " + n["html"][:120] for n in v["nodes"])
                     for v in violations)


@pytest.mark.parametrize("path", [HOME, INDEX, ENTITY, "territoires.html", "departements/09.html"])
def test_axe_finds_no_violation(visit: Callable[..., Visit], path: str) -> None:
    v = visit()
    page = v.open(path)
    if path == INDEX:  # with the sort in use, as a reader leaves it
        page.locator("#tableau-etablissement thead button").first.click()
    violations = _axe(page)
    assert violations == [], _report(violations)
    v.assert_clean()


def test_the_map_is_not_an_image_holding_links(visit: Callable[..., Visit]) -> None:
    page = visit().open(HOME)
    violations = _axe(page, runOnly=["nested-interactive"])
    assert violations == [], _report(violations)


@pytest.mark.parametrize("viewport", ["bureau", "telephone"])
def test_the_map_fits_the_screen_with_legible_texts(visit: Callable[..., Visit], viewport: str) -> None:
    """The map is as wide as its column at most (no sideways scrolling), its 13 départements are drawn, and
    no text is under 12 px (the height of a 12 px text's box is 14 px or so: 13 at least)."""
    size = DESKTOP if viewport == "bureau" else PHONE
    page = visit(viewport=size).open(HOME)
    svg = page.locator("svg.carte")
    box = svg.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= size["width"]
    assert page.locator("svg.carte a .carte-departement").count() == 13
    heights = page.evaluate("[...document.querySelectorAll('svg.carte text')].map(t => t.getBoundingClientRect().height)")
    assert heights and min(heights) >= 13, heights


# --- What a reader sees: screenshots, desktop and phone --------------------------------------------

@pytest.mark.parametrize("viewport", ["bureau", "telephone"])
@pytest.mark.parametrize("path", [HOME, INDEX, ENTITY])
def test_screenshot_and_no_sideways_scrolling(visit: Callable[..., Visit], path: str, viewport: str) -> None:
    size = DESKTOP if viewport == "bureau" else PHONE
    phone = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2} if viewport == "telephone" else {}
    v = visit(viewport=size, **phone)
    page = v.open(path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{path.replace('/', '-').removesuffix('.html')}-{viewport}.png"),
                    full_page=True)
    # The page itself never scrolls sideways; wide tables scroll inside their own frame, the map fits the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], f"{path} is {width}px wide on a {size['width']}px screen"
    assert sticking_out(page, size["width"]) == [], f"{path}: past the right edge"
    v.assert_clean()


# --- Served over HTTP --------------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server(site: Path) -> Iterator[str]:
    """The site served by http.server on 127.0.0.1, on a free port; stopped after the test."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_served_over_http(visit: Callable[..., Visit], server: str) -> None:
    v = visit(base=server)
    page = v.open("")
    assert page.title().startswith("Accueil — ")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Établissements").click()
    assert page.url == server + INDEX
    page.select_option("#f-departement", "31")
    assert visible_names(page) == ["Lycée polyvalent Saint Exupéry"]
    page.get_by_role("link", name="Lycée polyvalent Saint Exupéry").click()
    assert page.url == server + "etablissements/0312686b.html"
    assert re.search(r"Lycée d'enseignement général et technologique", page.locator("main").inner_text())
    # Over HTTP axe may read the stylesheets itself (preload), which file:// forbids.
    violations = _axe(page, preload=True)
    assert violations == [], _report(violations)
    v.assert_clean()


# --- The annual summary (eee build) ---------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What eee build writes for the test registry with a second school year (so there is a comparison)."""
    from eee.render import build_site

    from .conftest import write_files
    from .test_bilan import SECOND_YEAR

    root = tmp_path_factory.mktemp("build")
    registry = copy_base(root / "registry")
    write_files(registry, SECOND_YEAR)
    model, _ = load(registry, check_schemas=False)
    build_site(model, root / "site", generated="2024-09-01")
    return root / "site"


@pytest.mark.parametrize("viewport", ["bureau", "telephone"])
@pytest.mark.parametrize("path", ["bilans/2023-2024.html", "bilans/index.html"])
def test_annual_summary_in_the_browser(browser: Any, built: Path, path: str, viewport: str) -> None:
    with visiting(browser, built, DESKTOP if viewport == "bureau" else PHONE) as v:
        page = v.open(path)
        violations = _axe(page)
        assert violations == [], _report(violations)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the screen"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{path.replace('/', '_')}-{viewport}.png"), full_page=True)
        v.assert_clean()


# --- The site of the shipped registry: every kind of page, desktop and phone --------------------------

SHIPPED_PAGES = [
    HOME, "club/index.html", "clee/index.html", "cmq/index.html", "pft/index.html", "partenaires/index.html",
    "partenariats/index.html", "etablissements/index.html", "actions/index.html", "evenements/index.html",
    "territoires.html", "academies/montpellier.html", "departements/30.html", "bilans/index.html",
    "bilans/2022-2023.html", "recherche.html", "plan-du-site.html", "accessibilite.html", "mentions-legales.html",
    "donnees-personnelles.html",
]
# An entity of each kind: the first page of its folder.
ENTITY_KINDS = ["club", "clee", "cmq", "pft", "partenaires", "partenariats", "etablissements", "actions", "evenements"]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What eee build writes for the shipped registry (registry/), once for the module."""
    from eee.render import build_site

    model, _ = load(REPO / "registry", check_schemas=False)
    out = tmp_path_factory.mktemp("shipped") / "site"
    build_site(model, out, generated="2026-12-01")
    return out


def _first_entity(site: Path, folder: str) -> str:
    pages = sorted(p.name for p in (site / folder).glob("*.html") if p.name != "index.html")
    assert pages, folder
    return f"{folder}/{pages[0]}"


@pytest.mark.parametrize("viewport", ["bureau", "telephone"])
@pytest.mark.parametrize("path", SHIPPED_PAGES + [f"entite:{kind}" for kind in ENTITY_KINDS])
def test_every_kind_of_page_of_the_shipped_site(browser: Any, shipped: Path, path: str, viewport: str) -> None:
    """Each page: one h1, the breadcrumb, the current section marked in the menu where it has one, axe-core's
    0 violations, nothing past the right edge, no error and nothing from elsewhere; a screenshot to look at."""
    if path.startswith("entite:"):
        path = _first_entity(shipped, path.removeprefix("entite:"))
    size = DESKTOP if viewport == "bureau" else PHONE
    with visiting(browser, shipped, size) as v:
        page = v.open(path)
        page.wait_for_function("document.documentElement.dataset.frJs === 'true'")
        assert page.locator("h1").count() == 1
        assert page.locator("nav.fr-breadcrumb li").count() >= 1
        section = path.split("/")[0]
        if "/" in path and section not in ("departements", "academies"):
            assert page.locator("#navigation-principale [aria-current]").count() >= 1, "the current section is marked"
        violations = _axe(page)
        assert violations == [], _report(violations)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        assert sticking_out(page, size["width"]) == [], f"{path}: past the right edge"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"registre-{path.replace('/', '-').removesuffix('.html')}-{viewport}.png"),
                        full_page=True)
        v.assert_clean()


def test_the_menu_marks_the_section_of_an_entity_and_of_the_summaries(browser: Any, shipped: Path) -> None:
    base = shipped.as_uri() + "/"
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(base + _first_entity(shipped, "clee"))
        nav = page.locator("#navigation-principale")

        def marked(selector: str) -> list[str]:  # text_content: a link in a closed menu has no visible text
            return [(t or "").strip() for t in nav.locator(selector).all_text_contents()]

        assert marked("button[aria-current='true']") == ["Le réseau"]
        assert marked("a[aria-current]") == ["CLEE"]
        page.goto(base + "bilans/index.html")
        assert marked("[aria-current]") == ["Bilans annuels"] == marked("a[aria-current='page']")
        page.goto(base + "bilans/2022-2023.html")
        assert marked("[aria-current]") == ["Bilans annuels"] == marked("a[aria-current='true']")
    finally:
        context.close()


def test_the_map_links_the_thirteen_departements(browser: Any, shipped: Path) -> None:
    base = shipped.as_uri() + "/"
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(base + HOME)
        links = page.locator("svg.carte a")
        assert links.count() == 13
        labels = [links.nth(i).get_attribute("aria-label") for i in range(13)]
        assert any(label.startswith("Gard (30), académie de Montpellier") for label in labels if label), labels
        page.locator("svg.carte a[aria-label^='Gard (30)']").click()
        assert page.url == base + "departements/30.html"
        assert page.locator("h1").inner_text().startswith("Gard")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["bureau", "telephone"])
def test_the_header_search_works_from_the_disk(browser: Any, shipped: Path, viewport: str) -> None:
    """Opened from the disk (file://, where a browser fetches no JSON), « aeronautique » typed in the header's
    search finds the CMQ Aéronautique et spatial, without its accents or capitals, and its result leads there."""
    with visiting(browser, shipped, DESKTOP if viewport == "bureau" else PHONE) as v:
        page = v.open("clee/index.html")
        page.wait_for_function("document.documentElement.dataset.frJs === 'true'")
        if viewport == "telephone":  # the search is behind the header's magnifier button
            page.locator("#bouton-recherche").click()
        field = page.locator("#recherche-champ")
        field.fill("aeronautique")
        field.press("Enter")
        page.wait_for_url("**/recherche.html?q=aeronautique")
        result = page.locator("#resultats").get_by_role("link", name="Campus des métiers et des qualifications Aéronautique et spatial")
        assert result.count() == 1
        # Typing on the search page narrows as it goes: every word, any case, no accents needed.
        page.locator("#recherche-page-champ").fill("AERONAUTIQUE spatial")
        assert result.count() == 1
        page.locator("#recherche-page-champ").fill("zzzz introuvable")
        assert "Aucun résultat" in page.locator("#resultats-compte").inner_text()
        page.locator("#recherche-page-champ").fill("toulouse")
        assert page.locator("#resultats li").count() > 5
        page.locator("#recherche-page-champ").fill("aeronautique")
        result.click()
        assert page.url == v.base + "cmq/cmq-aeronautique-spatial.html"
        v.assert_clean()


def test_without_javascript_every_page_reads_and_leads_on(browser: Any, shipped: Path) -> None:
    """No script: the menu's links are all there on a phone, the breadcrumb shows, the search page says how to
    find a structure without it, and its form still leads to the search page."""
    base = shipped.as_uri() + "/"
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(base + _first_entity(shipped, "cmq"))
        nav = page.locator("#navigation-principale")
        assert nav.is_visible()
        for name in ("Accueil", "CLEE", "Partenaires", "Établissements", "Bilans annuels"):
            assert nav.get_by_role("link", name=name, exact=True).first.is_visible(), name
        assert page.locator("nav.fr-breadcrumb ol").is_visible()
        assert page.locator("main h1").is_visible()
        page.goto(base + "recherche.html?q=aeronautique")
        fallback = page.locator(".sans-script")
        assert fallback.is_visible() and fallback.get_by_role("link").count() >= 5
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_a_summary_prints_on_a4_without_the_navigation(browser: Any, shipped: Path) -> None:
    base = shipped.as_uri() + "/"
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(base + "bilans/2022-2023.html")
        page.emulate_media(media="print")
        assert page.locator("#navigation-principale").is_hidden()
        assert page.locator(".fr-header__tools").is_hidden() and page.locator("nav.fr-breadcrumb").is_hidden()
        assert page.locator("main h1").is_visible()
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") > 1
    finally:
        context.close()


def test_the_neutral_theme(browser: Any, tmp_path: Path) -> None:
    """--theme neutre: no Marianne, no bloc-marque, no DSFR; still accessible and fit for a phone."""
    from eee.render import build_site

    registry = copy_base(tmp_path / "registry")
    model, _ = load(registry, check_schemas=False)
    build_site(model, tmp_path / "site", generated="2024-01-15", theme="neutre")
    site = tmp_path / "site"
    assert not (site / "dsfr").exists()
    text = "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "fr-header" not in text and "République française" not in text and "Marianne" not in text
    for viewport in (DESKTOP, PHONE):
        with visiting(browser, site, viewport) as v:
            for path in (HOME, "clee/index.html", ENTITY, "bilans/index.html", _first_entity(site, "bilans")):
                page = v.open(path)
                violations = _axe(page)
                assert violations == [], _report(violations)
                assert sticking_out(page, viewport["width"]) == [], path
            v.assert_clean()


# --- The actions by school year (shipped registry, both themes) ----------------------------------------------

@pytest.fixture(scope="module")
def shipped_neutre(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What eee build --theme neutre writes for the shipped registry, once for the module."""
    from eee.render import build_site

    model, _ = load(REPO / "registry", check_schemas=False)
    out = tmp_path_factory.mktemp("shipped-neutre") / "site"
    build_site(model, out, generated="2026-12-01", theme="neutre")
    return out


def _years_shown(page: Any) -> list[str]:
    """The « Année » cell of each action the table shows, in order."""
    column = page.locator("#tableau-action thead th").all_inner_texts().index("Année")
    return [row.locator("th, td").nth(column).inner_text() for row in page.locator("#tableau-action tbody tr").all()
            if row.is_visible()]


@pytest.mark.parametrize("theme", ["dsfr", "neutre"])
def test_the_actions_filter_by_school_year(browser: Any, request: pytest.FixtureRequest, theme: str) -> None:
    """« Année scolaire » keeps the actions of the year chosen, adds up with the other filters, says the count."""
    site = request.getfixturevalue("shipped" if theme == "dsfr" else "shipped_neutre")
    with visiting(browser, site, DESKTOP) as v:
        page = v.open("actions/index.html")
        select, count = page.get_by_label("Année scolaire", exact=True), page.locator("#compte-action")
        assert select.is_visible()
        assert select.locator("option").all_inner_texts() == ["Toutes", "2025-2026", "2022-2023"]
        everything = _years_shown(page)
        total = len(everything)
        assert total == 17 and count.inner_text() == f"{total} lignes affichées sur {total}."
        assert everything == sorted(everything, reverse=True)  # the latest year first
        for year in ("2025-2026", "2022-2023"):
            page.select_option("#f-annee", year)
            shown = _years_shown(page)
            assert shown == [year] * everything.count(year) and shown
            assert count.inner_text().startswith(f"{len(shown)} ligne")
        page.select_option("#f-departement", "30")  # filters add up: the Gard's actions of 2022-2023
        gard = _years_shown(page)
        assert gard and set(gard) == {"2022-2023"} and len(gard) < everything.count("2022-2023")
        page.select_option("#f-annee", "")
        assert len(_years_shown(page)) == len(gard) + 1  # and the Gard's one of 2025-2026
        page.select_option("#f-departement", "")
        assert len(_years_shown(page)) == total
        violations = _axe(page)
        assert violations == [], _report(violations)
        v.assert_clean()


def test_the_events_sort_by_their_dates_written_in_french(browser: Any, shipped: Path) -> None:
    """The index writes « 18 octobre 2024 », as the event's page; the column « Date » sorts by the day itself,
    both ways (neither by the number a French date starts with, nor by its year alone)."""
    with visiting(browser, shipped, DESKTOP) as v:
        page = v.open("evenements/index.html")
        rows = page.locator("#tableau-evenement tbody tr")
        texts = rows.locator("td:first-child").all_inner_texts()
        assert "18 octobre 2024" in texts and "1er février 2025" in texts and not [t for t in texts if "-" in t]
        header = page.locator("#tableau-evenement thead th").filter(has_text="Date")

        def days() -> list[str]:
            return [t.get_attribute("datetime") for t in rows.locator("td:first-child time").all()]

        header.get_by_role("button").click()
        assert days() == sorted(days()) and len(days()) >= 8
        header.get_by_role("button").click()
        assert days() == sorted(days(), reverse=True)
        v.assert_clean()


@pytest.mark.parametrize("theme", ["dsfr", "neutre"])
def test_without_javascript_the_years_are_links_into_the_actions(browser: Any, request: pytest.FixtureRequest,
                                                                 theme: str) -> None:
    """No script: no filter form, every action shown, the latest year first, and « Par année scolaire » leads to
    the first action of each year."""
    site = request.getfixturevalue("shipped" if theme == "dsfr" else "shipped_neutre")
    base = site.as_uri() + "/"
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(base + "actions/index.html")
        assert page.locator("form.filtres").is_hidden()
        years = _years_shown(page)
        assert len(years) == 17 and years == sorted(years, reverse=True)
        links = page.locator("nav.par-annee a")
        assert links.all_inner_texts() == ["2025-2026", "2022-2023"]
        for year in ("2022-2023", "2025-2026"):
            page.get_by_role("link", name=year, exact=True).click()
            assert page.url == f"{base}actions/index.html#annee-{year}"
            row = page.locator(f"#annee-{year}")
            assert row.get_attribute("data-annee") == year and row.is_visible()
            assert page.evaluate("r => r.getBoundingClientRect().top", row.element_handle()) < PHONE["height"]
            first = page.evaluate("r => r.rowIndex", row.element_handle()) - 1  # the header's row is 0
            assert years.index(year) == first  # the year's first action
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["bureau", "telephone"])
def test_chart_texts_are_12_px_or_more_and_whole(browser: Any, shipped: Path, viewport: str) -> None:
    """A bilan's charts on a phone: every text 12 px or more, none cut (its box as wide as its text), and every
    bar inside the screen."""
    base = shipped.as_uri() + "/"
    size = DESKTOP if viewport == "bureau" else PHONE
    context = browser.new_context(viewport=size)
    try:
        page = context.new_page()
        page.goto(base + "bilans/2022-2023.html")
        texts = page.evaluate("""() => [...document.querySelectorAll('.graphique *')]
            .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
            .map(e => [e.textContent.trim(), parseFloat(getComputedStyle(e).fontSize), e.scrollWidth - e.clientWidth,
                       e.getBoundingClientRect().right])""")
        assert len(texts) > 20, texts
        for text, font, cut, right in texts:
            assert font >= 12, (text, font)
            assert cut <= 1, f"« {text} » is cut"
            assert right <= size["width"], f"« {text} » goes past the screen"
    finally:
        context.close()


def test_on_a_phone_the_menu_folds_into_the_menu_button(browser: Any, shipped: Path) -> None:
    with visiting(browser, shipped, PHONE) as v:
        page = v.open(HOME)
        page.wait_for_function("document.documentElement.dataset.frJs === 'true'")
        nav = page.locator("#navigation-principale")
        assert nav.is_hidden() and page.locator("#bouton-menu").is_visible()
        page.locator("#bouton-menu").click()
        nav.wait_for(state="visible")
        nav.get_by_role("button", name="Le réseau").click()
        nav.get_by_role("link", name="CLEE", exact=True).click()
        assert page.url == v.base + "clee/index.html"
        v.assert_clean()


# Every table cell of a page whose content is wider than the cell: a word cut in the middle, or a value run over.
CELLS_TOO_NARROW = """() => [...document.querySelectorAll('table td, table tbody th')]
  .filter(cell => cell.scrollWidth > cell.clientWidth + 1).map(cell => cell.innerText.slice(0, 40))"""


@pytest.mark.parametrize("theme", ["dsfr", "neutre"])
def test_the_indexes_fit_the_screen_and_never_cut_a_word(browser: Any, request: pytest.FixtureRequest,
                                                         theme: str) -> None:
    """The DSFR kept each cell on one line (the actions' index was 2,545 px wide at 1280 px); the neutral theme broke
    words anywhere (the same index, letter by letter, on a phone). At 1280 px an index fits the page; on a phone it
    scrolls in its frame; on both, a cell goes to the line between words only, and years and statuses stay whole."""
    site = request.getfixturevalue("shipped" if theme == "dsfr" else "shipped_neutre")
    for viewport in (DESKTOP, PHONE):
        with visiting(browser, site, viewport) as v:
            for path in ("actions/index.html", "evenements/index.html", "etablissements/index.html",
                         "partenariats/index.html"):
                page = v.open(path)
                table = page.locator("table.index")
                if viewport is DESKTOP:
                    assert table.evaluate("t => t.scrollWidth <= t.closest('.defilement').clientWidth"), path
                assert page.evaluate(CELLS_TOO_NARROW) == [], (path, viewport)
                whole = page.locator("table.index td.sans-coupure").all_inner_texts()  # years, dates, statuses
                assert all("\n" not in text for text in whole) and (whole or path.startswith("etablissements")), path
            v.assert_clean()
