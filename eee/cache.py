"""The cache of per-file results, outside the registry (standard library only).

One SQLite file per registry folder, in `$EEE_CACHE_DIR`, else
`$XDG_CACHE_HOME/eee`, else `~/.cache/eee`: never in the registry, never in
the git work tree. Each row is one file's result (`filecheck.FileCheck`, as
plain values written by `marshal`: dictionaries, lists, text and numbers;
reading them never runs code, and a damaged row means the file is checked
again), keyed by the file's path, kind and bytes; a file whose stat signature
has not changed since is not even read again. The whole cache carries a
fingerprint of eee's code, schemas and libraries: when any of them changes,
every row is dropped.

The cache is an optimisation and nothing else: deleting it is always safe, and
a cache that cannot be read or written (read-only disk, corrupt file, another
eee writing) is ignored — the files are then simply checked again.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from pathlib import Path
from typing import Iterator

from .settings import PACKAGE_DIR, schemas_dir

ENV_CACHE_DIR = "EEE_CACHE_DIR"
FORMAT = 5  # bump when the rows change shape (5: the formatted table)


def cache_dir() -> Path:
    """Where eee keeps its caches."""
    explicit = os.environ.get(ENV_CACHE_DIR)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "eee"


def fingerprint() -> str:
    """What the per-file results depend on besides the files: eee's code, its schemas, Python and the
    libraries that read and check YAML. Any change gives another fingerprint."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{FORMAT}\0{sys.version}\0".encode())
    versions = _versions(("PyYAML", "jsonschema", "python-stdnum", "ruamel.yaml"))  # ruamel.yaml: eee fmt
    for name, version in versions.items():
        digest.update(f"{name}={version}\0".encode())
    try:
        import yaml._yaml as libyaml

        digest.update(libyaml.get_version_string().encode())
    except ImportError:  # pragma: no cover - PyYAML without libyaml
        digest.update(b"pure")
    for folder, pattern in ((PACKAGE_DIR, "*.py"), (schemas_dir(), "*.json")):
        for path in sorted(folder.rglob(pattern)):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _versions(distributions: tuple[str, ...]) -> dict[str, str]:
    """The installed version of each distribution ("-" if absent): from the names of the `.dist-info`
    folders on the import path (one listing each), else from the package metadata (slower to load)."""
    def normal(name: str) -> str:
        return name.lower().replace("-", "_").replace(".", "_")

    wanted = {normal(name): name for name in distributions}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in listing:
            if folder.endswith(".dist-info"):
                name, _, version = folder[:-len(".dist-info")].partition("-")
                distribution = wanted.get(normal(name))
                if distribution is not None and distribution not in found:
                    found[distribution] = version
    for distribution in distributions:
        if distribution not in found:
            from importlib.metadata import PackageNotFoundError, version as metadata_version

            try:
                found[distribution] = metadata_version(distribution)
            except PackageNotFoundError:
                found[distribution] = "-"
    return {name: found[name] for name in distributions}


def content_key(purpose: bytes, head: str, raw: bytes) -> bytes:
    """A cache key: what a result depends on besides eee itself (`head`: path, kind…) and the file's bytes;
    `purpose` keeps the keys of different results apart (at most 16 bytes)."""
    digest = hashlib.blake2b(digest_size=20, person=purpose)
    digest.update(head.encode() + b"\0")
    digest.update(raw)
    return digest.digest()


