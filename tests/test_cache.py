"""The per-file cache and the parallel check: faster, never different.

Every test runs with its own cache folder. The central property: whatever
the cache holds, `eee validate` reports exactly what a run without cache
reports — checked over the whole invalid corpus, each case laid over a
registry whose unchanged files come from the cache.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from eee import cache, cachekey, filecheck
from eee.discovery import discover
from eee.validate import check, run

from .conftest import TESTS, cli, copy_base, write_files
from .test_corpus import CASES, _build, _cases

CASES_INVALID = CASES / "invalid"


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("EEE_CACHE_DIR", str(folder))
    return folder


def _shown(report) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(p.path, p.line, p.column, p.code, p.severity, p.message, p.hint, p.entity) for p in report.sorted()]


def test_second_run_reads_nothing_again_and_reports_the_same(tmp_path: Path, counted: list[str], own_cache: Path) -> None:
    root = copy_base(tmp_path / "registry")
    first = run(root)
    assert len(counted) == first.files_checked > 10
    counted.clear()
    second = run(root)
    assert counted == []
    assert _shown(second) == _shown(first) and second.files_checked == first.files_checked
    assert list(own_cache.glob("registre-*.sqlite3")), "the cache lives in $EEE_CACHE_DIR"


def test_cache_stays_outside_the_registry(tmp_path: Path) -> None:
    root = copy_base(tmp_path / "registry")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    run(root)
    run(root)
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_a_changed_file_is_checked_again(tmp_path: Path, counted: list[str]) -> None:
    root = copy_base(tmp_path / "registry")
    run(root)
    counted.clear()
    path = root / "partenaires" / "exemple-aero.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "couleur: bleu\n", encoding="utf-8")
    report = run(root)
    assert counted == ["partenaires/exemple-aero.yaml"]
    assert [(p.code, p.path) for p in report.problems if p.is_error] == [("EEE-S001", "partenaires/exemple-aero.yaml")]


def test_cross_file_checks_always_run_and_locate_problems_in_cached_files(tmp_path: Path, counted: list[str]) -> None:
    root = copy_base(tmp_path / "registry")
    assert not run(root).errors
    referencing = [p for p in root.rglob("*.yaml") if "exemple-aero" in p.read_text(encoding="utf-8") and p.stem != "exemple-aero"]
    assert referencing
    counted.clear()
    (root / "partenaires" / "exemple-aero.yaml").unlink()
    report = run(root)
    assert counted == []  # every remaining file came from the cache
    missing = [p for p in report.problems if p.code == "EEE-R003"]
    assert {p.path for p in missing} == {p.relative_to(root).as_posix() for p in referencing}
    uncached = run(root, cache=False)
    assert _shown(report) == _shown(uncached)  # same lines and columns, worked out from the cached files' bytes
    assert all(p.line > 0 for p in missing)


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every stat signature is old enough to be trusted (files written by a test are seconds old)."""
    monkeypatch.setattr(filecheck, "SETTLED_NS", -10**12)


@pytest.mark.parametrize("signatures", ["read", "trusted"])
@pytest.mark.parametrize("case", _cases("invalid"), ids=lambda p: p.name)
def test_cached_runs_report_what_uncached_runs_report(case: Path, tmp_path: Path, signatures: str,
                                                      request: pytest.FixtureRequest) -> None:
    """`eee validate` (whole=False: only the fields the cross-file checks read come from the cache)
    and publishing (whole data) report what a run without the cache reports; with "trusted", the
    unchanged files are not even read, and positions in them are found from the files on demand."""
    if signatures == "trusted":
        request.getfixturevalue("trusted")
    root = tmp_path / "registry"
    if not (case / "STANDALONE").exists():
        copy_base(root)
        run(root)  # the base registry's files go into the cache
        shutil.rmtree(root)
    _build(case, root)
    expected = _shown(run(root, cache=False))
    assert _shown(run(root, whole=False)) == expected
    assert _shown(run(root, whole=False)) == expected  # and again, everything from the cache
    assert _shown(run(root)) == expected


def test_unchanged_files_are_not_even_read(tmp_path: Path, reads: list[str], counted: list[str], trusted: None) -> None:
    root = copy_base(tmp_path / "registry")
    first = run(root)
    assert len(reads) == first.files_checked
    reads.clear()
    counted.clear()
    assert _shown(run(root, whole=False)) == _shown(first)
    assert reads == [] and counted == []
    path = root / "partenaires" / "exemple-aero.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# retouché\n", encoding="utf-8")
    run(root)
    assert reads == counted == ["partenaires/exemple-aero.yaml"]


