"""What the registry's texts and addresses can do to the outputs: Markdown escaped for each place it goes to
(text, table cell, link text, link target, start of a line), addresses checked by the schema and again when a
page is written. The Markdown is read back with markdown-it-py, a CommonMark parser already installed with rich."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from eee.markdown import md_escape, md_url, safe_url
from eee.render import build, build_site
from eee.validate import load

from .conftest import REPO, cli

markdown_it = pytest.importorskip("markdown_it")

GENERATED = "2024-01-15"
LINE_BREAKS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
HOSTILE = list("ab é-+=#1.)(~`*_[]|<>&;\\!:\" \t") + LINE_BREAKS + ["\x00", "\x1b", "\u3000", "\u00a0"]


def texts(pieces: list[str], size: int = 24) -> Any:
    return st.lists(st.sampled_from(pieces), max_size=size).map("".join)


def parser() -> Any:
    """CommonMark with GitHub's tables and strikethrough (what a forge shows)."""
    return markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])


def blocks(text: str) -> list[str]:
    """The block structure of a Markdown document: one entry per block token, inline content left out."""
    return [f"{t.type}:{t.tag}:{t.level}" for t in parser().parse(text) if t.type != "inline"]


def inline_children(text: str) -> list[Any]:
    return [child for t in parser().parse(text) if t.type == "inline" for child in t.children or []]


def shown(value: str) -> str:
    """What a reader should see of a value: its characters, a line break or another control character as a space."""
    return "".join(" " if unicodedata.category(c) == "Cc" and c != "\t" or c in "\u2028\u2029" else c
                   for c in value).strip()


# --------------------------------------------------------------------------- md: text in every place


@pytest.mark.parametrize("brk", LINE_BREAKS)
def test_no_line_break_reaches_the_markdown(brk: str) -> None:
    escaped = md_escape(f"Nom{brk}# Titre{brk}| a | b |")
    assert len(escaped.splitlines()) == 1, repr(escaped)
    assert blocks(f"# {escaped}\n") == ["heading_open:h1:0", "heading_close:h1:0"]
    assert blocks(f"| Nom |\n|---|\n| {escaped} |\n") == blocks("| Nom |\n|---|\n| x |\n")


@pytest.mark.parametrize(("value", "escaped"), [
    ("2023. Année", "2023\\. Année"),  # not `\2023.`: a backslash before a digit would be shown
    ("1) liste", "1\\) liste"),
    ("- tiret", "\\- tiret"),
    ("+33 5 61 00 00 00", "\\+33 5 61 00 00 00"),
    ("===", "\\==="),
    ("    code indenté", "code indenté"),
    ("\t# titre", "\\# titre"),
    ("~~~", "\\~\\~\\~"),
    ("Campus # 3 #", "Campus \\# 3 \\#"),  # a heading's closing #s
    ("a\r\nb", "a  b"),
    ("12345678901. pas une liste", "12345678901. pas une liste"),
    # Backslashes, never HTML escapes: the file reads as the text.
    ("Groupe D&S", "Groupe D&S"),
    ("&copy; Région", "\\&copy; Région"),  # what Markdown would read as an entity: its `&` escaped
    ("&amp; tel quel", "\\&amp; tel quel"),
    ("R&D; essais", "R\\&D; essais"),  # not an HTML entity, but shaped like one: escaped all the same
    ("&#35; 3 & &#x41;", "&\\#35; 3 & &\\#x41;"),  # the `#` escaped: no longer an entity
    ("a <b> c < d", "a \\<b> c \\< d"),
    ("> citation", "\\> citation"),
    ("5 > 3", "5 > 3"),
    ("l'« atelier » \"Bois\"", "l'« atelier » \"Bois\""),
])
def test_markdown_text_exactly(value: str, escaped: str) -> None:
    assert md_escape(value) == escaped


CONTEXTS = {  # where templates put a text
    "paragraphe": "{}\n",
    "début de ligne après un paragraphe": "Texte\n{}\n",
    "élément de liste": "- {}\n",
    "titre": "# {}\n",
    "cellule": "| A | B |\n|---|---|\n| {} | x |\n",
    "texte de lien": "[{}](page.md)\n",
}


