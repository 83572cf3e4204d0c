"""Chaque information déclarée « à compléter » est rappelée (avertissement).

La clé a_completer liste ce que la mission sait manquer, au lieu de l'inventer :
eee validate le rappelle à chaque passage, eee stats le compte. Retirez la
ligne quand l'information est renseignée.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R031
from ..diagnostics import Example, Problem
from ..model import Registry
from ._scope import FILE

CODE, SEVERITY = R031.code, R031.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={"partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\na_completer:\n  - champ: siren\n    note: numéro SIREN à relever\nmis_a_jour: 2024-01-15\n"},
    good={"partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\nsiren: \"123456782\"\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry:
        items = entity.get("a_completer", default=[])
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict) or not isinstance(item.get("champ"), str):
                continue
            note = item.get("note")
            filled = entity.get(*item["champ"].split("."), default=None) is not None
            message = f"à compléter : {item['champ']}" + (f" — {note}" if isinstance(note, str) else "")
            # A filled field may stay among the gaps: partly known (some of the schools), or not sure (a status
            # seen in 2015: what EEE-R034 asks to note here). So the hint says when to remove it, not to.
            hint = ("ce champ est déjà renseigné : quand il est complet et sûr, retirez la ligne de a_completer"
                    if filled else "renseignez ce champ quand l'information est connue, puis retirez la ligne de a_completer")
            yield entity.problem(CODE, SEVERITY, ("a_completer", index), message, hint)
