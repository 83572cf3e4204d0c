"""The query index (eee/index.py) answers every query as the whole model does: the same rows, figures, tree,
relations and hits, in the same order, with the same scores; after edits, renames and deletions too; and it is
rebuilt, never trusted, when its values in the cache are damaged, foreign or old."""

from __future__ import annotations

import io
import json
import random
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eee import filecheck, index, present
from eee.cache import Store
from eee.index import FACTS, WORD_SHARDS, open_index
from eee.kinds import KINDS
from eee.model import Registry
from eee.query import COLUMNS, Filters, departements_of, facts_of, kind_named, normalize, select
from eee.rename import apply, plan
from eee.search import find_entity, search
from eee.stats import stats, tree
from eee.validate import load

from .conftest import REPO, copy_base, write_files

SETTLED_NS = filecheck.SETTLED_NS


@pytest.fixture(autouse=True)
def _settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test are taken as settled at once: their stat signatures are trusted, as those of files
    left alone for two seconds are (else every query would read every file of these new registries again)."""
    monkeypatch.setattr(filecheck, "SETTLED_NS", 0)


def _whole(root: Path) -> Registry:
    return load(root, check_schemas=False, cache=False)[0]


def _words(model: Registry, rng: random.Random, count: int) -> list[str]:
    """Words to search for: from names and texts, some with a typo, some two at a time, one absent."""
    texts = sorted({w for e in model for w in normalize(e.nom).split() if len(w) > 2})
    picked = rng.sample(texts, min(count, len(texts)))
    asked = list(picked)
    for word in picked[: count // 2]:
        if len(word) >= 6:
            i = rng.randrange(1, len(word) - 1)
            asked.append(word[:i] + ("a" if word[i] != "a" else "e") + word[i + 1:])  # a typo
        asked.append(word[:4])  # a beginning
    asked += [" ".join(picked[i:i + 2]) for i in range(0, min(len(picked), 6), 2)]
    asked += ["lycée", "collège Jean", "zzzzzz", "entreprises"]
    return asked


def questions(model: Registry, seed: int) -> list[tuple[str, ...]]:
    """Command lines of every kind of query on a registry: lists of each kind, sorted on each column and filtered,
    figures of each year, the tree, entities shown, ids that are not there, words searched."""
    rng = random.Random(seed)
    asked: list[tuple[str, ...]] = [("stats", "--format", "json"), ("stats",), ("tree", "--format", "json")]
    present_kinds = [k for k in KINDS.values() if model.of_kind(k.name)]
    for kind in present_kinds:
        asked.append(("list", kind.name, "--format", "json"))
        asked += [("list", kind.name, "--format", "json", "--tri", f"-{c.key}")
                  for c in rng.sample(COLUMNS[kind.name], 2)]
        entities = model.of_kind(kind.name)
        for entity in rng.sample(entities, min(2, len(entities))):
            asked += [("list", kind.name, "--departement", dep) for dep in departements_of(model, entity)[:1]]
            for ref in model.referencing(entity.id)[:1]:
                if ref.source.kind.name in ("partenariat", "action", "evenement", "club"):
                    asked.append(("list", ref.source.kind.name, "--partenaire", entity.id, "--format", "json"))
            facts = facts_of(model, entity)
            if facts.statut:
                asked.append(("list", kind.name, "--statut", facts.statut, "--format", "json"))
            if facts.type and kind.name not in ("club", "clee", "reseau"):
                asked.append(("list", kind.name, "--type", facts.type, "--format", "json"))
            asked += [("list", kind.name, "--membre", member) for member in facts.membres if member in model.entities][:1]
    asked += [("list", "etablissement", "--academie", academie, "--format", "json")
              for academie in ("toulouse", "montpellier")]
    for year in sorted({e.get("annee_scolaire") for e in model if isinstance(e.get("annee_scolaire"), str)}):
        asked += [("stats", "--annee", year, "--format", "json"), ("list", "action", "--annee", year)]
    everything = sorted(model.entities)
    for entity_id in rng.sample(everything, min(6, len(everything))):
        asked += [("show", entity_id), ("show", entity_id.upper(), "--format", "json")]
    asked += [("show", "clee-arieg"), ("show", "lycee-inconnu-quelque-part")]
    for words in _words(model, rng, 6):
        asked += [("search", *words.split(), "--format", "json"), ("search", *words.split()),
                  ("search", *words.split(), "--type", "etablissement", "--type", "action", "--format", "json")]
    return asked


def whole_answer(model: Registry, question: tuple[str, ...]) -> tuple[int, str]:
    """What a query gives from the whole model, without the index: (exit code, output)."""
    from eee.errors import EeeError

    command, *rest = question
    fmt = rest[rest.index("--format") + 1] if "--format" in rest else ("text" if command != "list" else "table")
    stream = io.StringIO()
    option = {name: rest[i + 1] for i, name in enumerate(rest) if name.startswith("--")}
    if command == "list":
        filters = Filters(*([option[name]] if name in option else [] for name in (
            "--departement", "--academie", "--annee", "--statut", "--type", "--partenaire", "--membre")))
        present.table(select(model, kind_named(rest[0]), filters, [option["--tri"]] if "--tri" in option else None),
                      model, stream, fmt)
    elif command == "stats":
        present.stats(stats(model, option.get("--annee")), model.schemas, stream, fmt)
    elif command == "tree":
        present.tree(tree(model), stream, fmt)
    elif command == "show":
        try:
            present.show(model, find_entity(model, rest[0]), stream, fmt)
        except EeeError as exc:
            return 1, f"{exc}\n{exc.hint}"
    else:
        words = [w for w in rest if not w.startswith("--") and w not in ("json", "etablissement", "action")]
        kinds = [kind_named("etablissement"), kind_named("action")] if "--type" in option else None
        found = search(model, " ".join(words), kinds)
        present.hits(found, stream, "json" if fmt == "json" else "table", model)
        return (0 if found else 1), stream.getvalue()
    return 0, stream.getvalue()


def same_answers(root: Path, capsys: pytest.CaptureFixture[str], seed: int = 0, share: float = 1.0) -> None:
    """The commands answer from the index as the whole model does, question by question (a `share` of them,
    drawn); and searches give the same scores, unrounded."""
    from eee.errors import EeeError

    from .conftest import cli

    model = _whole(root)
    asked = questions(model, seed)
    for question in random.Random(seed).sample(asked, round(len(asked) * share)):
        code, out, err = cli(capsys, *question, "-r", str(root))
        expected_code, expected = whole_answer(model, question)
        if question[0] == "show" and expected_code:
            assert code == 1 and all(part in err for part in expected.split("\n")), question
        else:
            assert (code, out) == (expected_code, expected), question
    indexed = open_index(root)
    for words in _words(model, random.Random(seed), 6):
        for kinds in (None, [kind_named("etablissement"), kind_named("action")]):
            for limit in (50, 3):
                ours, theirs = (search(source, words, kinds, limit) for source in (indexed, model))
                assert [(h.entity.id, h.score, h.field, h.text, h.approximate) for h in ours] == \
                    [(h.entity.id, h.score, h.field, h.text, h.approximate) for h in theirs], words
    for wrong in ("clee-arieg", "lycee inconnu quelque part"):
        with pytest.raises(EeeError) as ours_error:
            find_entity(indexed.model(), wrong, indexed)
        with pytest.raises(EeeError) as theirs_error:
            find_entity(model, wrong)
        assert (str(ours_error.value), ours_error.value.hint) == (str(theirs_error.value), theirs_error.value.hint)
    # The facts lists and figures read, as the whole model gives them, file by file.
    assert indexed.facts() == [facts_of(model, entity) for entity in model]
    # Nothing stale in the words: each names files of the registry, each of which has that word.
    numbers = indexed.numbers()
    paths = {number: path for path, number in numbers.items()}
    assert set(numbers) == {e.path for e in indexed.model()}
    occurrences = indexed.occurrences(indexed.vocabulary())
    for word in indexed.vocabulary():
        files = occurrences[word][0]
        assert files and all(number in paths for number in files), word


@pytest.mark.parametrize("folder", ["registry", "tests/cases/base"])
def test_the_index_answers_as_the_whole_model_on_the_shipped_registries(folder: str, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "copie"
    import shutil

    shutil.copytree(REPO / folder, root, ignore=shutil.ignore_patterns("README.md"))
    same_answers(root, capsys)
    same_answers(root, capsys, seed=1)  # a second query: the index as kept in the cache this time


@pytest.mark.parametrize("seed", [3])
def test_the_index_answers_as_the_whole_model_on_generated_registries(seed: int, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "genere"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "generate.py"), "-n", "150", "--seed", str(seed),
                    "--out", str(root), "-q"], check=True)
    same_answers(root, capsys, seed)
    same_answers(root, capsys, seed + 1)


PARTNER = """id: {id}
nom: {nom}
statut: actif
type: entreprise
secteur: industrie
description: Partenaire ajouté par le test, industrie aéronautique et collège.
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
"""

EDITS = st.lists(st.sampled_from(["add", "rename-name", "delete", "rename-id", "break", "move-dep", "touch"]),
                 min_size=1, max_size=4)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS, settled=st.booleans(), seed=st.integers(0, 1000))
def test_the_index_follows_edits_renames_and_deletions(edits: list[str], settled: bool, seed: int, tmp_path_factory: Any,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Between two queries, files are added, changed, renamed, broken or deleted: the answers stay the whole
    model's. `settled`: stat signatures are trusted at once (else files written within 2 s are read again)."""
    if not settled:
        monkeypatch.setattr(filecheck, "SETTLED_NS", SETTLED_NS)
    root = copy_base(tmp_path_factory.mktemp("edits") / "registry")
    rng = random.Random(seed)
    same_answers(root, capsys, seed, 0.2)
    for number, edit in enumerate(edits):
        files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.yaml") if p.name != "reseau.yaml")
        target = rng.choice(files)
        if edit == "add":
            write_files(root, {f"partenaires/ajout-{number}.yaml": PARTNER.format(id=f"ajout-{number}",
                                                                                   nom=f"Ajout {number} Aéro")})
        elif edit == "rename-name":
            text = (root / target).read_text(encoding="utf-8")
            (root / target).write_text(text.replace("\nnom: ", f"\nnom: Renommé {number} ", 1), encoding="utf-8")
        elif edit == "delete":
            (root / target).unlink()
        elif edit == "rename-id":
            model = _whole(root)
            entity = next((e for e in model if e.path == target), None)
            if entity is not None and model.entities.get(entity.id) is entity and entity.kind.name not in (
                    "etablissement", "reseau"):  # a school's id is its UAI
                apply(plan(root, entity.id, f"{entity.id}-bis"))
        elif edit == "break":
            (root / target).write_text("nom: [pas fermé\n", encoding="utf-8")
        elif edit == "move-dep":
            text = (root / target).read_text(encoding="utf-8")
            (root / target).write_text(text.replace('departement: "30"', 'departement: "48"'), encoding="utf-8")
        else:  # the same bytes written again: a new signature, the same content
            (root / target).write_bytes((root / target).read_bytes())
        same_answers(root, capsys, seed + number, 0.2)


