"""The cache is a hint, never a source of truth.

Whoever can write the cache's folder (a cache shared between CI runs, another
account) must not be able to make eee believe anything: every row eee reads
back carries a MAC under a secret kept outside the cache and the registry, and a
row that fails it is dropped and its file read and checked again, without a
word. Each test forges what an attacker would, with the MACs of the rows it
tampers with left as eee wrote them (or replayed from an earlier run).
"""

from __future__ import annotations

import marshal
import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from eee import cache, filecheck
from eee.cache import Store
from eee.discovery import discover
from eee.validate import check, load, run

from .conftest import cli, copy_base

AERO = "partenaires/exemple-aero.yaml"
BOIS = "partenaires/exemple-bois.yaml"


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's cache folder, and its own key file ($XDG_CONFIG_HOME/eee/cache-key)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("EEE_CACHE_DIR", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("EEE_CACHE_KEY", raising=False)
    return folder


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "eee" / "cache-key"


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The usual umask (022): without eee's care, its files would be readable by everyone."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every stat signature is old enough to be trusted: unchanged files are not even read (the stats rows)."""
    monkeypatch.setattr(filecheck, "SETTLED_NS", -10**12)


def _database(folder: Path) -> Path:
    (database,) = folder.glob("registre-*.sqlite3")
    return database


def _sql(database: Path, *statements: tuple[str, tuple[Any, ...]]) -> None:
    with closing(sqlite3.connect(database)) as db, db:
        for query, parameters in statements:
            db.execute(query, parameters)


def _key_of(database: Path, table: str, entity: str) -> bytes:
    """The key of the row (results or data) of the file whose data has this id."""
    keys = []
    with closing(sqlite3.connect(database)) as db:
        for key, value in db.execute(f"SELECT key, value FROM {table}"):
            data = marshal.loads(value)[0] if table == "results" else marshal.loads(value)
            if isinstance(data, dict) and data.get("id") == entity:
                keys.append(key)
    assert len(keys) == 1
    return keys[0]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _files(root: Path) -> int:
    return len(discover(root).files)


# --------------------------------------------------------------------------- forged rows


def _forge_aero(database: Path) -> None:
    """Exemple Aéro renamed, with a public contact, in its cached data (its MAC left as eee wrote it)."""
    key = _key_of(database, "data", "exemple-aero")
    with closing(sqlite3.connect(database)) as db:
        (value,) = db.execute("SELECT value FROM data WHERE key = ?", (key,)).fetchone()
    data = marshal.loads(value)
    data["nom"] = "Airbus PIRATÉ"
    data["contacts"] = [{"nom": "Pirate", "fonction": "standard", "courriel": "pirate@example.org",
                         "visibilite": "publique"}]
    _sql(database, ("UPDATE data SET value = ? WHERE key = ?", (marshal.dumps(data), key)))


