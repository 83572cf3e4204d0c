"""`eee build` into the folder of a previous build carries over the entity pages whose inputs did not change
(render.incremental): after any edit, the site is byte for byte the one a clean build writes."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eee.cachekey import SIGNED_MAC
from eee.parallel import can_fork
from eee.rename import apply, plan
from eee.render import MARKER, build_site, incremental, linked_ahead
from eee.render.incremental import MANIFEST
from eee.render.jinja import static_files, template_dirs
from eee.validate import load

from .conftest import cli, copy_base

GENERATED = "2024-01-15"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _same_as_clean(registry: Path, out: Path, clean: Path, early: bool = False, **options: Any) -> dict[str, int]:
    """Build `registry` into `out` (incremental; with `early`, the previous site's pages linked ahead while the
    registry is read, as `eee build` does: `linked_ahead`) and into `clean` (from scratch); check both are the
    same, file by file, and that nothing is left beside them; return the inodes of `out`'s files."""
    with linked_ahead(out, registry, jobs=2) if early else contextlib.nullcontext() as ahead:
        model, report = load(registry, check_schemas=False)
        build_site(model, out, generated=GENERATED, jobs=1, ahead=ahead, **options)
    build_site(model, clean, generated=GENERATED, jobs=1, clean=True, **options)
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")) == []
    ours, theirs = _files(out), _files(clean)
    assert sorted(ours) == sorted(theirs) and MANIFEST in ours
    for name in ours:  # the manifest too: the same text for the same site
        assert ours[name] == theirs[name], name
    return {name: os.stat(out / name).st_ino for name in ours}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(params=["lu", "signatures", "en avance"])
