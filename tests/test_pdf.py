"""The annual summary as a PDF (`eee report --format pdf`, `eee build`), read back with poppler's tools.

pdftotext finds the figures, the year, the cover, the table of contents (whose page numbers are checked against
the pages themselves) and the page numbers of the footer; pdfinfo gives the page size (A4). Without WeasyPrint
or poppler-utils these tests are skipped, except under CI=true, where they fail: CI installs both (.ci/run). The
tests of what happens without the extra (a French message, exit 3; a build that says it left the PDFs out) run
everywhere: they make WeasyPrint's import fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markupsafe import escape

from eee.bilan import compute
from eee.render.context import frame_context
from eee.validate import load

from .conftest import cli

YEAR = "2022-2023"


def _missing() -> str | None:
    """Why PDFs cannot be made and read here, or None."""
    from eee.render.pdf import unavailable

    why = unavailable()
    if why:
        return f"{why} (pip install '.[pdf]')"
    for tool in ("pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            return f"no {tool} (apt-get install poppler-utils; .ci/run does it)"
    return None


@pytest.fixture
def pdf_tools() -> None:
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the PDF tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def without_weasyprint(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the extra were not installed: `import weasyprint` raises ImportError."""
    monkeypatch.setitem(sys.modules, "weasyprint", None)


def _text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _pages(pdf: Path) -> list[str]:
    return _text(pdf).split("\f")[:-1]  # pdftotext ends every page with a form feed


@pytest.mark.parametrize("theme", ["dsfr", "neutre"])
def test_the_pdf_summary_has_cover_contents_figures_and_page_numbers(
        pdf_tools: None, registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], theme: str) -> None:
    out = tmp_path / "bilan.pdf"
    code, stdout, err = cli(capsys, "-r", str(registry), "report", "--annee", YEAR, "--format", "pdf",
                            "--theme", theme, "--out", str(out))
    assert code == 0, err
    assert stdout == f"Bilan {YEAR} écrit en PDF dans {out}.\n"
    assert out.read_bytes().startswith(b"%PDF-")
    pages = _pages(out)
    # The cover: the network, the school year, the date it was made; no page number.
    cover = " ".join(pages[0].split())
    model, _ = load(registry, check_schemas=False)
    assert frame_context(model).title in cover and f"Bilan annuel {YEAR}" in cover
    assert "Année scolaire du 1er septembre 2022 au 31 août 2023" in cover
    assert re.search(r"Document généré le \d", cover) and "Page" not in cover
    # The table of contents: each section and its page, which is the page where that section starts.
    assert pages[1].split()[0] == "Sommaire"
    toc = re.findall(r"^\s*(\S[^.\n]*?)\s*\.{3,}\s*(\d+)\s*$", pages[1], re.M)
    titles = [title for title, _ in toc]
    assert titles[:2] == ["Indicateurs clés", "Actions par type et par statut"] and "Qualité des données" in titles
    for title, number in toc:
        assert pages[int(number) - 1].split("\n", 1)[0].strip() == title or title in pages[int(number) - 1], title
    # Page numbers in the footer, from the second page on.
    for number, page in enumerate(pages[1:], start=2):
        assert f"Page {number} sur {len(pages)}" in page
        assert f"Bilan annuel {YEAR}" in page  # the footer's title
    # The figures of the HTML summary: the headline figures, and the chart's rows with their numbers.
    bilan = compute(model, YEAR)
    text = " ".join(" ".join(pages).split())
    assert f"Élèves touchés {bilan.headline['eleves'].count.text()}" in text
    assert f"Actions menées ou engagées {bilan.headline['actions'].count.text()}" in text
    assert "Actions par type, 2022-2023" in text
    for row in bilan.by_type:
        assert f"{row.label} {row.figures['actions'].count.number()}" in text
    # A4, every page.
    boxes = subprocess.run(["pdfinfo", "-box", "-f", "1", "-l", str(len(pages)), str(out)], capture_output=True,
                           text=True, check=True).stdout
    sizes = re.findall(r"Page\s+\d+ MediaBox:\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", boxes)
    assert len(sizes) == len(pages)
    for x0, y0, x1, y1 in sizes:
        assert abs(float(x1) - float(x0) - 595.3) < 1 and abs(float(y1) - float(y0) - 841.9) < 1