@given(texts(HOSTILE), st.sampled_from(sorted(CONTEXTS)))
def test_any_text_is_shown_as_it_is_wherever_it_goes(value: str, context: str) -> None:
    """Whatever the text, the document keeps the structure it has with a plain word, and shows the text."""
    assume(shown(value) != "")  # an empty value: the templates write nothing (`{% if … %}`)
    template = CONTEXTS[context]
    document = template.format(md_escape(value))
    assert blocks(document) == blocks(template.format("mot")), (context, value, document)
    inlines = [t for t in parser().parse(document) if t.type == "inline"]
    children = inlines[2 if context == "cellule" else 0].children or []
    if context == "début de ligne après un paragraphe":  # « Texte », a line break, then the value
        assert [c.type for c in children[:2]] == ["text", "softbreak"]
        children = children[2:]
    kinds = {c.type for c in children} - {"text", "text_special"}
    assert kinds <= ({"link_open", "link_close"} if context == "texte de lien" else set()), (context, value, kinds)
    text = "".join(c.content for c in children if c.type in ("text", "text_special"))
    assert text.strip() == shown(value), (context, value, document)


# --------------------------------------------------------------------------- md_url, safe_url


@given(texts(HOSTILE + ["%", "%2", "%41", "'", "/", "?", "{", "}", "^", "\ufeff", "&copy;", "&#35;"]))
def test_a_link_target_is_one_target_whatever_it_holds(value: str) -> None:
    """md_url: the whole value is the link's target, and nothing else is a link, an image or HTML."""
    document = f"[texte](https://a.example/{md_url(value)}) suite\n"
    children = inline_children(document)
    assert [c.type for c in children][:3] == ["link_open", "text", "link_close"], (value, document)
    assert {c.type for c in children[3:]} <= {"text"} and "".join(c.content for c in children[3:]) == " suite"
    assert unquote(children[0].attrGet("href")) == unquote("https://a.example/" + value)


SAFE = ["https://www.example.org/", "http://a.example/page%281%29?a=1&b=2#haut", "https://é.example/à",
        "https://a.example/[x]"]
REFUSED = ["https://a.example/)<script>alert(1)</script>", "https://a.example/)[x](https://evil.example",
           "javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>alert(1)</script>",
           "https://a.example/x\n", "https://a.example/x\r", "https://a example", "https://a.example/\u2028",
           "https://a.example/\x85", "https://a.example/\x00", "https://a.example/\ufeff", "https://a.example/(1)",
           "https://a.example/<x>", "//evil.example/", "../clee/clee-ariege.md", "http://", "", "ftp://a.example/",
           " https://a.example/"]


def url_pattern() -> str:
    common = json.loads((REPO / "schemas" / "common.schema.json").read_text(encoding="utf-8"))
    return str(common["$defs"]["url"]["pattern"])


def url_regexes() -> list[Any]:
    """The schema's pattern read by Python's `re` (`$` also matches before a final newline), and as ECMA-262
    where eee translates patterns (validity.compile_pattern): it must mean the same in both."""
    import eee.validity

    regexes = [re.compile(url_pattern())]
    if hasattr(eee.validity, "compile_pattern"):
        regexes.append(eee.validity.compile_pattern(url_pattern()))
    return regexes


@pytest.mark.parametrize("url", SAFE)
def test_safe_addresses_are_links(url: str) -> None:
    assert safe_url(url) == url
    assert all(regex.search(url) for regex in url_regexes())


@pytest.mark.parametrize("url", REFUSED)
def test_unsafe_addresses_are_refused_by_the_schema_and_at_output(url: str) -> None:
    assert safe_url(url) is None
    assert not any(regex.search(url) for regex in url_regexes())


