"""The query index: what `eee list`, `show`, `search`, `stats` and `tree` need of each file, kept in the cache.

A query needs little of each file: its kind, the fields it filters, sorts and counts on (`query.QUERY_READS`), its
references and, for `search`, its words. The index keeps exactly that for every file of the registry, in the
cache's SQLite file (`cache.Store.snapshot`), as values, each with its MAC:

- `requetes`: for each file, by path: its stat signature (`filecheck.signature`), its cache key (path, kind and
  bytes: `filecheck.file_key`), its kind, whether it could be read and the ids it references; and the MACs of
  the other values, so that they always go together (a value is read only if its MAC is the one named here);
- `mots`, what `search` reads: by file number, its path, kind and name (as written, and normalised), and every
  distinct normalised word of the registry's texts (its vocabulary); beside it, in `SHARDS` parts
  (`mots:00`…, a word's part given by its CRC-32), for each word, the numbers of the files that have it, each
  with the weight of the word there (`search.weighted_words`): a search reads the parts of the words it finds
  alone (`Index.occurrences`);
- `textes`: each file's words, to take them out of `mots` when the file changes or goes;
- `fiches:<kind>`, what `list` filters on and `stats` counts, one value per kind: each readable file's
  `query.Facts` (its départements and académies, school year, status, type, its members, when it began, its
  numbers of beneficiaries, its gaps…; the ids it references are those of `requetes`), worked out by
  `query.facts_of` on the index's model. An entity's facts read its own fields and those of the entities it
  references (a structure's host school gives its département): when files change, the facts of these files
  and of the files that reference their ids are worked out again (`Index.refresh`);
- `chiffres`: `eee stats`'s figures (`stats.tally` of the facts), of today (added up when the index is made)
  and of the school years asked for, with the MACs of the `fiches` they were added up from: added up again only
  when these change (`Index.figures`).

Beside them, each readable file's fields of `QUERY_READS` and its references (`model.Found`) are a row of their
own, under the file's key (`Store.projections_of`), with its MAC: a query reads the rows of the files it needs
alone. A changed or deleted file's row goes with the index's values, in the same transaction.

**When it is brought up to date.** Each query lists the registry's folders (`discovery.discover`) and compares
each file's stat signature with the one the index holds: an unchanged file is not even opened. Files added or
changed are read (parsed, without their schema checks) and files gone are dropped, in `requetes` and `fiches`,
which are then written back; their words wait in `requetes` (`Pending`) until a search needs `mots`, which is
then brought up to date and written back with the parts of its lists these words are in and `textes` (the
largest values: a list or figures after an edit do not pay for them). The figures are added up again at the next `eee stats`. With no index (the first query, a deleted cache, another eee, other schemas), or when more
than `REBUILD_FROM` files changed, it is made again from the whole registry through the cache's per-file rows
(`validate.load`), with a progress bar on a terminal after half a second. A file changed too recently for its
signature to be trusted is read again at each query until it settles.

**Why it can be trusted.** Like every row of the cache, the values and the rows of fields carry a MAC
under eee's secret: a value eee did not write is ignored and the index made again; a row of fields eee did not
write is ignored and the file read again. An older value put back is brought up to date by the
signatures, as if files had changed since.

**What answers from it.** `eee stats` reads its figures, or adds up the facts (`stats.tally`), with no model.
`eee list` picks the files of a kind whose facts pass its filters (`query.matches`), then makes their rows from
the model of these files and of those around them (`Index.model`: a `model.Registry` of the kept fields alone,
which gives every query that reads only them the whole model's answer; tests/test_index.py compares each
command's output, and each file's facts, with the whole model's). `search` works out the score of every file
from `mots` (`search._indexed` says how). What needs an entity's whole data, the entity `eee show` shows and the
hits `search` shows, takes it from the cache's `data` rows, or else from its own file (`Index.complete`). The
cache stays open from `open_index` to `Index.close` (the query commands close it when they have answered).
"""

from __future__ import annotations

import marshal
import os
import time
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .cache import Store
from .diagnostics import Report
from .discovery import Discovery, read_bytes
from .filecheck import Progress, file_key, quiet_gc, signature
from .kinds import KINDS
from .loader import SourceDoc, decode, read_text, stem
from .model import NOTHING_FOUND, Entity, Found, Registry, cited_ids, columns
from .query import QUERY_PRESENCE, QUERY_READS, Facts, facts_of, normalize
from .schema import SchemaSet
from .search import WEIGHTS, weighted_words
from .validate import load, registry_files

