"""The per-file part of a validation: spread over the cores, remembered by content.

Everything eee can tell about a file from its bytes alone — its data, its
read problems (EEE-Y…), its schema problems (EEE-S…), ambiguity warnings
(EEE-Y014), the problems of the rules that read one file alone (`rules.FILE`)
and the references it makes — is worked out here, once per distinct content:

- files not seen before are checked in worker processes when there are many
  of them (`jobs`, default: the cores available), in this process otherwise;
- the results are kept in a cache (`cache.py`) keyed by the file's path, kind
  and bytes, and by a fingerprint of eee's code and schemas: a changed file,
  schema or program is always checked again. A file whose stat signature (size,
  modification and change times, inode) is the one it had when its key was
  worked out is not read again, unless that signature was too recent to be
  trusted (`signature`). The cross-file part (the model and the rules of scope
  REGISTRY) always runs, on every file;
- `eee validate` needs of each unchanged file only its problems, references
  and the fields the cross-file checks read (`rules.REGISTRY_READS`): that is
  all it takes from the cache (`whole=False`). Publishing and queries take the
  whole data.

Positions are not carried around: each document keeps its file's bytes, and
positions are worked out again on demand, for the few files with something to
report.
"""

from __future__ import annotations

import gc
import marshal
import os
import struct
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import content_key
from .catalogue import Y014
from .diagnostics import Problem
from .discovery import read_bytes
from .kinds import Kind
from .loader import SourceDoc, decode, read_text
from .model import Found, columns
from .schema import SchemaSet

# Below this many files to check, worker processes cost more than they save.
PARALLEL_FROM = 400
BATCH = 100
# A stat signature is trusted next time only if the file had not changed for this long (nanoseconds) when
# it was read: a file changed again within the same tick of the file system's clock would otherwise keep
# its signature (git's "racily clean" entries). Two seconds cover the coarsest clocks (FAT).
SETTLED_NS = 2_000_000_000

Progress = Callable[[int, int], None]  # (files done, files in all)


@dataclass(slots=True)
class FileCheck:
    """What one file's bytes say, independently of every other file."""

    data: Any = None  # the file's value (None if it could not be read)
    read_problems: Sequence[Problem] = field(default_factory=list)  # EEE-Y…: the file is left out of the model if any is an error
    schema_problems: Sequence[Problem] | None = None  # EEE-S… and EEE-Y014; None: schemas not checked
    valid: bool = False  # passed its schema
    rule_problems: Sequence[Problem] = field(default_factory=list)  # the rules of SCOPE FILE (with the schemas only)
    references: Found | None = None  # in columns (pointers, target ids, allowed kinds), if the file was checked

    def to_row(self) -> bytes:
        """The result as plain values (`marshal`), with only the fields of the data the cross-file checks
        read: the whole data is kept apart (`dump`)."""
        from .rules import REGISTRY_READS  # the rules, only when files are checked (not for a query's start)

        data = {k: v for k, v in self.data.items() if k in REGISTRY_READS} if isinstance(self.data, dict) else self.data
        row = Problem.as_row
        return marshal.dumps((data, tuple(map(row, self.read_problems)),
                              None if self.schema_problems is None else tuple(map(row, self.schema_problems)),
                              self.valid, tuple(map(row, self.rule_problems)), self.references))

    @classmethod
    def from_row(cls, row: bytes) -> FileCheck:
        """The result `to_row` wrote; ValueError if the row is damaged."""
        try:
            data, read, schema, valid, rules, refs = marshal.loads(row)
            # Nothing changes a result read back: empty problems and the references stay tuples (no copy).
            problem = Problem.of_row
            return cls(data, list(map(problem, read)) if read else (),
                       None if schema is None else list(map(problem, schema)) if schema else (),
                       valid is True, list(map(problem, rules)) if rules else (), refs)
        except (ValueError, TypeError, EOFError) as exc:
            raise ValueError(f"damaged row: {exc}") from None


def dump(data: Any) -> bytes:
    """A file's data as plain values (`marshal`: dictionaries, lists, text, numbers; never code)."""
    return marshal.dumps(data)


