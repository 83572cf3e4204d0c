"""Random control, invisible and markup characters in every free text field of every kind, through every output.

Each example writes the test registry again with hostile texts in every field the schemas leave free (names,
descriptions, notes, titles, communes, fonctions…), adds to every entity a public contact, an internal
contact and internal notes, and then:

- texts holding a character the loader refuses (C0 and C1 controls written as escapes, hidden line breaks,
  bidirectional controls): `eee validate` says EEE-Y015 for each such file, and no command prints a control
  character;
- texts it accepts (tab, line feed, invisible characters inside values, every markup character): the site
  (HTML and Markdown directories, bilans), the CSV export, the queries and every format of `eee validate`
  keep their structure — the same tags, rows and cells as the same registry with plain texts —, carry no
  control character, and no public output holds a word of an internal contact or of internal notes.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eee.discovery import discover
from eee.kinds import KINDS
from eee.loader import SourceDoc, read_text
from eee.schema import SchemaSet
from eee.settings import schemas_dir
from eee.yamlwrite import dump

from .conftest import BASE, cli, copy_base

SCHEMAS = SchemaSet(schemas_dir())
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
REFUSED = "\x00\x01\x07\x08\x0b\x0c\r\x1b\x7f\x85\x9b\u2028\u2029\u202a\u202e\u2066"
INVISIBLE = "\u200b\u200d\u00ad\u200e\ufeff\u2060"
MARKUP = "<>&\"'`*_[]()|#~\\!=+-@:{}%$;,./ \t\n"
ACCEPTED = st.text(alphabet=st.sampled_from(list(INVISIBLE + MARKUP + "abcÉé19")), min_size=2, max_size=24) \
    .filter(lambda t: len(t.strip()) >= 2)  # some names must have two characters


def _free_text(node: Any) -> bool:
    node = SCHEMAS.annotations(node) if isinstance(node, dict) else {}
    return node.get("type") == "string" and not any(
        k in node for k in ("pattern", "enum", "format", "x-eee-ref", "x-eee-libelles"))


def _rewrite(data: Any, kind: str, pointer: tuple[Any, ...], texts: Callable[[], str]) -> Any:
    """The data with every free text value replaced by the next hostile text."""
    if isinstance(data, dict):
        return {k: _rewrite(v, kind, pointer + (k,), texts) for k, v in data.items()}
    if isinstance(data, list):
        return [_rewrite(v, kind, pointer + (i,), texts) for i, v in enumerate(data)]
    if isinstance(data, str) and pointer[:1] != ("id",) and _free_text(SCHEMAS.node_at(kind, pointer)):
        return texts()
    return data


def _hostile_registry(root: Path, public: list[str], secret: Callable[[int], str]) -> dict[str, str]:
    """Write the test registry with hostile texts into `root`; return the internal values, by file."""
    copy_base(root)
    cycle = iter(range(10**6))
    internal = {}
    for rel, kind in discover(root).files:
        data = read_text(SourceDoc(rel, kind), (root / rel).read_text(encoding="utf-8")).data
        data = _rewrite(data, kind.name, (), lambda: public[next(cycle) % len(public)])
        n = len(internal)
        data["description"] = public[n % len(public)]
        data["notes_internes"] = secret(2 * n)
        data["contacts"] = [{"nom": public[(n + 1) % len(public)], "fonction": public[(n + 2) % len(public)],
                             "visibilite": "publique"},
                            {"nom": secret(2 * n + 1), "fonction": "chargée de mission", "visibilite": "interne"}]
        internal[rel] = data["notes_internes"]
        (root / rel).write_text(dump(data), encoding="utf-8")
    return internal


class _Tags(HTMLParser):
    """The sequence of tags and attribute names of a page (its structure, not its text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag + "".join(sorted(f" {name}" for name, _ in attrs)))
        for name, value in attrs:
            assert not (name == "href" and value and value.strip().lower().startswith(("javascript:", "data:")))

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)


def _html_structure(text: str) -> list[str]:
    parser = _Tags()
    parser.feed(text)
    return parser.tags


def _markdown_structure(text: str) -> list[str]:
    from markdown_it import MarkdownIt  # comes with rich

    return [f"{t.type}:{t.tag}" for t in MarkdownIt("commonmark").enable("table").parse(text)
            if t.type not in ("inline", "text")]


