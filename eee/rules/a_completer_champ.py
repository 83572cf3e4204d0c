"""Un champ déclaré « à compléter » existe dans le schéma de l'entité (avertissement).

La clé champ de a_completer nomme un champ du fichier, avec des points pour les
champs imbriqués (co_animation.partenaire). Un nom mal orthographié désigne un
champ qui ne pourra jamais être rempli : le manque ne serait jamais comblé.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..catalogue import R033
from ..diagnostics import Example, Problem
from ..model import Registry
from ..suggest import closest
from ._scope import FILE

_FIELD = re.compile(r"^[a-z_]+(\.[a-z_]+)*\Z")

CODE, SEVERITY = R033.code, R033.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={"partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\na_completer:\n  - champ: sirene\nmis_a_jour: 2024-01-15\n"},
    good={"partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\na_completer:\n  - champ: siren\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry:
        items = entity.get("a_completer", default=[])
        for index, item in enumerate(items if isinstance(items, list) else []):
            field = item.get("champ") if isinstance(item, dict) else None
            if not isinstance(field, str) or not _FIELD.match(field):
                continue  # not a field name at all: the schema says so (EEE-S005)
            parts = field.split(".")
            for depth in range(len(parts)):
                node = registry.schemas.node_at(entity.kind.name, tuple(parts[: depth + 1]))
                if node is None:
                    parent = tuple(parts[:depth])
                    names = registry.schemas.property_names(entity.kind.name, parent)
                    guess = closest(parts[depth], names)
                    prefix = ".".join(parent + (guess,)) if guess else ""
                    yield entity.problem(
                        CODE, SEVERITY, ("a_completer", index, "champ"),
                        f"« {field} », déclaré à compléter, n'est pas un champ connu ({entity.kind.label})",
                        f"vouliez-vous dire « {prefix} » ?" if guess
                        else "champs possibles ici : " + ", ".join(names),
                    )
                    break
