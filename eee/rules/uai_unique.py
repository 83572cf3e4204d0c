"""Un UAI ne désigne qu'un seul établissement du registre.

Un UAI apparaît une seule fois : comme uai d'un établissement, ou dans les
uai_secondaires d'un autre (la section professionnelle d'un lycée polyvalent,
par exemple). Un UAI secondaire importé aussi comme établissement à part fait
compter deux fois le même lieu : gardez-le dans uai_secondaires, ou retirez-le
de la liste si la mission veut le suivre séparément.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R025
from ..diagnostics import Example, Problem
from ..loader import Pointer
from ..model import Entity, Registry
from ._scope import REGISTRY

CODE, SEVERITY = R025.code, R025.severity  # declared in eee/catalogue.py
SCOPE = REGISTRY
READS = frozenset({"uai", "uai_secondaires"})
EXAMPLE = Example(
    bad={"etablissements/0312686b.yaml": "id: 0312686b\nnom: Lycée polyvalent Saint Exupéry\nstatut: ouvert\nuai: 0312686B\nuai_secondaires: [0090015T]\nnature: lycee_polyvalent\ncommune: Blagnac\ndepartement: \"31\"\nacademie: toulouse\nmis_a_jour: 2024-11-26\n"},
    good={"etablissements/0312686b.yaml": "id: 0312686b\nnom: Lycée polyvalent Saint Exupéry\nstatut: ouvert\nuai: 0312686B\nuai_secondaires: [0310049K]\nnature: lycee_polyvalent\ncommune: Blagnac\ndepartement: \"31\"\nacademie: toulouse\nmis_a_jour: 2024-11-26\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    seen: dict[str, str] = {}  # UAI (upper case) -> path of the first file that names it
    entries: list[tuple[Entity, Pointer, str]] = []
    for entity in registry.of_kind("etablissement"):
        uai = entity.get("uai")
        if isinstance(uai, str) and uai.lower() == entity.id:  # otherwise EEE-R012 says what is wrong
            entries.append((entity, ("uai",), uai.upper()))
        for index, value in enumerate(entity.items("uai_secondaires")):
            if isinstance(value, str):
                entries.append((entity, ("uai_secondaires", index), value.upper()))
    # Main UAIs first, so that the secondary mention is the one reported.
    entries.sort(key=lambda e: (e[1][0] != "uai", e[0].path))
    for entity, pointer, uai in entries:
        if uai in seen and seen[uai] != entity.path:
            yield entity.problem(
                CODE, SEVERITY, pointer,
                f"l'UAI {uai} est déjà celui d'un autre établissement ({seen[uai]})",
                "un UAI ne figure qu'une fois : retirez-le d'ici, ou supprimez l'autre fichier",
            )
        seen.setdefault(uai, entity.path)
