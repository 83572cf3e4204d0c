"""Validation of a registry: read → schema → model → rules, into one Report. Never prints."""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
from pathlib import Path
from typing import Any

from .cache import Store
from .diagnostics import Problem, Report
from .discovery import Discovery, discover
from .errors import RegistryNotFound
from .filecheck import Progress, check_files, quiet_gc
from .model import Registry
from .schema import SchemaSet

RULES = "regles"  # the value of the cache where the cross-file checks' problems are kept (`cross_file`)


def registry_files(root: Path) -> Discovery:
    """The registry's files (`discovery.discover`), or RegistryNotFound if the folder holds none."""
    found = discover(root)
    if not found.files and not found.problems:
        raise RegistryNotFound(
            f"le dossier « {root} » ne contient aucun fichier du registre (ni reseau.yaml, ni clee/, partenaires/…)",
            "indiquez le dossier du registre avec --registry, ou lancez eee depuis le dépôt qui contient registry/",
        )
    return found


def load(root: Path, schemas: SchemaSet | None = None, check_schemas: bool = True, *, file_rules: bool = False,
         jobs: int | None = None, cache: bool = True, progress: Progress | None = None,
         whole: bool = True) -> tuple[Registry, Report]:
    """Read and check every file of the registry; return the model and all problems found.

    One bad file never stops the others: a file that cannot be read is left
    out of the model; a file that breaks its schema is in the model (so that
    references to it resolve) but marked invalid. Queries pass
    `check_schemas=False`: they only need the model, and stay light (no jsonschema).
    With `file_rules` (and `check_schemas`), the report has the problems of the rules
    that read one file at a time (`rules.FILE`) too, worked out with each file's other checks.
    Per-file results come from the cache when the file has not changed (`cache`),
    and are worked out over `jobs` processes otherwise (`filecheck.py`). Without `whole`, the
    model's entities hold only the fields the cross-file checks read: enough for a report, not
    for queries or publishing.
    """
    schemas = schemas or SchemaSet.installed()
    found = registry_files(root)
    store = Store(root) if cache else None
    docs, checks = check_files(root, found.files, schemas if check_schemas else None,
                               jobs=jobs, store=store, progress=progress, whole=whole)
    report = Report(files_checked=len(docs) + len({p.path for p in found.problems}))
    report.extend(found.problems)
    valid: set[str] = set()
    references = {}
    for doc, result in zip(docs, checks):
        if result.references is not None:
            references[doc.path] = result.references
        if result.read_problems:
            report.extend(result.read_problems)
        if result.schema_problems:
            report.extend(result.schema_problems)
        if file_rules and result.rule_problems:
            report.extend(result.rule_problems)
        if result.valid and check_schemas:  # the same model whether the result came from the cache or not
            valid.add(doc.path)
    with quiet_gc():
        registry = Registry.build(root, docs, schemas, valid, found.skipped, references)
    report.entities = len(registry)
    return registry, report


def check(root: Path, **options: Any) -> tuple[Registry, Report]:
    """The model and every problem of the registry at `root`, from every layer (files read once).

    `options` go to `load` (jobs, cache, progress, whole)."""
    registry, report = load(root, file_rules=True, **options)
    with quiet_gc():
        report.extend(cross_file(registry, options.get("cache", True)))
    return registry, report


def cross_file(registry: Registry, cache: bool = True) -> list[Problem]:
    """The problems of the rules that read the whole model (`rules.REGISTRY`).

    With `cache`, they are kept in the cache (`regles`) with what they were worked out from: each entity's file
    key (its path, kind and bytes) and whether it passed its schema, the names of the files left out of the
    model, and the day (a rule reads today's date); when none of these changed, they are taken again without
    running the rules (a `validate` with nothing changed, the hook before each commit)."""
    from .rules import REGISTRY
    from .rules import run as run_rules

    inputs = _inputs(registry) if cache else None
    if inputs is None:
        return list(run_rules(registry, REGISTRY))
    store = Store(registry.root)
    store.load(stats=False)
    try:
        try:
            kept = store.snapshot(RULES)
            made_from, rows = marshal.loads(kept) if kept is not None else (None, ())
            if made_from == inputs:
                return [Problem.of_row(row) for row in rows]
        except (ValueError, TypeError, EOFError):  # damaged: the rules run again, and their problems are kept
            pass
        problems = list(run_rules(registry, REGISTRY))
        store.keep_snapshot({RULES: marshal.dumps((inputs, [problem.as_row() for problem in problems]))})
        return problems
    finally:
        store.close()  # (whichever way it ends: an interruption while the rules run too)


def _inputs(registry: Registry) -> bytes | None:
    """A digest of what the rules read of a model, and of the day; None if a file's key is not known."""
    digest = hashlib.blake2b(dt.date.today().isoformat().encode(), digest_size=32, person=b"eee-rules")
    for entity in sorted(registry, key=lambda e: e.path):
        key = entity.doc.key
        if key is None:
            return None
        digest.update(key)
        digest.update(b"\1" if entity.valid else b"\0")
    digest.update(marshal.dumps(sorted(registry.unchecked.items(), key=str)))
    return digest.digest()


def run(root: Path, **options: Any) -> Report:
    """Every problem of the registry at `root`, from every layer."""
    return check(root, **options)[1]
