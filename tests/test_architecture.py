"""Data flows one way: a module imports only modules of lower layers (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import REPO

# Lowest first. A module may import modules of its own layer or of lower ones, never higher.
LAYERS = [
    {"errors", "escape", "figures", "files", "markdown", "cachekey", "diagnostics", "catalogue", "kinds", "suggest",
     "yamlwrite", "parallel", "validity", "domain", "public", "__init__", "__version__"},
    {"settings"},
    {"cache"},
    {"yamlcore", "discovery"},
    {"textcheck"},
    {"loader"},
    {"schema", "schemacheck"},  # schema imports schemacheck lazily, for a document the quick verdict cannot pass
    {"model"},
    {"rules"},
    {"filecheck"},
    {"query", "search", "stats", "bilan"},
    {"fmtorder"},
    {"fmtquote"},
    {"validate", "codes", "annuaire", "present", "history", "rename", "fmt", "new"},
    {"render", "export"},
    {"report"},
    {"cli", "__main__", "entry"},
]


def _layer(module: str) -> int:
    top = module.split(".")[0]
    return next(i for i, names in enumerate(LAYERS) if top in names)


def _imports(path: Path) -> set[str]:
    package = path.relative_to(REPO / "eee").parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package[:-1])[: len(package) - node.level]
            parts = base + (node.module.split(".") if node.module else [])
            if parts:
                found.add(".".join(parts))
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name[4:] for a in node.names if a.name.startswith("eee."))
    return found


def test_no_import_points_upward() -> None:
    for path in sorted((REPO / "eee").rglob("*.py")):
        module = ".".join(path.relative_to(REPO / "eee").with_suffix("").parts)
        own = _layer(module)
        for imported in _imports(path):
            assert _layer(imported) <= own, f"{module} imports {imported}"


def test_only_the_cli_imports_typer() -> None:
    for path in (REPO / "eee").rglob("*.py"):
        if path.parent.name != "cli":
            assert "import typer" not in path.read_text(encoding="utf-8"), path
