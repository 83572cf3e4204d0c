"""« Did you mean » suggestions (standard library only)."""

from __future__ import annotations


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): a swap of two letters counts once."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def closest(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """The choice nearest to `word`, if it is near enough to be a typo of it."""
    lowered = word.lower()
    best: tuple[int, str] | None = None
    for choice in sorted(choices):
        d = distance(lowered, choice.lower())
        if best is None or d < best[0]:
            best = (d, choice)
    if best is None:
        return None
    limit = max(1, min(3, len(word) // 3))
    if best[0] <= limit:
        return best[1]
    # A word written longer than the code it stands for: « 3eme » for 3e, « actives » for actif…
    prefixes = [c for c in sorted(choices, key=len, reverse=True) if len(c) >= 2 and lowered.startswith(c.lower())]
    if prefixes:
        return prefixes[0]
    import difflib

    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return found[0] if found else None
