"""`eee search` and `eee show`'s look-up: every entity's texts scored against the words asked for, accents, case
and typos tolerated; an id not found gets the closest ids, or the entities a search finds.

Entities lacking a word are set aside before they are scored; a large registry is searched by chunks over the
cores (`parallel.fork_map`), with the same hits in the same order as one process.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .errors import NotFound, UsageError
from .escape import one_line
from .kinds import Kind
from .model import Entity, Registry
from .parallel import fork_map
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


SEARCH_CHUNK = 1000  # entities per task given to a worker
SEARCH_PARALLEL_FROM = 2000  # below this many entities, worker processes cost more than they save


def search(registry: Registry, text: str, kinds: list[Kind] | None = None, limit: int = 50,
           jobs: int | None = None) -> list[Hit]:
    """Entities matching every word of `text`, best first; accents, case, punctuation and typos tolerated.

    A large registry is searched over `jobs` processes (default: the cores available), by chunks, with the
    same hits in the same order as in one process."""
    words = normalize(text).split()
    query = [w for w in words if w not in STOP_WORDS] or words
    if not query:
        raise UsageError("recherche vide", "donnez au moins un mot, par exemple : eee search aeronautique")
    phrase = " ".join(words)
    # A word of the query against each distinct word of the texts, once: the same words recur in thousands of
    # entities (lycée, atelier, a commune…).
    scores = {word: _Scores(word) for word in query}
    # Most entities lack some word of the query: each distinct text is normalised and tried against each word
    # once (the same texts recur across thousands of entities), and only entities with every word are scored.
    words_of = _Words()
    has_word = [_HasWord(scores[word], words_of).__getitem__ for word in query]
    entities = [e for e in registry if not kinds or e.kind in kinds]

    def scored(entity: Entity) -> tuple[float, tuple[Any, ...], str, bool] | None:
        """The entity's score, where its best match is, and whether a word is found only with a typo; None if
        a word of the query is not in it."""
        texts = _texts(entity)
        values = [value for _, value in texts]
        if not all(any(map(has, values)) for has in has_word):
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
        if len(query) > 1 and any(phrase in norm for _, _, norm, _ in fields):
            total += 2.0
        # The more of its name the words cover, the more the entity is what was asked for.
        name_words = [w for w in normalize(entity.nom).split() if w not in STOP_WORDS] or [""]
        covered = sum(1 for w in name_words if any(scores[q][w] for q in query))
        return total + 3.0 * covered / len(name_words), best[1], best[2], approximate

    def scan(span: tuple[int, int]) -> list[tuple[int, float, tuple[Any, ...], str, bool]]:
        """(index, score, where, matched text) of the matching entities among entities[start:end]."""
        found = []
        for index in range(*span):
            result = scored(entities[index])
            if result is not None:
                found.append((index, *result))
        return found

    spans = [(start, min(start + SEARCH_CHUNK, len(entities))) for start in range(0, len(entities), SEARCH_CHUNK)]
    hits = [Hit(entities[index], total, where, matched, query, approximate)
            for part in fork_map(scan, spans, jobs if len(entities) >= SEARCH_PARALLEL_FROM else 1)
            for index, total, where, matched, approximate in part]
    # Every hit found as written comes before any hit that needs a typo, whatever their scores.
    hits.sort(key=lambda h: (h.approximate, -h.score, len(h.entity.nom), normalize(h.entity.nom)))
    return hits[:limit]


def find_entity(registry: Registry, entity_id: str) -> Entity:
    """The entity with this id, or a usage error with the closest ids."""
    if not entity_id.strip():
        raise UsageError("identifiant vide", "donnez l'identifiant d'une entité, par exemple : eee show clee-ariege")
    entity = registry.get(entity_id) or registry.get(entity_id.strip().lower())
    if entity is not None:
        return entity
    ids = list(registry.entities)
    limit, wanted = max(2, len(entity_id) // 3), entity_id.lower()
    near = [(d, i) for i in ids if (d := within(wanted, i, limit)) <= limit]
    close = [i for _, i in sorted(near, key=lambda pair: pair[0])[:3]]  # the nearest three, ties in id order
    hits = search(registry, entity_id.replace("-", " "), limit=3) if not close else []
    suggestions = close or [h.entity.id for h in hits]
    hint = ("vouliez-vous dire " + " ou ".join(f"« {s} »" for s in suggestions) + " ?") if suggestions else \
        "eee search aide à trouver un identifiant"
    raise NotFound(f"aucune entité n'a l'identifiant « {one_line(entity_id)} »", hint)