def _site(capsys: pytest.CaptureFixture[str], root: Path, out: Path) -> dict[str, str]:
    code, _, err = cli(capsys, "-r", str(root), "build", "--out", str(out), "--jobs", "1", "--no-cache")
    assert code == 0, err
    code, _, err = cli(capsys, "-r", str(root), "export", "csv", "--out", str(out / "csv"))
    assert code == 0, err
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in sorted(out.rglob("*"))
            if p.is_file() and p.suffix in (".html", ".md", ".csv")}


def _structure(name: str, text: str) -> Any:
    if name.endswith(".html"):
        return _html_structure(text)
    if name.endswith(".md"):
        return _markdown_structure(text)
    rows = list(csv.reader(io.StringIO(text)))
    return [len(row) for row in rows]


PLAIN = ["texte ordinaire"]
# The structure of the same registry with plain texts, worked out once.
_BASELINE: dict[str, Any] = {}


def _baseline(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    if not _BASELINE:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder) / "registry"
            _hostile_registry(root, PLAIN, lambda n: f"secret{n}")
            _BASELINE.update({name: _structure(name, text)
                              for name, text in _site(capsys, root, Path(folder) / "site").items()})
    return _BASELINE


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(public=st.lists(ACCEPTED, min_size=3, max_size=6), hidden=ACCEPTED)
def test_accepted_hostile_texts_keep_every_output_whole(capsys: pytest.CaptureFixture[str], public: list[str],
                                                       hidden: str) -> None:
    baseline = _baseline(capsys)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "registry"
        internal = _hostile_registry(root, public, lambda n: f"Zsecret{n}q {hidden}")
        code, out, err = cli(capsys, "-r", str(root), "validate", "--no-cache")
        assert code == 0, out
        site = _site(capsys, root, Path(folder) / "site")
        assert set(site) == set(baseline)
        for name, text in site.items():
            assert CONTROL.search(text) is None, name
            assert _structure(name, text) == baseline[name], name
            assert not re.search(r"Zsecret\d+q", text), (name, "an internal value was published")
            if name.endswith(".csv"):
                for row in csv.reader(io.StringIO(text)):
                    assert not [cell for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], (name, row)
        assert len(internal) == len(discover(root).files)
        for args in (["list", "partenaires"], ["list", "actions", "--format", "csv"], ["show", "exemple-aero"],
                     ["search", "texte", "ordinaire"], ["stats"], ["tree"], ["validate", "--format", "parsable"]):
            code, out, err = cli(capsys, "-r", str(root), *args)
            assert code in (0, 1) and "erreur interne" not in err
            assert CONTROL.search(out) is None and CONTROL.search(err) is None, args


REFUSING = st.text(alphabet=st.sampled_from(list(REFUSED + INVISIBLE + "ab<&")), min_size=1, max_size=12) \
    .filter(lambda t: any(c in REFUSED for c in t))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(public=st.lists(REFUSING, min_size=1, max_size=3))
def test_refused_characters_are_reported_and_never_printed(capsys: pytest.CaptureFixture[str],
                                                           public: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "registry"
        _hostile_registry(root, public, lambda n: f"secret{n}")
        code, out, err = cli(capsys, "-r", str(root), "validate", "--no-cache", "--format", "parsable")
        assert code == 1
        refused = {line.split(":", 1)[0] for line in out.splitlines() if line.endswith("(EEE-Y015)")}
        assert refused == {str(root / rel) for rel, _ in discover(root).files}
        for args in (["validate"], ["validate", "--format", "github"], ["list", "partenaires"], ["stats"],
                     ["search", "exemple"], ["tree"]):
            code, out, err = cli(capsys, "-r", str(root), *args)
            assert code in (0, 1) and "erreur interne" not in err, (args, err)
            assert CONTROL.search(out) is None and CONTROL.search(err) is None, args


def test_every_kind_has_free_text_to_attack() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "registry"
        _hostile_registry(root, ["X"], lambda n: f"s{n}")
        kinds = {kind.name for _, kind in discover(root).files}
    assert kinds == set(KINDS) and BASE.is_dir()
