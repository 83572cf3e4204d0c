"""Data flows one way: a module imports only modules of lower layers, and never another module's private names
(docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import REPO

# Lowest first. A module may import modules of its own layer or of lower ones, never higher.
LAYERS = [
    {"errors", "escape", "figures", "files", "markdown", "cachekey", "diagnostics", "catalogue", "kinds", "suggest",
     "yamlwrite", "parallel", "validity", "domain", "public", "gitsafe", "__init__", "__version__"},
    {"settings"},
    {"cache"},
    {"yamlcore", "discovery"},
    {"textcheck"},
    {"yamlread"},
    {"loader"},
    {"schema", "schemacheck"},  # schema imports schemacheck lazily, for a document the quick verdict cannot pass
    {"model"},
    {"rules"},
    {"filecheck"},
    {"query", "search", "stats", "bilan"},
    {"fmtorder"},
    {"fmtquote"},
    {"validate", "codes", "annuaire", "present", "history", "rename", "fmt", "new", "index"},
    {"render", "export", "workbook"},
    {"report"},
    {"serve"},
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


# --------------------------------------------------------------------------- private names stay in their module

# The rules' own helpers, which the modules of eee/rules/ (and only they) may import.
RULES_HELPERS = {"rules._util", "rules._scope"}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_module(parts: list[str]) -> bool:
    target = REPO / "eee" / Path(*parts) if parts else REPO / "eee"
    return target.with_suffix(".py").is_file() or (target / "__init__.py").is_file()


def private_imports(module: str, source: str) -> list[str]:
    """What a module of eee/ (`module`, dotted from eee: `rules.uai_id`, `render`) takes of another module's
    privacy: a `_name` imported from it, a module whose name starts with « _ », or `_name` read on an eee
    module bound by an import (`from .. import query` … `query._x`). Imports inside functions count too."""
    own = module.split(".")
    package = own if _is_module(own) and (REPO / "eee" / Path(*own) / "__init__.py").is_file() else own[:-1]
    found: list[str] = []
    bound: set[str] = set()  # local names of imported eee modules

    def check(target: list[str], names: list[tuple[str, str]]) -> None:
        dotted = ".".join(target)
        allowed = own[0] == "rules" and dotted in RULES_HELPERS
        if any(_private(part) for part in target) and not allowed:
            found.append(f"{module} imports the module {dotted or 'eee'}")
        for name, local in names:
            if _is_module(target + [name]):
                if _private(name) and not (own[0] == "rules" and f"{dotted}.{name}" in RULES_HELPERS):
                    found.append(f"{module} imports the module {dotted}.{name}")
                bound.add(local)
            elif _private(name):
                found.append(f"{module} imports {name} from {dotted or 'eee'}")

    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [(a.name, a.asname or a.name) for a in node.names]
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                check(base + (node.module.split(".") if node.module else []), names)
            elif node.module and (node.module == "eee" or node.module.startswith("eee.")):
                check(node.module.split(".")[1:], names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("eee."):
                    parts = alias.name.split(".")[1:]
                    check(parts[:-1], [(parts[-1], alias.asname or "")])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound \
                and _private(node.attr):
            found.append(f"{module} reads {node.value.id}.{node.attr}")
    return found


def test_no_module_takes_another_modules_private_names() -> None:
    """A name that starts with « _ » is its module's business: other modules use public names (a module of
    eee/rules/ may use the package's helpers, rules/_util.py and rules/_scope.py)."""
    found = []
    for path in sorted((REPO / "eee").rglob("*.py")):
        module = ".".join(path.relative_to(REPO / "eee").with_suffix("").parts)
        found += private_imports(module, path.read_text(encoding="utf-8"))
    assert not found, "\n".join(found)


def test_the_private_name_check_sees_every_form() -> None:
    bad = {
        "fmt": "from .loader import _Parser",
        "query": "from .rules._util import EXAMPLE_SCHOOL",
        "new": "def f():\n    from .schema import _slug",
        "export": "from . import _private_module",
        "render.context": "from ..query import _normalize",
        "render.report": "from .jinja import _thing",
        "cli.queries": "from .. import query\nquery._normalize('x')",
        "bilan": "import eee.rules._util",
        "stats": "from eee.loader import _Builder",
        "rules.uai_id": "from ..loader import _Track",
    }
    for module, source in bad.items():
        assert private_imports(module, source), (module, source)
    good = {
        "rules.uai_id": "from ._util import EXAMPLE_SCHOOL\nfrom ._scope import FILE\nfrom ..domain import slug",
        "rules": "from ._scope import FILE, REGISTRY",
        "cli.app": "from .. import __version__\nfrom . import checking",
        "fmt": "from .yamlcore import Parser\nimport yaml._yaml",
        "loader": "from __future__ import annotations",
    }
    for module, source in good.items():
        assert not private_imports(module, source), (module, source, private_imports(module, source))