def test_a_rewrite_that_keeps_size_and_modification_time_is_seen(tmp_path: Path, reads: list[str], trusted: None) -> None:
    """The signature has the change time (which no program can set back) and the inode, not only the
    size and the modification time."""
    root = copy_base(tmp_path / "registry")
    run(root)
    path = root / "partenaires" / "exemple-aero.yaml"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    changed = text.replace("statut: actif", "statut: ACTIF", 1)
    assert changed != text and len(changed) == len(text)
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    reads.clear()
    report = run(root, whole=False)
    assert reads == ["partenaires/exemple-aero.yaml"]
    assert [p.code for p in report.problems if p.path == "partenaires/exemple-aero.yaml" and p.is_error] == ["EEE-S004"]


def test_files_changed_a_moment_ago_are_read_again(tmp_path: Path, reads: list[str], counted: list[str]) -> None:
    """A signature taken less than SETTLED_NS after the file changed is not trusted (the file could change
    again within the same tick of the file system's clock): such files are read, but not checked again."""
    root = copy_base(tmp_path / "registry")
    files = run(root).files_checked
    reads.clear()
    counted.clear()
    run(root)
    assert len(reads) == files and counted == []


def test_a_known_file_whose_row_is_gone_is_checked_again(tmp_path: Path, own_cache: Path, trusted: None,
                                                         counted: list[str]) -> None:
    root = copy_base(tmp_path / "registry")
    expected = _shown(run(root))
    (database,) = own_cache.glob("registre-*.sqlite3")
    with sqlite3.connect(database) as db:
        db.execute("DELETE FROM results")
    counted.clear()
    assert _shown(run(root, whole=False)) == expected
    assert len(counted) > 10


@pytest.mark.parametrize("table", ["results", "data"])
def test_a_damaged_row_is_checked_again(tmp_path: Path, own_cache: Path, counted: list[str], table: str) -> None:
    root = copy_base(tmp_path / "registry")
    expected = _shown(run(root))
    (database,) = own_cache.glob("registre-*.sqlite3")
    with sqlite3.connect(database) as db:
        db.execute(f"UPDATE {table} SET value = x'e3ff00'")  # not a row marshal can read back
    counted.clear()
    assert _shown(run(root)) == expected
    assert len(counted) == run(root).files_checked


def _undeclared_reads(roots: list[Path]) -> dict[str, set[str]]:
    """The fields each REGISTRY rule reads on these registries without declaring them in READS."""
    from eee.rules import REGISTRY, RULES
    from eee.validate import load

    seen: set[str] = set()

    class Tracking(dict):  # type: ignore[type-arg]
        def __getitem__(self, key):  # type: ignore[no-untyped-def]
            seen.add(key)
            return super().__getitem__(key)

        def get(self, key, default=None):  # type: ignore[no-untyped-def]
            seen.add(key)
            return super().get(key, default)

        def __contains__(self, key):  # type: ignore[no-untyped-def]
            seen.add(key)
            return super().__contains__(key)

        def __iter__(self):  # type: ignore[no-untyped-def]
            seen.add("*")  # every field
            return super().__iter__()

        def items(self):  # type: ignore[no-untyped-def]
            seen.add("*")
            return super().items()

        def keys(self):  # type: ignore[no-untyped-def]
            seen.add("*")
            return super().keys()

        def values(self):  # type: ignore[no-untyped-def]
            seen.add("*")
            return super().values()

    undeclared: dict[str, set[str]] = {}
    for root in roots:
        registry, _ = load(root, cache=False)
        for entity in registry:
            if isinstance(entity.doc.data, dict) and not isinstance(entity.doc.data, Tracking):
                entity.doc.data = Tracking(entity.doc.data)
        for module in RULES.values():
            if module.SCOPE == REGISTRY:
                seen.clear()
                list(module.check(registry))
                if seen - module.READS:
                    undeclared.setdefault(module.CODE, set()).update(seen - module.READS)
    return undeclared


def _all_cases(tmp_path: Path) -> list[Path]:
    roots = [TESTS.parent / "registry"]
    for case in _cases("invalid") + _cases("valid"):
        roots.append(_build(case, tmp_path / case.parent.name / case.name))
    return roots


def test_registry_rules_read_only_the_fields_they_declare(tmp_path: Path) -> None:
    assert _undeclared_reads(_all_cases(tmp_path)) == {}


def test_a_field_read_but_not_declared_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from eee.rules import academie_departement

    monkeypatch.setattr(academie_departement, "READS", academie_departement.READS - {"etablissement_support"})
    undeclared = _undeclared_reads([_build(CASES_INVALID / "academie-departement", tmp_path / "r")])
    assert undeclared == {"EEE-R015": {"etablissement_support"}}


