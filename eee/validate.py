"""Validation of a registry: read → schema → model → rules, into one Report. Never prints."""

from __future__ import annotations

from pathlib import Path

from .diagnostics import Report
from .errors import RegistryNotFound
from .loader import load_registry
from .model import Registry
from .schema import SchemaSet
from .settings import schemas_dir


def load(root: Path, schemas: SchemaSet | None = None) -> tuple[Registry, Report]:
    """Read and check every file of the registry; return the model and all problems found.

    One bad file never stops the others: a file that cannot be read is left
    out of the model; a file that breaks its schema is in the model (so that
    references to it resolve) but marked invalid.
    """
    schemas = schemas or SchemaSet(schemas_dir())
    docs, problems = load_registry(root)
    if not docs and not problems:
        raise RegistryNotFound(
            f"le dossier « {root} » ne contient aucun fichier du registre (ni reseau.yaml, ni clee/, partenaires/…)",
            "indiquez le dossier du registre avec --registry, ou lancez eee depuis le dépôt qui contient registry/",
        )
    report = Report(files_checked=len(docs) + len({p.path for p in problems}))
    report.extend(problems)
    valid: set[str] = set()
    for doc in docs:
        report.extend(doc.problems)
        if not doc.ok:
            continue
        schema_problems = schemas.check(doc)
        report.extend(schema_problems)
        if not schema_problems:
            valid.add(doc.path)
    registry = Registry.build(root, docs, schemas, valid)
    report.entities = len(registry)
    return registry, report


def run(root: Path) -> Report:
    """Every problem of the registry at `root`, from every layer."""
    from .rules import run as run_rules

    registry, report = load(root)
    report.extend(run_rules(registry))
    return report