def test_an_unchanged_file_is_not_read_again(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_index(registry)
    read: list[str] = []
    original = index._read

    def spy(root: Path, rel: str, kind: str) -> Any:
        read.append(rel)
        return original(root, rel, kind)

    monkeypatch.setattr(index, "_read", spy)
    built: list[int] = []
    monkeypatch.setattr(index, "load", lambda *a, **k: built.append(1) or load(*a, **k))
    open_index(registry)
    assert read == [] and built == []
    path = registry / "clee" / "clee-ales.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("\nnom: ", "\nnom: Nouveau "), encoding="utf-8")
    (registry / "partenaires" / "exemple-aero.yaml").unlink()
    found = open_index(registry)
    assert read == ["clee/clee-ales.yaml"] and built == []
    assert found.model().get("clee-ales").nom.startswith("Nouveau ")
    assert found.model().get("exemple-aero") is None


def _rows(root: Path) -> dict[str, bytes]:
    store = Store(root)
    assert store.path is not None
    with sqlite3.connect(store.path) as db:
        return dict(db.execute("SELECT name, value FROM snapshots"))


def _set_rows(root: Path, rows: dict[str, tuple[bytes, bytes | None]]) -> None:
    store = Store(root)
    assert store.path is not None
    with sqlite3.connect(store.path) as db:
        for name, (value, mac) in rows.items():
            if mac is None:
                db.execute("UPDATE snapshots SET value = ? WHERE name = ?", (value, name))
            else:
                db.execute("UPDATE snapshots SET value = ?, mac = ? WHERE name = ?", (value, mac, name))


def _macs(root: Path) -> dict[str, tuple[bytes, bytes]]:
    store = Store(root)
    assert store.path is not None
    with sqlite3.connect(store.path) as db:
        return {name: (value, mac) for name, value, mac in db.execute("SELECT name, value, mac FROM snapshots")}


def test_a_forged_index_is_never_used(registry: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Whoever can write the cache cannot make a query answer what no file says: a value changed without eee's
    secret fails its MAC, and the index is made again from the files."""
    open_index(registry)
    rows = _rows(registry)
    assert set(rows) == {"requetes", "mots", "textes", "chiffres", *WORD_SHARDS, *FACTS.values()}
    import marshal

    version, digests, entries, pending = marshal.loads(rows["requetes"])
    path = "clee/clee-ales.yaml"
    # A file's fields, kept by its key: its name changed.
    store = Store(registry)
    assert store.path is not None
    with sqlite3.connect(store.path) as db:
        (value,) = db.execute("SELECT value FROM projections WHERE key = ?", (entries[path][1],)).fetchone()
        fields, found = marshal.loads(value)
        db.execute("UPDATE projections SET value = ? WHERE key = ?",
                   (marshal.dumps(({**fields, "nom": "Faux nom"}, found)), entries[path][1]))
    assert open_index(registry).model().get("clee-ales").nom != "Faux nom"
    same_answers(registry, capsys)
    # The entries: the CLEE said to be a partner, and to reference nothing.
    entries[path] = (entries[path][0], entries[path][1], "partenaire", True, ())
    _set_rows(registry, {"requetes": (marshal.dumps((version, digests, entries, pending)), None)})
    assert open_index(registry).model().get("clee-ales").kind.name == "clee"
    same_answers(registry, capsys)


def test_an_old_index_put_back_is_brought_up_to_date(registry: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Values eee wrote earlier (right MACs), put back after files changed: the signatures say which files changed."""
    open_index(registry)
    old = _macs(registry)
    path = registry / "clee" / "clee-ales.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("\nnom: ", "\nnom: Nouveau "), encoding="utf-8")
    write_files(registry, {"partenaires/ajout.yaml": PARTNER.format(id="ajout", nom="Ajout")})
    open_index(registry)
    _set_rows(registry, {name: value for name, value in old.items()})
    found = open_index(registry)
    assert found.model().get("clee-ales").nom.startswith("Nouveau ") and found.model().get("ajout") is not None
    same_answers(registry, capsys)


@pytest.mark.parametrize("which", ["mots", "the part of the word's list"])
def test_words_that_do_not_go_with_the_entries_are_not_used(registry: Path, which: str) -> None:
    """`mots`, or the part of its lists of files that a word is in, from another state of the registry (its own
    MAC right) beside `requetes`: the index is made again."""
    open_index(registry)
    first = _macs(registry)
    write_files(registry, {"partenaires/ajout.yaml": PARTNER.format(id="ajout", nom="Ajout Zéphyrine")})
    search(open_index(registry), "zephyrine")
    name = "mots" if which == "mots" else WORD_SHARDS[index._shard("zephyrine")]
    assert first[name] != _macs(registry)[name]
    _set_rows(registry, {name: first[name]})
    found = open_index(registry)
    hits = search(found, "zephyrine")
    assert [h.entity.id for h in hits] == ["ajout"]
    same = open_index(registry)  # made again, and kept
    assert [h.entity.id for h in search(same, "zephyrine")] == ["ajout"] and first[name] != _macs(registry)[name]


def test_a_search_reads_the_lists_of_the_words_it_finds_alone(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`mots`' lists of files by word are kept in parts (`WORD_SHARDS`): a search reads `mots` (the vocabulary,
    the files' names) and the parts of the words it finds, not the others."""
    open_index(registry)
    read: list[str] = []
    original = Store.snapshot

    def spy(self: Store, name: str, *args: Any) -> bytes | None:
        read.append(name)
        return original(self, name, *args)

    monkeypatch.setattr(Store, "snapshot", spy)
    found = open_index(registry)
    hits = search(found, "ariege")
    assert hits
    from eee.search import _token_score

    words = {token for token in found.vocabulary() if _token_score("ariege", token)}  # what the search finds
    parts = [name for name in read if name.startswith("mots:")]
    assert "mots" in read and parts and len(parts) == len(set(parts))
    assert set(parts) == {WORD_SHARDS[index._shard(word)] for word in words} and len(parts) < len(WORD_SHARDS)


def test_facts_that_do_not_go_with_the_entries_are_not_used(registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`fiches` from another state of the registry (its own MAC right) beside `requetes`: the index is made again,
    and the figures count the partner added since."""
    open_index(registry)
    first = _macs(registry)
    write_files(registry, {"partenaires/ajout.yaml": PARTNER.format(id="ajout", nom="Ajout")})
    open_index(registry)
    _set_rows(registry, {FACTS["partenaire"]: first[FACTS["partenaire"]]})
    found = open_index(registry)
    assert "ajout" in [facts.id for facts in found.facts("partenaire")]
    same_answers(registry, capsys)


def test_figures_are_kept_only_with_the_facts_they_were_added_up_from(registry: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`chiffres`, the figures `eee stats` keeps: read again while the facts are the same, added up again when
    a file changes, and never taken from another state of the registry, even with their own MAC right."""
    def partners(annee: str | None = None) -> int:
        return int(open_index(registry).figures(annee)["par_type"]["partenaire"])

    before = partners()
    assert "chiffres" in _rows(registry)
    kept = _macs(registry)["chiffres"]
    assert partners() == before and _macs(registry)["chiffres"] == kept  # read, not made again
    assert partners("2023-2024") == before and _macs(registry)["chiffres"] != kept  # one more year kept
    first = _macs(registry)
    write_files(registry, {"partenaires/ajout.yaml": PARTNER.format(id="ajout", nom="Ajout")})
    assert partners() == before + 1
    assert partners("2023-2024") == before + 1
    _set_rows(registry, {"chiffres": first["chiffres"]})  # the figures of before the partner came
    assert partners() == before + 1
    found = open_index(registry)
    for annee in (None, "2023-2024"):
        assert found.figures(annee) == stats(_whole(registry), annee)
    same_answers(registry, capsys)


def test_a_deleted_or_missing_cache_changes_no_answer(registry: Path, monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    open_index(registry)
    store = Store(registry)
    assert store.path is not None
    store.path.unlink()
    same_answers(registry, capsys)
    (tmp_path / "fichier").write_text("")
    monkeypatch.setenv("EEE_CACHE_DIR", str(tmp_path / "fichier" / "cache"))  # no folder eee can make: no cache
    same_answers(registry, capsys)


def test_a_file_whose_whole_data_is_not_cached_is_read_from_its_file(registry: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`eee show` after an edit, before any `eee validate`: the cache has no data row for the new bytes."""
    open_index(registry)
    path = registry / "partenaires" / "exemple-aero.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "site_web: https://exemple.fr/\n", encoding="utf-8")
    found = open_index(registry)
    entity = found.model().get("exemple-aero")
    assert "site_web" not in entity.data  # a field queries do not read
    found.complete([entity])
    assert entity.data["site_web"] == "https://exemple.fr/"


def test_broken_files_are_counted_as_the_whole_model_counts_them(registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from .conftest import cli

    write_files(registry, {"clee/clee-ales.yaml": "nom: [pas fermé\n", "partenaires/mal.yml": "id: mal\n"})
    for _ in range(2):  # made, then kept
        code, out, err = cli(capsys, "list", "clee", "-r", str(registry), "--format", "json")
        assert code == 0 and "2 fichiers du registre sont illisibles ou mal rangés" in err
        assert "clee-ales" not in out


def test_the_index_is_made_with_a_progress_bar_on_a_terminal(registry: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from eee.cli import workspace

    calls: list[tuple[int, int]] = []

    class Seen(workspace.Progress):
        def __call__(self, done: int, total: int) -> None:
            calls.append((done, total))

    monkeypatch.setattr(workspace, "Progress", Seen)
    workspace.Workspace(registry).index()
    assert calls and calls[-1][0] == calls[-1][1]
    calls.clear()
    workspace.Workspace(registry).index()
    assert calls == []  # kept: nothing to make again


def test_queries_hold_no_file_open(registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The cache is opened for each read or write of the index, then closed: a process that asks many questions
    (a server, a test run) does not run out of file descriptors."""
    import os

    from .conftest import cli

    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    cli(capsys, "show", "clee-ales", "-r", str(registry))
    before = open_files()
    for _ in range(20):
        for question in (("show", "clee-ales"), ("search", "aero"), ("list", "clee"), ("stats",)):
            assert cli(capsys, *question, "-r", str(registry))[0] == 0
    assert open_files() == before


def test_a_file_touched_but_not_changed_costs_no_rewrite_of_the_words(registry: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Same bytes, new signature (an editor that saves without a change, `git checkout`): the file is read again,
    found the same, and only its new signature is kept; the words are neither read nor written again."""
    open_index(registry)
    kept: list[list[str]] = []
    original = Store.keep_snapshot

    def spy(self: Store, values: dict[str, bytes]) -> None:
        kept.append(sorted(values))
        original(self, values)

    monkeypatch.setattr(Store, "keep_snapshot", spy)
    updated: list[int] = []
    monkeypatch.setattr(index, "_update", lambda *args: updated.append(1))
    path = registry / "clee" / "clee-ales.yaml"
    path.write_bytes(path.read_bytes())
    open_index(registry)
    assert kept == [["requetes"]] and updated == []
    open_index(registry)  # the new signature kept: nothing read, nothing written
    assert kept == [["requetes"]]


def test_the_words_are_brought_up_to_date_when_a_search_needs_them(registry: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Files changed, added and deleted between lists and figures: those queries neither read nor write the words
    (`mots`, `textes`: the largest values); the next search brings them up to date once, with the whole model's
    hits, and the queries after it have nothing left to do."""
    open_index(registry)
    kept: list[list[str]] = []
    original = Store.keep_snapshot

    def spy(self: Store, values: dict[str, bytes], *args: Any, **kwargs: Any) -> None:
        kept.append(sorted(values))
        original(self, values, *args, **kwargs)

    monkeypatch.setattr(Store, "keep_snapshot", spy)
    path = registry / "clee" / "clee-ales.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("\nnom: ", "\nnom: Zéphyrine "), encoding="utf-8")
    write_files(registry, {"partenaires/ajout.yaml": PARTNER.format(id="ajout", nom="Ajout Zéphyrine")})
    found = open_index(registry)
    assert found.facts("partenaire") and "ajout" in [facts.id for facts in found.facts("partenaire")]
    (registry / "partenaires" / "ajout.yaml").unlink()
    write_files(registry, {"partenaires/autre.yaml": PARTNER.format(id="autre", nom="Autre Zéphyrine")})
    open_index(registry).figures()
    assert kept and all("mots" not in names and "textes" not in names for names in kept)
    hits = search(open_index(registry), "zephyrine")
    assert sorted(h.entity.id for h in hits) == ["autre", "clee-ales"]
    # written once, by the search: `mots`, the parts of its lists the words changed are in, `textes`
    assert kept[-1][0] == "mots" and kept[-1][-2:] == ["requetes", "textes"]
    touched = kept[-1][1:-2]
    assert touched and set(touched) < set(WORD_SHARDS)
    assert WORD_SHARDS[index._shard("zephyrine")] in touched
    del kept[:]
    search(open_index(registry), "zephyrine")
    assert kept == []
    same_answers(registry, capsys)


def test_a_file_changed_just_before_the_index_is_made_is_known_by_its_bytes(registry: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A file changed a moment before the index is made (its signature not yet trusted): the next query reads it
    again, finds the same bytes, and writes nothing."""
    monkeypatch.setattr(filecheck, "SETTLED_NS", SETTLED_NS)
    path = registry / "clee" / "clee-ales.yaml"
    path.write_bytes(path.read_bytes() + b"# retouche\n")
    open_index(registry)
    kept: list[list[str]] = []
    original = Store.keep_snapshot
    monkeypatch.setattr(Store, "keep_snapshot", lambda self, values: kept.append(sorted(values)) or original(self, values))
    open_index(registry)
    assert kept == []


def test_show_of_an_entity_whose_file_cannot_be_read_names_the_file(registry: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Not « aucune entité » with other ids to try: the officer is told that the file is there and broken."""
    from .conftest import cli

    write_files(registry, {"partenaires/exemple-aero.yaml": "nom: [pas fermé\n"})
    code, out, err = cli(capsys, "show", "exemple-aero", "-r", str(registry))
    assert code == 1 and out == ""
    assert "« exemple-aero » est le fichier partenaires/exemple-aero.yaml, qui ne peut pas être lu" in err
    assert "→ eee validate -r registry dit pourquoi" in err  # the registry as the officer named it, from here
    # The same for a list filtered on it: not « not an id of the registry ».
    for option in ("--partenaire", "--membre"):
        code, out, err = cli(capsys, "list", "partenariats", option, "exemple-aero", "-r", str(registry))
        assert code == 1 and out == ""
        assert (f"{option} : « exemple-aero » est le fichier partenaires/exemple-aero.yaml, qui ne peut pas être lu"
                in err) and "n'est pas un identifiant" not in err
    # A broken file beside a readable one of the same id: the id is there.
    write_files(registry, {"partenaires/exemple-aero.yaml": (REPO / "tests/cases/base/partenaires/exemple-aero.yaml")
                           .read_text(encoding="utf-8"), "clee/exemple-aero.yaml": "nom: [pas fermé\n"})
    code, out, err = cli(capsys, "list", "partenariats", "--partenaire", "exemple-aero", "-r", str(registry))
    assert code == 0 and "stages-exemple" in out


HOSTED = """id: pft-hebergee
nom: Plateforme hébergée
statut: actif
domaine: Usinage
etablissement_support: 0300002p
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
"""


def test_lists_and_figures_follow_the_school_a_structure_takes_its_departement_from(
        registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A structure that names no département is in its host school's: when the school's file moves it to another
    département, the structure's facts follow (lists by département, figures), though its own file is unchanged;
    and again when the school's file goes, then comes back."""
    from .conftest import cli

    write_files(registry, {"pft/pft-hebergee.yaml": HOSTED})
    school = registry / "etablissements" / "0300002p.yaml"
    text = school.read_text(encoding="utf-8")

    def listed(departement: str) -> list[str]:
        code, out, _ = cli(capsys, "list", "pft", "--departement", departement, "--format", "json", "-r", str(registry))
        assert code == 0
        return [row["id"] for row in json.loads(out)]

    assert "pft-hebergee" in listed("30")
    school.write_text(text.replace('departement: "30"', 'departement: "48"'), encoding="utf-8")
    assert "pft-hebergee" in listed("48") and "pft-hebergee" not in listed("30")
    same_answers(registry, capsys)
    school.unlink()
    assert "pft-hebergee" not in listed("48")
    same_answers(registry, capsys)
    school.write_text(text, encoding="utf-8")
    assert "pft-hebergee" in listed("30")
    same_answers(registry, capsys)


def test_the_fields_of_each_file_are_kept_once_by_its_key(registry: Path) -> None:
    """Each readable file's fields are one row of the cache, under its key: a changed file's old row goes, as does
    a deleted file's; a query reads the rows of the files it needs alone."""
    def kept() -> set[bytes]:
        store = Store(registry)
        assert store.path is not None
        with sqlite3.connect(store.path) as db:
            return {key for (key,) in db.execute("SELECT key FROM projections")}

    found = open_index(registry)
    assert kept() == {entry[1] for entry in found.entries.values() if entry[3]}
    path = registry / "clee" / "clee-ales.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("\nnom: ", "\nnom: Nouveau "), encoding="utf-8")
    (registry / "partenaires" / "exemple-aero.yaml").unlink()
    write_files(registry, {"partenaires/ajout.yaml": PARTNER.format(id="ajout", nom="Ajout")})
    found = open_index(registry)
    assert kept() == {entry[1] for entry in found.entries.values() if entry[3]}
    asked: list[int] = []
    original = Store.projections_of

    def spy(store: Store, keys: Any) -> dict[bytes, bytes]:
        asked.append(len(keys))
        return original(store, keys)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, "projections_of", spy)
        assert open_index(registry).model(found.named("clee-ales"), neighbours=False).get("clee-ales").nom.startswith(
            "Nouveau ")
    assert asked == [1]


@pytest.mark.parametrize("option, value", [("--partenaire", "exemple-aerp"), ("--membre", "0090015u"),
                                           ("--departement", "75"), ("--type", "forum")])
def test_a_filter_that_cannot_match_is_refused_as_the_whole_model_refuses_it(
        registry: Path, capsys: pytest.CaptureFixture[str], option: str, value: str) -> None:
    """The index checks a filter's value against the registry's ids and vocabularies without a model: the same
    message and the same nearest id as the whole model's."""
    from eee.errors import UsageError

    from .conftest import cli

    code, _, err = cli(capsys, "list", "action", option, value, "-r", str(registry))
    with pytest.raises(UsageError) as expected:
        select(_whole(registry), kind_named("action"), Filters(**{option[2:]: [value]}))
    assert code == 2 and str(expected.value) in err and expected.value.hint in err


@pytest.mark.parametrize("scan_from", [0, 10_000])
def test_rows_read_in_one_pass_or_by_lookups_are_the_same_and_forged_ones_ignored(
        registry: Path, monkeypatch: pytest.MonkeyPatch, scan_from: int) -> None:
    """Many keys at once are read in one pass over the table (`Store.SCAN_FROM`), a few by lookups: the same rows,
    and a row whose MAC is wrong is left out either way."""
    found = open_index(registry)
    keys = {entry[1]: path for path, entry in found.entries.items() if entry[3]}
    store = Store(registry)
    assert store.path is not None
    forged = next(key for key, path in keys.items() if path == "clee/clee-ales.yaml")
    with sqlite3.connect(store.path) as db:
        (value,) = db.execute("SELECT value FROM projections WHERE key = ?", (forged,)).fetchone()
        db.execute("UPDATE projections SET value = ? WHERE key = ?", (value + b"\0", forged))
    monkeypatch.setattr(Store, "SCAN_FROM", scan_from)
    store.load(stats=False)
    try:
        rows = store.projections_of(set(keys) | {b"x" * 20})
    finally:
        store.close()
    assert set(rows) == set(keys) - {forged}
    assert open_index(registry).model().get("clee-ales").nom == _whole(registry).get("clee-ales").nom
