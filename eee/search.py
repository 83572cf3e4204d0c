"""`eee search` and `eee show`'s look-up: every entity's texts scored against the words asked for, accents, case
and typos tolerated; an id not found gets the closest ids, or the entities a search finds.

Entities lacking a word are set aside before they are scored; a large registry is searched by chunks over the
cores (`parallel.fork_map`), with the same hits in the same order as one process.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .errors import NotFound, UsageError
from .escape import one_line
from .kinds import Kind
from .model import Entity, Registry
from .query import STOP_WORDS, normalize
from .suggest import within


@dataclass
class Hit:
    entity: Entity
    score: float
    field: tuple[Any, ...]  # where the best match is (a pointer into the entity's data)
    text: str  # the matched text
    words: list[str] = dataclasses.field(default_factory=list)  # the query's words, normalised
    approximate: bool = False  # a word of the query is found only with a typo (ranked after every exact hit)


# Top-level fields that say what an entity is weigh more than the rest of its text.
_WEIGHTS = {"nom": 4.0, "id": 3.0, "uai": 3.0, "etiquettes": 3.0, "commune": 2.5, "territoire": 2.0}
_SKIPPED_FIELDS = {"sources", "mis_a_jour"}


def _texts(entity: Entity) -> list[tuple[tuple[Any, ...], str]]:
    """(pointer, text) of every string of an entity, sources aside."""
    out: list[tuple[tuple[Any, ...], str]] = [(("id",), entity.id)]

    def walk(value: Any, pointer: tuple[Any, ...]) -> None:
        if isinstance(value, str):
            out.append((pointer, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in _SKIPPED_FIELDS:
                    walk(item, pointer + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, pointer + (index,))

    walk(entity.data, ())
    return out


def weighted_words(entity: Entity) -> dict[str, float]:
    """The distinct normalised words of the texts `search` reads in an entity, each with the greatest weight of
    the fields it is in (what the query index keeps of an entity for `search`: see `_indexed`)."""
    found: dict[str, float] = {}
    for pointer, value in _texts(entity):
        weight = _WEIGHTS.get(pointer[0], 1.0) if len(pointer) == 1 else 1.0
        for word in normalize(value).split():
            if found.get(word, 0.0) < weight:
                found[word] = weight
    return found


WEIGHTS = tuple(sorted({1.0, *_WEIGHTS.values()}))  # every weight a field can have


# A typo is tolerated only in a word of at least this many letters: a short word is too near other words (a
# place name, « Mende », is one letter from « monde »). One letter may differ from 6 letters, two from 8.
TYPO_MIN_LENGTH = 6
EXACT = 0.8  # the least score of a word found as it is written (whole, or its beginning); below: a typo


def _singular(word: str) -> str:
    """A word without the final « s » or « x » of a French plural."""
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def _token_score(query: str, word: str) -> float:
    """How well a query word matches a word of the text: 1 exact, 0.8 a prefix, less for typos, 0 none."""
    if query == word:
        return 1.0
    if len(query) >= 3 and _singular(query) == _singular(word):
        return 0.9  # « lycées » for « lycée », « bureaux » for « bureau »: the same word, not a typo
    if len(query) >= 3 and word.startswith(query):
        return EXACT
    if len(query) >= TYPO_MIN_LENGTH and abs(len(query) - len(word)) <= 2:
        allowed = 1 if len(query) < 8 else 2
        d = within(query, word, allowed)
        if d <= allowed:
            return 0.6 - 0.1 * d
    return 0.0


class _Scores(dict[str, float]):
    """`_token_score` of one query word against words of the texts, each worked out on first use."""

    def __init__(self, query: str) -> None:
        super().__init__()
        self.query = query

    def __missing__(self, word: str) -> float:
        score = self[word] = _token_score(self.query, word)
        return score


class _Words(dict[str, list[str]]):
    """text → its normalised words, each text worked out on first use."""

    def __missing__(self, text: str) -> list[str]:
        words = self[text] = normalize(text).split()
        return words


class _HasWord(dict[str, bool]):
    """text → whether one of its words matches a query word (`_Scores`), each text worked out on first use."""

    def __init__(self, scores: _Scores, words: _Words) -> None:
        super().__init__()
        self.scores = scores
        self.words = words

    def __missing__(self, text: str) -> bool:
        found = self[text] = any(map(self.scores.__getitem__, self.words[text]))
        return found


def _candidates(query: str, words: list[str]) -> list[str]:
    """The words `_token_score` may match `query` with, the others left out without a call each: a word shorter
    by more than two letters never matches (not the same word, nor its plural, nor a typo), and one longer by
    more than two only when it begins with the query."""
    shortest, longest = len(query) - 2, len(query) + 2
    return [word for word in words if shortest <= len(word) and (len(word) <= longest or word.startswith(query))]


class _Covers(dict[str, bool]):
    """word → whether a word of the query matches it (`_Scores`), each word worked out on first use (the names of
    thousands of hits share their words)."""

    def __init__(self, query: list[str], scores: dict[str, _Scores]) -> None:
        super().__init__()
        self.scores = [scores[word] for word in query]

    def __missing__(self, word: str) -> bool:
        found = self[word] = any(score[word] for score in self.scores)
        return found


SEARCH_CHUNK = 1000  # entities per task given to a worker
SEARCH_PARALLEL_FROM = 2000  # below this many entities, worker processes cost more than they save


class Words(Protocol):
    """What a query index gives `search` (`index.Index`): each word of the registry's texts, where it is, and the
    entities of the files that have the words asked."""

    def vocabulary(self) -> Iterable[str]:
        """Every distinct normalised word of the registry's texts (`weighted_words`)."""

    def occurrences(self, words: Iterable[str]) -> dict[str, tuple[Sequence[int], Sequence[float]]]:
        """For each of these words, the numbers of the files that have it and, for each, the weight it has there
        (asked for all the words a search needs at once: the index reads only where they are)."""

    def files(self, numbers: set[int]) -> list[tuple[int, str, str, str]]:
        """The files with these numbers, in the registry's order: (number, kind, name as `Entity.nom` gives it,
        and that name `normalize`d)."""

    def entities(self, numbers: set[int]) -> list[tuple[int, Entity]]:
        """The entities of the files with these numbers, with their numbers, in the registry's order."""

    def complete(self, entities: list[Entity]) -> None:
        """Give these entities their whole data (a query model holds only the fields queries read)."""