def settled(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Pages checked by reading them (a page written within SETTLED_NS of the end of its build), or by their stat
    signatures (every page taken as settled at once), or linked ahead by those signatures (`linked_ahead`)."""
    if request.param != "lu":
        monkeypatch.setattr(incremental, "SETTLED_NS", 0)
    return str(request.param)


def test_an_incremental_build_after_edits_is_a_clean_build(registry: Path, tmp_path: Path, settled: str) -> None:
    out = tmp_path / "site"
    first = _same_as_clean(registry, out, tmp_path / "propre-0")
    step = 0

    def again() -> dict[str, int]:
        nonlocal step
        step += 1
        return _same_as_clean(registry, out, tmp_path / f"propre-{step}", early=settled == "en avance")

    # Nothing changed: every page carried over (the same file), but those that are not pages of a manifest entry.
    inodes = again()
    carried = [name for name in inodes if inodes[name] == first[name]]
    assert sorted(set(inodes) - set(carried)) == sorted([MANIFEST, MARKER, "recherche-index.js",
                                                         *static_files(template_dirs(), "dsfr")])

    # A new entity that names a partner: its page, and the partner's (« cité par »).
    (registry / "partenaires" / "exemple-neuf.yaml").write_text(
        "id: exemple-neuf\nnom: Exemple Neuf\nstatut: actif\ntype: entreprise\nsecteur: aeronautique_spatial\n"
        "sites:\n  - {commune: Foix, departement: \"09\"}\nsources:\n  - titre: Données de test\n"
        "mis_a_jour: 2024-01-15\n", encoding="utf-8")
    _edit(registry / "pft" / "pft-exemple.yaml", "partenaires: [exemple-aero]",
          "partenaires: [exemple-aero, exemple-neuf]")
    before, inodes = inodes, again()
    assert "partenaires/exemple-neuf.html" in inodes
    assert inodes["partenaires/exemple-aero.html"] == before["partenaires/exemple-aero.html"]
    assert inodes["pft/pft-exemple.html"] != before["pft/pft-exemple.html"]

    # A partner's name, that other pages show in their links.
    _edit(registry / "partenaires" / "exemple-aero.yaml", "nom: Exemple Aéro", "nom: Exemple Aéronautique")
    before, inodes = inodes, again()
    assert inodes["partenariats/stages-exemple.html"] != before["partenariats/stages-exemple.html"]
    assert "Exemple Aéronautique" in (out / "partenariats" / "stages-exemple.html").read_text(encoding="utf-8")
    assert inodes["etablissements/0090015t.html"] == before["etablissements/0090015t.html"]  # unrelated

    # An entity that names another one: the other's « cité par », by a name or a new link.
    _edit(registry / "pft" / "pft-exemple.yaml", "\nnom: ", "\nnom: Nouveau nom de ")
    again()
    assert "Nouveau nom de" in (out / "partenaires" / "exemple-aero.html").read_text(encoding="utf-8")
    _edit(registry / "partenariats" / "stages-exemple.yaml", "partenaires: [exemple-aero, exemple-bois]",
          "partenaires: [exemple-aero]")
    again()

    # A change of one entity that nothing shows elsewhere.
    _edit(registry / "partenaires" / "exemple-bois.yaml", "mis_a_jour: 2024-01-15", "mis_a_jour: 2024-02-01")
    again()

    # A rename (eee rename): the file moves, references are rewritten.
    apply(plan(registry, "exemple-neuf", "exemple-renomme"))
    inodes = again()
    assert "partenaires/exemple-renomme.html" in inodes and "partenaires/exemple-neuf.html" not in inodes

    # A deletion: the page goes, and so do the links to it.
    _edit(registry / "pft" / "pft-exemple.yaml", "partenaires: [exemple-aero, exemple-renomme]",
          "partenaires: [exemple-aero]")
    (registry / "partenaires" / "exemple-renomme.yaml").unlink()
    inodes = again()
    assert "partenaires/exemple-renomme.html" not in inodes

    # An entity deleted while others still name it, unchanged (eee validate refuses that; the pages show its id).
    bois = registry / "partenaires" / "exemple-bois.yaml"
    text = bois.read_text(encoding="utf-8")
    bois.unlink()
    again()
    bois.write_text(text, encoding="utf-8")
    inodes = again()

    # The network's name, in every page's frame.
    _edit(registry / "reseau.yaml", "nom: Réseau de test", "nom: Réseau d'essai")
    before, inodes = inodes, again()
    assert inodes["partenaires/exemple-bois.html"] != before["partenaires/exemple-bois.html"]

    # A template of the registry's repository (templates/ beside registry/), that an entity page includes.
    templates = registry.parent / "templates" / "html"
    templates.mkdir(parents=True)
    (templates / "_macros.html").write_text(
        (Path(__file__).parent.parent / "templates" / "html" / "_macros.html").read_text(encoding="utf-8")
        + "{# local #}\n", encoding="utf-8")
    again()
    _edit(templates / "_macros.html", "{# local #}", "{% macro extra() %}local{% endmacro %}")
    again()
    (templates / "_macros.html").unlink()
    again()
    # A template of the repository may show anything of the site on an entity's page: such pages are all rendered.
    (registry.parent / "templates" / "markdown").mkdir()
    (registry.parent / "templates" / "markdown" / "entity.md").write_text(
        "{{ e.nom }} : une fiche sur {{ site.entities|length }}\n", encoding="utf-8")
    again()
    (registry / "partenaires" / "exemple-autre.yaml").write_text(
        (registry / "partenaires" / "exemple-bois.yaml").read_text(encoding="utf-8").replace(
            "id: exemple-bois", "id: exemple-autre"), encoding="utf-8")
    again()
    assert (out / "markdown" / "etablissements" / "0090015t.md").read_text(encoding="utf-8").endswith(
        f" une fiche sur {len(load(registry, check_schemas=False)[0].entities)}\n")


def test_summaries_and_lists_are_rendered_again_only_when_their_inputs_change(registry: Path,
                                                                            tmp_path: Path) -> None:
    # A second school year, so that one year's summary can change and not the other's.
    action = registry / "actions" / "2022-2023" / "visites-exemple.yaml"
    (registry / "actions" / "2023-2024").mkdir()
    (registry / "actions" / "2023-2024" / "visites-suite.yaml").write_text(
        action.read_text(encoding="utf-8").replace("id: visites-exemple", "id: visites-suite").replace(
            "2022-2023", "2023-2024").replace("2023-03", "2024-03").replace(
            "partenaires: [exemple-bois]", "partenaires: [exemple-aero]"), encoding="utf-8")
    out = tmp_path / "site"
    step = 0

    def again() -> dict[str, int]:
        nonlocal step
        step += 1
        return _same_as_clean(registry, out, tmp_path / f"propre-{step}")

    def changed(before: dict[str, int], after: dict[str, int]) -> set[str]:
        return {name for name in after if before.get(name) != after[name]}

    first = again()
    years = {"bilans/2022-2023.html", "markdown/bilans/2022-2023.md", "bilans/2023-2024.html",
             "markdown/bilans/2023-2024.md"}
    assert years < set(first)

    # One year's action (a date that no list shows): its page and its year's summary, not the other year's, nor
    # the indexes (the summaries' too: the same headline figures).
    _edit(action, "date_fin: 2023-03-31", "date_fin: 2023-03-30")
    inodes = again()
    done = changed(first, inodes)
    assert {"bilans/2022-2023.html", "markdown/bilans/2022-2023.md", "actions/visites-exemple.html"} <= done
    assert not done & {"bilans/2023-2024.html", "markdown/bilans/2023-2024.md", "actions/index.html",
                       "bilans/index.html", "partenaires/index.html", "index.html", "territoires.html",
                       "plan-du-site.html", "departements/09.html"}

    # Its number of pupils: the indexes that show it, the summaries' index, the next year's (it compares).
    _edit(action, "nombre: 25", "nombre: 40")
    before, inodes = inodes, again()
    done = changed(before, inodes)
    assert years | {"actions/index.html", "bilans/index.html"} <= done
    assert not done & {"partenaires/index.html", "index.html", "territoires.html"}

    # A structure (a CLEE's name): both years' summaries (their rows by CLEE), its territories' pages, the home
    # page's counts do not change.
    _edit(registry / "clee" / "clee-ariege.yaml", "nom: CLEE de l'Ariège", "nom: CLEE du pays de Foix")
    before, inodes = inodes, again()
    done = changed(before, inodes)
    assert years | {"clee/index.html", "departements/09.html", "academies/toulouse.html"} <= done
    assert not done & {"index.html", "departements/30.html", "partenaires/index.html"}

    # A partner's name, which a summary lists among the partners of its year (the next year's summary counts them
    # only: carried over).
    _edit(registry / "partenaires" / "exemple-bois.yaml", "nom: ", "nom: Scierie ")
    before, inodes = inodes, again()
    done = changed(before, inodes)
    assert {"bilans/2022-2023.html", "markdown/bilans/2022-2023.md", "partenaires/index.html"} <= done
    assert not done & {"bilans/2023-2024.html", "markdown/bilans/2023-2024.md"}

    # An entity that no summary names: the summaries carried over, its kind's index rendered again.
    _edit(registry / "etablissements" / "0300002p.yaml", "mis_a_jour: ", "mis_a_jour: 2024-02-0")
    before, inodes = inodes, again()
    done = changed(before, inodes)
    assert not done & years
    _edit(registry / "etablissements" / "0300002p.yaml", "mis_a_jour: 2024-02-0", "mis_a_jour: ")

    # A new entity: the pages that count (home, territories, search) are rendered again.
    (registry / "partenaires" / "exemple-neuf.yaml").write_text(
        "id: exemple-neuf\nnom: Exemple Neuf\nstatut: actif\ntype: entreprise\nsecteur: aeronautique_spatial\n"
        "sites:\n  - {commune: Foix, departement: \"09\"}\nsources:\n  - titre: Données de test\n"
        "mis_a_jour: 2024-01-15\n", encoding="utf-8")
    before, inodes = inodes, again()
    assert {"index.html", "markdown/index.md", "territoires.html", "recherche.html", "departements/09.html",
            "partenaires/index.html"} <= changed(before, inodes)
    assert not changed(before, inodes) & years

    # A template of the registry's repository: nothing is carried over, the summaries follow it.
    templates = registry.parent / "templates" / "markdown"
    templates.mkdir(parents=True)
    (templates / "bilan.md").write_text("# Bilan {{ b.year }} : {{ b.actions|length }} action(s)\n",
                                        encoding="utf-8")
    before, inodes = inodes, again()
    assert changed(before, inodes) == set(inodes)
    assert (out / "markdown" / "bilans" / "2023-2024.md").read_text(encoding="utf-8") == (
        "# Bilan 2023-2024 : 1 action(s)\n")
    _edit(templates / "bilan.md", "action(s)", "action(s) menée(s)")
    again()
    (templates / "bilan.md").unlink()
    again()


def test_summaries_in_pdf_are_carried_over_with_the_others(registry: Path, tmp_path: Path) -> None:
    from eee.render.pdf import unavailable

    if unavailable():
        pytest.skip(unavailable())
    out = tmp_path / "site"
    first = _same_as_clean(registry, out, tmp_path / "a", pdf=True)
    _edit(registry / "partenaires" / "exemple-aero.yaml", "mis_a_jour: 2024-01-15", "mis_a_jour: 2024-01-16")
    inodes = _same_as_clean(registry, out, tmp_path / "b", pdf=True)
    assert inodes["bilans/2022-2023.pdf"] == first["bilans/2022-2023.pdf"]
    _edit(registry / "actions" / "2022-2023" / "visites-exemple.yaml", "nombre: 25", "nombre: 40")
    before, inodes = inodes, _same_as_clean(registry, out, tmp_path / "c", pdf=True)
    assert inodes["bilans/2022-2023.pdf"] != before["bilans/2022-2023.pdf"]


def test_options_are_part_of_the_inputs(registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    _same_as_clean(registry, out, tmp_path / "a")
    _same_as_clean(registry, out, tmp_path / "b", internal=True)
    _same_as_clean(registry, out, tmp_path / "c", edit_url="https://exemple.org/edit")
    _same_as_clean(registry, out, tmp_path / "d", theme="neutre")
    model, _ = load(registry, check_schemas=False)
    build_site(model, out, generated="2025-03-01", jobs=1)
    build_site(model, tmp_path / "e", generated="2025-03-01", jobs=1, clean=True)
    assert _files(out)["partenaires/exemple-bois.html"] == _files(tmp_path / "e")["partenaires/exemple-bois.html"]


def _ids_made(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[str]:
    """The ids of the entities `module.name(registry, entity, …)` is called for, from now on (a spy)."""
    made: list[str] = []
    original = getattr(module, name)

    def spy(registry: Any, entity: Any, *args: Any) -> Any:
        made.append(entity.id)
        return original(registry, entity, *args)

    monkeypatch.setattr(module, name, spy)
    return made


def test_an_unchanged_entity_page_is_not_rendered_again(registry: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import eee.render as render

    out = tmp_path / "site"
    model, _ = load(registry, check_schemas=False)
    build_site(model, out, generated=GENERATED, jobs=1)
    rendered = _ids_made(monkeypatch, render, "entity_view")
    _edit(registry / "partenaires" / "exemple-bois.yaml", "mis_a_jour: 2024-01-15", "mis_a_jour: 2024-02-01")
    model, _ = load(registry, check_schemas=False)
    build_site(model, out, generated=GENERATED, jobs=1)
    assert rendered == ["exemple-bois"]
    rendered.clear()
    build_site(model, out, generated=GENERATED, jobs=1, clean=True)
    assert len(rendered) == len(model.entities) - 1  # every entity but the network (no page of its own)


@pytest.mark.parametrize("manifest", [None, "", "{", "[]", '{"format": "autre"}',
                                      '{"format": "eee-manifeste/1", "site": "x", "pages": {}}'])
def test_a_missing_or_foreign_manifest_means_a_full_build(registry: Path, tmp_path: Path,
                                                         manifest: str | None) -> None:
    out = tmp_path / "site"
    model, _ = load(registry, check_schemas=False)
    build_site(model, out, generated=GENERATED, jobs=1)
    page = out / "partenaires" / "exemple-bois.html"
    before = page.stat().st_ino
    if manifest is None:
        (out / MANIFEST).unlink()
    else:
        (out / MANIFEST).write_text(manifest, encoding="utf-8")
    build_site(model, out, generated=GENERATED, jobs=1)
    assert page.stat().st_ino != before


def test_a_page_changed_by_hand_is_rendered_again(registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    model, _ = load(registry, check_schemas=False)
    build_site(model, out, generated=GENERATED, jobs=1)
    page = out / "partenaires" / "exemple-bois.html"
    right = page.read_bytes()
    page.write_bytes(right.replace(b"Exemple", b"Modifi\xc3\xa9"))
    build_site(model, out, generated=GENERATED, jobs=1)
    assert page.read_bytes() == right


@pytest.mark.skipif(not can_fork(), reason="pages are linked ahead by a forked process, on Linux")
def test_pages_linked_ahead_are_kept_or_replaced_never_written_through(registry: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental, "SETTLED_NS", 0)
    out = tmp_path / "site"
    _same_as_clean(registry, out, tmp_path / "propre-0")
    # Other names of two pages of this site, that a later build must not change: a page of the partner renamed
    # below, and a school year's summary that names it.
    page = out / "partenaires" / "exemple-bois.html"
    summary = out / "bilans" / "2022-2023.html"
    assert "Exemple Bois" in summary.read_text(encoding="utf-8")
    before = {p: p.read_bytes() for p in (page, summary)}
    for number, p in enumerate(before):
        os.link(p, tmp_path / f"autre-nom-{number}")
    carried: list[Any] = []  # pages carried over the other way (`incremental.carry`)
    original = incremental.carry

    def spy(*args: Any) -> Any:
        result = original(*args)
        if result is not None:
            carried.append(args)
        return result

    monkeypatch.setattr(incremental, "carry", spy)
    _edit(registry / "partenaires" / "exemple-bois.yaml", "nom: Exemple Bois", "nom: Exemple Bois et Forêts")
    _same_as_clean(registry, out, tmp_path / "propre-1", early=True)
    assert carried == []  # every unchanged page was linked ahead
    for number, p in enumerate(before):
        assert p.read_bytes() != before[p]  # written again, as a new file…
        assert (tmp_path / f"autre-nom-{number}").read_bytes() == before[p]  # … the previous one as it was


@pytest.mark.skipif(not can_fork(), reason="pages are linked ahead by a forked process, on Linux")
def test_a_linking_ahead_that_fails_leaves_nothing_of_its_own(registry: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental, "SETTLED_NS", 0)
    out = tmp_path / "site"
    alone = registry / "partenaires" / "exemple-seul.yaml"  # named by no other entity
    alone.write_text(
        "id: exemple-seul\nnom: Exemple Seul\nstatut: actif\ntype: entreprise\nsecteur: aeronautique_spatial\n"
        "sites:\n  - {commune: Foix, departement: \"09\"}\nsources:\n  - titre: Données de test\n"
        "mis_a_jour: 2024-01-15\n", encoding="utf-8")
    _same_as_clean(registry, out, tmp_path / "propre-0")
    original = incremental.prelink

    def halfway(previous: Path, folder: Path, signatures: Any) -> Any:
        original(previous, folder, dict(list(signatures.items())[::2]))  # one page in two linked, then a failure
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(incremental, "prelink", halfway)
    _edit(registry / "partenaires" / "exemple-bois.yaml", "mis_a_jour: 2024-01-15", "mis_a_jour: 2024-02-01")
    alone.unlink()  # its pages, if linked ahead, must not stay
    _same_as_clean(registry, out, tmp_path / "propre-1", early=True)


def test_a_copy_of_eee_s_own_templates_beside_the_registry_is_eee_s_own(registry: Path, tmp_path: Path) -> None:
    import shutil

    from eee.settings import data_dir

    # eee's repository itself, with eee installed (not in editable mode): its templates/ beside registry/.
    shutil.copytree(data_dir("templates"), registry.parent / "templates")
    out = tmp_path / "site"
    first = _same_as_clean(registry, out, tmp_path / "propre-0")
    inodes = _same_as_clean(registry, out, tmp_path / "propre-1")
    assert inodes["partenaires/exemple-bois.html"] == first["partenaires/exemple-bois.html"]  # carried over
    # One of them changed: a template of the registry's repository, which may read anything of the site.
    _edit(registry.parent / "templates" / "html" / "_macros.html", "{% macro", "{# local #}\n{% macro")
    before, inodes = inodes, _same_as_clean(registry, out, tmp_path / "propre-2")
    assert inodes["partenaires/exemple-bois.html"] != before["partenaires/exemple-bois.html"]


def test_clean_option_of_eee_build(registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    assert cli(capsys, "build", "--registry", str(registry), "--out", str(out), "--sans-pdf")[0] == 0
    page = out / "partenaires" / "exemple-bois.html"
    before = page.stat().st_ino
    assert cli(capsys, "build", "--registry", str(registry), "--out", str(out), "--sans-pdf")[0] == 0
    assert page.stat().st_ino == before
    assert cli(capsys, "build", "--registry", str(registry), "--out", str(out), "--sans-pdf", "--clean")[0] == 0
    assert page.stat().st_ino != before


EDITS = st.lists(st.tuples(st.sampled_from(["nom", "statut", "lien", "supprime", "ajoute", "renomme"]),
                           st.integers(0, 1000)), min_size=1, max_size=4)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rounds=st.lists(EDITS, min_size=1, max_size=3))
def test_random_edits_give_the_clean_build(tmp_path_factory: pytest.TempPathFactory,
                                           rounds: list[list[tuple[str, int]]]) -> None:
    base = tmp_path_factory.mktemp("aleatoire")
    registry = copy_base(base / "registry")
    out = base / "site"
    _same_as_clean(registry, out, base / "propre-0")
    made = 0
    for number, edits in enumerate(rounds, 1):
        for what, n in edits:
            partners = sorted((registry / "partenaires").glob("*.yaml"))
            path = partners[n % len(partners)]
            entity_id = path.stem
            text = path.read_text(encoding="utf-8")
            if what == "nom":
                path.write_text(text.replace("\nnom: ", f"\nnom: {n} ", 1), encoding="utf-8")
            elif what == "statut" and "statut: actif" in text:
                path.write_text(text.replace("statut: actif", "statut: inactif", 1), encoding="utf-8")
            elif what == "lien":
                pft = registry / "pft" / "pft-exemple.yaml"
                pft.write_text(pft.read_text(encoding="utf-8").replace("partenaires: [", f"partenaires: [{entity_id}, ", 1)
                               if f"{entity_id}," not in pft.read_text(encoding="utf-8") else
                               pft.read_text(encoding="utf-8").replace(f"{entity_id}, ", "", 1), encoding="utf-8")
            elif what == "ajoute":
                made += 1
                new = f"ajout-{made}"
                (registry / "partenaires" / f"{new}.yaml").write_text(
                    text.replace(f"id: {entity_id}", f"id: {new}", 1), encoding="utf-8")
            elif what == "supprime" and entity_id.startswith("ajout-"):
                pft = registry / "pft" / "pft-exemple.yaml"
                pft.write_text(pft.read_text(encoding="utf-8").replace(f"{entity_id}, ", ""), encoding="utf-8")
                path.unlink()
            elif what == "renomme" and entity_id.startswith("ajout-"):
                made += 1
                apply(plan(registry, entity_id, f"ajout-{made}"))
        _same_as_clean(registry, out, base / f"propre-{number}")


def test_eee_serve_rebuilds_only_what_changed_and_clean_renders_the_first_build_whole(registry: Path,
                                                                                     tmp_path: Path) -> None:
    from eee.serve import Builder

    out = tmp_path / "site"
    assert Builder(registry, out, "registry").build() == []
    page = out / "partenaires" / "exemple-bois.html"
    first = page.stat().st_ino
    builder = Builder(registry, out, "registry", clean=True)
    assert builder.build() == []
    second = page.stat().st_ino
    assert second != first
    assert builder.build() == []  # then only what changed
    assert page.stat().st_ino == second


def _spy_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages of the previous site read (their digests worked out) before being carried over."""
    read: list[str] = []
    original = incremental._digest

    def spy(path: Any) -> Any:
        read.append(os.path.normpath(path))
        return original(path)

    monkeypatch.setattr(incremental, "_digest", spy)
    return read


def test_pages_known_by_their_signatures_are_carried_over_unread(registry: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental, "SETTLED_NS", 0)
    out = tmp_path / "site"
    model, _ = load(registry, check_schemas=False)
    build_site(model, out, generated=GENERATED, jobs=1)
    read = _spy_reads(monkeypatch)
    build_site(model, out, generated=GENERATED, jobs=1)
    assert read == []
    # A page changed by hand (the same size): its signature is not the one kept, it is read and rendered again.
    page = out / "partenaires" / "exemple-bois.html"
    right = page.read_bytes()
    page.write_bytes(right.replace(b"Exemple", b"Modifi\xc3\xa9"))
    build_site(model, out, generated=GENERATED, jobs=1)
    assert read == [str(out / "partenaires" / "exemple-bois.html")]
    assert page.read_bytes() == right
    # Without the cache (--no-cache): nothing kept, every page read.
    read.clear()
    build_site(model, out, generated=GENERATED, jobs=1, cache=False)
    assert len(read) > len(model.entities)


def test_what_a_build_keeps_is_ignored_unless_eee_wrote_it(registry: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental, "SETTLED_NS", 0)
    out = tmp_path / "site"
    model, _ = load(registry, check_schemas=False)
    build_site(model, out, generated=GENERATED, jobs=1)
    state = incremental.Memory(out.resolve(), "", read=False).path
    assert state is not None and state.parent.parent == Path(os.environ["EEE_CACHE_DIR"])
    raw = state.read_bytes()
    read = _spy_reads(monkeypatch)
    # Another MAC (the same values, made without the secret), damaged values, nothing.
    for forged in (bytes(SIGNED_MAC) + raw[SIGNED_MAC:], raw[:-1] + bytes([raw[-1] ^ 1]), b"",
                   raw[:10]):
        state.write_bytes(forged)
        read.clear()
        _same_as_clean(registry, out, tmp_path / f"propre-{len(forged)}")
        assert len(read) > len(model.entities)  # every page read again
    read.clear()
    build_site(model, out, generated=GENERATED, jobs=1)
    assert read == []  # the state written again by the build before


def test_the_coverage_alone_is_the_coverage_of_the_figures(registry: Path) -> None:
    from eee.render.context import coverage
    from eee.stats import stats

    model, _ = load(registry, check_schemas=False)
    assert coverage(model) == stats(model)["couverture"] != {}
    _edit(registry / "reseau.yaml", "effectifs_attendus:", "effectifs_attendus:\n  inconnu: 3\n  pft: true")
    model, _ = load(registry, check_schemas=False)
    assert coverage(model) == stats(model)["couverture"]


def test_only_the_summaries_next_to_a_changed_file_are_made_again(registry: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import eee.render.context as context

    out = tmp_path / "site"
    model, _ = load(registry, check_schemas=False)
    build_site(model, out, generated=GENERATED, jobs=1)
    made = _ids_made(monkeypatch, context, "entity_summary")
    build_site(model, out, generated=GENERATED, jobs=1)
    assert made == []  # nothing changed
    # A partner's name: its summary, those of the entities that name it (their rows show it) and of those it names.
    _edit(registry / "partenaires" / "exemple-bois.yaml", "nom: ", "nom: Scierie ")
    model, _ = load(registry, check_schemas=False)
    build_site(model, out, generated=GENERATED, jobs=1)
    citing = {ref.source.id for ref in model.referencing("exemple-bois")}
    assert citing and set(made) == {"exemple-bois"} | citing
    assert len(made) < len(model.entities) - 1


def test_the_states_of_the_folders_built_last_only_are_kept(registry: Path, tmp_path: Path) -> None:
    model, _ = load(registry, check_schemas=False)
    folder = Path(os.environ["EEE_CACHE_DIR"]) / incremental.STATE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    old = [folder / f"ancien-{n}{incremental.STATE_SUFFIX}" for n in range(incremental.STATES_KEPT + 2)]
    for n, path in enumerate(old):
        path.write_bytes(b"")
        os.utime(path, ns=(n, n))  # long ago
    other = folder / "autre-fichier"
    other.write_bytes(b"")
    build_site(model, tmp_path / "site", generated=GENERATED, jobs=1)
    state = incremental.Memory((tmp_path / "site").resolve(), "", read=False).path
    assert state is not None and state.is_file() and other.is_file()
    states = sorted(folder.glob("*" + incremental.STATE_SUFFIX))
    assert len(states) == incremental.STATES_KEPT
    assert not any(path.exists() for path in old[:3])  # the oldest