def test_results_depend_on_schemas_and_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: list[str]) -> None:
    root = copy_base(tmp_path / "registry")
    run(root)
    counted.clear()
    monkeypatch.setattr(cache, "fingerprint", lambda: "une autre version d'eee")
    run(root)
    assert len(counted) > 10  # another eee (or other schemas): everything checked again


def test_fingerprint_follows_the_schema_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(TESTS.parent / "schemas", schemas)
    monkeypatch.setattr(cache, "schemas_dir", lambda: schemas)
    before = cache.fingerprint()
    assert cache.fingerprint() == before
    path = schemas / "partenaire.schema.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"title"', '"title" ', 1), encoding="utf-8")
    assert cache.fingerprint() != before


def test_rows_of_removed_files_are_dropped(tmp_path: Path, own_cache: Path) -> None:
    root = copy_base(tmp_path / "registry")
    files = run(root).files_checked
    (database,) = own_cache.glob("registre-*.sqlite3")

    def rows() -> int:
        with sqlite3.connect(database) as db:
            return int(db.execute("SELECT count(*) FROM results").fetchone()[0])

    assert rows() == files
    (root / "partenaires" / "exemple-aero.yaml").unlink()
    run(root)
    assert rows() == files - 1


@pytest.mark.parametrize("damage", [b"ceci n'est pas une base SQLite" * 100, b""])
def test_a_damaged_cache_is_replaced_not_trusted(tmp_path: Path, own_cache: Path, damage: bytes) -> None:
    root = copy_base(tmp_path / "registry")
    expected = _shown(run(root, cache=False))
    run(root)
    (database,) = own_cache.glob("registre-*.sqlite3")
    database.write_bytes(damage)
    assert _shown(run(root)) == expected
    assert _shown(run(root)) == expected  # and the cache works again
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM results").fetchone()[0] > 0


