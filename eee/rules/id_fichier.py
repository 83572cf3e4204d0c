"""L'identifiant d'une entité (clé id) doit être le nom de son fichier, sans « .yaml ».

Le nom du fichier sert d'identifiant dans les liens, les pages de l'annuaire et
les références des autres fichiers : les deux doivent concorder. Pour changer
un identifiant, renommez le fichier et la clé id ensemble (eee rename le fera).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R001
from ..diagnostics import Example, Problem
from ..domain import ENTITY_ID, slug
from ..model import Registry
from ._scope import FILE

CODE, SEVERITY = R001.code, R001.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={"partenaires/exemple-bois.yaml": "id: exemple-bois-sarl\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\nmis_a_jour: 2024-01-15\n"},
    good={"partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    for entities in registry.by_kind.values():
        for entity in entities:
            raw = entity.data.get("id")
            if isinstance(raw, str) and raw != entity.doc.stem:
                stem = entity.doc.stem
                rename = f"renommez le fichier « {raw}.yaml »" if ENTITY_ID.match(raw) else ""
                if ENTITY_ID.match(stem):
                    hint = f"écrivez « id: {stem} »" + (f", ou {rename}" if rename else "")
                else:  # (the file's name is no identifier: writing it as the id would be another error)
                    guess = slug(stem)
                    hint = ("le nom du fichier n'est pas un identifiant (minuscules sans accent, chiffres et tirets) : "
                            + (rename or (f"renommez le fichier « {guess}.yaml » et écrivez « id: {guess} »" if guess
                                          else "renommez le fichier et sa clé id ensemble")))
                yield entity.problem(
                    CODE, SEVERITY, ("id",),
                    f"l'identifiant « {raw} » ne correspond pas au nom du fichier « {stem}.yaml »", hint,
                )
