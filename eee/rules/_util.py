"""Small helpers shared by rules (school years, identifiers)."""

from __future__ import annotations

import datetime as dt
import re

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # the alphabet without I, O and Q
_YEAR = re.compile(r"^(\d{4})-(\d{4})\Z")


def uai_check_letter(uai: str) -> str:
    """The check letter of a UAI's first seven digits."""
    return UAI_LETTERS[int(uai[:7]) % 23]


def uai_departement(uai: str) -> str:
    """The département code a UAI belongs to: 031… → 31, 009… → 09."""
    prefix = uai[:3]
    return {"620": "2A", "720": "2B"}.get(prefix, prefix[1:] if prefix.startswith("0") else prefix)


def school_year_bounds(year: str) -> tuple[dt.date, dt.date] | None:
    """1 September and 31 August of a consecutive school year « AAAA-AAAA », else None."""
    match = _YEAR.match(year)
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        return None
    return dt.date(int(match.group(1)), 9, 1), dt.date(int(match.group(2)), 8, 31)


def parse_date(value: object) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def date_fr(day: dt.date) -> str:
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre"]
    return f"{day.day}{'er' if day.day == 1 else ''} {months[day.month - 1]} {day.year}"


# The école of the rules' examples (tests/cases/base holds the same file).
EXAMPLE_SCHOOL_PATH = "etablissements/0312686b.yaml"
EXAMPLE_SCHOOL = """id: 0312686b
nom: Lycée polyvalent Saint Exupéry
statut: ouvert
uai: 0312686B
nature: lycee_polyvalent
commune: Blagnac
departement: "31"
academie: toulouse
sources:
  - titre: Annuaire de l'éducation
mis_a_jour: 2024-11-26
"""
