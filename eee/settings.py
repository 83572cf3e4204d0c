"""Where the registry, the schemas and the templates are (standard library only).

An installed wheel carries `schemas/`, `templates/` and the shipped `registry/`
under `eee/_data/`; in a checkout (or an editable install) they are the
top-level folders next to the package.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import RegistryNotFound, SchemaFileError

PACKAGE_DIR = Path(__file__).resolve().parent
ENV_REGISTRY = "EEE_REGISTRY"


def data_dir(name: str) -> Path:
    """The installed copy of a top-level data folder, or the checkout's one."""
    for candidate in (PACKAGE_DIR / "_data" / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise SchemaFileError(
        f"le dossier « {name} » de l'installation d'eee est introuvable",
        "réinstallez eee (pip install --force-reinstall eee)",
    )


def schemas_dir() -> Path:
    return data_dir("schemas")


def shipped_registry() -> Path:
    return data_dir("registry")


def resolve_registry(option: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Path:
    """The registry folder: --registry, then $EEE_REGISTRY, then ./registry, then the shipped one."""
    explicit = option if option not in (None, "") else os.environ.get(ENV_REGISTRY) or None
    if explicit is not None:
        path = Path(explicit).expanduser()
        if not path.is_dir():
            origin = "--registry" if option not in (None, "") else f"${ENV_REGISTRY}"
            raise RegistryNotFound(
                f"le registre « {path} » ({origin}) n'existe pas ou n'est pas un dossier",
                "indiquez le dossier qui contient reseau.yaml, par exemple --registry registry",
            )
        return path
    local = (cwd or Path.cwd()) / "registry"
    if local.is_dir():
        return Path("registry") if cwd is None else local
    return shipped_registry()
