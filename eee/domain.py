"""What eee knows of the French school system and of French writing, in one place (standard library only).

Shared by the loader, the rules, queries, summaries, pages and `eee new`:
- UAI (the national number of a school): its check letter, its département;
- départements as users and the Annuaire write them (« 9 », « 031 » → 09, 31);
- school years « AAAA-AAAA » (1 September to 31 August) and ISO dates;
- French writing: dates (« 1er avril 2023 »), plurals (0 and 1 take the singular), numbers
  (20 000, thousands apart by a narrow no-break space), identifiers from free text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

# --------------------------------------------------------------------------- identifiers

ENTITY_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\Z")
"""An entity's identifier: lower-case ASCII letters and digits, words joined by hyphens (the schemas say it too)."""

# --------------------------------------------------------------------------- UAI

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # the alphabet without I, O and Q


def uai_check_letter(uai: str) -> str:
    """The check letter of a UAI's first seven digits."""
    return UAI_LETTERS[int(uai[:7]) % 23]


def uai_departement(uai: str) -> str:
    """The département code a UAI belongs to: 031… → 31, 009… → 09."""
    prefix = uai[:3]
    return {"620": "2A", "720": "2B"}.get(prefix, prefix[1:] if prefix.startswith("0") else prefix)


def departement_code(text: str) -> str:
    """A département as the registry writes it, from a number written with or without its zeros (« 9 », « 031 »
    → 09, 31); other text in upper case (« 2a » → 2A)."""
    return text.lstrip("0").zfill(2) if text.isdigit() else text.upper()


# --------------------------------------------------------------------------- school years and dates

SCHOOL_YEAR = re.compile(r"^([0-9]{4})-([0-9]{4})\Z")  # ASCII digits only, as the schemas' patterns
"""The shape of a school year, « AAAA-AAAA » (also the name of the folders of actions and events); whether the
two years follow each other is `school_year_bounds`'s question."""


def school_year_bounds(year: str) -> tuple[dt.date, dt.date] | None:
    """1 September and 31 August of a consecutive school year « AAAA-AAAA », else None."""
    match = SCHOOL_YEAR.match(year)
    if not match or int(match.group(2)) != int(match.group(1)) + 1 or not 1 <= int(match.group(1)) < 9999:
        return None  # not a school year, or none a calendar holds (0000-0001)
    return dt.date(int(match.group(1)), 9, 1), dt.date(int(match.group(2)), 8, 31)


def check_school_year(year: str) -> str:
    """A school year a user gave (`--annee 2022-2023`): the same text, or a usage error saying how to write one (two
    years that follow each other, in ASCII digits, that a calendar holds)."""
    if school_year_bounds(year) is None:
        from .errors import UsageError

        raise UsageError(f"« {year} » n'est pas une année scolaire",
                         "écrivez deux années qui se suivent, par exemple --annee 2022-2023")
    return year


def parse_date(value: object) -> dt.date | None:
    """The date of an ISO text « AAAA-MM-JJ », else None (other values, other lengths, days not in the calendar)."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def date_fr(value: Any) -> Any:
    """A date as French writes it: a date, or its ISO text (2023-04-05 → 5 avril 2023, 1er for the first of the
    month); any other value unchanged."""
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return value
    return f"{value.day}{'er' if value.day == 1 else ''} {MONTHS[value.month - 1]} {value.year}"


# --------------------------------------------------------------------------- French writing


def plural(count: int, singular: str, many: str) -> str:
    """A count and its noun: « 0 action », « 1 action », « 2 actions » (French: 0 and 1 take the singular)."""
    return f"{count} {singular if count < 2 else many}"


def number_fr(n: int) -> str:
    """A number as French typography writes it: 20 000 (a narrow no-break space between thousands)."""
    return f"{n:,}".replace(",", "\u202f")


def slug(text: str, separator: str = "-") -> str:
    """Free text as an identifier: lower-case ASCII letters and digits, words joined by `separator`
    (« Forum Métiers Foix » → forum-metiers-foix)."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return separator.join(re.findall(r"[a-z0-9]+", ascii_text))