FORMAT = 9  # bump when the values change shape
MODEL, WORDS, TEXTS, FIGURES = "requetes", "mots", "textes", "chiffres"
# `mots`' lists of files by word, in SHARDS values: a search reads those of the words it finds alone.
SHARDS = 64
WORD_SHARDS = tuple(f"mots:{number:02d}" for number in range(SHARDS))
FACTS = {kind: f"fiches:{kind}" for kind in KINDS}  # `fiches`, one value per kind: `list` reads its kind's alone
FIGURES_KEPT = 8  # `chiffres`: the figures of so many school years (and of today) are kept
# Beyond this many changed files, the index is made again from the cache's rows (and their workers) rather than
# by reading each changed file here.
REBUILD_FROM = 400

# One file in `requetes`: stat signature (None: read again next time), cache key (None: not known), kind, read
# without error, and the ids it references. Its fields (those of QUERY_READS, and its references, as one marshal
# value) are kept apart, by its key (`Store.projections_of`), and read only for the files a query needs.
Entry = tuple[bytes | None, bytes | None, str, bool, tuple[str, ...]]
# The words of the files changed since `mots` was last written, by path: (kind, name, weighted words), or None for a
# file gone or unreadable. `requetes` keeps them until a search needs `mots` and brings it up to date (`_synced`).
Pending = dict[str, tuple[str, str, dict[str, float]] | None]


def _entry(sign: bytes | None, key: bytes | None, kind: str, data: Any,
           found: Found | None) -> tuple[Entry, bytes | None]:
    """A file's entry and its fields (None when it could not be read: `found` None)."""
    if found is None or not isinstance(data, dict):
        return (sign, key, kind, False, ()), None
    projected = {k: None if k in QUERY_PRESENCE else v for k, v in data.items() if k in QUERY_READS}
    return (sign, key, kind, True, cited_ids(found)), marshal.dumps((projected, found))


