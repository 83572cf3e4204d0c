"""The secret that authenticates the cache's rows, kept outside the cache and outside the registry
(standard library only).

`$EEE_CACHE_KEY` if it is set (for CI: a secret of the CI, so that a cache kept from one run to the next stays
usable); else a key file made once with 32 random bytes, mode 0600, in a folder 0700 with the user's settings
(`$XDG_CONFIG_HOME/eee/cache-key`, else `~/.config/eee/cache-key`): not with the cache, which may be put in the
project, shared between CI runs or deleted at any time. No key to be had: eee goes without the cache.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
import tempfile
from pathlib import Path

ENV_CACHE_KEY = "EEE_CACHE_KEY"
KEY_FILE = "cache-key"
KEY_BYTES = 32  # random bytes of a key file
MIN_KEY_TEXT = 16  # characters: a shorter `$EEE_CACHE_KEY` is no secret (no cache then)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def home() -> Path | None:
    """The user's home folder, if there is a real one (none without $HOME nor an account, nor `/`)."""
    try:
        found = Path.home()
    except RuntimeError:
        return None
    return found if found.is_absolute() and found != Path(found.anchor) else None


def key_dir() -> Path:
    """Where the cache's key file is kept when `$EEE_CACHE_KEY` is not set: with the user's settings,
    `$XDG_CONFIG_HOME/eee`, else `~/.config/eee`. Not with the cache: a cache folder may be put in
    the project, shared between CI runs or deleted at any time, and the key must go with none of
    these. (A relative `$XDG_CONFIG_HOME` is ignored, as the XDG specification says: it could point
    into the registry.)"""
    base = os.environ.get("XDG_CONFIG_HOME")
    if not base or not os.path.isabs(base):
        folder = home()
        if folder is None:
            raise RuntimeError("no home folder")
        base = str(folder / ".config")
    return Path(base) / "eee"


def secret(*outside: Path) -> bytes | None:
    """The key of the cache's MACs, or None if there is none to be had: eee then goes without the cache
    (an unauthenticated cache would be believed blindly).

    `$EEE_CACHE_KEY` if it is set (for CI: a secret of the CI, so that a cache kept from one run to
    the next stays usable; fewer than `MIN_KEY_TEXT` characters is no secret); else the key file of
    `key_dir`, made once with `KEY_BYTES` random bytes, mode 0600, in a folder made 0700. A key file
    within one of the folders `outside` (the cache's, the registry) is no secret either."""
    given = os.environ.get(ENV_CACHE_KEY)
    if given is not None:
        if len(given) < MIN_KEY_TEXT:
            return None
        return hashlib.blake2b(given.encode("utf-8", "surrogateescape"), digest_size=32,
                               person=b"eee-cache-key").digest()
    try:
        folder = key_dir()
        path = folder / KEY_FILE
        if not folder.is_absolute() or any(_within(path, other) for other in outside):  # a relative HOME: the work tree
            return None
        key = _read_key(path)
        if key is None:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # the parents like `mkdir -p`
            key = _make_key(path)
        return key
    except (OSError, RuntimeError, ValueError):  # RuntimeError: no home folder to be found
        return None


def _within(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _read_key(path: Path) -> bytes | None:
    """The key in the key file, None if there is none. A key file that is damaged (not `KEY_BYTES`
    bytes) or that others could read (no longer a secret) is replaced by a new one."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except FileNotFoundError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a file")
        key = os.read(fd, KEY_BYTES + 1)
    finally:
        os.close(fd)
    if len(key) != KEY_BYTES or info.st_mode & 0o077:
        return _make_key(path, replace=True)
    return key


def _make_key(path: Path, replace: bool = False) -> bytes:
    """A new key in a new key file (0600), written whole before it takes its name; without `replace`,
    the key file another eee has just made wins (each then uses the same key)."""
    key = os.urandom(KEY_BYTES)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)
        if os.write(fd, key) != KEY_BYTES:
            raise OSError(f"{draft}: short write")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        if replace:
            os.replace(draft, path)
            return key
        try:
            os.link(draft, path)  # never over a key file that appeared meanwhile
        except FileExistsError:
            other = _read_key(path)
            if other is None:
                raise OSError(f"{path} vanished") from None
            return other
        except OSError:  # a file system without hard links
            os.replace(draft, path)
        return key
    finally:
        try:
            os.unlink(draft)
        except FileNotFoundError:
            pass


# Files in eee's cache folder that are not rows of its SQLite file (compiled templates, a build's state for the next):
# each is a MAC of what it is bound to and of its content, then the content.

SIGNED_MAC = 32  # bytes of the MAC at the head of a signed file


def _signed_mac(key: bytes, person: bytes, bound: bytes, data: bytes) -> bytes:
    mac = hashlib.blake2b(key=key, digest_size=SIGNED_MAC, person=person)
    mac.update(bound + b"\0")
    mac.update(data)
    return mac.digest()


def read_signed(path: Path, key: bytes, person: bytes, bound: bytes) -> bytes | None:
    """The content of a file `write_signed` wrote with the same key, `person` (what the file is) and `bound` (what it
    stands for: a name, a folder); None if it cannot be read, is a link, or its MAC is wrong (written by someone
    else, damaged, or for something else)."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    mac, data = raw[:SIGNED_MAC], raw[SIGNED_MAC:]
    return data if hmac.compare_digest(mac, _signed_mac(key, person, bound, data)) else None


def write_signed(path: Path, key: bytes, person: bytes, bound: bytes, data: bytes) -> bool:
    """Write `data` with its MAC (`read_signed`), atomically, in a folder made 0700 if it is missing; False if it could
    not be written (the cache is then left as it was)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, draft = tempfile.mkstemp(prefix=".", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_signed_mac(key, person, bound, data) + data)
            os.replace(draft, path)
        except BaseException:
            os.unlink(draft)
            raise
    except OSError:
        return False
    return True
