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

The cache is a hint, never a source of truth: whoever can write its folder (a
cache shared between CI runs, another account) could otherwise make eee report
a broken file valid or publish what no YAML file says. So every row eee reads
back carries a MAC (keyed BLAKE2b) of what it says, bound to its key, to the
fingerprint and to the registry, with a secret kept outside the cache and
the registry (`secret`): `$EEE_CACHE_KEY`, else a key file made once in
`$XDG_CONFIG_HOME/eee` (else `~/.config/eee`). A row whose MAC is wrong is
dropped and its file checked again; without a secret, eee runs without the
cache. The cache holds internal contacts: its folder is made 0700, its files
0600.

The cache is an optimisation and nothing else: deleting it is always safe, and
a cache that cannot be read or written (read-only disk, corrupt file, another
eee writing) is ignored — the files are then simply checked again.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import stat
import sys
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from .cachekey import home, secret
from .settings import PACKAGE_DIR, schemas_dir

ENV_CACHE_DIR = "EEE_CACHE_DIR"
FORMAT = 8  # bump when the rows change shape (5: the formatted table; 6: every row with its MAC; 7: the query index;
# 8: its fields by file)
MAC_BYTES = 16
KEY_SIZE = 20  # bytes of a cache key (`content_key`)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def cache_dir() -> Path | None:
    """Where eee keeps its caches (None: nowhere to keep them, eee goes without)."""
    explicit = os.environ.get(ENV_CACHE_DIR)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not os.path.isabs(base):
        folder = home()
        if folder is None:
            return None
        base = str(folder / ".cache")
    return Path(base) / "eee"