def check_text(rel: str, kind: Kind | None, text: str, schemas: SchemaSet | None) -> FileCheck:
    """Read one file's text and, with `schemas`, check it against its kind's schema and the FILE rules."""
    doc = read_text(SourceDoc(rel, kind), text)
    result = FileCheck(doc.data, doc.problems)
    if schemas is not None and doc.ok and kind is not None:
        problems = schemas.check(doc)
        result.valid = not problems
        result.schema_problems = problems + ambiguity_warnings(doc, {(p.line, p.column) for p in problems})
        result.references = columns(schemas.references(kind.name, doc.data))
        from .rules import run_on_file

        result.rule_problems = run_on_file(doc, schemas, result.valid, result.references)
    elif schemas is not None:
        result.schema_problems = []
    return result


def ambiguity_warnings(doc: SourceDoc, reported: set[tuple[int, int]]) -> list[Problem]:
    """EEE-Y014: plain values eee reads as text but other YAML tools (editors) read as numbers or booleans."""
    problems = []
    for pointer, text in doc.ambiguous.items():
        line, col = doc.positions[pointer]
        if (line, col) in reported:
            continue  # the schema already says what is wrong with this value
        other = _other_reading(text)
        problems.append(Y014.problem(
            doc.path, line, col,
            f"« {text} » sans guillemets : eee le lit comme du texte, mais d'autres outils YAML "
            f"(dont les éditeurs) y voient {other}",
            f"écrivez \"{text}\" entre guillemets",
            doc.data.get("id", "") if isinstance(doc.data.get("id"), str) else "",
        ))
    return problems


def _other_reading(text: str) -> str:
    if ":" in text:
        return "un nombre sexagésimal (18:30 devient 1110)"
    if text.lstrip("+-")[:1].isdigit():
        return f"le nombre {int(text.replace('_', ''), 10)}"
    return "un booléen (vrai ou faux)"


# --------------------------------------------------------------------------- a whole registry


def check_raw(rel: str, kind: Kind | None, raw: bytes, schemas: SchemaSet | None) -> tuple[bytes, bytes]:
    """One file's result and whole data from its bytes, as rows (what the cache keeps and the workers
    send back)."""
    doc = SourceDoc(rel, kind)
    text = decode(doc, raw)
    result = FileCheck(None, doc.problems, [] if schemas is not None else None) if text is None \
        else check_text(rel, kind, text, schemas)
    return result.to_row(), dump(result.data)


# size, modification and change times (ns), inode: packed as 32 bytes (cheaper than text, 20,000 times a run)
_SIGNATURE = struct.Struct("<QqqQ").pack