class _Scorer:
    """An entity's score against the words of a query, where its best match is, and whether a word is found only
    with a typo (None if a word of the query is not in it)."""

    def __init__(self, query: list[str], phrase: str, scores: dict[str, _Scores]) -> None:
        self.query, self.phrase, self.scores = query, phrase, scores
        # Most entities lack some word of the query: each distinct text is normalised and tried against each word
        # once (the same texts recur across thousands of entities), and only entities with every word are scored.
        self.words_of = _Words()
        self.has_word = [_HasWord(scores[word], self.words_of).__getitem__ for word in query]
        self.covers = _Covers(query, scores)

    def __call__(self, entity: Entity) -> tuple[float, tuple[Any, ...], str, bool] | None:
        query, scores, words_of = self.query, self.scores, self.words_of
        texts = _texts(entity)
        values = [value for _, value in texts]
        if not all(any(map(has, values)) for has in self.has_word):
            return None
        fields = [(pointer, value, " ".join(tokens), tokens) for pointer, value in texts
                  for tokens in (words_of[value],)]
        total, best, approximate = 0.0, (0.0, (), ""), False
        for word in query:
            word_best: tuple[float, tuple[Any, ...], str] = (0.0, (), "")
            exact: tuple[float, tuple[Any, ...], str] = (0.0, (), "")  # the best match without a typo
            score_of = scores[word].__getitem__
            for pointer, value, _, tokens in fields:
                weight = _WEIGHTS.get(pointer[0], 1.0) if len(pointer) == 1 else 1.0
                raw = max(map(score_of, tokens), default=0.0)
                score = raw * weight
                if score > word_best[0]:
                    word_best = (score, pointer, value)
                if raw >= EXACT and score > exact[0]:
                    exact = (score, pointer, value)
            if word_best[0] == 0:
                return None
            if exact[0]:
                word_best = exact  # a word written as asked counts, not a typo of another word beside it
            else:
                approximate = True
            total += word_best[0]
            if word_best[0] > best[0]:
                best = word_best
        if self.in_phrase(fields):
            total += 2.0
        return total + self.coverage(normalize(entity.nom)), best[1], best[2], approximate

    def in_phrase(self, fields: list[tuple[Any, str, str, list[str]]]) -> bool:
        """Whether the query's words, more than one, are found together in a field (a bonus)."""
        return len(self.query) > 1 and any(self.phrase in norm for _, _, norm, _ in fields)

    def coverage(self, name: str) -> float:
        """The more of its name (`Entity.nom`, `normalize`d) the words cover, the more the entity is what was asked
        for."""
        name_words = [w for w in name.split() if w not in STOP_WORDS] or [""]
        return 3.0 * sum(map(self.covers.__getitem__, name_words)) / len(name_words)