def fingerprint() -> str:
    """What the per-file results depend on besides the files: eee's code, its schemas, Python and the
    libraries that read and check YAML. Any change gives another fingerprint."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{FORMAT}\0{sys.version}\0".encode())
    versions = _versions(("PyYAML", "jsonschema", "python-stdnum", "ruamel.yaml"))  # ruamel.yaml: eee fmt
    for name, version in versions.items():
        digest.update(f"{name}={version}\0".encode())
    digest.update(_libyaml().encode("utf-8", "surrogateescape"))
    for folder, pattern in ((PACKAGE_DIR, "*.py"), (schemas_dir(), "*.json")):
        for path in sorted(folder.rglob(pattern)):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _libyaml() -> str:
    """Which libyaml PyYAML reads with: its compiled module's file name, size and date ("pure" without one), found
    on the import path as `import yaml` would, without importing it (a query that parses no file does not)."""
    from importlib.machinery import EXTENSION_SUFFIXES

    for entry in sys.path:
        folder = os.path.join(entry or ".", "yaml")
        if not os.path.isfile(os.path.join(folder, "__init__.py")):
            continue
        for suffix in EXTENSION_SUFFIXES:
            try:
                st = os.stat(os.path.join(folder, "_yaml" + suffix))
            except OSError:
                continue
            return f"_yaml{suffix}:{st.st_size}:{st.st_mtime_ns}"
        return "pure"
    return "pure"  # pragma: no cover - PyYAML is a dependency


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
            from importlib.metadata import PackageNotFoundError
            from importlib.metadata import version as metadata_version

            try:
                found[distribution] = metadata_version(distribution)
            except PackageNotFoundError:
                found[distribution] = "-"
    return {name: found[name] for name in distributions}


def content_key(purpose: bytes, head: str, raw: bytes) -> bytes:
    """A cache key: what a result depends on besides eee itself (`head`: path, kind…) and the file's bytes;
    `purpose` keeps the keys of different results apart (at most 16 bytes)."""
    digest = hashlib.blake2b(digest_size=KEY_SIZE, person=purpose)
    digest.update(head.encode() + b"\0")
    digest.update(raw)
    return digest.digest()


# MACs are worked out for every file of every run (20,000 rows for a national registry): a copy of the table's
# keyed BLAKE2b (`Store._sign_with`), then the row's parts. Keys have KEY_SIZE bytes (`content_key`), which is
# what keeps a key and its value apart; a path is followed by a NUL, which no path has.


def _mac(signer: Any, key: bytes, value: bytes) -> bytes:
    """The MAC of a value under its key."""
    if len(key) != KEY_SIZE:
        raise ValueError(f"a cache key has {KEY_SIZE} bytes, not {len(key)}")
    mac = signer.copy()
    mac.update(key)
    mac.update(value)
    return mac.digest()


def _authentic(signer: Any, key: Any, value: Any, mac: Any) -> bool:
    """Whether a row read back (with values of any SQLite type: whoever wrote it chose) is one eee made."""
    try:
        return hmac.compare_digest(_mac(signer, key, value), mac)
    except (TypeError, ValueError):  # not bytes, or a key of another size
        return False


class Store:
    """The cached results of one registry's files: looked up one by one, written in one transaction.

    Two tables keyed by a file's content: `results` (what `eee validate` needs of a file: its
    problems, references and the fields the cross-file checks read) and `data` (the file's whole
    data, which queries and publishing need). A third, `stats`, maps each path to its key and to
    its stat signature when the key was worked out, so that an unchanged file need not even be read
    (`known`). Rows are never all in memory at once: a registry of tens of thousands of files would
    hold its data twice (as text and as values) for nothing. A fourth, `formatted`, is `eee fmt`'s:
    whether each text met is in canonical form. A fifth, `snapshots`, holds named values written
    whole, and a sixth, `projections`, the fields of each file by its key: the query index's (`index.py`).

    Every row has a MAC (`mac`) of what it says, bound to its key (a stats row: to its path, stat
    signature and key), to its table, to the fingerprint and to the registry, under the secret of
    `secret`: a row this eee did not write from these bytes is never used; it is dropped and its
    file checked again. No secret, no cache.
    """

    BATCH = 500
    SCAN_FROM = 4000  # keys looked up at once beyond which the whole table is read instead (`_rows_of`)
    TIMEOUT = 2.0  # seconds to wait for another eee that is writing the same cache
    TABLES = ("results", "data", "stats", "formatted", "snapshots", "projections")

    def __init__(self, root: Path, folder: Path | None = None) -> None:
        self.root = Path(root).resolve()
        name = hashlib.blake2b(str(self.root).encode(), digest_size=10).hexdigest()
        self._own_folder = folder is None and not os.environ.get(ENV_CACHE_DIR)  # eee's, not one the user chose
        folder = folder or cache_dir()
        self.path = None if folder is None else folder / f"registre-{name}.sqlite3"
        self._fingerprint: str | None = None
        self._db: sqlite3.Connection | None = None
        self._signers: dict[str, Any] = {}  # table -> keyed BLAKE2b (its key bound to the fingerprint and registry)
        self._new_stats: Any = None  # self._signers["stats"].copy
        self._key_id = ""
        self._unused: set[bytes] = set()  # keys stored that no file has asked for (yet)
        self._new: list[tuple[bytes, bytes, bytes, bytes, bytes]] = []  # (key, result, its MAC, data, its MAC)
        self._stats: dict[str, tuple[bytes, bytes, bytes]] = {}  # path -> (stat signature, key, MAC), as stored
        self._forged: set[str] = set()  # paths whose stats row failed its MAC
        self._forged_formatted: set[bytes] = set()  # keys whose formatted row failed its MAC
        self._seen: dict[str, tuple[bytes | None, bytes]] = {}  # path -> (signature if settled, key), this run
        self._with_stats = True

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = fingerprint()
        return self._fingerprint

    def load(self, stats: bool = True) -> None:
        """Open the cache (an empty one if there is none, if it is damaged, or if another eee, other
        schemas or another key made it); without a key (`secret`) or a folder for it, go without it.
        Without `stats`, the files' stat signatures are not read: the query index (`index.py`) keeps its own."""
        self._with_stats = stats
        if self.path is None:
            return
        key = secret(self.path.parent, self.root)
        if key is None:
            return
        try:
            self._sign_with(key)  # works out the fingerprint: eee's files are read
        except OSError:
            return
        for attempt in (1, 2):
            try:
                self._prepare(self.path)
                self._open(self.path)
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

    def _sign_with(self, key: bytes) -> None:
        # The MACs' key is drawn from the secret, the fingerprint and the registry: a row is bound to all three
        # at no cost per row. (Fed to the MAC instead, they would be hashed again for each row.)
        bound = hashlib.blake2b(f"{self.fingerprint}\0{self.root}".encode("utf-8", "surrogatepass"), key=key,
                                digest_size=64, person=b"eee-cache-rows").digest()
        for tag, table in enumerate(self.TABLES):
            signer = hashlib.blake2b(key=bound, digest_size=MAC_BYTES, person=b"eee-cache-row")
            signer.update(bytes((tag,)))  # the table: a row is not another table's
            self._signers[table] = signer
        self._new_stats = self._signers["stats"].copy
        # Which key made the cache (a MAC of nothing: it tells nothing of the key). Another key: every row dropped.
        self._key_id = hashlib.blake2b(key=key, digest_size=16, person=b"eee-cache-keyid").hexdigest()

    def _prepare(self, path: Path) -> None:
        """The cache's folder (made 0700) and file (made 0600, or made 0600 again) before SQLite opens it:
        SQLite gives its journal the mode of the file. The cache holds internal contacts."""
        folder = path.parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # the parents like `mkdir -p`
        if self._own_folder:  # eee's own folder, perhaps made by an older eee: closed to others too
            info = folder.stat()
            if info.st_mode & 0o077 and info.st_uid == os.getuid():
                folder.chmod(0o700)
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | _NOFOLLOW, 0o600)
        try:
            if stat.S_IMODE(os.fstat(fd).st_mode) != 0o600:
                os.fchmod(fd, 0o600)
        finally:
            os.close(fd)

    def _open(self, path: Path) -> None:
        db = self._db = sqlite3.connect(path, timeout=self.TIMEOUT, isolation_level=None)
        db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
        stored = dict(db.execute("SELECT name, value FROM meta WHERE name IN ('fingerprint', 'key')"))
        if stored.get("fingerprint") != self.fingerprint or stored.get("key") != self._key_id:
            db.execute("BEGIN IMMEDIATE")
            for table in ("files", *self.TABLES):  # `files`: FORMAT 1
                db.execute(f"DROP TABLE IF EXISTS {table}")
            db.execute("CREATE TABLE results (key BLOB PRIMARY KEY, value BLOB, mac BLOB) WITHOUT ROWID")
            db.execute("CREATE TABLE data (key BLOB PRIMARY KEY, value BLOB, mac BLOB) WITHOUT ROWID")
            db.execute("CREATE TABLE stats (path TEXT PRIMARY KEY, signature BLOB, key BLOB, mac BLOB) WITHOUT ROWID")
            db.execute("CREATE TABLE formatted (key BLOB PRIMARY KEY, canonical INTEGER, mac BLOB) WITHOUT ROWID")
            db.execute("CREATE TABLE snapshots (name TEXT PRIMARY KEY, value BLOB, mac BLOB) WITHOUT ROWID")
            db.execute("CREATE TABLE projections (key BLOB PRIMARY KEY, value BLOB, mac BLOB) WITHOUT ROWID")
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                           [("fingerprint", self.fingerprint), ("key", self._key_id)])
            db.execute("COMMIT")
        if self._with_stats:
            self._stats = {path: (signature, key, mac)
                           for path, signature, key, mac in db.execute("SELECT path, signature, key, mac FROM stats")}

    def _stats_mac(self, path: str, signature: bytes, key: bytes) -> bytes:
        """The MAC of a stats row: its path (then a NUL, which no path has), stat signature and key."""
        if len(key) != KEY_SIZE:
            raise ValueError(f"a cache key has {KEY_SIZE} bytes, not {len(key)}")
        mac = self._signers["stats"].copy()
        mac.update(key)
        mac.update((path + "\0").encode("utf-8", "surrogatepass"))
        mac.update(signature)
        return mac.digest()

    def known(self, path: str, signature: bytes) -> bytes | None:
        """The key of a file whose stat signature has not changed since its key was worked out (if its row
        is one eee made)."""
        stored = self._stats.get(path)
        if stored is None or stored[0] != signature:
            return None
        key = stored[1]
        try:  # `_stats_mac`, written out: this is done for every file
            mac = self._new_stats()
            mac.update(key)
            mac.update((path + "\0").encode("utf-8", "surrogatepass"))
            mac.update(signature)
            if len(key) == KEY_SIZE and hmac.compare_digest(mac.digest(), stored[2]):
                return key
        except TypeError:  # not bytes
            pass
        del self._stats[path]  # not a row eee made: the file is read, and its row written again or dropped
        self._forged.add(path)
        return None

    def note(self, path: str, signature: bytes | None, key: bytes) -> None:
        """A file of this run and its key; `signature` is None when it cannot be trusted next time
        (changed too recently: see `filecheck.signature`)."""
        self._seen[path] = (signature, key)

    def fetch(self, wanted: set[bytes], whole: bool = True) -> Iterator[tuple[bytes, bytes, bytes | None]]:
        """The stored results for these keys, as (key, result, data) rows, in one pass over the cache;
        data is None unless `whole`. Only rows whose MACs are right: the others are dropped (their
        files are then checked again)."""
        if self._db is None:
            return
        forged = []
        try:
            if whole:
                results, data_of = self._signers["results"], self._signers["data"]
                for key, result, result_mac, data, data_mac in self._db.execute(
                        "SELECT key, results.value, results.mac, data.value, data.mac FROM results LEFT JOIN data USING (key)"):
                    if key not in wanted:
                        self._unused.add(key)
                    elif data is None:
                        continue
                    elif _authentic(results, key, result, result_mac) and _authentic(data_of, key, data, data_mac):
                        yield key, result, data
                    else:
                        forged.append((key,))
            else:  # `eee validate`: `_authentic` written out, for every file; no column more than needed (in
                # Python 3.11, sqlite3 lets go of the GIL and takes it back for each column of each row)
                new_mac, compare = self._signers["results"].copy, hmac.compare_digest
                for key, result, result_mac in self._db.execute("SELECT key, value, mac FROM results"):
                    if key not in wanted:
                        self._unused.add(key)
                        continue
                    try:
                        mac = new_mac()
                        mac.update(key)
                        mac.update(result)
                        authentic = len(key) == KEY_SIZE and compare(mac.digest(), result_mac)
                    except TypeError:  # not bytes
                        authentic = False
                    if authentic:
                        yield key, result, None
                    else:
                        forged.append((key,))
            if forged:
                if not self._db.in_transaction:
                    self._db.execute("BEGIN IMMEDIATE")
                for table in ("results", "data"):
                    self._db.executemany(f"DELETE FROM {table} WHERE key = ?", forged)
        except sqlite3.Error:
            self.close()

    def put(self, key: bytes, result: bytes, data: bytes) -> None:
        """Keep a file's result and data (rows) under its key; written by batches."""
        if self._db is None:
            return
        self._new.append((key, result, _mac(self._signers["results"], key, result),
                          data, _mac(self._signers["data"], key, data)))
        if len(self._new) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._db is None or not self._new:
            return
        try:
            if not self._db.in_transaction:
                self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)",
                                 [(k, r, rm) for k, r, rm, _, _ in self._new])
            self._db.executemany("INSERT OR REPLACE INTO data VALUES (?, ?, ?)",
                                 [(k, d, dm) for k, _, _, d, dm in self._new])
        except sqlite3.Error:
            self.close()
        self._new.clear()

    def save(self) -> None:
        """Write what is left, drop the rows no file uses any more, and close (gives up silently on any error)."""
        if self._db is None:
            return
        self._flush()
        stale = [(path,) for path in (*self._stats, *self._forged) if self._seen.get(path, (None,))[0] is None]
        fresh = []
        for path, (signature, key) in self._seen.items():
            if signature is not None:
                stored = self._stats.get(path)
                if stored is None or stored[0] != signature or stored[1] != key:
                    fresh.append((path, signature, key, self._stats_mac(path, signature, key)))
        try:
            if self._unused or stale or fresh:
                if not self._db.in_transaction:
                    self._db.execute("BEGIN IMMEDIATE")
                for table in ("results", "data"):
                    self._db.executemany(f"DELETE FROM {table} WHERE key = ?", [(k,) for k in self._unused])
                self._db.executemany("DELETE FROM stats WHERE path = ?", stale)
                self._db.executemany("INSERT OR REPLACE INTO stats VALUES (?, ?, ?, ?)", fresh)
            if self._db.in_transaction:
                self._db.execute("COMMIT")
        except sqlite3.Error:
            pass
        self.close()

    def data_of(self, keys: AbstractSet[bytes]) -> dict[bytes, bytes]:
        """The stored whole data (rows) of these keys, those whose MAC is right; the others are left out."""
        return self._rows_of("data", keys)

    def projections_of(self, keys: AbstractSet[bytes]) -> dict[bytes, bytes]:
        """The query index's fields of the files of these keys (`keep_snapshot`), those whose MAC is right."""
        return self._rows_of("projections", keys)

    def _rows_of(self, table: str, keys: AbstractSet[bytes]) -> dict[bytes, bytes]:
        if self._db is None or not keys:
            return {}
        signer, found = self._signers[table], {}
        wanted = list(keys)
        try:
            if len(wanted) > self.SCAN_FROM:  # one pass over the table costs less than this many lookups
                rows: Iterable[tuple[Any, Any, Any]] = self._db.execute(f"SELECT key, value, mac FROM {table}")
                for key, value, mac in rows:
                    if key in keys and _authentic(signer, key, value, mac):
                        found[key] = value
                return found
            for start in range(0, len(wanted), self.BATCH):
                batch = wanted[start:start + self.BATCH]
                for key, value, mac in self._db.execute(
                        f"SELECT key, value, mac FROM {table} WHERE key IN ({', '.join('?' * len(batch))})", batch):
                    if _authentic(signer, key, value, mac):
                        found[key] = value
        except sqlite3.Error:
            self.close()
            return {}
        return found

    # Snapshots: one value per name (the query index's, `index.py`), each with its MAC, bound to its name; and
    # the index's fields of each file, by the file's key.

    @staticmethod
    def _snapshot_key(name: str) -> bytes:
        return hashlib.blake2b(name.encode(), digest_size=KEY_SIZE, person=b"eee-snapshot").digest()

    def snapshot(self, name: str, mac: bytes | None = None) -> bytes | None:
        """The value kept under this name, if there is one and its MAC is right (and, given `mac`, is that one:
        the value `snapshot_mac` was worked out of)."""
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT value, mac FROM snapshots WHERE name = ?", (name,)).fetchone()
        except sqlite3.Error:
            self.close()
            return None
        if row is None or (mac is not None and row[1] != mac) \
                or not _authentic(self._signers["snapshots"], self._snapshot_key(name), row[0], row[1]):
            return None
        return row[0]

    def snapshot_mac(self, name: str, value: bytes) -> bytes | None:
        """The MAC this value gets when kept under this name (None without a cache): a value that names another
        by its MAC asks for exactly that one (`snapshot(name, mac)`), at no cost of a hash of its own."""
        if self._db is None:
            return None
        return _mac(self._signers["snapshots"], self._snapshot_key(name), value)

    def keep_snapshot(self, values: dict[str, bytes], projections: dict[bytes, bytes] | None = None,
                      forget: AbstractSet[bytes] = frozenset(), replace: bool = False) -> None:
        """Keep these values under their names and these fields by key (`projections`), drop the fields of the
        keys of `forget` (or, with `replace`, every other one), in one transaction (nothing is kept if it fails)."""
        if self._db is None:
            return
        signer, by_key = self._signers["snapshots"], self._signers["projections"]
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?)",
                                 [(name, value, _mac(signer, self._snapshot_key(name), value))
                                  for name, value in values.items()])
            if replace:
                self._db.execute("DELETE FROM projections")
            self._db.executemany("DELETE FROM projections WHERE key = ?", [(key,) for key in forget])
            self._db.executemany("INSERT OR REPLACE INTO projections VALUES (?, ?, ?)",
                                 [(key, value, _mac(by_key, key, value)) for key, value in (projections or {}).items()])
            self._db.execute("COMMIT")
        except sqlite3.Error:
            self.close()

    # `eee fmt`: whether a text is in canonical form (keys from `fmt`: kind and bytes). Kept apart from the
    # results above: formatting a few files must not make the other files' results look stale.

    def formatted(self) -> dict[bytes, bool]:
        """For each text met before, whether it is in canonical form (none if the cache cannot be read);
        rows whose MAC is wrong are left out (and dropped by `save_formatted`)."""
        if self._db is None:
            return {}
        signer = self._signers["formatted"]
        found: dict[bytes, bool] = {}
        try:
            for key, canonical, mac in self._db.execute("SELECT key, canonical, mac FROM formatted"):
                if type(canonical) is int and canonical in (0, 1) and _authentic(signer, key, b"%d" % canonical, mac):
                    found[key] = canonical == 1
                else:
                    self._forged_formatted.add(key)
        except sqlite3.Error:
            self.close()
            return {}
        return found

    def save_formatted(self, found: dict[bytes, bool], forget: AbstractSet[bytes] = frozenset()) -> None:
        """Keep what was found of these texts, drop those of `forget` (no longer in the registry), and close."""
        if self._db is None:
            return
        signer = self._signers["formatted"]
        forget = set(forget) | (self._forged_formatted - set(found))
        try:
            if found or forget:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("DELETE FROM formatted WHERE key = ?", [(k,) for k in forget])
                self._db.executemany("INSERT OR REPLACE INTO formatted VALUES (?, ?, ?)",
                                     [(k, int(canonical), _mac(signer, k, b"%d" % canonical))
                                      for k, canonical in found.items()])
                self._db.execute("COMMIT")
        except sqlite3.Error:
            pass
        self.close()

    @property
    def is_open(self) -> bool:
        return self._db is not None

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