def allowed(url: str) -> bool:
    """The rule, written independently of both: http(s), then no whitespace, control character, BOM,
    parenthesis or angle bracket."""
    rest = url.removeprefix("https://") if url.startswith("https://") else url.removeprefix("http://")
    return rest != url and rest != "" and not any(
        c.isspace() or unicodedata.category(c) == "Cc" or c in "()<>\ufeff" for c in rest)


@given(st.sampled_from(["https://", "http://", "javascript:", "", "HTTPS://", "https:/"]),
       texts(HOSTILE + ["/", "%", "\ufeff", "\u2000", "\x9f", "\x7f"], 12))
@example("https://", "a)")
@example("https://", "a\n")
@example("https://", "a\ufeff")
@example("javascript:", "a")
def test_the_schema_and_safe_url_say_the_same(scheme: str, rest: str) -> None:
    url = scheme + rest
    for regex in url_regexes():
        assert (safe_url(url) is not None) == allowed(url) == bool(regex.search(url)), (repr(url), regex.pattern)


# --------------------------------------------------------------------------- a registry


# In a file, in YAML's double quotes: a line feed. Newer loaders refuse the other line breaks and control
# characters written as escapes (EEE-Y015), so the name with all of them is put in the model after loading:
# what a renderer is given, whatever reads the files.
FILE_NAME_YAML = r"Bois\n# H1\n- item\n1) liste | a | b |"
HOSTILE_NAME = "Bois\r# H1\r\n## H2\x85### H3\u2028#### H4\u2029##### H5\v- item\f1) liste\x1c| a | b |"
HOSTILE_DESCRIPTION_YAML = r"    ~~~\n2023. année\n- liste"
SOURCES = [  # (title, address, shown as a link)
    ("[x](https://evil.example)", "https://a.example/)<script>alert(1)</script>", False),
    ("Lien piégé", "https://a.example/)[x](https://evil.example", False),
    ("Script", "javascript:alert(1)", False),
    ("Fin de ligne", "https://a.example/x\\n", False),
    ("Bonne source", "https://www.example.org/page%281%29?a=1&b=2&copy;", True),
]


def partner(name: str, description: str, sources: list[tuple[str, str]]) -> str:
    lines = [f'  - titre: "{title}"\n    url: "{url}"' for title, url in sources]
    return (f'id: exemple-bois\nnom: "{name}"\nstatut: actif\ntype: entreprise\nsecteur: bois_foret\n'
            f'description: "{description}"\nsources:\n' + "\n".join(lines) + "\nmis_a_jour: 2024-01-15\n")


def hostile(registry: Path) -> None:
    (registry / "partenaires" / "exemple-bois.yaml").write_text(
        partner(FILE_NAME_YAML, HOSTILE_DESCRIPTION_YAML, [(t, u) for t, u, _ in SOURCES]), encoding="utf-8")


def hostile_model(registry: Path) -> Any:
    """The registry of `hostile`, loaded, with HOSTILE_NAME as the partner's name."""
    hostile(registry)
    model, _ = load(registry, check_schemas=False)
    partner = model.get("exemple-bois")
    assert partner is not None and "Lien piégé" in str(partner.data["sources"])
    partner.data["nom"] = HOSTILE_NAME
    return model


def benign(registry: Path) -> None:
    """The same shape as `hostile`, with plain texts and addresses that are all links."""
    (registry / "partenaires" / "exemple-bois.yaml").write_text(
        partner("Exemple Bois", "Une description", [(f"Source {i}", f"https://www.example.org/{i}")
                                                     for i in range(len(SOURCES))]), encoding="utf-8")


def render_markdown(registry: Path, out: Path, edit_url: str = "https://forge.example/edit") -> dict[str, str]:
    model, _ = load(registry, check_schemas=False)
    build(model, "markdown", out, edit_url=edit_url, generated=GENERATED)
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.md"))}


def links(text: str) -> list[tuple[str, str]]:
    found = []
    for token in parser().parse(text):
        for i, child in enumerate(token.children or []):
            if child.type == "link_open":
                found.append((child.attrGet("href"), token.children[i + 1].content))
    return found


