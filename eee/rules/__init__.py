"""The graph and domain rules: one module per code.

Every module of this package is a rule, found when the package is imported,
except the helpers whose name starts with « _ » (`_scope.py`, `_util.py`):
adding a rule is adding a module, and declaring its code in eee/catalogue.py.

A rule module has `CODE` and `SEVERITY` (taken from its code's declaration:
`CODE, SEVERITY = R001.code, R001.severity`; the title is declared there too),
`SCOPE`, a French docstring (its documentation), `EXAMPLE` (a file that breaks
the rule and the same file fixed: both are run by the tests) and
`check(registry) -> Iterator[Problem]`. Rules see the model, never files.

`SCOPE` says what a rule reads (constants of `_scope.py`). FILE: each entity
alone (its data, path and the schemas) — such a rule runs with the file's other
per-file checks, on the worker processes, and its result is cached with the
file's. REGISTRY: other entities too (references, duplicates, reseau.yaml,
counts) or today's date — such a rule runs on the whole model every time. A
test checks each FILE rule finds on the whole registry exactly what it finds on
each entity alone.

A REGISTRY rule also declares `READS`: the top-level fields of an entity's data
it reads (of any entity). `eee validate` reads from the cache only those fields
of the files that did not change (`REGISTRY_READS`), not their whole data; a
test follows every read of these rules over the test corpus and the shipped
registry and checks each is declared.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from types import ModuleType

from ..diagnostics import Problem
from ..loader import SourceDoc
from ..model import Found, Registry
from ..schema import SchemaSet
from ._scope import FILE, REGISTRY


def _rule_modules() -> tuple[ModuleType, ...]:
    """Every rule: each module of this package whose name does not start with « _ », in the order of the codes."""
    names = sorted(name[:-3] for name in os.listdir(os.path.dirname(__file__))
                   if name.endswith(".py") and name[:-3].isidentifier() and not name.startswith("_"))
    return tuple(sorted((import_module(f"{__name__}.{name}") for name in names), key=lambda m: m.CODE))


_MODULES = _rule_modules()
RULES: dict[str, ModuleType] = {m.CODE: m for m in _MODULES}  # by code, in order

# What the cross-file checks read of each entity: the REGISTRY rules' fields, and the model's (`id`).
REGISTRY_READS: frozenset[str] = frozenset().union(
    *(m.READS for m in _MODULES if m.SCOPE == REGISTRY), Registry.READS)


def run(registry: Registry, scope: str | None = None) -> Iterator[Problem]:
    """Every problem every rule (of `scope`, if given) finds in the registry."""
    for module in _MODULES:
        if scope is None or module.SCOPE == scope:
            yield from module.check(registry)


_HERE = Path(".")


def run_on_file(doc: SourceDoc, schemas: SchemaSet, valid: bool,
                references: Found | None = None) -> list[Problem]:
    """The FILE rules on one read document (which must be `ok`), as the only entity of a registry."""
    registry = Registry.build(_HERE, [doc], schemas, {doc.path} if valid else set(), (),
                              None if references is None else {doc.path: references})
    return list(run(registry, FILE))