class Index:
    """The query index of one registry, up to date with its files (made by `open_index`)."""

    def __init__(self, root: Path, schemas: SchemaSet, found: Discovery, entries: dict[str, Entry], store: Store,
                 values: dict[str, Any], digests: dict[str, bytes], progress: Progress | None,
                 fields: dict[str, bytes] | None = None, pending: Pending | None = None) -> None:
        self.root, self.schemas, self.found = root, schemas, found
        self.entries = entries
        self._pending = pending or {}  # the files whose words `mots` does not have yet
        self._fields = fields or {}  # the fields of files just read, by path (the others are in the cache)
        self._store = store  # open from `open_index` to `close`; else opened for each read (`_opened`)
        self._values = values  # `mots` and `fiches`, once read
        self._digests = digests
        self._progress = progress
        self._model: Registry | None = None
        self._by_path: dict[str, str] | None = None

    @property
    def broken(self) -> int:
        """How many files could not be read, or are misplaced: left out of the answers."""
        return len({p.path for p in self.found.problems if p.is_error}
                   | {path for path, entry in self.entries.items() if not entry[3]})

    def model(self, paths: Iterable[str] | None = None, neighbours: bool = True) -> Registry:
        """The model of the whole registry, or of the files at `paths` and (with `neighbours`) of those around
        them: the files they reference, the files that reference them, and every file of the same id as one of
        these. Every question about the files asked, their fields, relations and the names around them, gets
        the whole model's answer. Each entity holds only the fields queries read."""
        if paths is None:
            if self._model is None:
                self._model = self._build(self.entries)
            return self._model
        wanted = set(paths)
        if neighbours:
            wanted = self._around(wanted)
        return self._build([path for path in self.entries if path in wanted])

    def _build(self, paths: Iterable[str]) -> Registry:
        docs, references = [], {}
        entries = self.entries
        paths = list(paths)
        kept = self._kept([path for path in paths if entries[path][3]])
        with quiet_gc():
            for path in paths:
                kind = entries[path][2]
                fields = kept.get(path)
                if fields is None:
                    docs.append(SourceDoc(path, KINDS[kind]))
                    continue
                data, references[path] = marshal.loads(fields)
                docs.append(SourceDoc(path, KINDS[kind], data))
            return Registry.build(self.root, docs, self.schemas, set(), self.found.skipped, references)

    def _kept(self, paths: list[str]) -> dict[str, bytes]:
        """The fields of these readable files: those just read, else the cache's rows, else (a row missing, or
        whose MAC is wrong) from the files themselves."""
        kept = {path: self._fields[path] for path in paths if path in self._fields}
        keys = {key: path for path in paths if path not in kept and (key := self.entries[path][1]) is not None}
        if keys:
            with self._opened() as store:
                kept.update((keys[key], value) for key, value in store.projections_of(set(keys)).items())
        for path in paths:
            if path not in kept:
                kind = self.entries[path][2]
                doc, _ = _read(self.root, path, kind)
                fields = _entry(None, None, kind, doc.data, columns(self.schemas.references(kind, doc.data))
                                if doc.ok else None)[1]
                if fields is not None:
                    kept[path] = fields
        return kept

    def _around(self, paths: set[str]) -> set[str]:
        stems = self._stems()
        ids = {stems[path] for path in paths}
        wanted = set(paths)
        wanted.update(path for path, entry in self.entries.items() if entry[4] and not ids.isdisjoint(entry[4]))
        for path in paths:
            ids.update(self.entries[path][4])
        ids.update(stems[path] for path in wanted)
        wanted.update(path for path, entity_id in stems.items() if entity_id in ids)
        return wanted

    def _stems(self) -> dict[str, str]:
        """Each file's id (its name), by path (made once)."""
        if self._by_path is None:  # `loader.stem` of each: every registry file (discovery) ends in ".yaml", any case
            self._by_path = {path: path[path.rfind("/") + 1:-5] for path in self.entries}
        return self._by_path

    def of_kind(self, kind: str) -> list[str]:
        """The paths of the files of a kind."""
        return [path for path, entry in self.entries.items() if entry[2] == kind]

    def readable(self, path: str) -> bool:
        """Whether the file at `path` could be read (its entity is in the models)."""
        return self.entries[path][3]

    def named(self, *ids: str) -> list[str]:
        """The paths of the files whose name (the entity's id) is one of these."""
        wanted = set(ids)
        return [path for path, entity_id in self._stems().items() if entity_id in wanted]

    def _value(self, name: str) -> dict[str, Any]:
        """`mots` (without its lists of files by word, read apart: `_postings`) or the `fiches` of a kind, read on
        first use (`search` needs the one, `list` and `stats` the others)."""
        if name not in self._values:
            with self._opened() as store:
                value = _load(store, name, self._digests)
                if value is not None and name == WORDS and self._pending:
                    value = self._synced(store, value)
                if value is None:  # not the one `requetes` goes with: the index is made again
                    self._made_again(store)
                else:
                    self._values[name] = value
        return self._values[name]

    def _postings(self, wanted: Iterable[str]) -> dict[str, Any]:
        """The lists of files of these words: from the parts of `mots`' lists they are in (`WORD_SHARDS`), each
        read once and only if it is the one `requetes` goes with; if one is not, from the index made again (the
        files' numbers then are the new index's, for every word alike)."""
        words = self._value(WORDS)
        if "postings" in words:
            return words["postings"]
        parts = {WORD_SHARDS[_shard(word)] for word in wanted} - self._values.keys()
        if parts:
            with self._opened() as store:
                for name in sorted(parts):
                    part = _load(store, name, self._digests)
                    if part is None:
                        self._made_again(store)
                        return self._values[WORDS]["postings"]
                    self._values[name] = part
        return {word: posting for word in wanted if (posting := self._values[WORD_SHARDS[_shard(word)]].get(word))}

    def _made_again(self, store: Store) -> None:
        """The index made again from the whole registry, and kept (a value was not the one `requetes` goes
        with): every value is then in memory, `mots` with all its lists."""
        entries, words, texts, facts, fields = _made(self.root, self.schemas, self.found, self._progress)
        self._digests = _keep(store, entries, facts, fields, words=words, texts=texts, replace=True)
        self.entries = {rel: entries[rel] for rel in self.entries}
        self._model, self._by_path, self._fields, self._pending = None, None, fields, {}
        self._values = {WORDS: words, **{FACTS[kind]: facts[kind] for kind in FACTS}}

    def _synced(self, store: Store, words: dict[str, Any]) -> dict[str, Any] | None:
        """`mots` with the words of the files changed since it was written (`Pending`), written back with the
        parts of its lists that these words are in, `textes` and `requetes`; None if `textes`, or one of these
        parts, is not the one `requetes` goes with."""
        texts = _load(store, TEXTS, self._digests)
        if texts is None:
            return None
        touched = {_shard(word) for path, item in self._pending.items()
                   for word in [*texts.get(path, "").split(), *(item[2] if item is not None else ())]}
        postings: dict[str, Any] = {}  # the words of the parts touched, all of them
        for number in sorted(touched):
            part = _load(store, WORD_SHARDS[number], self._digests)
            if part is None:
                return None
            postings.update(part)
        words = {**words, "postings": postings}
        numbers = _numbers(words)
        for path, item in self._pending.items():
            _forget(words, texts, path, numbers)
            if item is not None:
                numbers[path] = len(words["paths"])
                _add(words, texts, path, *item)
        parts = _shards(words.pop("postings"), touched)
        words["vocabulary"] = [word for word in words["vocabulary"] if _shard(word) not in touched] \
            + [word for part in parts.values() for word in part]
        values = {WORDS: marshal.dumps(words), TEXTS: marshal.dumps(texts),
                  **{WORD_SHARDS[number]: marshal.dumps(part) for number, part in parts.items()}}
        digests = {**self._digests, **{name: mac for name, value in values.items()
                                       if (mac := store.snapshot_mac(name, value)) is not None}}
        store.keep_snapshot({MODEL: _requetes(self.entries, digests, {}), **values})
        self._digests, self._pending = digests, {}
        self._values.update((WORD_SHARDS[number], part) for number, part in parts.items())
        return words

    def facts(self, kind: str | None = None) -> list[Facts]:
        """The facts of every readable file (`query.Facts`), or of those of a kind, in the order of their paths
        (a model's)."""
        packed: dict[str, Any] = {}
        for of_kind in [kind] if kind is not None else FACTS:
            packed.update(self._value(FACTS[of_kind]))
        entries, stems = self.entries, self._stems()
        return [Facts.unpacked(path, entries[path][2], stems[path], entries[path][4], packed[path])
                for path in sorted(packed)]

    def figures(self, annee: str | None = None) -> dict[str, Any]:
        """`eee stats`'s figures (`stats.tally` of every file's facts), of today or of a school year: kept in the
        cache (`chiffres`) with the MACs of the facts they were added up from, and added up again only when
        these facts change."""
        from .stats import tally, thawed, to_keep

        facts_macs = [self._digests.get(name) for name in FACTS.values()]
        kept: dict[str, Any] = {}
        with self._opened() as store:
            value = store.snapshot(FIGURES) if None not in facts_macs else None
        try:
            made_from, kept = marshal.loads(value) if value is not None else (None, {})
        except (ValueError, TypeError, EOFError):
            made_from = None
        if made_from != facts_macs or not isinstance(kept, dict):
            kept = {}
        year = annee or ""
        if year in kept:
            return thawed(kept[year])
        figures = tally(self.facts(), self.schemas, annee)
        facts_macs = [self._digests.get(name) for name in FACTS.values()]  # made again if they did not go together
        if None not in facts_macs:
            kept = {**dict(list(kept.items())[-(FIGURES_KEPT - 1):]), year: to_keep(figures)}
            with self._opened() as store:
                store.keep_snapshot({FIGURES: marshal.dumps((facts_macs, kept))})
        return figures

    def ids(self) -> dict[str, None]:
        """The ids of the readable files, in the order of their paths (a model's `entities`, without the model)."""
        stems = self._stems()
        return dict.fromkeys(stems[path] for path in sorted(self.entries) if self.entries[path][3])

    def refresh(self, facts: dict[str, dict[str, Any]], touched: set[str]) -> set[str]:
        """Bring `fiches` (by kind, then path) up to date, in place, when the files at `touched` changed, came or
        went: the facts of these files and of the files that reference their ids, worked out again (an entity's
        facts read its own fields and those of the entities it references: `query.Facts`). Return the kinds
        whose facts were worked out again or dropped."""
        ids = {stem(path) for path in touched}
        affected = {path for path in touched if path in self.entries}
        affected.update(path for path, entry in self.entries.items() if not ids.isdisjoint(entry[4]))
        changed = set()
        for kind, of_kind in facts.items():
            for path in touched:
                if of_kind.pop(path, None) is not None:
                    changed.add(kind)
        model = self.model(affected)
        for entity in model:
            if entity.path in affected:
                facts.setdefault(entity.kind.name, {})[entity.path] = facts_of(model, entity).packed()
                changed.add(entity.kind.name)
        return changed

    def vocabulary(self) -> Iterable[str]:
        """Every distinct normalised word of the registry's texts (`search.Words`)."""
        words = self._value(WORDS)
        return words["postings"].keys() if "postings" in words else words["vocabulary"]

    def occurrences(self, words: Iterable[str]) -> dict[str, tuple[Sequence[int], Sequence[float]]]:
        """For each of these words, the numbers of the files that have it, and its weight in each
        (`search.Words`)."""
        wanted = list(words)
        postings = self._postings(wanted)
        found: dict[str, tuple[Sequence[int], Sequence[float]]] = {}
        for word in wanted:
            numbers, codes = postings.get(word, (b"", b""))
            found[word] = (_unpack(numbers), [WEIGHTS[code] for code in codes])
        return found

    def numbers(self) -> dict[str, int]:
        """Each file's number in `mots`, by path."""
        return _numbers(self._value(WORDS))

    def files(self, numbers: set[int]) -> list[tuple[int, str, str, str]]:
        """The files with these numbers, in the registry's order: (number, kind, name, name normalised)
        (`search.Words`)."""
        words = self._value(WORDS)
        kinds, names, norms = words["kinds"], words["names"], words["norms"]
        return [(number, kinds[number], names[number], norms[number])
                for number in sorted(numbers, key=words["paths"].__getitem__)]

    def entities(self, numbers: set[int]) -> list[tuple[int, Entity]]:
        """The entities of the files with these numbers, with their numbers, in the registry's order
        (`search.Words`)."""
        paths = self._value(WORDS)["paths"]
        number_of = {paths[number]: number for number in numbers}
        return [(number_of[entity.path], entity) for entity in self.model(number_of, neighbours=False)]

    def complete(self, entities: list[Entity]) -> None:
        """Give these entities their whole data: from the cache's rows, else from their own files."""
        keys = {entity.path: self.entries[entity.path][1] for entity in entities if entity.path in self.entries}
        with self._opened() as store:
            rows = store.data_of({key for key in keys.values() if key is not None})
        for entity in entities:
            key = keys.get(entity.path)
            data = None
            if key is not None and key in rows:
                try:
                    data = marshal.loads(rows[key])
                except (ValueError, TypeError, EOFError):
                    data = None
            if not isinstance(data, dict):
                doc, _ = _read(self.root, entity.path, entity.kind.name)
                data = doc.data if doc.ok else None
            if isinstance(data, dict):
                entity.doc.data = data

    def close(self) -> None:
        """Close the cache (`open_index` leaves it open for the question's reads; an index closed opens it again
        for each read or write)."""
        self._store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _opened(self) -> Iterator[Store]:
        """The cache, open: as `open_index` left it, else for the time of one read or write."""
        if self._store.is_open:
            yield self._store
            return
        self._store.load(stats=False)
        try:
            yield self._store
        finally:
            self._store.close()


