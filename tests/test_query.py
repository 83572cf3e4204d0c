"""Queries over the model: filters, sort, search, stats, tree (no terminal involved)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eee.errors import NotFound, UsageError
from eee.kinds import KINDS
from eee.query import Filters, kind_named, normalize, select
from eee.search import find_entity, search
from eee.stats import stats, tree
from eee.validate import load

from .conftest import write_files

ACTION_2023 = """id: immersions-exemple
nom: Immersions d'enseignants en entreprise
statut: realisee
type: immersion_enseignants
annee_scolaire: 2023-2024
organisateurs: [clee-ales]
partenaires: [exemple-aero]
departements: ["30"]
beneficiaires:
  - {categorie: enseignants, nombre: 12}
  - {categorie: eleves, nombre: 3}
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
"""


@pytest.fixture
def model(registry: Path):  # type: ignore[no-untyped-def]
    write_files(registry, {"actions/2023-2024/immersions-exemple.yaml": ACTION_2023})
    return load(registry, check_schemas=False)[0]


@pytest.mark.parametrize("text, expected", [("Tarn-et-Garonne", "tarn et garonne"), ("BÉZIERS", "beziers"),
                                            ("l'Ariège", "l ariege"), ("  MEC@INNOV ", "mec innov")])
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize("word, kind", [("clee", "clee"), ("partenaires", "partenaire"), ("établissements", "etablissement"),
                                        ("evenements", "evenement"), ("action", "action"), ("Club", "club")])
def test_kind_names(word: str, kind: str) -> None:
    assert kind_named(word) is KINDS[kind]


def test_unknown_kind_suggests() -> None:
    with pytest.raises(UsageError) as info:
        kind_named("partenaries")
    assert "partenaires" in info.value.hint


def ids(model, kind: str, **filters) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.id for e, _ in select(model, KINDS[kind], Filters(**filters)).rows]


def test_filters_combine(model) -> None:  # type: ignore[no-untyped-def]
    assert ids(model, "clee") == ["clee-ales", "clee-ariege"]
    assert ids(model, "clee", departement=["30"]) == ["clee-ales"]
    assert ids(model, "clee", departement=["9"]) == ["clee-ariege"]  # 9, 09 and 009 mean the Ariège
    assert ids(model, "clee", academie=["Toulouse"]) == ["clee-ariege"]
    assert ids(model, "cmq", departement=["31"]) == ["cmq-aeronautique-spatial"]  # via its support school
    assert ids(model, "action", annee=["2023-2024"]) == ["immersions-exemple"]
    assert ids(model, "action", partenaire=["exemple-aero"]) == ["immersions-exemple"]
    assert ids(model, "action", statut=["Réalisée"], type=["visite_entreprise"]) == ["visites-exemple"]
    assert ids(model, "clee", membre=["0090056m"]) == ["clee-ariege"]
    assert ids(model, "etablissement", departement=["09"]) == ["0090056m", "0090015t"]
    assert ids(model, "partenaire", type=["entreprise"], departement=["31"]) == ["exemple-aero"]


@pytest.mark.parametrize("filters, message", [
    ({"departement": ["75"]}, "--departement"), ({"statut": ["ouvert"]}, "--statut"),
    ({"partenaire": ["airbuss"]}, "--partenaire"), ({"annee": ["2023"]}, "année scolaire"),
])
def test_bad_filters_are_usage_errors(model, filters: dict, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match=message):
        select(model, KINDS["clee"], Filters(**filters))


def test_sort(model) -> None:  # type: ignore[no-untyped-def]
    table = select(model, KINDS["action"], Filters(), ["-eleves"])
    assert [r["eleves"].value for r in table.records()] == [25, 3]
    table = select(model, KINDS["action"], Filters(), ["enseignants"])
    assert [r["id"] for r in table.records()] == ["immersions-exemple", "visites-exemple"]  # None sorts last
    with pytest.raises(UsageError, match="colonne inconnue"):
        select(model, KINDS["action"], Filters(), ["nmo"])


def test_beneficiaries_column_sums_a_category(model) -> None:  # type: ignore[no-untyped-def]
    record = next(r for r in select(model, KINDS["action"]).records() if r["id"] == "immersions-exemple")
    assert (str(record["eleves"]), str(record["enseignants"])) == ("3", "12")


@pytest.mark.parametrize("gaps, expected, without", [
    ("", ("1", "1"), ("0", "0")),
    ("a_completer:\n  - {champ: membres, note: membres non publiés}\n", ("au moins 1", "au moins 1"),
     ("non renseigné", "non renseigné")),
    ("a_completer:\n  - {champ: membres.partenaires, note: partenaires non publiés}\n", ("1", "au moins 1"),
     ("0", "non renseigné")),
])
def test_a_structure_s_members_are_counted_as_certain_as_its_file(registry: Path, gaps: str, expected: tuple[str, str],
                                                                  without: tuple[str, str]) -> None:
    """A CLEE whose members are still to complete (`a_completer`) has « au moins » the members listed, and « non
    renseigné » with none listed: never 0 (the cards of the CLEE index, `eee list clee`)."""
    clee = (registry / "clee" / "clee-ales.yaml").read_text(encoding="utf-8")
    assert "a_completer" not in clee and "membres:" in clee
    listed = clee + gaps
    bare = clee.split("membres:")[0] + gaps  # no member listed at all
    write_files(registry, {"clee/clee-ales.yaml": listed, "clee/clee-vide.yaml": bare.replace("clee-ales", "clee-vide")})
    model = load(registry, check_schemas=False)[0]
    records = {r["id"]: r for r in select(model, KINDS["clee"]).records()}
    record = records["clee-ales"]
    assert (record["etablissements"].number(), record["partenaires"].number()) == expected
    empty = records["clee-vide"]
    assert (empty["etablissements"].number(), empty["partenaires"].number()) == without


@pytest.mark.parametrize("text, first", [
    ("ariege", "clee-ariege"), ("ARIÈGE", "clee-ariege"), ("aeronotique", "cmq-aeronautique-spatial"),
    ("Saint-Exupéry", "0312686b"), ("exemple aero", "exemple-aero"), ("pamiers", "0090015t"),
    ("jean baptiste dumas", "0300002p"), ("Alès", "clee-ales"),
])
def test_search_finds_and_ranks(model, text: str, first: str) -> None:  # type: ignore[no-untyped-def]
    hits = search(model, text)
    assert hits and hits[0].entity.id == first, [(h.entity.id, h.score) for h in hits]


def test_search_requires_every_word_and_can_restrict_kinds(model) -> None:  # type: ignore[no-untyped-def]
    assert search(model, "ariege inexistant") == []
    assert {h.entity.kind.name for h in search(model, "exemple", [KINDS["partenaire"]])} == {"partenaire"}
    with pytest.raises(UsageError):
        search(model, " - ")


def test_a_typo_needs_a_long_word_and_ranks_below_every_exact_hit() -> None:
    """On the shipped registry: « Mende » (a place, 5 letters) no longer finds « monde »; a typo is tolerated
    from 6 letters on (« aeronotique »), and a hit found only through a typo comes after every exact one."""
    from eee.search import TYPO_MIN_LENGTH
    from eee.settings import shipped_registry

    shipped = load(shipped_registry(), check_schemas=False)[0]
    assert TYPO_MIN_LENGTH == 6
    assert search(shipped, "Mende") == []
    assert search(shipped, "monde") and search(shipped, "Monde")  # the word itself is still found
    assert not search(shipped, "mondes")[0].approximate  # a plural is the same word, not a typo
    assert [h.entity.id for h in search(shipped, "aeronotique")][:1] == ["cmq-aeronautique-spatial"]
    assert all(h.approximate for h in search(shipped, "aeronotique"))
    # « désigné » is in four CLEE's notes; « design », in a CMQ's name, weighs more but is a typo of it.
    assert [(h.entity.id, h.approximate) for h in search(shipped, "désigné")][-1] == (
        "cmq-design-industries-creatives", True)
    for text in ("visitees", "obtention", "premiers", "collegiens", "spatiale", "commence", "manque"):
        flags = [h.approximate for h in search(shipped, text)]
        assert False in flags and True in flags, text  # exact and approximate hits both
        assert flags == sorted(flags), (text, [(h.entity.id, h.score, h.approximate) for h in search(shipped, text)])


def test_unknown_id_suggests_the_closest(model) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound) as info:
        find_entity(model, "clee-arriege")
    assert "« clee-ariege »" in info.value.hint
    assert find_entity(model, "0312686B").id == "0312686b"


def test_stats_sums_match_the_actions(model) -> None:  # type: ignore[no-untyped-def]
    data = stats(model)
    assert data["par_type"]["clee"] == 2 and data["par_type"]["action"] == 2
    shown = {year: {k: str(v) for k, v in row.items()} for year, row in data["actions_par_annee"].items()}
    assert shown == {"2022-2023": {"actions": "1", "eleves": "25", "enseignants": "—", "sans_nombre": "0"},
                     "2023-2024": {"actions": "1", "eleves": "3", "enseignants": "12", "sans_nombre": "0"}}
    assert data["couverture"] == {"clee": {"decrits": 2, "attendus": 2}}
    assert "31" in data["departements_sans_clee"] and "09" not in data["departements_sans_clee"]
    assert data["par_departement"]["30"]["clee"] == 1 and data["par_academie"]["montpellier"]["clee"] == 1
    year = stats(model, "2023-2024")
    assert year["par_type"]["action"] == 1 and list(year["actions_par_type"]) == ["immersion_enseignants"]


def test_tree_places_structures_under_their_departement(model) -> None:  # type: ignore[no-untyped-def]
    root = tree(model).as_dict()
    toulouse = root["enfants"][0]
    ariege = next(d for d in toulouse["enfants"] if d["id"] == "09")
    assert [c["id"] for c in ariege["enfants"]] == ["clee-ariege"]
    assert {c["id"] for c in ariege["enfants"][0]["enfants"]} == {"0090015t", "0090056m", "exemple-bois"}


def test_empty_values_sort_last_in_both_directions(model) -> None:  # type: ignore[no-untyped-def]
    write_files(model.root, {"actions/2023-2024/sans-nombre.yaml": ACTION_2023.replace("immersions-exemple", "sans-nombre")
                .replace("  - {categorie: enseignants, nombre: 12}\n  - {categorie: eleves, nombre: 3}\n", "  []\n")
                .replace("beneficiaires:\n  []\n", "")})
    reloaded = load(model.root, check_schemas=False)[0]
    for order in (["eleves"], ["-eleves"]):
        assert [r["id"] for r in select(reloaded, KINDS["action"], Filters(), order).records()][-1] == "sans-nombre"


def test_references_made_on_first_use_agree_with_the_files(model) -> None:  # type: ignore[no-untyped-def]
    """The model keeps each file's references as found and makes Reference objects on first use: every
    reference is there once, in path order, and `cited`, `referrers` say the same thing."""
    from eee.settings import shipped_registry

    for registry in (model, load(shipped_registry(), check_schemas=False)[0]):
        expected = [(e.id, pointer, target, kinds) for e in registry
                    for pointer, target, kinds in registry.schemas.references(e.kind.name, e.data)]
        refs = registry.references
        assert expected and [(r.source.id, r.pointer, r.target_id, r.kinds) for r in refs] == expected
        assert registry.references is refs  # made once
        assert registry.cited() == {(target, kinds) for _, _, target, kinds in expected}
        for target, _ in registry.cited():
            assert registry.referencing(target) == [r for r in refs if r.target_id == target]


def _reference_normalize(text: str) -> str:
    """`normalize` as first written: NFKD, then each combining mark dropped one character at a time."""
    import re
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))) | st.sampled_from(
    ["Lycée Pierre-Paul Riquet", "L’ÉCOLE d'Ingénieurs", "Tarn-et-Garonne", "Œuvre", "ﬁlière", "Ｔｏｕｌｏｕｓｅ", "İstanbul"]))
def test_normalize_drops_accents_as_first_written(text: str) -> None:
    """The marks are dropped by a translation table filled as characters are met (half a million texts in a
    national search): the words are those the character-by-character version gives."""
    assert normalize(text) == _reference_normalize(text)


def _reference_search(registry, text: str, kinds=None, limit: int = 50):  # type: ignore[no-untyped-def]
    """`search` as first written: every entity's every text scored against every word, no early setting aside;
    a word counts by its best match written as asked, else by its best typo (and the hit is approximate)."""
    from eee.search import _WEIGHTS, EXACT, STOP_WORDS, Hit, _Scores, _texts

    words = normalize(text).split()
    query = [w for w in words if w not in STOP_WORDS] or words
    phrase = " ".join(words)
    scores = {word: _Scores(word) for word in query}
    hits = []
    for entity in registry:
        if kinds and entity.kind not in kinds:
            continue
        fields = [(pointer, value, normalize(value)) for pointer, value in _texts(entity)]
        total, best, complete, approximate = 0.0, (0.0, (), ""), True, False
        for word in query:
            word_best = (0.0, (), "")
            for typos in (False, True):
                for pointer, value, norm in fields:
                    weight = _WEIGHTS.get(pointer[0], 1.0) if len(pointer) == 1 else 1.0
                    score = max((scores[word][t] for t in norm.split() if typos or scores[word][t] >= EXACT),
                                default=0.0) * weight
                    if score > word_best[0]:
                        word_best = (score, pointer, value)
                if word_best[0]:
                    approximate = approximate or typos
                    break
            if word_best[0] == 0:
                complete = False
                break
            total += word_best[0]
            best = max(best, word_best, key=lambda b: b[0])
        if complete:
            if len(query) > 1 and any(phrase in norm for _, _, norm in fields):
                total += 2.0
            name_words = [w for w in normalize(entity.nom).split() if w not in STOP_WORDS] or [""]
            total += 3.0 * sum(1 for w in name_words if any(scores[q][w] for q in query)) / len(name_words)
            hits.append(Hit(entity, total, best[1], best[2], query, approximate))
    hits.sort(key=lambda h: (h.approximate, -h.score, len(h.entity.nom), normalize(h.entity.nom)))
    return hits[:limit]


def _search_words(registry) -> list[str]:  # type: ignore[no-untyped-def]
    """Words of the test registry's texts, and typos of them."""
    from eee.search import _texts

    words = sorted({w for e in registry for _, v in _texts(e) for w in normalize(v).split()})
    return words + [w[:-1] + "x" for w in words if len(w) > 4] + [w[1:] for w in words if len(w) > 5]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # read only
