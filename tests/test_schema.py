"""The schemas as data (titles, vocabularies) and the French messages made from them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eee.schema import SchemaSet
from eee.schemacheck import HANDLED_KEYWORDS
from eee.settings import schemas_dir
from eee.validate import run

from .conftest import BASE, write_files

SCHEMAS = SchemaSet(schemas_dir())
KEYWORDS_OF_STRUCTURE = {"$schema", "$defs", "$ref", "title", "description", "properties", "items", "default",
                         "x-eee-libelles", "x-eee-academie", "x-eee-ref", "x-eee-web"}


def _nodes(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _nodes(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _nodes(value, f"{path}/{i}")


@pytest.mark.parametrize("name", sorted(SCHEMAS.schemas))
def test_every_property_has_a_french_title_and_description(name: str) -> None:
    for path, node in _nodes(SCHEMAS.schemas[name]):
        for prop, sub in (node.get("properties") or {}).items():
            merged = SCHEMAS.annotations(sub)
            assert merged.get("title") and merged.get("description"), f"{name}{path}/{prop}"


@pytest.mark.parametrize("name", sorted(SCHEMAS.schemas))
def test_schemas_use_only_keywords_with_precise_messages(name: str) -> None:
    for path, node in _nodes(SCHEMAS.schemas[name]):
        if path.endswith(("/properties", "/x-eee-libelles", "/x-eee-academie", "/$defs")):
            continue
        unknown = set(node) - HANDLED_KEYWORDS - KEYWORDS_OF_STRUCTURE
        assert not unknown, f"{name}{path}: {unknown}"


def test_kind_schemas_refer_only_to_common() -> None:
    for name, schema in SCHEMAS.schemas.items():
        for _, node in _nodes(schema):
            ref = node.get("$ref")
            if ref and name != "common.schema.json":
                assert ref.startswith("common.schema.json#/$defs/"), (name, ref)


def test_every_vocabulary_value_has_a_label() -> None:
    for name, node in SCHEMAS.vocabularies.items():
        assert set(node["enum"]) == set(node.get("x-eee-libelles", {})), name


def test_schemas_are_valid_json_schema_2020_12() -> None:
    import jsonschema

    for name, schema in SCHEMAS.schemas.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"].endswith("2020-12/schema"), name


def test_references_are_found_through_the_schema() -> None:
    data = {"membres": {"etablissements": ["0090015t"], "partenaires": ["a", "b"]}, "co_animation":
            {"partenaire": {"partenaire": "a"}}, "etablissement_siege": "0090015t"}
    refs = sorted((p, t) for p, t, _ in SCHEMAS.references("clee", data))
    assert refs == [
        (("co_animation", "partenaire", "partenaire"), "a"),
        (("etablissement_siege",), "0090015t"),
        (("membres", "etablissements", 0), "0090015t"),
        (("membres", "partenaires", 0), "a"),
        (("membres", "partenaires", 1), "b"),
    ]


PARTNER = "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\nmis_a_jour: 2024-01-15\n"
CMQ = ("id: cmq-aeronautique-spatial\nnom: Campus Aéro\nstatut: actif\nacademie: toulouse\n"
       "secteur: aeronautique_spatial\nmis_a_jour: 2024-01-15\n")


@pytest.mark.parametrize(
    "path, text, code, position, in_message, in_hint",
    [
        ("partenaires/exemple-bois.yaml", PARTNER + "sirne: '123456782'\n", "EEE-S001", (6, 1), "sirne", "siren"),
        ("partenaires/exemple-bois.yaml", PARTNER.replace("statut: actif\n", ""), "EEE-S002", (1, 1), "statut", "statut"),
        ("cmq/cmq-aeronautique-spatial.yaml", CMQ + "label:\n  excellence: oui\n", "EEE-S003", (8, 15),
         "true ou false", "true ou false"),
        ("cmq/cmq-aeronautique-spatial.yaml", CMQ + "label:\n  excellence: NO\n", "EEE-S003", (8, 15), "« NO »",
         "true ou false"),
        ("cmq/cmq-aeronautique-spatial.yaml", CMQ + "departements: [9]\n", "EEE-S003", (7, 16), "nombre 9", "guillemets"),
        ("cmq/cmq-aeronautique-spatial.yaml", CMQ + "departements: [\"09\", \"99\"]\n", "EEE-S004", (7, 22), "99",
         "Ariège"),
        ("partenaires/exemple-bois.yaml", PARTNER.replace("2024-01-15", "2023-02-30"), "EEE-S005", (5, 13),
         "2023-02-30", "n'existe pas"),
        ("partenaires/exemple-bois.yaml", PARTNER.replace("2024-01-15", "5/4/2023"), "EEE-S005", (5, 13),
         "5/4/2023", "AAAA-MM-JJ : 2023-04-05"),
        # A French date that is not in the calendar: the hint must not offer an ISO date that is not either.
        ("partenaires/exemple-bois.yaml", PARTNER.replace("2024-01-15", "31/02/2023"), "EEE-S005", (5, 13),
         "31/02/2023", "le 31/02/2023 n'existe pas dans le calendrier"),
        ("partenaires/exemple-bois.yaml", PARTNER.replace("statut: actif", "statut: réalisé"), "EEE-S004", (3, 9),
         "réalisé", "actif"),
        ("partenaires/exemple-bois.yaml", PARTNER + "sites:\n  - commune: Foix\n    code_postal: 09000\n", "EEE-S001",
         (8, 5), "code_postal", ""),
    ],
)
def test_schema_messages(registry: Path, path: str, text: str, code: str, position: tuple[int, int],
                         in_message: str, in_hint: str) -> None:
    write_files(registry, {path: text})
    found = [p for p in run(registry).problems if p.path == path and p.code.startswith("EEE-S")]
    assert [(p.code, (p.line, p.column)) for p in found] == [(code, position)]
    assert in_message in found[0].message
    assert in_hint in found[0].hint


def test_beneficiaries_must_be_non_negative_integers(registry: Path) -> None:
    action = (registry / "actions/2022-2023/visites-exemple.yaml").read_text(encoding="utf-8")
    for bad, code, hint in (("-3", "EEE-S006", "négatif"), ("'25'", "EEE-S003", "sans guillemets"),
                            ("12.5", "EEE-S003", "entier")):
        write_files(registry, {"actions/2022-2023/visites-exemple.yaml": action.replace("nombre: 25", f"nombre: {bad}")})
        found = [p for p in run(registry).problems if p.code.startswith("EEE-S")]
        assert [(p.code, p.line) for p in found] == [(code, 16)], bad
        assert hint in found[0].hint


def test_schema_json_is_parsed_once_per_set() -> None:
    # Loading the schemas does not import jsonschema: validators are built on first check.
    fresh = SchemaSet(schemas_dir())
    assert "_validators" not in fresh.__dict__
    assert json.loads((schemas_dir() / "common.schema.json").read_text(encoding="utf-8"))["$defs"]


def test_a_departement_with_a_leading_zero_stays_text(registry: Path) -> None:
    # « 09 » unquoted is not a number with a leading zero: it stays the text "09".
    write_files(registry, {"cmq/cmq-aeronautique-spatial.yaml": CMQ + "departements: [09, \"31\"]\n"})
    assert not [p for p in run(registry).problems if p.code.startswith("EEE-S")]


@pytest.mark.parametrize("change, valid", [
    ({"mis_a_jour": "2023-02-30"}, False), ({"mis_a_jour": "2024-02-29"}, True), ({"siren": 123456782}, False),
    ({"etiquettes": ["a", "a"]}, False), ({"nom": True}, False), ({"statut": "Actif"}, False),
])
def test_quick_verdict_edge_cases(change: dict, valid: bool) -> None:
    data = {"id": "x", "nom": "Exemple", "statut": "actif", "type": "entreprise", "mis_a_jour": "2024-01-15", **change}
    assert SCHEMAS._quick["partenaire"](data) is valid
    assert SCHEMAS._validators["partenaire"].is_valid(data) is valid


def test_hints_for_values_that_need_only_folding(registry: Path) -> None:
    write_files(registry, {"partenaires/exemple-bois.yaml": PARTNER + "a_completer:\n  - champ: sirène\n",
                           "cmq/cmq-aeronautique-spatial.yaml": CMQ + "label:\n  annee: 2016\n"})
    found = [p for p in run(registry).problems if p.path == "partenaires/exemple-bois.yaml"]
    assert [(p.code, p.hint) for p in found if p.code.startswith("EEE-S")] == [
        ("EEE-S005", "sans majuscule, accent ni espace, la valeur est valide : « sirene »")]
    assert "EEE-R033" not in {p.code for p in found}  # one mistake, one problem


def test_a_longer_word_suggests_the_code() -> None:
    from eee.suggest import closest

    assert closest("3eme", ["3e", "4e", "cap"]) == "3e"


@pytest.mark.parametrize("schema, value, valid", [
    ({}, {"any": ["thing"]}, True),
    ({"minimum": 1}, 0, False), ({"minimum": 1}, 2.5, True), ({"minimum": 1}, "text", True),
    ({"required": ["a"]}, {}, False), ({"required": ["a"]}, ["a"], True),
    ({"items": {"type": "integer"}}, [1, 2.0], True), ({"items": {"type": "integer"}}, [1, 2.5], False),
    ({"enum": ["a", "b"]}, "b", True), ({"enum": ["a", "b"]}, "c", False),
])
def test_quick_verdict_of_a_schema_without_type(schema: dict, value: Any, valid: bool) -> None:
    # A node without `type` constrains every type by its other keywords (it used to raise UnboundLocalError).
    import jsonschema

    from eee.validity import compile_schema

    assert compile_schema(schema)(value) is valid
    assert jsonschema.Draft202012Validator(schema).is_valid(value) is valid


ACTION = "actions/2022-2023/visites-exemple.yaml"
SCHOOL = "etablissements/0312686b.yaml"


@pytest.mark.parametrize("path, old, new, position, hint", [
    ("partenaires/exemple-bois.yaml", "id: exemple-bois", 'id: "abc\\n"', (1, 5), "valide : « abc »"),
    (ACTION, "annee_scolaire: 2022-2023", 'annee_scolaire: "2022-2023\\n"', (5, 17), "valide : « 2022-2023 »"),
    (SCHOOL, "uai: 0312686B", 'uai: "0312686B\\n"', (4, 6), "valide : « 0312686B »"),
    # Upper case would fix it, but not with the newline: no hint offers « 2A004\n » as valid.
    (SCHOOL, "commune: Blagnac", 'commune: Blagnac\ncode_commune: "2a004\\n"', (8, 15), "Code officiel"),
])
def test_a_final_newline_does_not_meet_an_anchored_pattern(registry: Path, path: str, old: str, new: str,
                                                           position: tuple[int, int], hint: str) -> None:
    # Schema patterns are ECMA-262: `$` is the end of the text (in Python it also matches before a final newline).
    text = (registry / path).read_text(encoding="utf-8")
    assert old in text
    write_files(registry, {path: text.replace(old, new)})
    found = [p for p in run(registry).problems if p.path == path and p.code.startswith("EEE-S")]
    assert [(p.code, (p.line, p.column)) for p in found] == [("EEE-S005", position)]
    assert hint in found[0].hint and "\n" not in found[0].hint


@pytest.mark.parametrize("kind, change", [
    ("partenaire", {"id": "abc\n"}), ("partenaire", {"siren": "123456782\n"}),
    ("partenaire", {"mis_a_jour": "2024-01-15\n"}), ("partenaire", {"site_web": "https://exemple.fr/\ufeff"}),
    ("action", {"annee_scolaire": "2022-2023\n"}), ("etablissement", {"uai": "0312686B\n"}),
])
def test_both_verdicts_refuse_a_final_newline(kind: str, change: dict) -> None:
    from eee.loader import SourceDoc, read_text

    file = {"partenaire": "partenaires/exemple-bois.yaml", "action": ACTION, "etablissement": SCHOOL}[kind]
    base = read_text(SourceDoc(file, None), (BASE / file).read_text(encoding="utf-8")).data
    assert SCHEMAS._quick[kind](base) is True and SCHEMAS._validators[kind].is_valid(base)
    data = {**base, **change}
    assert SCHEMAS._quick[kind](data) is False
    assert SCHEMAS._validators[kind].is_valid(data) is False


@pytest.mark.parametrize("dialect", ["http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-07/schema",
                                     "http://localhost:1234/draft2020-12/metaschema-no-validation.json", 7])
def test_another_dialect_is_left_to_jsonschema(dialect: Any) -> None:
    # For draft 4, 1.0 is not an integer: what the keywords mean depends on $schema.
    from eee.validity import Unsupported, compile_schema

    with pytest.raises(Unsupported):
        compile_schema({"$schema": dialect, "type": "integer"})
    with pytest.raises(Unsupported):
        compile_schema({"properties": {"n": {"$schema": dialect, "type": "integer"}}})
    assert compile_schema({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "integer"})(1.0)
