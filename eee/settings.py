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
    """The registry folder: --registry, then $EEE_REGISTRY, then ./registry, then the shipped one.

    A folder given explicitly must be readable and look like a registry (reseau.yaml or a folder of
    entities) unless it is empty: `--registry /` would otherwise walk the whole disk.
    """
    if option is not None and not str(option).strip():
        raise RegistryNotFound("--registry est vide : aucun registre n'est désigné",
                               "indiquez le dossier qui contient reseau.yaml, par exemple --registry registry")
    explicit = option if option is not None else os.environ.get(ENV_REGISTRY) or None
    if explicit is not None:
        origin = "--registry" if option is not None else f"${ENV_REGISTRY}"
        path = Path(explicit).expanduser()
        if not path.is_dir():
            raise RegistryNotFound(
                f"le registre « {path} » ({origin}) n'existe pas ou n'est pas un dossier",
                "indiquez le dossier qui contient reseau.yaml, par exemple --registry registry",
            )
        _check_registry(path, origin)
        return path
    local = (cwd or Path.cwd()) / "registry"
    if local.is_dir():
        _check_registry(local, "./registry")
        return Path("registry") if cwd is None else local
    return shipped_registry()


def _check_registry(path: Path, origin: str) -> None:
    from .files import reason
    from .kinds import KIND_BY_FOLDER, NETWORK_FILE

    try:
        with os.scandir(path) as entries:
            names = {entry.name for entry in entries}
    except OSError as exc:
        raise RegistryNotFound(f"le registre « {path} » ({origin}) ne peut pas être lu : {reason(exc)}",
                               "vérifiez vos droits sur ce dossier") from None
    if names and NETWORK_FILE not in names and not names & set(KIND_BY_FOLDER):
        raise RegistryNotFound(
            f"« {path} » ({origin}) ne ressemble pas à un registre : ni {NETWORK_FILE} ni dossier d'entités "
            "(clee/, partenaires/…)",
            "indiquez le dossier qui contient reseau.yaml, par exemple --registry registry",
        )


def registry_paths(root: Path, paths: list[Path]) -> list[str]:
    """Registry-relative POSIX prefixes for paths given on the command line (`eee validate PATH`, `eee fmt PATH`),
    each relative to the working directory or, failing that, to the registry; "" stands for the registry itself.

    One rule for every command: a path must exist and lie inside the registry, or it is a usage error (exit 2).
    """
    from .errors import UsageError

    real_root = root.resolve()
    out = []
    for path in paths:
        candidates = [c for c in (Path(path), root / path) if c.exists()]
        if not candidates:
            raise UsageError(f"« {path} » n'existe pas", "vérifiez le chemin")
        for candidate in candidates:
            try:
                rel = candidate.resolve().relative_to(real_root).as_posix()
            except ValueError:
                continue
            out.append("" if rel == "." else rel)
            break
        else:
            raise UsageError(
                f"« {path} » n'est pas dans le registre « {root} »",
                "donnez des chemins à l'intérieur du registre, ou choisissez le registre avec --registry",
            )
    return out