@given(data=st.data())
def test_search_gives_what_scoring_every_entity_gives(model, data) -> None:  # type: ignore[no-untyped-def]
    """Entities lacking a word of the query are set aside before they are scored (a national search reads
    13 MB of text): the hits, their order, scores and matched texts are those of scoring every entity."""
    words = _search_words(model)
    text = " ".join(data.draw(st.lists(st.sampled_from(words + ["de", "la", "xyzzy"]), min_size=1, max_size=4)))
    kinds = data.draw(st.sampled_from([None, [KINDS["action"]], [KINDS["partenaire"], KINDS["clee"]]]))
    found = [(h.entity.id, h.score, h.field, h.text, h.approximate) for h in search(model, text, kinds)]
    assert found == [(h.entity.id, h.score, h.field, h.text, h.approximate)
                     for h in _reference_search(model, text, kinds)]


@pytest.mark.parametrize("text", ["exemple", "ariege lycee", "aeronotique", "toulouse 2023", "clee", "xyzzy"])
def test_a_search_over_worker_processes_gives_the_same_hits(model, text: str,  # type: ignore[no-untyped-def]
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A large registry is searched by chunks over the cores: the same hits, in the same order, as one process
    (chunks of 2 entities here, so that ties fall across chunks)."""
    import eee.search as query_module

    alone = [(h.entity.id, h.score, h.field, h.text) for h in search(model, text, jobs=1)]
    monkeypatch.setattr(query_module, "SEARCH_CHUNK", 2)
    monkeypatch.setattr(query_module, "SEARCH_PARALLEL_FROM", 1)
    spread = [(h.entity.id, h.score, h.field, h.text) for h in search(model, text, jobs=2)]
    assert spread == alone
    assert spread == [(h.entity.id, h.score, h.field, h.text) for h in _reference_search(model, text)]