def open_index(root: Path, progress: Progress | None = None) -> Index:
    """The query index of the registry at `root`, brought up to date with its files (see the module's doc)."""
    root = Path(root)
    found = registry_files(root)
    schemas = SchemaSet.installed()
    store = Store(root)
    store.load(stats=False)
    try:
        with quiet_gc():  # (the entries read back, tens of thousands, kept for the time of the question)
            entries, digests, pending = _entries(store)
            now, prefix = time.time_ns(), os.path.join(str(root), "")
            changed: list[tuple[str, str, bytes | None]] = []  # (path, kind, signature if settled)
            present = set()
            for rel, kind in found.files:
                present.add(rel)
                sign, settled = signature(prefix + rel, now)
                entry = entries.get(rel) if entries else None
                if entry is None or sign is None or entry[0] != sign or entry[2] != kind.name:
                    changed.append((rel, kind.name, sign if settled else None))
        gone = [path for path in entries or () if path not in present]
        values: dict[str, Any] = {}  # `mots`, `textes` and `fiches`, when read or made here
        index: Index | None = None
        fields: dict[str, bytes] = {}  # the fields of the files read here, by path
        made = entries is None or len(changed) > REBUILD_FROM
        if not made and (changed or gone):
            assert entries is not None
            read = [(rel, kind, sign, *_read(root, rel, kind)) for rel, kind, sign in changed]
            # A file whose bytes are the ones the index has (touched, or changed too recently to be trusted) stays
            # as it is; its signature is kept once it can be trusted.
            same = {rel for rel, _, _, _, key in read if key is not None and rel in entries and entries[rel][1] == key}
            moved = [file for file in read if file[0] not in same]
            trusted = {rel: sign for rel, _, sign, _, _ in read if rel in same and sign is not None}
            for rel, sign in trusted.items():
                entries[rel] = (sign, *entries[rel][1:])
            if moved or gone:
                # The facts are brought up to date now; the words, when a search needs them (`Pending`).
                values = {name: _load(store, name, digests) for name in FACTS.values()}
                if None in values.values():
                    made = True
                else:
                    touched = {file[0] for file in moved} | set(gone)
                    old_keys = {entries[rel][1] for rel in touched if rel in entries}
                    fields = _update(schemas, entries, moved, gone, pending)
                    facts = {kind: values[name] for kind, name in FACTS.items()}
                    index = _ordered(root, schemas, found, entries, store, values, digests, progress, fields, pending)
                    kinds = index.refresh(facts, touched)
                    digests = index._digests = _keep(
                        store, entries, facts, fields, kinds=kinds, digests=digests, pending=pending,
                        forget={key for key in old_keys if key is not None} - {entries[rel][1] for rel in fields})
            elif trusted:
                store.keep_snapshot({MODEL: _requetes(entries, digests, pending)})
        if made:
            entries, words, texts, facts, fields = _made(root, schemas, found, progress)
            values = {WORDS: words, TEXTS: texts, **{FACTS[kind]: facts[kind] for kind in FACTS}}
            digests, pending = _keep(store, entries, facts, fields, words=words, texts=texts, replace=True), {}
    except BaseException:
        store.close()
        raise
    assert entries is not None
    if made or index is None:  # (the index that brought the facts up to date is the one answering)
        index = _ordered(root, schemas, found, entries, store, values, digests, progress, fields, pending)
    if made:  # every file's facts are at hand: today's figures are added up with them (`Index.figures`)
        index.figures()
    return index


