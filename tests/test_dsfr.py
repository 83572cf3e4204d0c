"""The vendored DSFR (templates/themes/dsfr/static/dsfr/, made by scripts/dsfr.py): complete, nothing more, pinned."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VENDORED = REPO / "templates" / "themes" / "dsfr" / "static" / "dsfr"
THEME = REPO / "templates" / "themes" / "dsfr"


def script():
    spec = importlib.util.spec_from_file_location("dsfr_script", REPO / "scripts" / "dsfr.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def version() -> dict:
    return json.loads((VENDORED / "VERSION.json").read_text(encoding="utf-8"))


def test_the_version_is_the_one_the_script_pins(version):
    module = script()
    assert version["package"] == "@gouvfr/dsfr" == module.PACKAGE
    assert version["version"] == module.VERSION
    assert version["licence"] == "etalab-2.0"
    assert list(version["components"]) == list(module.COMPONENTS)
    assert re.fullmatch(r"[0-9a-f]{64}", version["archive_sha256"])


def test_exactly_the_files_listed_are_vendored(version):
    present = sorted(p.relative_to(VENDORED).as_posix() for p in VENDORED.rglob("*") if p.is_file())
    assert present == sorted(version["files"])


def test_every_file_the_stylesheet_names_exists_and_is_woff2_or_data():
    css = (VENDORED / "dsfr.min.css").read_text(encoding="utf-8")
    named = set(re.findall(r"""url\(["']?(?!data:)([^)"']+)["']?\)""", css))
    assert named, "the fonts are named"
    for name in named:
        assert name.endswith(".woff2"), name
        assert (VENDORED / name).is_file(), name
    fonts = {p.name for p in (VENDORED / "fonts").iterdir()}
    assert fonts == {Path(n).name for n in named}, "no font the stylesheet does not name"


def test_the_licence_and_its_restrictions_ship_with_it():
    text = (VENDORED / "LICENCE.md").read_text(encoding="utf-8")
    assert "etalab" in text.lower() or "Licence Ouverte" in text
    assert "modalités d'utilisation" in text  # the Marianne, the bloc-marque and the fonts: State websites only


def test_no_external_resource():
    """The site works offline: the vendored files and the theme's templates fetch nothing from the network."""
    for path in [VENDORED / "dsfr.min.css", THEME / "static" / "eee-dsfr.css", THEME / "_base.html"]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(?:url\(|src=|<link[^>]*href=)["']?(?:https?:)?//""", text), path


def test_the_script_builds_classic_scripts():
    """dsfr.min.js runs as a classic <script> (file:// refuses modules): no import or export at top level."""
    js = (VENDORED / "dsfr.min.js").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(?:import|export)\s", js, re.MULTILINE)
    assert js.startswith('(function () {\n"use strict";')
    assert "sourceMappingURL" not in js
