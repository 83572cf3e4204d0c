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
