"""eee/figures.py: exact, approximate, minimum and unknown figures keep their nature through every sum."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from eee.figures import NOTHING, Count, compare, total

# One action's contribution to a figure: a number with its precision, no number at all (unknown), or nothing
# (the figure does not concern it).
ONE = st.one_of(
    st.builds(Count.of, st.integers(min_value=0, max_value=10**6), st.sampled_from(["exact", "environ", "au_moins", None])),
    st.just(Count.unknown()),
    st.just(NOTHING),
)


@given(st.lists(ONE, max_size=12))
def test_a_sum_is_as_certain_as_its_least_certain_part(parts: list[Count]) -> None:
    result = total(parts)
    given_numbers = [p.value for p in parts if p.value is not None]
    missing = sum(p.missing for p in parts)
    assert result.missing == missing
    if given_numbers:
        assert result.value == sum(given_numbers)
        assert result.minimum == any(p.minimum for p in parts)
        assert result.approximate == any(p.approximate for p in parts)
        assert result.exact == (not missing and all(p.exact for p in parts if p.known))
        assert result.lower_bound == (missing > 0 or any(p.minimum for p in parts))
    elif missing:
        assert result.value is None and not result.known  # only unknowns: never 0
    else:
        assert result == NOTHING and result.text() == "—"  # nothing to count


@given(st.lists(ONE, max_size=12), st.lists(ONE, max_size=12))
def test_breakdowns_add_up_to_the_whole(left: list[Count], right: list[Count]) -> None:
    assert total([total(left), total(right)]) == total(left + right)


@given(st.lists(ONE, max_size=8))
def test_what_is_shown_is_what_is_known(parts: list[Count]) -> None:
    result = total(parts)
    text = result.text()
    if not result.known:
        assert text == ("non renseigné" if result.missing else "—")  # never a number
        return
    if result.lower_bound:
        assert text.startswith("au moins ")  # a minimum is never shown as exact
    elif result.approximate:
        assert text.startswith("environ ")
    else:
        assert re.fullmatch(r"[\d\u202f]+", text)
    assert ("sans effectif" in text) == (result.missing > 0)


@given(ONE, ONE, st.integers(min_value=0, max_value=10**6))
def test_only_exact_figures_are_compared(now: Count, before: Count, n: int) -> None:
    said = compare(now, before, "2023-2024", "2022-2023")
    if now.exact and before.exact:
        assert said == "=" or re.fullmatch(r"[+−]\d+( \([+−]\d+ %\))?", said)
    else:
        assert not re.search(r"[+−=]\s?\d|^=$", said), said  # no difference made from an unknown or a minimum
        assert said.startswith(("non comparable", "pas de données"))


def test_the_cases_of_the_issue() -> None:
    at_least = Count.of(350, "au_moins") + Count.of(102) + Count.unknown(3)
    assert at_least.text() == "au moins 452 ; 3 actions sans effectif"
    assert at_least.as_dict() == {"nombre": 452, "precision": "au_moins", "sans_nombre": 3}
    assert compare(Count.unknown(2), at_least, "2023-2024", "2022-2023") == "pas de données en 2023-2024"
    assert compare(Count.of(84), Count.unknown(), "2025-2026", "2024-2025") == "pas de données en 2024-2025"
    assert compare(Count.of(500), at_least, "2023-2024", "2022-2023") == \
        "non comparable : 2022-2023 ne donne qu'un minimum"
    assert compare(Count.of(120), Count.of(100), "2023-2024", "2022-2023") == "+20 (+20 %)"
    assert compare(Count.of(80), Count.of(100), "2023-2024", "2022-2023") == "−20 (−20 %)"
    assert Count.of(40, "environ").text() == "environ 40"
    assert (Count.of(40, "environ") + Count.of(10, "au_moins")).text() == "au moins environ 50"
    assert Count.of(20000).text() == "20\u202f000"
    assert total([]).text() == "—" and total([Count.unknown(), Count.unknown()]).text() == "non renseigné"


def test_a_block_shows_its_number_with_its_precision() -> None:
    from eee.figures import block_number

    assert block_number({"categorie": "eleves", "nombre": 350, "precision": "au_moins"}) == "au moins 350"
    assert block_number({"nombre": 40, "precision": "environ"}) == "environ 40"
    assert block_number({"nombre": 12}) == "12"
    assert block_number({"nombre": "12"}) is None and block_number({"nom": "x"}) is None
    assert block_number({"nombre": True}) is None and block_number([1]) is None


def test_a_count_of_what_a_file_names_is_exact_only_when_it_names_all() -> None:
    assert Count.listed(3).number() == "3" and Count.listed(0).number() == "0"
    assert Count.listed(3, complete=False).number() == "au moins 3"
    assert Count.listed(0, complete=False).number() == "non renseigné"
