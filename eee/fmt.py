"""`eee fmt`: rewrite registry files into their canonical form, keeping comments and the user's text.

The canonical form:
- keys in the order the schema declares them (`schemas/<kind>.schema.json`, and
  for a nested block the order of that block's properties, through `$ref`);
  at the top level, `sources`, `a_completer` and `mis_a_jour` close the file, in
  that order, as in every file of the shipped registry; keys the schema does not
  know stay after the known ones, in their order;
- a plain value that other YAML tools would read as a number or a boolean
  (`09`, `09100`, `0561000000`, `NO`, `oui`, `18:30`…) is double-quoted where
  the schema wants text; everything else keeps its quoting;
- 2-space indentation, list items (`- `) two spaces under their key; flow
  lists and tables (`["30"]`, `{code: …}`) and block texts (`>-`, `|`) stay as
  written; comments stay with the line they follow or the key they precede;
- UTF-8 without BOM, LF line ends (CRLF and CR become LF), no `---`/`...` markers, one final newline.

What eee reads never changes: every result is read back with `eee.loader`
and compared with the original data; if a step would change it (or lose a
comment line), that step is not applied.

A file with a schema error (an unknown key such as a misspelt `benefiaires:`,
a missing key, a value of the wrong type) is formatted only if its errors stay
on the lines the officer wrote; otherwise it is left as it is, with the first
error and its line as the reason: moving its keys would send the officer, on
the next `eee validate`, to another line than the one they typed. It is
formatted once the error is fixed.

Reordering works on the text (`fmtorder`: whole lines move with the comments
above them); quoting and indentation go through ruamel.yaml's round trip
(`fmtquote`, ruamel.yaml imported lazily). This module runs the steps, keeps
what is safe, and formats a whole registry.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from .diagnostics import Problem
from .discovery import discover, read_bytes
from .fmtorder import reorder
from .fmtquote import round_trip
from .kinds import Kind
from .loader import SourceDoc, read_text
from .schema import SchemaSet

_BOM = "\ufeff"
_DOC_START = re.compile(r"^---[ \t]*(?:#.*)?$")
_DOC_END = re.compile(r"^\.\.\.[ \t]*(?:#.*)?$")


class FormatError(ValueError):
    """The text cannot be read by eee: it must be fixed first (eee validate)."""


@dataclass
class FmtResult:
    """What `format_registry` did (or, with check, would do); paths relative to the registry."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, French reason)


# --------------------------------------------------------------------------- public API


def format_text(text: str, kind: Kind, schemas: SchemaSet) -> str:
    """The canonical form of one registry file's text.

    Raises `FormatError` only when eee cannot read the text (the caller skips the file)."""
    original = _read(text)
    if original is None:
        raise FormatError("fichier illisible")
    result = text
    for _ in range(3):  # a whole-file flow table becomes a block table first, then is reordered
        new = _format_once(result, kind, schemas, original, text)
        if new == result:
            break
        result = new
    return result


def _format_once(text: str, kind: Kind, schemas: SchemaSet, original: Any, first_text: str) -> str:
    base = _normalise(text)
    candidates = []
    reordered = reorder(base, kind, schemas)
    if reordered is not None:
        candidates.append(reordered)
    candidates.append(base)
    for candidate in candidates:
        for quote in (True, False):
            result = round_trip(candidate, kind, schemas, quote)
            if result is not None and _safe(first_text, result, original):
                return result
        if _safe(first_text, candidate, original):
            return _final_newline(candidate, original)
    return text  # no step keeps every comment and the data: the text stays as it is