def _ordered(root: Path, schemas: SchemaSet, found: Discovery, entries: dict[str, Entry], store: Store,
             values: dict[str, Any], digests: dict[str, bytes], progress: Progress | None,
             fields: dict[str, bytes] | None = None, pending: Pending | None = None) -> Index:
    """The index of these entries, in the registry's order (which the model keeps)."""
    ordered = {rel: entries[rel] for rel, _ in found.files}
    return Index(root, schemas, found, ordered, store, {k: v for k, v in values.items() if k != TEXTS}, digests,
                 progress, fields, pending)


def _entries(store: Store) -> tuple[dict[str, Entry] | None, dict[str, bytes], Pending]:
    """`requetes` as kept in the cache: the entries (None if there are none to trust), the MACs of the values they
    go with, and the words `mots` does not have yet."""
    value = store.snapshot(MODEL)
    if value is None:
        return None, {}, {}
    try:
        version, digests, entries, pending = marshal.loads(value)
    except (ValueError, TypeError, EOFError):
        return None, {}, {}
    if version != FORMAT or not isinstance(entries, dict) or not isinstance(digests, dict) \
            or not isinstance(pending, dict):
        return None, {}, {}
    return entries, digests, pending


def _requetes(entries: dict[str, Entry], digests: dict[str, bytes], pending: Pending) -> bytes:
    """`requetes`, as kept in the cache (`_entries` reads it)."""
    return marshal.dumps((FORMAT, digests, entries, pending))


