"""The per-file cache and the parallel check: faster, never different.

Every test runs with its own cache folder. The central property: whatever
the cache holds, `eee validate` reports exactly what a run without cache
reports — checked over the whole invalid corpus, each case laid over a
registry whose unchanged files come from the cache.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from eee import cache, filecheck
from eee.validate import check, run

from .conftest import TESTS, cli, copy_base, write_files
from .test_corpus import _build, _cases


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("EEE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files actually read and checked (not taken from the cache)."""
    seen: list[str] = []
    original = filecheck.check_raw

    def spy(rel, kind, raw, schemas):  # type: ignore[no-untyped-def]
        seen.append(rel)
        return original(rel, kind, raw, schemas)

    monkeypatch.setattr(filecheck, "check_raw", spy)
    return seen


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


@pytest.mark.parametrize("case", _cases("invalid"), ids=lambda p: p.name)
def test_cached_runs_report_what_uncached_runs_report(case: Path, tmp_path: Path) -> None:
    root = tmp_path / "registry"
    if not (case / "STANDALONE").exists():
        copy_base(root)
        run(root)  # the base registry's files go into the cache
        shutil.rmtree(root)
    _build(case, root)
    warm = run(root)
    assert _shown(warm) == _shown(run(root, cache=False))
    assert _shown(run(root)) == _shown(warm)  # and again, everything from the cache


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
            return int(db.execute("SELECT count(*) FROM files").fetchone()[0])

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
        assert db.execute("SELECT count(*) FROM files").fetchone()[0] > 0


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
    from eee.rules import FILE, run as run_rules, run_on_file
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

    from eee.cli import _Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, shown in ((Terminal(), True), (io.StringIO(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        progress = _Progress()
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