def _order(hit: Hit) -> tuple[bool, float, int, str]:
    """Every hit found as written comes before any hit that needs a typo, whatever their scores."""
    return hit.approximate, -hit.score, len(hit.entity.nom), normalize(hit.entity.nom)


def search(registry: Registry | Words, text: str, kinds: list[Kind] | None = None, limit: int = 50,
           jobs: int | None = None) -> list[Hit]:
    """Entities of a registry (its model, or its query index) matching every word of `text`, best first; accents,
    case, punctuation and typos tolerated.

    A model is searched over `jobs` processes (default: the cores available) when large, by chunks, with the
    same hits in the same order as in one process; a query index, from its words (`_indexed`), with the same
    hits, scores and order again."""
    words = normalize(text).split()
    query = [w for w in words if w not in STOP_WORDS] or words
    if not query:
        raise UsageError("recherche vide", "donnez au moins un mot, par exemple : eee search aeronautique")
    # A word of the query against each distinct word of the texts, once: the same words recur in thousands of
    # entities (lycée, atelier, a commune…).
    scorer = _Scorer(query, " ".join(words), {word: _Scores(word) for word in query})
    if not isinstance(registry, Registry):
        return _indexed(scorer, registry, kinds, limit)
    entities = [e for e in registry if not kinds or e.kind in kinds]

    def scan(span: tuple[int, int]) -> list[tuple[int, float, tuple[Any, ...], str, bool]]:
        """(index, score, where, matched text) of the matching entities among entities[start:end]."""
        found = []
        for index in range(*span):
            result = scorer(entities[index])
            if result is not None:
                found.append((index, *result))
        return found

    from .parallel import fork_map  # only for a search over the whole model

    spans = [(start, min(start + SEARCH_CHUNK, len(entities))) for start in range(0, len(entities), SEARCH_CHUNK)]
    hits = [Hit(entities[index], total, where, matched, query, approximate)
            for part in fork_map(scan, spans, jobs if len(entities) >= SEARCH_PARALLEL_FROM else 1)
            for index, total, where, matched, approximate in part]
    hits.sort(key=_order)
    return hits[:limit]


