"""Property-based tests: whatever the bytes or the document, problems or success, never an exception."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eee.kinds import KINDS
from eee.loader import SourceDoc, read_text
from eee.rules import run as run_rules
from eee.schema import SchemaSet
from eee.settings import schemas_dir
from eee.validate import load, run

from .conftest import copy_base

SCHEMAS = SchemaSet(schemas_dir())
KEYS = sorted({key for kind in KINDS.values() for key in SCHEMAS.property_names(kind.name, ())}
              | {"etablissement", "partenaire", "categorie", "nombre", "code", "champ", "titre"})
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(["0312686b", "2022-2023", "09", "actif", "exemple-aero", "clee-ariege",
                                           "0312686B", "2023-02-30", "eleves", "toulouse", "co_animation.partenaire"]),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=6),
    ),
    max_leaves=25,
)


@given(st.binary(max_size=300))
@SETTINGS
def test_loader_never_raises_on_bytes(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        from eee.loader import load_file

        Path(tmp, "f.yaml").write_bytes(raw)
        doc = load_file(Path(tmp), "f.yaml", None)
        assert doc.ok or doc.problems


@given(st.text(max_size=200))
@SETTINGS
def test_loader_never_raises_on_text(text: str) -> None:
    doc = read_text(SourceDoc("f.yaml", None), text)
    assert doc.ok or doc.problems
    for problem in doc.problems:
        assert problem.line >= 0 and problem.column >= 0 and problem.message


def _registry() -> Path:
    return copy_base(Path(tempfile.mkdtemp()) / "registry")


ROOT = _registry()
TARGETS = ["clee/clee-ales.yaml", "partenaires/exemple-bois.yaml", "actions/2022-2023/visites-exemple.yaml",
           "etablissements/0312686b.yaml", "reseau.yaml", "evenements/2022-2023/rencontre-exemple.yaml",
           "cmq/cmq-aeronautique-spatial.yaml"]


@given(st.sampled_from(TARGETS), documents)
@SETTINGS
def test_validator_never_raises_on_any_document(target: str, data: Any) -> None:
    path = ROOT / target
    original = path.read_bytes()
    try:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        report = run(ROOT)
        assert report.exit_code() in (0, 1)
        for problem in report.problems:
            assert problem.message and problem.code.startswith("EEE-")
    finally:
        path.write_bytes(original)


@given(st.sampled_from(TARGETS), st.binary(max_size=200))
@SETTINGS
def test_validator_never_raises_on_any_bytes(target: str, raw: bytes) -> None:
    path = ROOT / target
    original = path.read_bytes()
    try:
        path.write_bytes(raw)
        registry, report = load(ROOT)
        report.extend(run_rules(registry))
        assert report.exit_code() in (0, 1)
    finally:
        path.write_bytes(original)


def _agree(kind: str, data: Any) -> None:
    """The quick verdict (validity.py) must never call valid what jsonschema refuses; and, on the
    values a YAML file gives, it must not be unsure either (each doubt costs jsonschema's time)."""
    quick = SCHEMAS._quick[kind](data)
    assert quick == SCHEMAS._validators[kind].is_valid(data), (kind, data, quick)


@given(st.sampled_from(sorted(KINDS)), documents)
@SETTINGS
def test_the_quick_verdict_agrees_with_jsonschema(kind: str, data: Any) -> None:
    _agree(kind, data)


@given(st.sampled_from(sorted(KINDS)), st.fixed_dictionaries({}, optional={
    key: st.one_of(scalars, st.lists(scalars, max_size=3)) for key in KEYS}))
@SETTINGS
def test_the_quick_verdict_agrees_on_documents_with_known_keys(kind: str, data: Any) -> None:
    _agree(kind, data)


def _real_documents() -> list[tuple[str, dict[str, Any]]]:
    from eee.settings import shipped_registry

    found = []
    for root in (ROOT, shipped_registry()):
        model, _ = load(root, check_schemas=False)
        found += [(e.kind.name, e.data) for e in model]
    return found


REAL = _real_documents()


def _leaves(value: Any, pointer: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [pointer] if pointer else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _leaves(item, pointer + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _leaves(item, pointer + (index,))
    return out


def test_the_quick_verdict_agrees_on_every_real_document() -> None:
    assert REAL
    for kind, data in REAL:
        _agree(kind, data)


@given(st.integers(0, len(REAL) - 1), st.integers(0, 10_000), st.one_of(scalars, st.lists(scalars, max_size=2)))
@SETTINGS
def test_the_quick_verdict_agrees_on_real_documents_with_one_value_changed(which: int, where: int, value: Any) -> None:
    import copy

    kind, original = REAL[which]
    data = copy.deepcopy(original)
    pointers = _leaves(data)
    pointer = pointers[where % len(pointers)]
    target = data
    for part in pointer[:-1]:
        target = target[part]
    target[pointer[-1]] = value
    _agree(kind, data)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("ab é-+=#1.)~\t\n\r\x0b\x85\u2028&<>\\`*_[]|")), max_size=20)
       | st.text(max_size=20))
def test_markdown_escaping_skips_only_texts_with_nothing_to_escape(text: str) -> None:
    """md_escape looks for the characters it escapes, and at the first one, before changing anything: the same
    result as translating and looking at the start always."""
    from eee.markdown import _MD_ENTITY, _MD_ESCAPES, _MD_LINE_START, _line_start, md_escape

    escaped = _MD_ENTITY.sub(r"\\&", text.translate(_MD_ESCAPES))
    expected = _MD_LINE_START.sub(_line_start, escaped.lstrip(" \t"), count=1)
    assert md_escape(text) == expected


beneficiary = st.fixed_dictionaries({}, optional={
    "categorie": st.sampled_from(["eleves", "enseignants", "parents", 3]),
    "nombre": st.one_of(st.integers(0, 500), st.booleans(), st.text(max_size=2), st.none()),
    "precision": st.sampled_from(["exact", "au_moins", "environ"]),
})


@SETTINGS
@given(st.lists(st.one_of(beneficiary, st.integers(), st.text(max_size=3)), max_size=6))
def test_an_actions_beneficiaries_are_as_certain_as_its_lines(items: list[Any]) -> None:
    """query.beneficiaries (which the summaries, stats and lists read): the numbers of a category's lines, a
    minimum or an approximation when one of them says so; unknown — never 0 — when the action gives no line
    at all; nothing to add when it counts other categories only."""
    from eee.bilan import CATEGORIES
    from eee.model import Entity
    from eee.query import beneficiaries

    doc = SourceDoc("actions/2023-2024/a.yaml", KINDS["action"], data={"id": "a", "beneficiaires": items})
    action = Entity(KINDS["action"], "a", doc, True)
    lines = [b for b in items if isinstance(b, dict)]
    for category in CATEGORIES:
        count = beneficiaries(action, category)
        mine = [b for b in lines if b.get("categorie") == category and type(b.get("nombre")) is int]
        if not lines:
            assert count.value is None and count.missing == 1 and count.text() == "non renseigné"
            continue
        assert count.missing == 0
        assert count.value == (sum(b["nombre"] for b in mine) if mine else None)
        assert count.minimum == any(b.get("precision") == "au_moins" for b in mine)
        assert count.approximate == any(b.get("precision") == "environ" for b in mine)
