"""The cache of per-file results, outside the registry (standard library only).

One SQLite file per registry folder, in `$EEE_CACHE_DIR`, else
`$XDG_CACHE_HOME/eee`, else `~/.cache/eee`: never in the registry, never in
the git work tree. Each row is one file's result (`filecheck.FileCheck`, as
JSON: data only, nothing that could run code), keyed by the file's path, kind
and bytes. The whole cache carries a fingerprint of eee's code, schemas and
libraries: when any of them changes, every row is dropped.

The cache is an optimisation and nothing else: deleting it is always safe, and
a cache that cannot be read or written (read-only disk, corrupt file, another
eee writing) is ignored — the files are then simply checked again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any, Iterator

from .settings import PACKAGE_DIR, schemas_dir

ENV_CACHE_DIR = "EEE_CACHE_DIR"
FORMAT = 1  # bump when the rows change shape


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
    for name in ("PyYAML", "jsonschema", "fastjsonschema", "python-stdnum"):
        digest.update(f"{name}={_version(name)}\0".encode())
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


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "-"


class Store:
    """The cached results of one registry's files: looked up one by one, written in one transaction.

    Rows are never all in memory at once: a registry of tens of thousands of
    files would hold its data twice (as text and as values) for nothing.
    """

    BATCH = 500

    def __init__(self, root: Path, folder: Path | None = None) -> None:
        name = hashlib.blake2b(str(Path(root).resolve()).encode(), digest_size=10).hexdigest()
        self.path = (folder or cache_dir()) / f"registre-{name}.sqlite3"
        self._fingerprint: str | None = None
        self._db: sqlite3.Connection | None = None
        self._unused: set[bytes] = set()  # keys stored that no file has asked for (yet)
        self._new: list[tuple[bytes, str]] = []

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
        db = self._db = sqlite3.connect(self.path, timeout=2, isolation_level=None)
        db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE IF NOT EXISTS files (key BLOB PRIMARY KEY, value TEXT)")
        stored = db.execute("SELECT value FROM meta WHERE name = 'fingerprint'").fetchone()
        if stored is None or stored[0] != self.fingerprint:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM files")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (self.fingerprint,))
            db.execute("COMMIT")

    def fetch(self, wanted: set[bytes]) -> Iterator[tuple[bytes, Any]]:
        """The stored results for these keys, as (key, result), in one pass over the cache."""
        if self._db is None:
            return
        try:
            for key, text in self._db.execute("SELECT key, value FROM files"):
                if key in wanted:
                    yield key, json.loads(text)
                else:
                    self._unused.add(key)
        except sqlite3.Error:
            self.close()

    def put(self, key: bytes, row: str) -> None:
        """Keep a result (as JSON text) for a key; written by batches."""
        if self._db is None:
            return
        self._new.append((key, row))
        if len(self._new) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._db is None or not self._new:
            return
        try:
            if not self._db.in_transaction:
                self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?)", self._new)
        except sqlite3.Error:
            self.close()
        self._new.clear()

    def save(self) -> None:
        """Write what is left, drop the rows no file uses any more, and close (gives up silently on any error)."""
        if self._db is None:
            return
        self._flush()
        try:
            if self._unused:
                if not self._db.in_transaction:
                    self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("DELETE FROM files WHERE key = ?", [(k,) for k in self._unused])
            if self._db.in_transaction:
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