def test_the_pdf_has_the_text_of_the_html_summary(pdf_tools: None, registry: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The same French text: every sentence of the HTML summary's sections is in the PDF."""
    from html.parser import HTMLParser

    html, pdf = tmp_path / "bilan.html", tmp_path / "bilan.pdf"
    for out in (html, pdf):
        code, _, err = cli(capsys, "-r", str(registry), "report", "--annee", YEAR, "--format", out.suffix[1:],
                           "--out", str(out))
        assert code == 0, err

    class Paragraphs(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.inside, self.texts, self.current = 0, [], ""

        def handle_starttag(self, tag: str, attrs: object) -> None:
            self.inside += tag == "main"
            if tag in ("p", "li", "h2", "h3"):
                self.current = ""

        def handle_endtag(self, tag: str) -> None:
            self.inside -= tag == "main"
            if tag in ("p", "li", "h2", "h3") and self.inside:
                self.texts.append(" ".join(self.current.split()))

        def handle_data(self, data: str) -> None:
            self.current += data

    parser = Paragraphs()
    parser.feed(html.read_text(encoding="utf-8"))
    assert len(parser.texts) > 15
    text = "".join(_text(pdf).split())  # without spaces: a long path may be cut at the end of a line
    missing = [t for t in parser.texts if t and "".join(t.split()) not in text]
    assert not missing


def test_build_writes_each_summary_as_pdf_and_links_it(pdf_tools: None, registry: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    code, out, err = cli(capsys, "-r", str(registry), "build", "--out", str(site))
    assert code == 0 and err == ""
    assert f"bilans annuels : {YEAR}, en HTML, Markdown et PDF" in out
    assert (site / "bilans" / f"{YEAR}.pdf").read_bytes().startswith(b"%PDF-")
    assert f"Bilan annuel {YEAR}" in _text(site / "bilans" / f"{YEAR}.pdf", 1)
    index = (site / "bilans" / "index.html").read_text(encoding="utf-8")
    assert f'<a href="{YEAR}.pdf" aria-label="Bilan {YEAR} en PDF">PDF</a> · ' in index
    # --sans-pdf: no PDF, no link to one.
    code, out, err = cli(capsys, "-r", str(registry), "build", "--out", str(site), "--sans-pdf")
    assert code == 0 and err == "" and "PDF" not in out
    assert not list(site.rglob("*.pdf")) and "PDF" not in (site / "bilans" / "index.html").read_text(encoding="utf-8")


def test_without_the_extra_report_says_how_to_install_it(without_weasyprint: None, registry: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bilan.pdf"
    code, stdout, err = cli(capsys, "-r", str(registry), "report", "--format", "pdf", "--out", str(out))
    assert code == 3 and stdout == ""
    assert "impossible de produire le bilan en PDF : WeasyPrint, qui met les bilans en PDF, n'est pas installé" in err
    assert "pip install 'eee[pdf]'" in err and "Traceback" not in err and "erreur interne" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == [registry]


def test_without_the_extra_build_makes_the_rest_and_says_why_in_one_line(
        without_weasyprint: None, registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    code, out, err = cli(capsys, "-r", str(registry), "build", "--out", str(site))
    assert code == 0 and "PDF" not in out
    assert err == ("Bilans PDF non produits : WeasyPrint, qui met les bilans en PDF, n'est pas installé "
                   "(installez-le avec : pip install 'eee[pdf]').\n")
    assert (site / "bilans" / f"{YEAR}.html").is_file() and not list(site.rglob("*.pdf"))
    assert "PDF" not in (site / "bilans" / "index.html").read_text(encoding="utf-8")


def test_a_pdf_summary_needs_a_file(registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "-r", str(registry), "report", "--format", "pdf")
    assert code == 2 and out == ""
    assert "un bilan PDF s'écrit dans un fichier : précisez-le avec --out" in err


def test_the_table_of_contents_lists_the_sections_the_page_has(registry: Path) -> None:
    from eee.render.pdf import headings, summary_html

    model, _ = load(registry, check_schemas=False)
    html = summary_html(model, compute(model, YEAR), generated="2024-09-01")
    sections = headings(html)
    assert sections[0] == ("indicateurs", "Indicateurs clés") and ("qualite", "Qualité des données") in sections
    assert "sommaire" not in dict(sections)
    for ident, title in sections:  # each listed once, as a link to its section, in the table of contents
        assert html.count(f'<a href="#{ident}">{escape(title)}</a>') == 1
    assert 'class="couverture"' in html and "Document généré le 1er septembre 2024." in html
    # The HTML summary itself has neither cover nor table of contents.
    from eee.render.report import render_report

    assert "couverture" not in render_report(model, compute(model, YEAR), "html") \
        and "sommaire" not in render_report(model, compute(model, YEAR), "html")


def test_a_summary_with_hostile_text_is_escaped_in_its_table_of_contents(registry: Path) -> None:
    from eee.render.pdf import headings

    assert headings('<h2 id="x">A &amp; &lt;b&gt; <em>c</em></h2><h2>sans id</h2>') == [("x", "A & <b> c")]


def test_the_pdf_reads_only_the_theme_files(pdf_tools: None) -> None:
    """Nothing but the theme's files and data: addresses: no other file, nothing from the network."""
    import weasyprint

    from eee.render.jinja import static_files, template_dirs
    from eee.render.pdf import BASE_URL, theme_fetcher

    fetcher = theme_fetcher(weasyprint, static_files(template_dirs()))
    font = fetcher.fetch(BASE_URL + "dsfr/fonts/Marianne-Regular.woff2")
    assert font.read()[:4] == b"wOF2"
    assert fetcher.fetch("data:text/plain,abc").read() == b"abc"
    for url in ("file:///etc/passwd", BASE_URL + "../../etc/passwd", BASE_URL + "absent.css", "http://127.0.0.1:9/x.css",
                "https://example.org/x.css"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_an_internal_pdf_says_so_on_its_cover_and_every_page(pdf_tools: None, registry: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "interne.pdf"
    code, _, err = cli(capsys, "-r", str(registry), "report", "--annee", YEAR, "--format", "pdf", "--interne",
                       "--out", str(out))
    assert code == 0, err
    cover = " ".join(_text(out, 1).split())
    assert "Version interne" in cover and "ne le diffusez pas" in cover
    # Every page says it at its top: a page printed or sent alone too. A public summary says it nowhere.
    pages = _pages(out)
    assert len(pages) > 2 and all("Version interne : ne pas diffuser" in page for page in pages)
    public = tmp_path / "public.pdf"
    assert cli(capsys, "-r", str(registry), "report", "--annee", YEAR, "--format", "pdf", "--out", str(public))[0] == 0
    assert not any("interne" in page for page in _pages(public))