def site_markdown(model: Any, out: Path) -> dict[str, str]:
    """The Markdown of `eee build`: the directory and the annual summaries."""
    build_site(model, out, edit_url="https://forge.example/edit", generated=GENERATED, jobs=1)
    return {p.relative_to(out / "markdown").as_posix(): p.read_text(encoding="utf-8")
            for p in sorted((out / "markdown").rglob("*.md"))}


def test_the_markdown_keeps_its_structure_whatever_the_registry_holds(registry: Path, tmp_path: Path) -> None:
    benign(registry)
    plain = site_markdown(load(registry, check_schemas=False)[0], tmp_path / "ordinaire")
    pages = site_markdown(hostile_model(registry), tmp_path / "piege")
    assert "bilans/2022-2023.md" in pages and pages["bilans/2022-2023.md"] != plain["bilans/2022-2023.md"]
    assert set(pages) == set(plain)
    touched = [name for name, text in pages.items() if text != plain[name]]
    assert len(touched) >= 6  # the partner's page, its kind's index, and the pages that link to it
    for name in touched:
        # Only the sources that are links in the benign registry and not here change the inline content:
        # every page has the same blocks (headings, lists, tables, paragraphs) with either registry.
        assert blocks(pages[name]) == blocks(plain[name]), name
        for href, _ in links(pages[name]):
            if href.startswith("https://"):
                assert safe_url(href) == href and "evil" not in href, (name, href)
            else:
                target = unquote(href.split("#")[0]) or name.rsplit("/", 1)[-1]
                assert (tmp_path / "piege" / "markdown" / name).parent.joinpath(target).exists(), (name, href)
        assert re.search(r"(?<!\\)<script", pages[name]) is None and "javascript:" not in pages[name]
    page = pages["partenaires/exemple-bois.md"]
    assert [link for link in links(page) if link[0].startswith(("http:", "https:"))] == [
        ("https://www.example.org/page%281%29?a=1&b=2&copy;", "Bonne source"),
        ("https://forge.example/edit/partenaires/exemple-bois.yaml", "Modifier le fichier partenaires/exemple-bois.yaml")]
    listed = page.split("## Sources\n\n")[1].split("\n\nInformations")[0].splitlines()
    assert listed == [
        "- \\[x\\](https://evil.example)",
        "- Lien piégé",
        "- Script",
        "- Fin de ligne",
        "- [Bonne source](https://www.example.org/page%281%29?a=1&b=2\\&copy;)",
    ]
    assert page.splitlines()[0] == "# " + md_escape(HOSTILE_NAME)
    assert "\\~\\~\\~ 2023. année - liste" in page


def test_the_html_links_only_safe_addresses(registry: Path, tmp_path: Path) -> None:
    build(hostile_model(registry), "html", tmp_path / "site", generated=GENERATED)
    page = (tmp_path / "site" / "partenaires" / "exemple-bois.html").read_text(encoding="utf-8")
    content = page.split("<main", 1)[1].split("</main>", 1)[0]  # the footer's links are the template's own
    external = re.findall(r'href="(https?:[^"]*|[a-z]+:[^"]*)"', content)
    assert external == ["https://www.example.org/page%281%29?a=1&amp;b=2&amp;copy;"]
    for title, _, link in SOURCES:
        if not link:
            assert f"<li>{title.replace('&', '&amp;')}</li>" in page


@pytest.mark.parametrize("edit_url", ["javascript:alert(1)//", "https://forge.example/a b", "  "])
def test_an_unsafe_edit_address_gives_no_link(registry: Path, tmp_path: Path, edit_url: str) -> None:
    model, _ = load(registry, check_schemas=False)
    build_site(model, tmp_path / "site", edit_url=edit_url, generated=GENERATED, jobs=1)
    for page in (tmp_path / "site").rglob("*.*"):
        if page.suffix in (".html", ".md"):
            text = page.read_text(encoding="utf-8")
            assert "Modifier le fichier" not in text and "javascript:" not in text, page


