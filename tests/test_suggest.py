from __future__ import annotations

import pytest

from eee.suggest import closest, distance


@pytest.mark.parametrize("a, b, d", [("siren", "sirne", 1), ("abc", "abc", 0), ("", "ab", 2), ("chat", "chien", 3)])
def test_distance(a: str, b: str, d: int) -> None:
    assert distance(a, b) == d


@pytest.mark.parametrize(
    "word, expected",
    [("sirne", "siren"), ("partenaire", "partenaires"), ("mis_a_jours", "mis_a_jour"), ("zzz", None),
     ("Actif", "actif"), ("realisée", "realisee")],
)
def test_closest(word: str, expected: str | None) -> None:
    choices = ["siren", "siret", "partenaires", "mis_a_jour", "actif", "realisee", "prevue"]
    assert closest(word, choices) == expected


# ----------------------------------------------------------------------------- the bounds agree with the whole work
# At national scale a missing id is compared with thousands of ids: `distance` stops early with a bound, `within`
# and `closest` set far words aside first, and difflib's fallback sees only the choices that can pass its quick
# ratio. Each must give exactly what the whole work gives (references below: the unbounded computations).

import difflib  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from eee.suggest import CUTOFF, _quick_ratio_reaches, within  # noqa: E402

# Few letters, so that near words, swaps and shared letters are common; accents and case too.
WORDS = st.text(alphabet="abcé-AB1", max_size=12)
PROPERTY = settings(max_examples=400, deadline=None)


def reference_closest(word: str, choices: list[str]) -> str | None:
    """`closest` as it was before the bounds: a whole distance to every choice, difflib over every choice."""
    lowered = word.lower()
    best: tuple[int, str] | None = None
    for choice in sorted(choices):
        d = distance(lowered, choice.lower())
        if best is None or d < best[0]:
            best = (d, choice)
    if best is None:
        return None
    if best[0] <= max(1, min(3, len(word) // 3)):
        return best[1]
    prefixes = [c for c in sorted(choices, key=len, reverse=True) if len(c) >= 2 and lowered.startswith(c.lower())]
    if prefixes:
        return prefixes[0]
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return found[0] if found else None


@PROPERTY
@given(WORDS, WORDS, st.integers(0, 4))
def test_a_bounded_distance_is_exact_up_to_its_bound(a: str, b: str, bound: int) -> None:
    whole = distance(a, b)
    assert distance(a, b, bound) == min(whole, bound + 1)
    assert within(a, b, bound) == min(whole, bound + 1)


@PROPERTY
@given(WORDS, WORDS)
def test_the_prefilter_of_difflib_keeps_exactly_what_passes_its_quick_ratio(a: str, b: str) -> None:
    matcher = difflib.SequenceMatcher(None, b, a)  # as get_close_matches: the choice first, the word second
    assert _quick_ratio_reaches(a, b, CUTOFF) == (matcher.quick_ratio() >= CUTOFF)


@PROPERTY
@given(WORDS, st.lists(WORDS, max_size=12))
def test_closest_is_what_the_whole_work_gives(word: str, choices: list[str]) -> None:
    assert closest(word, choices) == reference_closest(word, choices)


def test_closest_among_thousands_of_ids() -> None:
    ids = [f"{prefix}-{place}-{n}" for prefix in ("agence", "atelier", "lycee") for place in ("albi", "ales", "rodez")
           for n in range(300)]
    for word in ("agence-albi-12", "agnce-albi-12", "agence-albi-1200", "partenaire-inexistant-7", "lycee-rodes-299"):
        assert closest(word, ids) == reference_closest(word, ids)


def test_a_missing_id_cited_many_times_is_looked_for_once(registry, monkeypatch) -> None:
    """EEE-R003 says « vouliez-vous dire » at each reference to a missing id, but compares the id with the
    registry's ids once (a bulk import cites the same missing partner in hundreds of files)."""
    from eee.rules import reference_introuvable
    from eee.validate import run

    for path in ("partenariats/stages-exemple.yaml", "pft/pft-exemple.yaml", "club/club-ecole-entreprise.yaml",
                 "clee/clee-ales.yaml"):
        file = registry / path
        file.write_text(file.read_text(encoding="utf-8").replace("exemple-aero", "exemple-aeor"), encoding="utf-8")
    asked: list[str] = []
    real = reference_introuvable.closest
    monkeypatch.setattr(reference_introuvable, "closest", lambda word, choices: asked.append(word) or real(word, choices))
    found = [p for p in run(registry).problems if p.code == "EEE-R003"]
    assert len(found) >= 5 and {p.hint for p in found} == {"vouliez-vous dire « exemple-aero » ?"}
    assert asked == ["exemple-aeor"]
