"""« Did you mean » suggestions (standard library only)."""

from __future__ import annotations


def distance(a: str, b: str, bound: int | None = None) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): a swap of two letters counts once.

    With `bound`, a distance above it is given as bound + 1, and the work stops as soon as that is
    certain: a suggestion among the 20,000 ids of a national registry needs only the near ones."""
    if bound is not None and abs(len(a) - len(b)) > bound:
        return bound + 1  # each edit changes the length by one at most
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        # No value of a row is below the smallest of the row above: a value comes from the row above, from
        # the value to its left (+ 1) or, for a swap, from two rows above (+ 1), which the row above already
        # reached diagonally. Once a whole row is above the bound, so is the distance.
        if bound is not None and min(current) > bound:
            return bound + 1
        previous2, previous = previous, current
    return previous[-1] if bound is None else min(previous[-1], bound + 1)


def within(a: str, b: str, limit: int) -> int:
    """`distance(a, b)` if it is at most `limit`, else limit + 1; most far words are set aside before any
    table is made: an edit changes the length by one at most, and the set of letters by two at most."""
    if abs(len(a) - len(b)) > limit or len(set(a).symmetric_difference(b)) > 2 * limit:
        return limit + 1
    return distance(a, b, limit)


def closest(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """The choice nearest to `word`, if it is near enough to be a typo of it.

    Choices that cannot be near enough are set aside by two bounds before any distance is worked out
    (a reference to a missing id is compared with thousands of ids at national scale): the answer is
    the one a distance to every choice would give."""
    if not choices:
        return None
    lowered = word.lower()
    limit = max(1, min(3, len(word) // 3))
    best: tuple[int, str] | None = None
    for choice in sorted(choices):
        d = within(lowered, choice.lower(), limit)  # exact up to the limit: only those can be the answer
        if best is None or d < best[0]:
            best = (d, choice)
    if best is not None and best[0] <= limit:
        return best[1]
    # A word written longer than the code it stands for: « 3eme » for 3e, « actives » for actif…
    prefixes = [c for c in sorted(choices, key=len, reverse=True) if len(c) >= 2 and lowered.startswith(c.lower())]
    if prefixes:
        return prefixes[0]
    import difflib

    found = difflib.get_close_matches(word, [c for c in choices if _quick_ratio_reaches(word, c, CUTOFF)], n=1,
                                      cutoff=CUTOFF)
    return found[0] if found else None


CUTOFF = 0.75  # difflib's similarity for a suggestion that is not a typo


def _quick_ratio_reaches(a: str, b: str, cutoff: float) -> bool:
    """Whether difflib's quick_ratio of `b` against `a` reaches `cutoff` (get_close_matches asks that before
    its costly ratio): the letters a and b share, counted as multisets, here with str.count."""
    total = len(a) + len(b)
    if not total:
        return True  # difflib counts two empty texts alike
    if 2.0 * min(len(a), len(b)) / total < cutoff:  # its real_quick_ratio, which bounds quick_ratio
        return False
    letters = set(a).intersection(b)
    shared = sum(map(min, map(a.count, letters), map(b.count, letters)))  # (one letter at a time, in C)
    return 2.0 * shared / total >= cutoff