def _load(store: Store, name: str, digests: dict[str, bytes]) -> dict[str, Any] | None:
    """`mots`, `textes` or the `fiches` of a kind as kept in the cache, if it is the one `requetes` goes with
    (the one whose MAC it holds)."""
    mac = digests.get(name)
    value = store.snapshot(name, mac) if mac is not None else None
    if value is None:
        return None
    try:
        loaded = marshal.loads(value)
    except (ValueError, TypeError, EOFError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _keep(store: Store, entries: dict[str, Entry], facts: dict[str, dict[str, Any]], fields: dict[str, bytes], *,
          kinds: AbstractSet[str] | None = None, words: dict[str, Any] | None = None,
          texts: dict[str, str] | None = None, digests: dict[str, bytes] | None = None,
          pending: Pending | None = None, forget: AbstractSet[bytes] = frozenset(),
          replace: bool = False) -> dict[str, bytes]:
    """Write `requetes` and the facts (those of `kinds` only, when given) in the cache, and `words` and `texts`
    when given (else the values `digests` names stay, with `pending`), with the `fields` of the files read (by
    their keys; those of `forget` dropped, or with `replace` every other), in one transaction; the MACs of the
    values `requetes` holds."""
    values = {name: marshal.dumps(facts.get(kind, {})) for kind, name in FACTS.items() if kinds is None or kind in kinds}
    if words is not None and texts is not None:
        postings = words["postings"]
        values.update({WORDS: marshal.dumps({**{k: v for k, v in words.items() if k != "postings"},
                                             "vocabulary": list(postings)}),
                       TEXTS: marshal.dumps(texts),
                       **{WORD_SHARDS[number]: marshal.dumps(part) for number, part in _shards(postings).items()}})
    kept = {name: mac for name, mac in (digests or {}).items()
            if name not in values and name in (WORDS, TEXTS, *WORD_SHARDS, *FACTS.values())}
    kept.update((name, mac) for name, value in values.items() if (mac := store.snapshot_mac(name, value)) is not None)
    by_key = {key: value for path, value in fields.items() if (key := entries[path][1]) is not None}
    store.keep_snapshot({MODEL: _requetes(entries, kept, pending or {}), **values}, by_key, forget, replace)
    return kept


def _numbers(words: dict[str, Any]) -> dict[str, int]:
    """Each file's number in `mots` (`words`), by path (a file taken out leaves its place empty: `_forget`)."""
    return {path: number for number, path in enumerate(words["paths"]) if path is not None}


def _shard(word: str) -> int:
    """The part of `mots`' lists (`WORD_SHARDS`) a word's list is in: the same in every process."""
    return zlib.crc32(word.encode("utf-8", "surrogatepass")) % SHARDS


def _shards(postings: dict[str, Any], numbers: Iterable[int] = range(SHARDS)) -> dict[int, dict[str, Any]]:
    """`postings` (of the words of these parts of `mots`' lists only) by part, every one of these parts there
    (an empty one too)."""
    parts: dict[int, dict[str, Any]] = {number: {} for number in numbers}
    for word, posting in postings.items():
        parts[_shard(word)][word] = posting
    return parts


def _unpack(packed: bytes) -> array[int]:
    numbers = array("I")
    numbers.frombytes(packed)
    return numbers


def _made(root: Path, schemas: SchemaSet, found: Discovery, progress: Progress | None
          ) -> tuple[dict[str, Entry], dict[str, Any], dict[str, str], dict[str, dict[str, Any]], dict[str, bytes]]:
    """The index of the whole registry, from the cache's per-file rows (files read, checked and cached when
    missing: their whole data must be there for `Index.complete`): `requetes`, `mots`, `textes` and `fiches`,
    and the fields of each readable file."""
    registry, report = load(root, schemas, progress=progress)
    store = Store(root)
    store.load()  # the stat signatures and keys `load` has just written
    try:
        entries, words, texts, fields = _entries_of(root, registry, report, found, store)
    finally:
        store.close()
    del registry, report
    # The facts from the model the index gives (of the fields it keeps, without the files it could not read),
    # as they are worked out again when files change.
    model = _ordered(root, schemas, found, entries, store, {}, {}, progress, fields).model()
    facts: dict[str, dict[str, Any]] = {kind: {} for kind in FACTS}
    for entity in model:
        facts[entity.kind.name][entity.path] = facts_of(model, entity).packed()
    return entries, words, texts, facts, fields


def _entries_of(root: Path, registry: Registry, report: Report, found: Discovery,
                store: Store) -> tuple[dict[str, Entry], dict[str, Any], dict[str, str], dict[str, bytes]]:
    """`_made`'s values but the facts, from the model of the whole registry and the cache's keys."""
    unreadable = {p.path for p in report.problems if p.is_error and p.code.startswith("EEE-Y")}
    by_path = {entity.path: entity for entity in registry}
    references = {entity.path: refs for entity, refs in registry.found_references}
    now, prefix = time.time_ns(), os.path.join(str(root), "")
    entries: dict[str, Entry] = {}
    words: dict[str, Any] = {"paths": [], "kinds": [], "names": [], "norms": [], "postings": {}}
    texts: dict[str, str] = {}
    postings: dict[str, tuple[array[int], array[int]]] = {}
    fields: dict[str, bytes] = {}
    for rel, kind in found.files:
        sign, settled = signature(prefix + rel, now)
        key = store.known(rel, sign) if sign is not None else None
        if key is None:  # changed too recently for the cache to keep its signature: its key from its bytes
            raw = read_bytes(root, rel)[0]
            key = None if raw is None else file_key(rel, kind, raw)
        entity = by_path.get(rel)
        ok = entity is not None and rel not in unreadable
        entries[rel], kept = _entry(sign if settled and key is not None else None, key, kind.name,
                                    entity.data if entity is not None and ok else None,
                                    references.get(rel, NOTHING_FOUND))
        if entity is not None and kept is not None:
            fields[rel] = kept
            _add(words, texts, rel, kind.name, entity.nom, weighted_words(entity), postings)
    words["postings"] = {word: (numbers.tobytes(), codes.tobytes()) for word, (numbers, codes) in postings.items()}
    return entries, words, texts, fields


def _add(words: dict[str, Any], texts: dict[str, str], path: str, kind: str, nom: str, weighted: dict[str, float],
         postings: dict[str, tuple[array[int], array[int]]] | None = None) -> None:
    """A file's words into `mots` (into `postings`, unpacked, when given) and `textes`: the file at `path`, of this
    kind and name (`Entity.nom`), with its words and their weights (`search.weighted_words`)."""
    number = len(words["paths"])
    for field, value in (("paths", path), ("kinds", kind), ("names", nom), ("norms", normalize(nom))):
        words[field].append(value)
    texts[path] = " ".join(weighted)
    for word, weight in weighted.items():
        if postings is not None:
            found = postings.get(word)
            if found is None:
                found = postings[word] = (array("I"), array("B"))
            found[0].append(number)
            found[1].append(WEIGHTS.index(weight))
        else:
            numbers, codes = words["postings"].get(word, (b"", b""))
            words["postings"][word] = (numbers + array("I", [number]).tobytes(), codes + bytes((WEIGHTS.index(weight),)))


def _update(schemas: SchemaSet, entries: dict[str, Entry],
            changed: Iterable[tuple[str, str, bytes | None, SourceDoc, bytes | None]],
            gone: Iterable[str], pending: Pending) -> dict[str, bytes]:
    """Bring the entries up to date (in place) with the files changed, as read (`_read`), and the files gone, and
    note their words in `pending` (for `mots`); return the fields of the changed files that could be read, by
    path."""
    for path in gone:
        entries.pop(path, None)
        pending[path] = None
    fields: dict[str, bytes] = {}
    for rel, kind, sign, doc, key in changed:
        entries[rel], kept = _entry(sign if key is not None else None, key, kind, doc.data,
                                    columns(schemas.references(kind, doc.data)) if doc.ok else None)
        pending[rel] = None
        if kept is not None:
            fields[rel] = kept
            entity = Entity(KINDS[kind], doc.stem, doc, False)
            pending[rel] = (kind, entity.nom, weighted_words(entity))
    return fields


def _forget(words: dict[str, Any], texts: dict[str, str], path: str, numbers: dict[str, int]) -> None:
    """Take a file's words out of `mots` and `textes` (`_add` put them in); `numbers`: each file's number, by path
    (`_numbers`), which it is taken out of too. Its number is not given again: its place stays empty."""
    postings = words["postings"]
    number = numbers.pop(path, None)
    if number is not None:
        for field in ("paths", "kinds", "names", "norms"):
            words[field][number] = None
    for word in texts.pop(path, "").split():
        packed, codes = postings.get(word, (b"", b""))
        kept = [(n, code) for n, code in zip(_unpack(packed), codes) if n != number]
        if kept:
            postings[word] = (array("I", [n for n, _ in kept]).tobytes(), bytes(code for _, code in kept))
        else:
            postings.pop(word, None)


def _read(root: Path, rel: str, kind: str) -> tuple[SourceDoc, bytes | None]:
    """One file read and parsed (no schema check), with its cache key (None if it could not be read)."""
    doc = SourceDoc(rel, KINDS[kind])
    raw, problem = read_bytes(root, rel)
    if raw is None:
        assert problem is not None  # read_bytes says why whenever it gives no bytes
        doc.problems.append(problem)
        return doc, None
    text = decode(doc, raw)
    if text is not None:
        read_text(doc, text)
    return doc, file_key(rel, KINDS[kind], raw)