def format_registry(root: Path, within: list[str] | None, check: bool, jobs: int | None = None,
                    use_cache: bool = True) -> FmtResult:
    """Format the registry's files (all, or those under the registry-relative prefixes `within`: see
    `settings.registry_paths`); with `check`, write nothing.

    Only files whose text changes are written (atomically). Files eee cannot read are skipped with a
    French reason. Whether a text is in canonical form is remembered in the cache (by its kind and
    bytes, with eee's and ruamel.yaml's versions): the next run does not format it again to know
    (only to write it, without --check). The others are formatted over the cores (ruamel.yaml takes
    some 40 ms a file: 20,000 files would take a quarter of an hour on one core)."""
    from .cache import Store
    from .files import write_atomic
    from .parallel import fork_map

    schemas = SchemaSet.installed()
    result = FmtResult()
    found = discover(root)
    wanted = within
    store = Store(root) if use_cache else None
    if store is not None:
        store.load()
    known = store.formatted() if store is not None else {}
    seen: set[bytes] = set()
    work: list[tuple[str, Kind, str, bytes]] = []  # (path, kind, text, the text's key)
    for rel, kind in found.files:
        if wanted is not None and not any(rel == w or rel.startswith(w + "/") for w in wanted):
            continue
        raw, problem = read_bytes(root, rel)
        if raw is None:
            assert problem is not None  # read_bytes says why whenever it gives no bytes
            result.skipped.append((rel, f"{problem.message} : corrigez-le d'abord (eee validate)"))
            continue
        key = text_key(kind, raw)
        seen.add(key)
        canonical = known.get(key)
        if canonical:
            result.unchanged.append(rel)
            continue
        if canonical is False and check:  # known not to be in form: --check needs no more
            result.changed.append(rel)
            continue
        try:
            work.append((rel, kind, raw.decode("utf-8"), key))
        except UnicodeDecodeError:
            result.skipped.append((rel, "fichier illisible (pas en UTF-8) : corrigez-le d'abord avec eee validate"))

    def task(batch: list[tuple[str, Kind, str, bytes]]) -> list[str]:
        """Each file's canonical text; or why it is left as it is (`Unformatted`)."""
        out: list[str] = []
        for rel, kind, text, _ in batch:
            try:
                new = format_text(text, kind, schemas)
            except FormatError:
                out.append(Unformatted("fichier illisible par eee (syntaxe YAML, clé en double…) : "
                                       "corrigez-le d'abord avec eee validate"))
                continue
            error = moved_error(rel, kind, text, new, schemas) if new != text else None
            out.append(Unformatted(error) if error else new)
        return out

    batches = [work[i:i + FMT_BATCH] for i in range(0, len(work), FMT_BATCH)]
    found_now: dict[bytes, bool] = {}
    canonical_texts = chain.from_iterable(fork_map(task, batches, jobs if len(work) >= FMT_PARALLEL_FROM else 1))
    # fork_map keeps the order; it comes first, so that zip runs it to its end (workers closed).
    for new, (rel, kind, text, key) in zip(canonical_texts, work):
        if isinstance(new, Unformatted):
            result.skipped.append((rel, str(new)))
            continue
        if new == text:
            result.unchanged.append(rel)
            found_now[key] = True
            continue
        result.changed.append(rel)
        found_now[key] = False
        if not check:
            write_atomic(root / rel, new, within=root)
            found_now[text_key(kind, new.encode("utf-8"))] = True
    if store is not None:
        # A whole run knows every text of the registry: the others are forgotten.
        forget = set(known) - seen - set(found_now) if wanted is None else set()
        store.save_formatted({k: v for k, v in found_now.items() if known.get(k) is not v}, forget)
    order = {rel: index for index, (rel, _) in enumerate(found.files)}  # the files' order, as before the work
    result.changed.sort(key=order.__getitem__)
    result.unchanged.sort(key=order.__getitem__)
    result.skipped.sort(key=lambda skipped: order[skipped[0]])
    return result


class Unformatted(str):
    """Why a file is left as it is (French), in place of its canonical text."""