def test_forged_data_is_neither_published_nor_believed(registry: Path, own_cache: Path, trusted: None,
                                                       counted: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, before, _ = cli(capsys, "export", "json", "--registry", str(registry))
    assert code == 0 and "Exemple Aéro" in before
    database = _database(own_cache)
    _forge_aero(database)
    counted.clear()
    code, after, err = cli(capsys, "export", "json", "--registry", str(registry))
    assert code == 0 and err == ""
    assert "PIRATÉ" not in after and "pirate@example.org" not in after
    assert after == before
    assert counted == [AERO]  # the file whose row was forged, read and checked again; the others from the cache

    for read in (check, lambda root: load(root, check_schemas=False)):  # the model of validate; of the queries
        _forge_aero(database)
        model, report = read(registry)
        assert not report.errors
        assert model.get("exemple-aero").nom == "Exemple Aéro" and "contacts" not in model.get("exemple-aero").data
    with closing(sqlite3.connect(database)) as db:  # the forged row was dropped (queries write no rows)
        assert "PIRATÉ" not in str([marshal.loads(value) for (value,) in db.execute("SELECT value FROM data")])


def test_a_forged_valid_verdict_does_not_hide_a_broken_file(registry: Path, own_cache: Path, trusted: None,
                                                            counted: list[str],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = registry / BOIS
    path.write_text(path.read_text(encoding="utf-8") + "couleur: bleu\n", encoding="utf-8")
    code, broken, _ = cli(capsys, "validate", "--format", "parsable", "--registry", str(registry))
    assert code == 1 and f"{BOIS}:" in broken and "EEE-S001" in broken
    database = _database(own_cache)
    key = _key_of(database, "results", "exemple-bois")
    with closing(sqlite3.connect(database)) as db:
        (value,) = db.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
    data, _, _, valid, _, references = marshal.loads(value)
    assert valid is False
    forged = marshal.dumps((data, (), (), True, (), references))  # « valide », nothing to report
    _sql(database, ("UPDATE results SET value = ? WHERE key = ?", (forged, key)))

    counted.clear()
    code, again, err = cli(capsys, "validate", "--format", "parsable", "--registry", str(registry))
    assert (code, again, err) == (1, broken, "")
    assert counted == [BOIS]


def test_a_forged_stats_row_cannot_point_a_file_at_another_content(registry: Path, own_cache: Path, trusted: None,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The stats row of a file now broken is pointed at the rows of its earlier, valid content, replayed as
    eee wrote them (their own MACs are right): the file must be read again, not taken for its old self."""
    assert cli(capsys, "validate", "--registry", str(registry))[0] == 0
    database = _database(own_cache)
    old = _key_of(database, "results", "exemple-bois")
    with closing(sqlite3.connect(database)) as db:
        rows = {table: db.execute(f"SELECT * FROM {table} WHERE key = ?", (old,)).fetchone() for table in ("results", "data")}
    path = registry / BOIS
    path.write_text(path.read_text(encoding="utf-8") + "couleur: bleu\n", encoding="utf-8")
    code, broken, _ = cli(capsys, "validate", "--format", "parsable", "--registry", str(registry))
    assert code == 1 and "EEE-S001" in broken
    _sql(database, *((f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?)", row) for table, row in rows.items()),
         ("UPDATE stats SET key = ? WHERE path = ?", (old, BOIS)))

    code, again, err = cli(capsys, "validate", "--format", "parsable", "--registry", str(registry))
    assert (code, again, err) == (1, broken, "")


def test_a_forged_formatted_row_does_not_hide_a_text_out_of_form(registry: Path, own_cache: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = registry / "clee" / "clee-ales.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("statut: actif\n", "statut:   actif\n"), encoding="utf-8")
    code, out, _ = cli(capsys, "fmt", "--check", "--registry", str(registry))
    assert code == 1 and "clee/clee-ales.yaml" in out
    database = _database(own_cache)

    def rows() -> dict[bytes, int]:
        with closing(sqlite3.connect(database)) as db:
            return dict(db.execute("SELECT key, canonical FROM formatted"))

    truth = rows()
    assert 0 in truth.values()
    forge = ("UPDATE formatted SET canonical = 1", ())  # « every text is in canonical form »
    _sql(database, forge)
    assert cli(capsys, "fmt", "--check", "--registry", str(registry)) == (code, out, "")
    assert rows() == truth  # the forged rows were dropped, and the truth written back
    assert cli(capsys, "fmt", "--check", "--registry", str(registry)) == (code, out, "")
    _sql(database, forge)
    code, out, err = cli(capsys, "fmt", "--check", "--registry", str(registry), str(path))  # this file only
    assert code == 1 and "clee/clee-ales.yaml" in out and err == ""
    # Its row written back; the other forged rows (texts out of form, said to be in form) dropped, not kept.
    assert sorted(rows().values()) == [0] + [1] * list(truth.values()).count(1)


@pytest.mark.parametrize("table", ["results", "data", "stats"])
@pytest.mark.parametrize("damage", ["other bytes", "null", "text", "the row's own value"])
def test_a_row_whose_mac_is_wrong_is_checked_again_without_a_word(registry: Path, own_cache: Path, trusted: None,
                                                                  counted: list[str], reads: list[str], table: str,
                                                                  damage: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, before, _ = cli(capsys, "export", "json", "--registry", str(registry))
    assert code == 0
    database = _database(own_cache)
    value = "key" if table == "stats" else "value"
    mac = {"other bytes": "x'00112233445566778899aabbccddeeff'", "null": "NULL", "text": "'un MAC'",
           "the row's own value": value}[damage]
    _sql(database, (f"UPDATE {table} SET mac = {mac}", ()))
    counted.clear()
    reads.clear()
    assert cli(capsys, "export", "json", "--registry", str(registry)) == (0, before, "")
    files = _files(registry)
    if table == "stats":
        assert len(reads) == files and counted == []  # every file read again, none checked again
    else:
        assert len(counted) == files
    counted.clear()
    reads.clear()
    assert cli(capsys, "export", "json", "--registry", str(registry)) == (0, before, "")
    assert counted == []  # the rows were written again, right
    if table == "stats":
        assert reads == []


@pytest.mark.parametrize("swap", ["between keys", "between tables"])
def test_rows_cannot_be_swapped(registry: Path, own_cache: Path, counted: list[str], swap: str,
                                capsys: pytest.CaptureFixture[str]) -> None:
    """A MAC binds a value to its key and to its table: a row moved, MAC and all, is not believed."""
    code, before, _ = cli(capsys, "export", "json", "--registry", str(registry))
    assert code == 0
    database = _database(own_cache)
    aero, bois = _key_of(database, "data", "exemple-aero"), _key_of(database, "data", "exemple-bois")
    with closing(sqlite3.connect(database)) as db:
        def row(table: str, key: bytes) -> tuple[bytes, bytes]:
            return db.execute(f"SELECT value, mac FROM {table} WHERE key = ?", (key,)).fetchone()
        if swap == "between keys":
            moves = [("data", aero, row("data", bois)), ("data", bois, row("data", aero))]
        else:
            moves = [("data", aero, row("results", aero))]
    _sql(database, *((f"UPDATE {table} SET value = ?, mac = ? WHERE key = ?", (*row_, key)) for table, key, row_ in moves))
    counted.clear()
    assert cli(capsys, "export", "json", "--registry", str(registry)) == (0, before, "")
    assert sorted(counted) == sorted([AERO, BOIS] if swap == "between keys" else [AERO])


def test_rows_of_another_eee_relabelled_are_not_believed(registry: Path, own_cache: Path, counted: list[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows an older eee (laxer schemas) wrote with the same key, under a fingerprint changed to today's."""
    monkeypatch.setattr(cache, "fingerprint", lambda: "l'eee d'hier")
    run(registry)
    monkeypatch.setattr(cache, "fingerprint", lambda: "l'eee d'aujourd'hui")
    _sql(_database(own_cache), ("UPDATE meta SET value = ? WHERE name = 'fingerprint'", ("l'eee d'aujourd'hui",)))
    counted.clear()
    run(registry)
    assert len(counted) == _files(registry)


def test_rows_of_another_registry_are_not_believed(tmp_path: Path, own_cache: Path, counted: list[str]) -> None:
    first, second = copy_base(tmp_path / "un"), copy_base(tmp_path / "deux")
    run(first)
    shutil.copy(_database(own_cache), Store(second).path)
    counted.clear()
    run(second)
    assert len(counted) == _files(second)


# --------------------------------------------------------------------------- modes


def test_the_cache_is_private(registry: Path, own_cache: Path) -> None:
    run(registry)
    database = _database(own_cache)
    assert _mode(own_cache) == 0o700 and _mode(database) == 0o600
    database.chmod(0o644)  # as an older eee left it
    run(registry)
    assert _mode(database) == 0o600
    store = Store(registry)  # in the middle of a write: the journal is private too
    store.load()
    store.put(b"k" * cache.KEY_SIZE, b"r", b"d")
    store._flush()
    journal = database.with_name(database.name + "-journal")
    try:
        assert journal.exists() and _mode(journal) == 0o600
    finally:
        store.close()


def test_eees_own_cache_folder_is_closed_but_not_one_the_user_chose(registry: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = tmp_path / "dossier-choisi"
    chosen.mkdir(mode=0o755)
    monkeypatch.setenv("EEE_CACHE_DIR", str(chosen))
    run(registry)
    assert _mode(chosen) == 0o755 and _mode(_database(chosen)) == 0o600
    monkeypatch.delenv("EEE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    own = tmp_path / "xdg-cache" / "eee"
    own.mkdir(parents=True, mode=0o755)  # as an older eee made it
    run(registry)
    assert _mode(own) == 0o700 and _mode(_database(own)) == 0o600


# --------------------------------------------------------------------------- the key


def test_a_key_file_is_made_once_private_and_kept(registry: Path, own_cache: Path, key_file: Path,
                                                  counted: list[str]) -> None:
    assert not key_file.exists()
    run(registry)
    key = key_file.read_bytes()
    assert len(key) == 32 and _mode(key_file) == 0o600 and _mode(key_file.parent) == 0o700
    assert not key_file.is_relative_to(own_cache)
    assert [p.name for p in key_file.parent.iterdir()] == ["cache-key"]  # no draft left behind
    counted.clear()
    run(registry)
    assert counted == [] and key_file.read_bytes() == key


@pytest.mark.parametrize("damage", ["readable by others", "too short"])
def test_a_key_file_others_can_read_or_a_damaged_one_is_replaced(registry: Path, key_file: Path, counted: list[str],
                                                                  damage: str) -> None:
    expected = [(p.path, p.code) for p in run(registry, cache=False).sorted()]
    run(registry)
    key = key_file.read_bytes()
    if damage == "too short":
        key_file.write_bytes(key[:5])
    else:
        key_file.chmod(0o644)
    counted.clear()
    assert [(p.path, p.code) for p in run(registry).sorted()] == expected
    assert len(counted) == _files(registry)  # rows made with the old key are not believed
    assert len(key_file.read_bytes()) == 32 and key_file.read_bytes() != key and _mode(key_file) == 0o600
    counted.clear()
    run(registry)
    assert counted == []


def test_the_key_can_come_from_the_environment(registry: Path, tmp_path: Path, own_cache: Path, key_file: Path,
                                               counted: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """In CI: the key from a CI secret, so that the cache kept from one run to the next (on another machine,
    without the key file) stays usable."""
    monkeypatch.setenv("EEE_CACHE_KEY", "une clé de CI assez longue")
    run(registry)
    assert not key_file.exists()
    shared = tmp_path / "cache-partage"
    shutil.copytree(own_cache, shared)
    monkeypatch.setenv("EEE_CACHE_DIR", str(shared))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "autre-machine"))
    counted.clear()
    run(registry)
    assert counted == []  # the same key: the cache is believed
    monkeypatch.setenv("EEE_CACHE_KEY", "une autre clé de CI, tout aussi longue")
    counted.clear()
    run(registry)
    assert len(counted) == _files(registry)  # rows made with another key are not
    monkeypatch.delenv("EEE_CACHE_KEY")
    counted.clear()
    run(registry)
    assert len(counted) == _files(registry)  # nor with the key file


@pytest.mark.parametrize("how", ["empty variable", "short variable", "settings cannot be made", "key in the cache",
                                 "key in the registry", "relative home"])
def test_without_a_key_eee_goes_without_the_cache(registry: Path, tmp_path: Path, own_cache: Path, key_file: Path,
                                                  counted: list[str], monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str], how: str) -> None:
    if how == "empty variable":  # a CI secret missing (a pull request from a fork): set, but empty
        monkeypatch.setenv("EEE_CACHE_KEY", "")
    elif how == "short variable":
        monkeypatch.setenv("EEE_CACHE_KEY", "court")
    elif how == "settings cannot be made":  # a home folder that cannot be written, even by root
        blocker = tmp_path / "pas-un-dossier"
        blocker.write_text("", encoding="utf-8")
        monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker / "config"))
    elif how == "key in the cache":  # the key file would be in the cache's folder, which may be shared
        monkeypatch.setenv("XDG_CONFIG_HOME", str(own_cache))
    elif how == "key in the registry":  # … or in the registry, which is published
        monkeypatch.setenv("XDG_CONFIG_HOME", str(registry))
    else:  # a relative HOME: ~/.config would be a folder of the working directory (a work tree, a registry…)
        monkeypatch.setenv("HOME", "maison")
        monkeypatch.delenv("XDG_CONFIG_HOME")
    expected = cli(capsys, "validate", "--no-cache", "--registry", str(registry))
    assert expected[0] == 0
    for _ in range(2):
        counted.clear()
        assert cli(capsys, "validate", "--registry", str(registry)) == expected
        assert len(counted) == _files(registry)
    assert not own_cache.exists() or not list(own_cache.rglob("*"))
    assert not key_file.exists() and not (tmp_path / "maison").exists() and not (registry / "eee").exists()


def test_a_relative_settings_folder_is_ignored(registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative $XDG_CONFIG_HOME (the XDG specification says to ignore it) could put the key in the registry."""
    monkeypatch.setenv("HOME", str(tmp_path / "maison"))
    monkeypatch.setenv("XDG_CONFIG_HOME", "registry")
    monkeypatch.chdir(registry.parent)
    run(registry)
    assert (tmp_path / "maison" / ".config" / "eee" / "cache-key").exists()
    assert not (registry / "eee").exists()


def test_an_unreadable_installation_only_costs_the_cache(registry: Path, own_cache: Path, counted: list[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The MACs are bound to eee's fingerprint: if eee's own files cannot be read to work it out, no cache."""
    expected = [(p.path, p.code) for p in run(registry, cache=False).sorted()]

    def unreadable() -> str:
        raise PermissionError("schemas illisibles")

    monkeypatch.setattr(cache, "fingerprint", unreadable)
    counted.clear()
    assert [(p.path, p.code) for p in run(registry).sorted()] == expected
    assert len(counted) == _files(registry) and not own_cache.exists()


# --------------------------------------------------------------------------- the cross-file checks' problems


def test_cross_file_problems_are_kept_with_what_they_were_worked_out_from(registry: Path, own_cache: Path,
                                                                          trusted: None,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`eee validate` with nothing changed takes the cross-file checks' problems again from the cache; a file
    changed, another day, or problems kept from another state of the registry (their MAC right) make the rules
    run again, with the same report as without the cache."""
    import datetime as dt

    from eee import rules, validate

    runs: list[int] = []
    real = rules.run

    def counted(model: Any, which: Any, *args: Any, **kwargs: Any) -> Any:
        if which is rules.REGISTRY:
            runs.append(1)
        return real(model, which, *args, **kwargs)

    monkeypatch.setattr(rules, "run", counted)

    def problems() -> list[tuple[Any, ...]]:
        found = sorted(p.as_row() for p in run(registry).problems)
        assert found == sorted(p.as_row() for p in run(registry, cache=False).problems)  # as without the cache
        return found

    first = problems()
    assert len(runs) == 2  # with the cache, then without
    assert problems() == first and len(runs) == 3  # the cache's: only the run without it ran the rules
    kept = _rows_named(_database(own_cache), "regles")
    pft = registry / "pft" / "pft-exemple.yaml"
    pft.write_text(pft.read_text(encoding="utf-8").replace("[exemple-aero]", "[exemple-inconnu]"), encoding="utf-8")
    changed = problems()
    assert len(runs) == 5 and any(row[3] == "EEE-R003" for row in changed) and changed != first
    _sql(_database(own_cache), ("UPDATE snapshots SET value = ?, mac = ? WHERE name = 'regles'", kept))
    assert problems() == changed and len(runs) == 7  # the problems of before the change (MAC right): not used

    class Tomorrow(dt.date):
        @classmethod
        def today(cls) -> dt.date:
            return dt.date.fromordinal(dt.date.today().toordinal() + 1)

    assert problems() == changed and len(runs) == 8
    monkeypatch.setattr(validate, "dt", type("dt", (), {"date": Tomorrow}))
    assert problems() == changed and len(runs) == 10  # another day: a rule reads the date


def _rows_named(database: Path, name: str) -> tuple[bytes, bytes]:
    with closing(sqlite3.connect(database)) as db:
        value, mac = db.execute("SELECT value, mac FROM snapshots WHERE name = ?", (name,)).fetchone()
    return value, mac
