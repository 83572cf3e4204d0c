"""Figures exactly as certain as the registry (standard library only).

A number of the registry is exact, approximate (« environ »), a minimum
(« au moins », « un peu plus de ») or not given at all. A `Count` keeps that
nature through every sum and every output:

- exact + exact = exact; anything + a minimum = a minimum; anything + an
  approximation = an approximation;
- a sum that leaves out things without a number is a minimum, and says how
  many it left out (« au moins 452 ; 3 actions sans effectif »);
- nothing known is « non renseigné », never 0, and no figure is made from it;
  what gives no number of a kind at all (no action counts candidates) is « — »;
- two years compare only when both figures are exact; otherwise `compare`
  says why not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .domain import number_fr

EXACT, ABOUT, AT_LEAST = "exact", "environ", "au_moins"  # the `precision` vocabulary of the schemas
UNKNOWN = "non renseigné"
NONE = "—"


@dataclass(frozen=True)
class Count:
    """A sum of numbers of the registry, with what is known of it.

    `value` sums the numbers given (None: none was given); `minimum`: one of them is « au moins »;
    `approximate`: one is « environ »; `missing`: how many of the things summed gave no number.
    """

    value: int | None = None
    minimum: bool = False
    approximate: bool = False
    missing: int = 0

    @classmethod
    def of(cls, number: int, precision: str | None = EXACT) -> Count:
        """One number of the registry with its `precision` (exact, environ, au_moins; None: exact)."""
        return cls(number, minimum=precision == AT_LEAST, approximate=precision == ABOUT)

    @classmethod
    def listed(cls, found: int, complete: bool = True) -> Count:
        """How many things a file names (a CLEE's members, the partners of a year's actions): exact when it names
        them all; else « au moins » those it names, and unknown when it names none (never 0)."""
        if complete:
            return cls(found)
        return cls(found, minimum=True) if found else cls.unknown()

    @classmethod
    def unknown(cls, missing: int = 1) -> Count:
        """What `missing` things without a number add to a sum: nothing known, and that they are missing."""
        return cls(None, missing=missing)

    def __add__(self, other: Count) -> Count:
        if self.value is None and other.value is None:
            value = None
        else:
            value = (self.value or 0) + (other.value or 0)
        return Count(value, self.minimum or other.minimum, self.approximate or other.approximate,
                     self.missing + other.missing)

    @property
    def known(self) -> bool:
        return self.value is not None

    @property
    def lower_bound(self) -> bool:
        """The true figure may be larger: a minimum was summed, or things without a number were left out."""
        return self.known and (self.minimum or self.missing > 0)

    @property
    def exact(self) -> bool:
        return self.known and not self.lower_bound and not self.approximate

    @property
    def precision(self) -> str | None:
        """The qualifier, in the schemas' words: exact, environ, au_moins (a minimum that is also approximate
        is au_moins: nothing above it is promised either); None when nothing is known."""
        if not self.known:
            return None
        return AT_LEAST if self.lower_bound else ABOUT if self.approximate else EXACT

    def number(self) -> str:
        """The figure alone, as French writes it: « au moins 452 », « environ 40 », « 12 », « non renseigné »
        (things without a number), « — » (nothing that gives a number of this kind)."""
        if self.value is None:
            return UNKNOWN if self.missing else NONE
        shown = number_fr(self.value)
        if self.lower_bound:
            return f"au moins {'environ ' if self.approximate else ''}{shown}"
        return f"environ {shown}" if self.approximate else shown

    def text(self, without: tuple[str, str] = ("action sans effectif", "actions sans effectif")) -> str:
        """The figure and, if some things gave no number, how many (« au moins 452 ; 3 actions sans effectif »).
        `without`: what a thing without a number is called, singular and plural."""
        shown = self.number()
        if self.missing and self.known:
            shown += f" ; {self.missing} {without[0] if self.missing == 1 else without[1]}"
        return shown

    def as_dict(self) -> dict[str, Any]:
        """For JSON, CSV and SQLite: the number (None when unknown) and, beside it, its qualifier."""
        return {"nombre": self.value, "precision": self.precision, "sans_nombre": self.missing}

    def __str__(self) -> str:
        return self.text()


NOTHING = Count()  # what a thing that does not concern a figure adds to it: nothing, and nothing missing


def block_number(block: Any) -> str | None:
    """How a block of the registry holding a number and its precision (`nombre`, `precision`: a beneficiary line)
    shows its number: « au moins 350 », « environ 40 », « 12 »; None for any other block. Pages and `eee show`
    then show that instead of the bare number and its precision apart."""
    if not isinstance(block, dict):
        return None
    number, precision = block.get("nombre"), block.get("precision", EXACT)
    if type(number) is not int or precision not in (EXACT, ABOUT, AT_LEAST):
        return None
    return Count.of(number, precision).number()


def total(counts: Iterable[Count]) -> Count:
    """The sum of counts. Summing only things without a number gives an unknown figure, with how many they
    are; summing nothing (or only things the figure does not concern) gives NOTHING, shown « — »."""
    value: int | None = None
    minimum = approximate = False
    missing = 0
    for count in counts:  # `Count.__add__` folded over them, without a Count for each step
        if count.value is not None:
            value = count.value if value is None else value + count.value
        minimum = minimum or count.minimum
        approximate = approximate or count.approximate
        missing += count.missing
    return Count(value, minimum, approximate, missing)


def compare(now: Count, before: Count, year: str, previous: str) -> str:
    """The change from `previous` to `year`, in French: « +84 (+12 %) », « = », or why it cannot be given."""
    if not now.known and not before.known:
        return f"pas de données en {previous} ni en {year}"
    if not before.known:
        return f"pas de données en {previous}"
    if not now.known:
        return f"pas de données en {year}"
    for count, when in ((before, previous), (now, year)):
        if not count.exact:
            what = "qu'un minimum" if count.lower_bound else "qu'une estimation"
            return f"non comparable : {when} ne donne {what}"
    assert now.value is not None and before.value is not None
    delta = now.value - before.value
    if delta == 0:
        return "="
    sign = "+" if delta > 0 else "−"
    percent = f" ({sign}{abs(delta) * 100 // before.value} %)" if before.value else ""
    return f"{sign}{abs(delta)}{percent}"