def moved_error(rel: str, kind: Kind, text: str, new: str, schemas: SchemaSet) -> str | None:
    """Why `text`, which has a schema error, is not replaced by its canonical form `new`: the errors would no longer
    be on the lines the officer wrote (a key moved); None if it has none, or they stay where they are."""
    from .escape import one_line

    before = _schema_errors(rel, kind, text, schemas)
    if not before:
        return None
    after = _schema_errors(rel, kind, new, schemas)
    moved = [p for p in before if p not in after]
    if not moved:
        return None
    first = moved[0]
    hint = f" — {one_line(first.hint)}" if first.hint.startswith("vouliez-vous") else ""
    more = f" (et {len(before) - 1} autre{'s' if len(before) > 2 else ''})" if len(before) > 1 else ""
    return (f"ligne {first.line} : {one_line(first.message)}{hint} ({first.code}){more} ; la mise en forme déplacerait "
            "des clés de ce fichier, qui a une erreur de schéma, et eee validate ne montrerait plus la ligne écrite : "
            "corrigez-la d'abord (eee validate), puis relancez eee fmt")


def _schema_errors(rel: str, kind: Kind, text: str, schemas: SchemaSet) -> list[Problem]:
    """The schema errors of a text, where eee validate shows them (its line; the column may change with the
    indentation)."""
    doc = read_text(SourceDoc(rel, kind), text[1:] if text.startswith(_BOM) else text)
    if not doc.ok:
        return []
    return sorted(dataclasses.replace(p, column=0) for p in schemas.check(doc) if p.is_error)


FMT_BATCH = 20  # files per task given to a worker
FMT_PARALLEL_FROM = 40  # below this many files to format, worker processes cost more than they save


def text_key(kind: Kind, raw: bytes) -> bytes:
    """A text's key in the cache of formatted texts: its kind and bytes (the canonical form depends on
    nothing else but eee, its schemas and ruamel.yaml, which the cache's fingerprint covers)."""
    from .cache import content_key

    return content_key(b"eee-fmt", kind.name, raw)


# --------------------------------------------------------------------------- safety


def _read(text: str) -> Any:
    doc = read_text(SourceDoc("<fmt>", None), text[1:] if text.startswith(_BOM) else text)
    return doc.data if doc.ok else None


def _comment_lines(text: str) -> Counter[str]:
    """Every comment's text: full-line comments and end-of-line comments (outside quotes)."""
    found: Counter[str] = Counter()
    for line in _lf(text).split("\n"):
        quote = ""
        for index, char in enumerate(line):
            if quote:
                if char == quote:
                    quote = ""
            elif char in "\"'" and (index == 0 or line[index - 1] in " [{,:-"):
                quote = char
            elif char == "#" and (index == 0 or line[index - 1] in " \t"):
                found[line[index:].strip()] += 1
                break
    return found


def _safe(original_text: str, result: str, original_data: Any) -> bool:
    data = _read(result)
    if data is None or data != original_data or not _same_types(data, original_data):
        return False
    return not (_comment_lines(original_text) - _comment_lines(result))


def _same_types(a: Any, b: Any) -> bool:
    """`1 == True` and `1 == 1.0` in Python: types are compared too."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return all(_same_types(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return all(_same_types(x, y) for x, y in zip(a, b))
    return True


def _lf(text: str) -> str:
    """CRLF and CR line ends as LF (libyaml reads all three as line breaks: the data is the same)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _normalise(text: str) -> str:
    """No BOM, LF line ends, no document markers, no blank line at the top."""
    if text.startswith(_BOM):
        text = text[1:]
    text = _lf(text)
    lines = text.split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if _DOC_START.match(line):
            del lines[index]
        break
    last = len(lines) - 1
    while last >= 0 and not lines[last].strip():
        last -= 1
    if last >= 0 and _DOC_END.match(lines[last]):
        del lines[last]
    while len(lines) > 1 and not lines[0].strip():  # no blank line before the first key or comment
        del lines[0]
    return "\n".join(lines)


def _final_newline(text: str, original_data: Any) -> str:
    candidate = text.rstrip("\n") + "\n"
    return candidate if _read(candidate) == original_data else text
