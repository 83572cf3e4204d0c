"""Un SIREN ou un SIRET doit avoir une clé de contrôle juste.

SIREN (9 chiffres) et SIRET (14 chiffres) se vérifient par l'algorithme de
Luhn ; les SIRET de La Poste (356000000…) suivent une règle propre (somme des
chiffres multiple de 5). Un numéro faux est presque toujours une faute de
frappe : recopiez-le depuis l'annuaire des entreprises.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..catalogue import R013
from ..diagnostics import Example, Problem
from ..model import Registry
from ._scope import FILE

CODE, SEVERITY = R013.code, R013.severity  # declared in eee/catalogue.py
SCOPE = FILE
EXAMPLE = Example(
    bad={"partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\nsiren: \"123456789\"\nmis_a_jour: 2024-01-15\n"},
    good={"partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\nsiren: \"123456782\"\nmis_a_jour: 2024-01-15\n"},
)


def check(registry: Registry) -> Iterator[Problem]:
    for entity in registry:
        if entity.kind.name not in ("partenaire", "etablissement"):
            continue
        for field, size in (("siren", 9), ("siret", 14)):
            value = entity.get(field)
            if not (isinstance(value, str) and value.isdigit() and len(value) == size):
                continue  # the schema reports the format
            if not _is_valid(field, value):
                yield entity.problem(
                    CODE, SEVERITY, (field,),
                    f"le {field.upper()} « {value} » a une clé de contrôle fausse",
                    "recopiez le numéro depuis l'annuaire des entreprises (annuaire-entreprises.data.gouv.fr) ; "
                    "s'il est inconnu, retirez la clé",
                )


def _is_valid(field: str, value: str) -> bool:
    # python-stdnum takes 35 ms to import: only when there is a number to check (not for an action).
    from stdnum.fr import siren, siret

    return bool((siren if field == "siren" else siret).is_valid(value))
