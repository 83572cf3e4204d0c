"""Validation of a registry: read → schema → model → rules, into one Report. Never prints."""

from __future__ import annotations

from pathlib import Path

from .diagnostics import Problem, Report, Severity
from .errors import RegistryNotFound
from .loader import SourceDoc, load_registry
from .model import Registry
from .schema import SchemaSet
from .settings import schemas_dir


_SHARED: dict[Path, SchemaSet] = {}


def shared_schemas() -> SchemaSet:
    """The installation's schemas, read once per process (they do not change while eee runs)."""
    folder = schemas_dir()
    if folder not in _SHARED:
        _SHARED[folder] = SchemaSet(folder)
    return _SHARED[folder]


def load(root: Path, schemas: SchemaSet | None = None, check_schemas: bool = True) -> tuple[Registry, Report]:
    """Read and check every file of the registry; return the model and all problems found.

    One bad file never stops the others: a file that cannot be read is left
    out of the model; a file that breaks its schema is in the model (so that
    references to it resolve) but marked invalid. Queries pass
    `check_schemas=False`: they only need the model, and stay light (no jsonschema).
    """
    schemas = schemas or shared_schemas()
    docs, found = load_registry(root)
    schemas.use_fast = len(docs) >= schemas.FAST_FROM
    problems = found.problems
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
        if not doc.ok or not check_schemas:
            continue
        schema_problems = schemas.check(doc)
        report.extend(schema_problems)
        report.extend(ambiguity_warnings(doc, {(p.line, p.column) for p in schema_problems}))
        if not schema_problems:
            valid.add(doc.path)
    registry = Registry.build(root, docs, schemas, valid, found.skipped)
    report.entities = len(registry)
    return registry, report


def ambiguity_warnings(doc: SourceDoc, reported: set[tuple[int, int]]) -> list[Problem]:
    """EEE-Y014: plain values eee reads as text but other YAML tools (editors) read as numbers or booleans."""
    problems = []
    for pointer, text in doc.ambiguous.items():
        line, col = doc.positions[pointer]
        if (line, col) in reported:
            continue  # the schema already says what is wrong with this value
        other = _other_reading(text)
        problems.append(Problem(
            doc.path, line, col, "EEE-Y014", Severity.WARNING,
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


def check(root: Path) -> tuple[Registry, Report]:
    """The model and every problem of the registry at `root`, from every layer (files read once)."""
    from .rules import run as run_rules

    registry, report = load(root)
    report.extend(run_rules(registry))
    return registry, report


def run(root: Path) -> Report:
    """Every problem of the registry at `root`, from every layer."""
    return check(root)[1]