def test_the_edit_link_encodes_the_file_path(registry: Path, tmp_path: Path) -> None:
    """A file name with a space and parentheses: one link target in Markdown, one href in HTML, to that file."""
    source = registry / "partenaires" / "exemple-aero.yaml"
    source.rename(source.with_name("exemple aero (2).yaml"))
    pages = render_markdown(registry, tmp_path / "md", edit_url="https://forge.example/edit")
    page = next(text for name, text in pages.items() if name.startswith("partenaires/exemple aero"))
    assert links(page)[-1] == ("https://forge.example/edit/partenaires/exemple%20aero%20%282%29.yaml",
                               "Modifier le fichier partenaires/exemple aero (2).yaml")
    model, _ = load(registry, check_schemas=False)
    build(model, "html", tmp_path / "html", edit_url="https://forge.example/edit", generated=GENERATED)
    html = next((tmp_path / "html" / "partenaires").glob("exemple aero*.html")).read_text(encoding="utf-8")
    assert 'href="https://forge.example/edit/partenaires/exemple%20aero%20%282%29.yaml"' in html
    # The links to that entity from its kind's index are one target each, to its page.
    index = pages["partenaires/index.md"]
    targets = [unquote(href) for href, _ in links(index)]
    assert "../partenaires/exemple aero (2).md" in targets


# --------------------------------------------------------------------------- eee validate


def test_validate_reports_unsafe_addresses(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    hostile(registry)
    text = (registry / "partenaires" / "exemple-aero.yaml").read_text(encoding="utf-8")
    (registry / "partenaires" / "exemple-aero.yaml").write_text(
        text + 'site_web: "https://a.example/x)"\n', encoding="utf-8")
    code, out, _ = cli(capsys, "-r", str(registry), "validate", "--format", "json")
    problems = json.loads(out)["problemes"]
    found = {(p["code"], p["fichier"].split("partenaires/")[-1], p["ligne"]) for p in problems}
    lines = (registry / "partenaires" / "exemple-bois.yaml").read_text(encoding="utf-8").splitlines()
    expected = {("EEE-S005", "exemple-bois.yaml", lines.index(f'    url: "{url}"') + 1)
                for _, url, link in SOURCES if not link}
    assert code == 1
    assert expected <= found
    assert ("EEE-S005", "exemple-aero.yaml", len(text.splitlines()) + 1) in found
    good = lines.index(f'    url: "{SOURCES[-1][1]}"') + 1
    assert not any(p["ligne"] == good for p in problems if p["fichier"].endswith("exemple-bois.yaml"))
    hints = [p["conseil"] for p in problems if p["code"] == "EEE-S005" and p["fichier"].endswith("exemple-bois.yaml")
             and "https://a.example/)" in p["message"]]
    assert len(hints) == 2 and all("%28" in hint for hint in hints)  # says how to write a parenthesis


# --------------------------------------------------------------------------- the shipped registry

HTML_ESCAPES = re.compile(r"&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);", re.IGNORECASE)


def test_the_shipped_markdown_carries_no_html_escape(tmp_path: Path) -> None:
    """« Groupe D&S » reads « Groupe D&S » in the Markdown directory and summaries of the shipped registry (not
    « D&amp;S »): Markdown is escaped with backslashes, and nothing on the way escapes for HTML."""
    model, _ = load(REPO / "registry", check_schemas=False)
    pages = site_markdown(model, tmp_path / "site")
    assert any(name.startswith("bilans/") for name in pages) and "partenaires/groupe-d-et-s.md" in pages
    found = {name: HTML_ESCAPES.findall(text) for name, text in pages.items() if HTML_ESCAPES.search(text)}
    assert found == {}
    assert pages["partenaires/groupe-d-et-s.md"].startswith("# Groupe D&S\n")
    assert "[Groupe D&S](../partenaires/groupe-d-et-s.md)" in pages["partenaires/index.md"]
    # and a CommonMark reader shows the name as it is written in the registry
    assert "<h1>Groupe D&amp;S</h1>" in parser().render(pages["partenaires/groupe-d-et-s.md"])