def test_a_cache_another_eee_is_writing_is_left_to_it(tmp_path: Path, own_cache: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache locked by another eee (pre-commit hooks, a build in another terminal) is not mistaken for a
    damaged one: this run goes without it and leaves the file alone."""
    from eee.cache import Store

    root = copy_base(tmp_path / "registry")
    expected = _shown(run(root, cache=False))
    run(root)
    (database,) = own_cache.glob("registre-*.sqlite3")
    monkeypatch.setattr(Store, "TIMEOUT", 0.05)
    inode = database.stat().st_ino
    other = sqlite3.connect(database, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")  # another eee, in the middle of writing
        assert _shown(run(root)) == expected
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert database.stat().st_ino == inode  # the same file, not deleted and made again
    with sqlite3.connect(database) as db:  # its rows are all still there
        assert db.execute("SELECT count(*) FROM results").fetchone()[0] == len(discover(root).files)


def test_an_unwritable_cache_folder_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_base(tmp_path / "registry")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("EEE_CACHE_DIR", str(blocker / "cache"))
    assert _shown(run(root)) == _shown(run(root, cache=False))


def test_no_cache_option_neither_reads_nor_writes(tmp_path: Path, own_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_base(tmp_path / "registry")
    code, out, _ = cli(capsys, "validate", "--no-cache", "--registry", str(root))
    assert code == 0 and "Registre valide" in out
    assert not own_cache.exists()
    code, _, _ = cli(capsys, "validate", "--registry", str(root))
    assert code == 0 and own_cache.exists()


@pytest.mark.parametrize("jobs", ["0", "deux"])
def test_jobs_must_be_a_positive_number(tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str) -> None:
    code, _, err = cli(capsys, "validate", "--jobs", jobs, "--registry", str(copy_base(tmp_path / "registry")))
    assert code == 2 and "--jobs" in err and "Traceback" not in err


def test_worker_processes_find_exactly_what_one_process_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_base(tmp_path / "registry")
    write_files(root, {
        "partenaires/exemple-aero.yaml": "id: exemple-aero\nnom: [\n",  # EEE-Y002
        "partenaires/exemple-bois.yaml": (root / "partenaires/exemple-bois.yaml").read_text(encoding="utf-8") + "couleur: bleu\n",
        "partenaires/ambigu.yaml": "id: ambigu\nnom: Ambigu\ntype: entreprise\nsiren: 012345678\n",
    })
    serial = check(root, jobs=1, cache=False)[1]
    monkeypatch.setattr(filecheck, "PARALLEL_FROM", 1)
    monkeypatch.setattr(filecheck, "BATCH", 3)
    parallel = check(root, jobs=2, cache=False)[1]
    assert _shown(parallel) == _shown(serial)
    assert {"EEE-Y002", "EEE-S001"} <= {p.code for p in serial.problems}


def test_progress_counts_up_to_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_base(tmp_path / "registry")
    monkeypatch.setattr(filecheck, "BATCH", 4)
    calls: list[tuple[int, int]] = []
    report = run(root, jobs=1, progress=lambda done, total: calls.append((done, total)))
    total = report.files_checked
    assert calls and calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    calls.clear()
    run(root, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(total, total)]  # everything from the cache at once


def test_files_with_the_same_bytes_keep_their_own_results(tmp_path: Path) -> None:
    root = copy_base(tmp_path / "registry")
    long = "x" * 70
    text = "id: y\nnom: [\n"  # the same broken bytes in two files whose long names differ only at the end
    write_files(root, {f"partenaires/{long}-un.yaml": text, f"partenaires/{long}-deux.yaml": text})
    for _ in range(2):
        paths = {p.path for p in run(root).problems if p.code == "EEE-Y002"}
        assert paths == {f"partenaires/{long}-un.yaml", f"partenaires/{long}-deux.yaml"}


def _file_rule_problems_whole_and_alone(root: Path) -> tuple[list[tuple], list[tuple]]:
    from eee.rules import FILE, run_on_file
    from eee.rules import run as run_rules
    from eee.validate import load

    registry, _ = load(root)
    whole = sorted((p.path, p.line, p.column, p.code, p.message) for p in run_rules(registry, FILE))
    alone = sorted((p.path, p.line, p.column, p.code, p.message)
                   for entity in registry for p in run_on_file(entity.doc, registry.schemas, entity.valid))
    return whole, alone


@pytest.mark.parametrize("case", _cases("invalid") + _cases("valid"), ids=lambda p: p.name)
def test_file_rules_find_on_each_entity_alone_what_they_find_on_the_whole(case: Path, tmp_path: Path) -> None:
    whole, alone = _file_rule_problems_whole_and_alone(_build(case, tmp_path / "registry"))
    assert whole == alone


def test_file_rules_on_the_shipped_registry() -> None:
    whole, alone = _file_rule_problems_whole_and_alone(TESTS.parent / "registry")
    assert whole == alone and whole  # the shipped registry has à-compléter warnings (EEE-R031)


def test_every_rule_says_what_it_reads() -> None:
    from eee.rules import FILE, REGISTRY, RULES

    assert {m.SCOPE for m in RULES.values()} == {FILE, REGISTRY}


def test_progress_bar_shows_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys
    import threading

    from eee.cli.workspace import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, shown in ((Terminal(), True), (io.StringIO(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        progress = Progress()
        progress.DELAY = 0
        progress(10, 200)
        assert threading.active_count() == 1  # no refresh thread: workers are forked while the bar is shown
        progress(200, 200)
        progress.close()
        assert ("Vérification des fichiers" in stream.getvalue()) is shown


def test_an_interrupted_run_leaves_a_cache_that_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_base(tmp_path / "registry")
    original = filecheck.check_raw
    calls = {"n": 0}

    def interrupted(rel, kind, raw, schemas):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return original(rel, kind, raw, schemas)

    monkeypatch.setattr(filecheck, "check_raw", interrupted)
    monkeypatch.setattr(cache.Store, "BATCH", 2)  # some rows were already written when it stops
    with pytest.raises(KeyboardInterrupt):
        run(root)
    monkeypatch.setattr(filecheck, "check_raw", original)
    assert _shown(run(root)) == _shown(run(root, cache=False))
    assert _shown(run(root)) == _shown(run(root, cache=False))


def test_a_large_registry_with_errors_reads_the_same_every_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end, above the thresholds where worker processes and the compiled fast path start."""
    import subprocess
    import sys

    root = tmp_path / "registre"
    subprocess.run([sys.executable, str(TESTS.parent / "benchmarks" / "generate.py"), "--entities", "450", "--out",
                    str(root), "--seed", "5", "--errors", "12", "-q"], check=True)
    assert filecheck.PARALLEL_FROM <= 450
    serial = _shown(run(root, jobs=1, cache=False))
    assert sum(1 for p in serial if p[4].value == "erreur") >= 12
    assert _shown(run(root, jobs=2)) == serial  # workers, writing the cache
    assert _shown(run(root, jobs=2)) == serial  # everything from the cache


def test_library_versions_of_the_fingerprint_are_the_installed_ones() -> None:
    from importlib.metadata import version

    names = ("PyYAML", "jsonschema", "python-stdnum")
    assert cache._versions(names) == {name: version(name) for name in names}
    assert cache._versions(("pas-une-bibliotheque-installee",)) == {"pas-une-bibliotheque-installee": "-"}


def test_the_tests_keep_the_cache_key_out_of_the_users_settings() -> None:
    """conftest: each test session has its own key file, in a temporary folder, never ~/.config/eee (nor the
    user's $EEE_CACHE_KEY)."""
    assert cachekey.key_dir().parent.name.startswith("eee-test-config-")
    assert cachekey.ENV_CACHE_KEY not in os.environ