class Store:
    """The cached results of one registry's files: looked up one by one, written in one transaction.

    Two tables keyed by a file's content: `results` (what `eee validate` needs of a file: its
    problems, references and the fields the cross-file checks read) and `data` (the file's whole
    data, which queries and publishing need). A third, `stats`, maps each path to its key and to
    its stat signature when the key was worked out, so that an unchanged file need not even be read
    (`known`). Rows are never all in memory at once: a registry of tens of thousands of files would
    hold its data twice (as text and as values) for nothing. A fourth, `formatted`, is `eee fmt`'s:
    whether each text met is in canonical form.
    """

    BATCH = 500
    TIMEOUT = 2.0  # seconds to wait for another eee that is writing the same cache

    def __init__(self, root: Path, folder: Path | None = None) -> None:
        name = hashlib.blake2b(str(Path(root).resolve()).encode(), digest_size=10).hexdigest()
        self.path = (folder or cache_dir()) / f"registre-{name}.sqlite3"
        self._fingerprint: str | None = None
        self._db: sqlite3.Connection | None = None
        self._unused: set[bytes] = set()  # keys stored that no file has asked for (yet)
        self._new: list[tuple[bytes, bytes, bytes]] = []
        self._stats: dict[str, tuple[bytes, bytes]] = {}  # path -> (stat signature, key), as stored
        self._seen: dict[str, tuple[bytes | None, bytes]] = {}  # path -> (signature if settled, key), this run

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = fingerprint()
        return self._fingerprint

    def load(self) -> None:
        """Open the cache (an empty one if there is none, if it is damaged, or if another eee or other
        schemas made it)."""
        for attempt in (1, 2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._open()
                return
            except sqlite3.OperationalError:  # busy (another eee writing), read-only, I/O: not this run's
                self.close()
                return
            except sqlite3.DatabaseError:  # not a database, or a damaged one: start again from nothing
                self.close()
                if attempt == 1:
                    try:
                        self.path.unlink()
                    except OSError:
                        return
            except (sqlite3.Error, OSError):
                self.close()
                return

    def _open(self) -> None:
        db = self._db = sqlite3.connect(self.path, timeout=self.TIMEOUT, isolation_level=None)
        db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
        stored = db.execute("SELECT value FROM meta WHERE name = 'fingerprint'").fetchone()
        if stored is None or stored[0] != self.fingerprint:
            db.execute("BEGIN IMMEDIATE")
            for table in ("files", "results", "data", "stats", "formatted"):  # `files`: FORMAT 1
                db.execute(f"DROP TABLE IF EXISTS {table}")
            db.execute("CREATE TABLE results (key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID")
            db.execute("CREATE TABLE data (key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID")
            db.execute("CREATE TABLE stats (path TEXT PRIMARY KEY, signature BLOB, key BLOB) WITHOUT ROWID")
            db.execute("CREATE TABLE formatted (key BLOB PRIMARY KEY, canonical INTEGER) WITHOUT ROWID")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (self.fingerprint,))
            db.execute("COMMIT")
        self._stats = {path: (signature, key) for path, signature, key in db.execute("SELECT * FROM stats")}

    def known(self, path: str, signature: bytes) -> bytes | None:
        """The key of a file whose stat signature has not changed since its key was worked out."""
        stored = self._stats.get(path)
        return stored[1] if stored is not None and stored[0] == signature else None

    def note(self, path: str, signature: bytes | None, key: bytes) -> None:
        """A file of this run and its key; `signature` is None when it cannot be trusted next time
        (changed too recently: see `filecheck.signature`)."""
        self._seen[path] = (signature, key)

    def fetch(self, wanted: set[bytes], whole: bool = True) -> Iterator[tuple[bytes, bytes, bytes | None]]:
        """The stored results for these keys, as (key, result, data) rows, in one pass over the cache;
        data is None unless `whole`."""
        if self._db is None:
            return
        query = "SELECT key, results.value, data.value FROM results LEFT JOIN data USING (key)" if whole \
            else "SELECT key, value, NULL FROM results"
        try:
            for key, result, data in self._db.execute(query):
                if key in wanted:
                    if not whole or data is not None:
                        yield key, result, data
                else:
                    self._unused.add(key)
        except sqlite3.Error:
            self.close()

    def put(self, key: bytes, result: bytes, data: bytes) -> None:
        """Keep a file's result and data (rows) under its key; written by batches."""
        if self._db is None:
            return
        self._new.append((key, result, data))
        if len(self._new) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._db is None or not self._new:
            return
        try:
            if not self._db.in_transaction:
                self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?)", [(k, r) for k, r, _ in self._new])
            self._db.executemany("INSERT OR REPLACE INTO data VALUES (?, ?)", [(k, d) for k, _, d in self._new])
        except sqlite3.Error:
            self.close()
        self._new.clear()

    def save(self) -> None:
        """Write what is left, drop the rows no file uses any more, and close (gives up silently on any error)."""
        if self._db is None:
            return
        self._flush()
        stale = [(path,) for path in self._stats if self._seen.get(path, (None,))[0] is None]
        fresh = [(path, signature, key) for path, (signature, key) in self._seen.items()
                 if signature is not None and self._stats.get(path) != (signature, key)]
        try:
            if self._unused or stale or fresh:
                if not self._db.in_transaction:
                    self._db.execute("BEGIN IMMEDIATE")
                for table in ("results", "data"):
                    self._db.executemany(f"DELETE FROM {table} WHERE key = ?", [(k,) for k in self._unused])
                self._db.executemany("DELETE FROM stats WHERE path = ?", stale)
                self._db.executemany("INSERT OR REPLACE INTO stats VALUES (?, ?, ?)", fresh)
            if self._db.in_transaction:
                self._db.execute("COMMIT")
        except sqlite3.Error:
            pass
        self.close()

    # `eee fmt`: whether a text is in canonical form (keys from `fmt`: kind and bytes). Kept apart from the
    # results above: formatting a few files must not make the other files' results look stale.

    def formatted(self) -> dict[bytes, bool]:
        """For each text met before, whether it is in canonical form (none if the cache cannot be read)."""
        if self._db is None:
            return {}
        try:
            return {key: canonical == 1 for key, canonical in self._db.execute("SELECT key, canonical FROM formatted")}
        except sqlite3.Error:
            self.close()
            return {}

    def save_formatted(self, found: dict[bytes, bool], forget: set[bytes] = frozenset()) -> None:  # type: ignore[assignment]
        """Keep what was found of these texts, drop those of `forget` (no longer in the registry), and close."""
        if self._db is None:
            return
        try:
            if found or forget:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("DELETE FROM formatted WHERE key = ?", [(k,) for k in forget])
                self._db.executemany("INSERT OR REPLACE INTO formatted VALUES (?, ?)",
                                     [(k, int(canonical)) for k, canonical in found.items()])
                self._db.execute("COMMIT")
        except sqlite3.Error:
            pass
        self.close()

    def close(self) -> None:
        """Close without writing what is pending (what a failed write leaves)."""
        if self._db is not None:
            try:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                self._db.close()
            except sqlite3.Error:
                pass
        self._db = None