def _indexed(scorer: _Scorer, index: Words, kinds: list[Kind] | None, limit: int) -> list[Hit]:
    """`search` from a query index: the same hits, scores and order, without reading every entity.

    An entity's score for a word of the query is the best, over the words of its texts, of how well that word
    matches (`_token_score`) times the weight of the field it is in: each word of the index says, for each file
    that has it, the greatest weight of its fields that have it. So the score of every file is worked out from
    the words and its name alone; only the phrase bonus (a query of several words) and the hits shown (where
    they match) need the entities' whole data, which the index gives for those alone."""
    query, scores = scorer.query, scorer.scores
    best: list[dict[int, float]] = []  # for each word of the query: the best score in each file
    exact: list[dict[int, float]] = []  # the same, without a typo
    vocabulary = list(index.vocabulary())
    matched = {word: [token for token in _candidates(word, vocabulary) if scores[word][token]] for word in query}
    occurrences = index.occurrences({token for tokens in matched.values() for token in tokens})
    for word in query:
        found: dict[int, float] = {}
        sure: dict[int, float] = {}
        score_of = scores[word]
        for token in matched[word]:
            raw = score_of[token]
            numbers, weights = occurrences[token]
            for number, weight in zip(numbers, weights):
                score = raw * weight
                if score > found.get(number, 0.0):
                    found[number] = score
                if raw >= EXACT and score > sure.get(number, 0.0):
                    sure[number] = score
        best.append(found)
        exact.append(sure)
    common = set(best[0]).intersection(*best[1:])
    wanted = {kind.name for kind in kinds} if kinds else None
    files = [f for f in index.files(common) if wanted is None or f[1] in wanted]
    together: set[int] = set()  # the files with the query's words together in a field
    if len(query) > 1:
        candidates = index.entities({number for number, _, _, _ in files})
        index.complete([entity for _, entity in candidates])
        together = {number for number, entity in candidates
                    if scorer.in_phrase([(None, "", " ".join(scorer.words_of[value]), [])
                                         for _, value in _texts(entity)])}
    ranked = []
    for position, (number, _, nom, name) in enumerate(files):
        total, approximate = 0.0, False
        for found, sure in zip(best, exact):
            score = sure.get(number, 0.0)
            if not score:
                score, approximate = found[number], True
            total += score
        if number in together:
            total += 2.0
        total += scorer.coverage(name)
        # `_order`, then the registry's order (as the stable sort of `search` keeps it)
        ranked.append((approximate, -total, len(nom), name, position, number, total))
    ranked = heapq.nsmallest(limit, ranked)  # (the first `limit` of the sorted rows)
    shown = {number: entity for number, entity in index.entities({row[5] for row in ranked})}
    index.complete(list(shown.values()))
    hits = []
    for approximate, _, _, _, _, number, total in ranked:
        hit = Hit(shown[number], total, (), "", query, approximate)
        result = scorer(hit.entity)  # where it matches best, as `search` without an index finds it
        if result is not None:
            hit.field, hit.text = result[1], result[2]
        hits.append(hit)
    return hits


def find_entity(registry: Registry, entity_id: str, index: Words | None = None) -> Entity:
    """The entity with this id, or a usage error with the closest ids (`index`: as for `search`)."""
    if not entity_id.strip():
        raise UsageError("identifiant vide", "donnez l'identifiant d'une entité, par exemple : eee show clee-ariege")
    entity = registry.get(entity_id) or registry.get(entity_id.strip().lower())
    if entity is not None:
        return entity
    ids = list(registry.entities)
    limit, wanted = max(2, len(entity_id) // 3), entity_id.lower()
    near = [(d, i) for i in ids if (d := within(wanted, i, limit)) <= limit]
    close = [i for _, i in sorted(near, key=lambda pair: pair[0])[:3]]  # the nearest three, ties in id order
    hits = search(index or registry, entity_id.replace("-", " "), limit=3) if not close else []
    suggestions = close or [h.entity.id for h in hits]
    hint = ("vouliez-vous dire " + " ou ".join(f"« {s} »" for s in suggestions) + " ?") if suggestions else \
        "eee search aide à trouver un identifiant"
    raise NotFound(f"aucune entité n'a l'identifiant « {one_line(entity_id)} »", hint)
