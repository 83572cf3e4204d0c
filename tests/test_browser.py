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
        page.on("requestfailed", lambda r: self.errors.append(f"failed request: {r.url} ({r.failure})"))
        page.on("request", lambda r: None if r.url.startswith(base) else self.elsewhere.append(r.url))

    def open(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page

    def assert_clean(self) -> None:
        assert self.errors == [], "\n".join(self.errors)
        assert self.elsewhere == [], f"requests outside the site: {self.elsewhere}"


@pytest.fixture
def visit(browser: Any, site: Path) -> Iterator[Callable[..., Visit]]:
    """visit(js=True, viewport=DESKTOP, base=file URL of the site) → a Visit in a fresh browser context."""
    contexts = []

    def make(js: bool = True, viewport: dict[str, int] = DESKTOP, base: str | None = None, **options: Any) -> Visit:
        base = base or site.as_uri() + "/"
        context = browser.new_context(java_script_enabled=js, viewport=viewport, **options)
        contexts.append(context)
        # Nothing leaves the machine: any request that is not for the site is refused (and so reported).
        context.route(lambda url: not url.startswith(base), lambda route: route.abort())
        return Visit(context.new_page(), base)

    yield make
    for context in contexts:
        context.close()


def visible_names(page: Any) -> list[str]:
    return [row.locator("th").inner_text() for row in page.locator("#tableau-etablissement tbody tr").all()
            if row.is_visible()]


# --- Pages load cleanly ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [HOME, INDEX, ENTITY, "territoires.html", "departements/09.html"])
def test_page_loads_with_no_error_and_nothing_from_outside(visit: Callable[..., Visit], path: str) -> None:
    v = visit()
    page = v.open(path)
    assert page.locator("h1").count() == 1
    # The stylesheet and the script are the site's own and were applied.
    assert page.locator("header.entete").evaluate("e => getComputedStyle(e).borderBottomWidth") == "4px"
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
    search, count = page.get_by_label("Rechercher"), page.locator("#compte-etablissement")
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
    sticking_out = page.evaluate("""w => [...document.querySelectorAll('body *')]
        .filter(e => !e.closest('.defilement, .evitement') && e.getBoundingClientRect().right > w + 1)
        .map(e => e.tagName.toLowerCase() + (e.getAttribute('class') ? '.' + e.getAttribute('class') : ''))""", size["width"])
    assert sticking_out == [], f"{path}: past the right edge: {sticking_out}"
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
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Établissements").click()
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
    base = built.as_uri() + "/"
    size = DESKTOP if viewport == "bureau" else PHONE
    context = browser.new_context(viewport=size)
    context.route(lambda url: not url.startswith(base), lambda route: route.abort())
    try:
        visit = Visit(context.new_page(), base)
        page = visit.open(path)
        violations = _axe(page)
        assert violations == [], _report(violations)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the screen"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{path.replace('/', '_')}-{viewport}.png"), full_page=True)
        visit.assert_clean()
    finally:
        context.close()