def signature(path: str, now: int) -> tuple[bytes | None, bool]:
    """A file's stat signature (None if it cannot be read), and whether it can be trusted next time:
    the file had not changed for `SETTLED_NS` at `now`."""
    try:
        st = os.stat(path)
        packed = _SIGNATURE(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    except (OSError, struct.error):  # unreadable, or a date beyond 2262: the file is read each time
        return None, False
    limit = now - SETTLED_NS
    return packed, st.st_mtime_ns < limit and st.st_ctime_ns < limit


def file_key(rel: str, kind: Kind | None, raw: bytes) -> bytes:
    """A file's cache key: its path, kind and bytes (its result depends on nothing else but eee itself)."""
    return content_key(b"eee-file", f"{rel}\0{kind.name if kind else ''}", raw)


def check_files(root: Path, files: list[tuple[str, Kind]], schemas: SchemaSet | None, *,
                jobs: int | None = None, store: Any = None, progress: Progress | None = None,
                whole: bool = True) -> tuple[list[SourceDoc], list[FileCheck]]:
    """Read (and, with `schemas`, check) every file; return their documents and per-file results.

    `store` is a cache (`cache.Store`) or None. Files are returned in the order given. Each
    document keeps its bytes (or, if it was not read, where to read them), to find positions
    later if a problem must be reported there. Without `whole`, the documents' data have only
    the fields the cross-file checks read (`rules.REGISTRY_READS`).
    """
    results: list[FileCheck | None] = [None] * len(files)
    total = len(files)
    folder = str(root)
    with quiet_gc(), _closing(store):
        docs = [SourceDoc(rel, kind) for rel, kind in files]
        if store is not None:
            store.load()
        keys: dict[bytes, int] = {}
        now, prefix = time.time_ns(), os.path.join(folder, "")
        for index, doc in enumerate(docs):
            key = sign = None
            if store is not None:  # a file whose stat signature is the one its key was worked out with is not read
                sign, settled = signature(prefix + doc.path, now)
                key = store.known(doc.path, sign) if sign is not None else None
            if key is None:
                key = _read(doc, folder, results, index, schemas)
            else:
                doc.root = folder
            if key is not None:
                keys[key] = index
                doc.key = key
                if store is not None:
                    store.note(doc.path, sign if settled else None, key)
        if store is not None:
            for key, result, data in store.fetch(set(keys), whole):
                try:
                    cached = FileCheck.from_row(result)
                    if whole:
                        cached.data = marshal.loads(data)
                except (ValueError, TypeError, EOFError):  # a damaged row: the file is checked again
                    continue
                if cached.schema_problems is not None or schemas is None:
                    results[keys[key]] = cached
        pending = []
        for key, index in keys.items():
            doc = docs[index]
            if results[index] is None and doc.text is None:  # known by its signature, but its row is gone
                key = _read(doc, folder, results, index, schemas)
                doc.key = key
                if key is not None and store is not None:
                    store.note(doc.path, None, key)
            if results[index] is None:
                pending.append((key, index))
        work = [(*files[index], docs[index].text) for _, index in pending]
        done = total - len(pending)
        if progress and done:
            progress(done, total)
        # The generator first: zip then runs it to its end (last progress call, workers closed). (The ignore: the
        # pending documents have been read, so each text is the file's bytes.)
        for (result, data), (key, index) in zip(_run(work, schemas, jobs, progress, done, total), pending):  # type: ignore[arg-type]
            checked = FileCheck.from_row(result)
            if whole:
                checked.data = marshal.loads(data)
            results[index] = checked
            if store is not None and schemas is not None:
                store.put(key, result, data)
        for doc, result in zip(docs, results):
            assert result is not None
            doc.data = result.data
            if result.read_problems:
                doc.problems = list(result.read_problems)
        if store is not None:
            store.save()
    return docs, results  # type: ignore[return-value]  # every result is set (asserted above)


def _read(doc: SourceDoc, folder: str, results: list[FileCheck | None], index: int,
          schemas: SchemaSet | None) -> bytes | None:
    """Read a file's bytes into its document and return its key; or record why it could not be read."""
    raw, problem = read_bytes(folder, doc.path)
    if raw is None:
        assert problem is not None  # read_bytes says why whenever it gives no bytes
        results[index] = FileCheck(None, [problem], [] if schemas is not None else None)
        return None
    doc.text, doc.root = raw, None
    return file_key(doc.path, doc.kind, raw)


def _run(work: list[tuple[str, Kind | None, bytes]], schemas: SchemaSet | None, jobs: int | None,
         progress: Progress | None, done: int, total: int) -> Iterator[tuple[bytes, bytes]]:
    """Each file's result and data as rows, in order: (path, kind, bytes) → (result, data)."""
    from .parallel import fork_map

    parallel = len(work) >= PARALLEL_FROM
    if parallel and schemas is not None:
        schemas.prepare()  # compiled once, here: the workers inherit it

    def task(batch: list[tuple[str, Kind | None, bytes]]) -> list[tuple[bytes, bytes]]:
        return [check_raw(rel, kind, raw, schemas) for rel, kind, raw in batch]

    batches = [work[i:i + BATCH] for i in range(0, len(work), BATCH)]
    for rows in fork_map(task, batches, jobs if parallel else 1):
        yield from rows
        done += len(rows)
        if progress:
            progress(done, total)


@contextmanager
def _closing(store: Any) -> Iterator[None]:
    """On any failure (an interruption too), the cache's pending writes are dropped and its lock released."""
    try:
        yield
    except BaseException:
        if store is not None:
            store.close()
        raise


@contextmanager
def quiet_gc(freeze: bool = True) -> Iterator[None]:
    """No cyclic garbage collection while reading a registry, building its model or running its rules, or
    while a site is built from it: these make many fresh, acyclic values (data, entities, references,
    keys), which the collector would otherwise walk over and over (a third of the reading time; 0.3 s of
    an incremental build at N = 20,000, for nothing found). Once made, they are frozen out of its reach
    (`freeze`: those made by a build are not kept, nor frozen)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
