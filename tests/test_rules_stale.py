"""EEE-R034 (statut périmé) and `stale`, its list for the annual summaries, with today's date given."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eee.model import Registry
from eee.rules import RULES, statut_perime
from eee.rules.statut_perime import stale
from eee.settings import shipped_registry
from eee.validate import load, run

from .conftest import write_files

ACTION = "actions/2022-2023/ateliers-exemple.yaml"
EVENT = "evenements/2022-2023/forum-exemple.yaml"
CURRENT_EVENT = "evenements/2023-2024/forum-exemple-2024.yaml"


def action(statut: str, extra: str = "", year: str = "2022-2023") -> str:
    return (f"id: ateliers-exemple\nnom: Ateliers\nstatut: {statut}\ntype: atelier\nannee_scolaire: {year}\n"
            f"organisateurs: [clee-ariege]\n{extra}sources:\n  - titre: Données de test\nmis_a_jour: 2023-01-10\n")


def event(entity_id: str, statut: str, year: str, date: str, extra: str = "") -> str:
    return (f"id: {entity_id}\nnom: Forum des métiers\nstatut: {statut}\ntype: forum\nannee_scolaire: {year}\n"
            f"date: {date}\norganisateurs: [clee-ariege]\n{extra}sources:\n  - titre: Données de test\n"
            "mis_a_jour: 2023-01-10\n")


def model(root: Path, files: dict[str, str]) -> Registry:
    write_files(root, files)
    found, _ = load(root, cache=False)
    return found


def found(registry: Registry, today: dt.date) -> dict[str, str]:
    return {entity.id: reason for entity, reason in stale(registry, today)}


def test_the_rule_is_registered_as_a_registry_warning() -> None:
    assert RULES["EEE-R034"] is statut_perime
    assert statut_perime.SCOPE == "registre" and statut_perime.SEVERITY.value == "avertissement"
    assert {"statut", "annee_scolaire", "date"} <= statut_perime.READS


def test_a_school_year_ends_on_31_august(registry: Path) -> None:
    reg = model(registry, {ACTION: action("en_cours"), EVENT: event("forum-exemple", "prevu", "2022-2023", "2023-06-30")})
    # On 30 June 2023 the event's day has passed, but the action's year goes on until 31 August.
    assert found(reg, dt.date(2023, 7, 1)) == {"forum-exemple": "événement du 30 juin 2023, date passée, toujours « prévu »"}
    assert found(reg, dt.date(2023, 8, 31)) == {"forum-exemple": "événement du 30 juin 2023, date passée, toujours « prévu »"}
    assert found(reg, dt.date(2023, 9, 1)) == {
        "ateliers-exemple": "action de l'année scolaire 2022-2023, terminée le 31 août 2023, toujours « en cours »",
        "forum-exemple": "événement de l'année scolaire 2022-2023, terminée le 31 août 2023, toujours « prévu »",
    }


def test_nothing_is_stale_before_its_time(registry: Path) -> None:
    reg = model(registry, {ACTION: action("prevue"), EVENT: event("forum-exemple", "prevu", "2022-2023", "2023-06-30")})
    assert found(reg, dt.date(2023, 6, 30)) == {}  # the event's own day is not past
    assert found(reg, dt.date(2022, 10, 1)) == {}


def test_an_event_of_the_current_year_whose_date_is_past(registry: Path) -> None:
    reg = model(registry, {CURRENT_EVENT: event("forum-exemple-2024", "prevu", "2023-2024", "2024-03-14")})
    assert found(reg, dt.date(2024, 3, 14)) == {}
    assert found(reg, dt.date(2024, 3, 15)) == {
        "forum-exemple-2024": "événement du 14 mars 2024, date passée, toujours « prévu »"}


@pytest.mark.parametrize("statut", ["realisee", "annulee"])
def test_a_finished_action_is_not_stale(registry: Path, statut: str) -> None:
    reg = model(registry, {ACTION: action(statut)})
    assert "ateliers-exemple" not in found(reg, dt.date(2030, 1, 1))


@pytest.mark.parametrize("statut", ["realise", "annule"])
def test_a_finished_event_is_not_stale(registry: Path, statut: str) -> None:
    reg = model(registry, {CURRENT_EVENT: event("forum-exemple-2024", statut, "2023-2024", "2024-03-14")})
    assert found(reg, dt.date(2030, 1, 1)) == {}


def test_an_action_of_the_current_year_still_under_way_is_not_stale(registry: Path) -> None:
    reg = model(registry, {"actions/2023-2024/ateliers-exemple.yaml": action("en_cours", year="2023-2024")})
    assert found(reg, dt.date(2024, 8, 31)) == {}
    assert list(found(reg, dt.date(2024, 9, 1))) == ["ateliers-exemple"]


def test_a_statut_declared_to_complete_is_left_to_r031(registry: Path) -> None:
    gap = "a_completer:\n  - champ: statut\n    note: les sources ne disent pas si les ateliers ont eu lieu\n"
    reg = model(registry, {ACTION: action("prevue", gap)})
    assert found(reg, dt.date(2030, 1, 1)) == {}
    problems = [p for p in run(registry).problems if p.entity == "ateliers-exemple"]
    assert "EEE-R031" in {p.code for p in problems} and "EEE-R034" not in {p.code for p in problems}
    # R031 does not then contradict R034 by asking to remove the line: the status is filled, but not sure.
    hint = next(p.hint for p in problems if p.code == "EEE-R031")
    assert hint == "ce champ est déjà renseigné : quand il est complet et sûr, retirez la ligne de a_completer"


def test_unusable_values_are_skipped_not_fatal(registry: Path) -> None:
    # A year that is no school year, or an unreadable date: nothing to compare (other codes report them).
    reg = model(registry, {
        "actions/2022-2023/ateliers-exemple.yaml": action("en_cours", year="2022-2024"),
        EVENT: event("forum-exemple", "prevu", "2022-2023", "le 30 juin"),
        CURRENT_EVENT: event("forum-exemple-2024", "prevu", "20232024", "2024-03-14"),
    })
    # The first event's year has ended; the second's year is unreadable but its date is past.
    assert found(reg, dt.date(2030, 1, 1)) == {
        "forum-exemple": "événement de l'année scolaire 2022-2023, terminée le 31 août 2023, toujours « prévu »",
        "forum-exemple-2024": "événement du 14 mars 2024, date passée, toujours « prévu »",
    }


def test_check_reports_at_the_statut_with_the_choices(registry: Path) -> None:
    reg = model(registry, {ACTION: action("prevue"), EVENT: event("forum-exemple", "prevu", "2022-2023", "2023-02-09")})
    problems = {p.entity: p for p in statut_perime.check(reg, dt.date(2023, 9, 1))}
    assert set(problems) == {"ateliers-exemple", "forum-exemple"}
    act, evt = problems["ateliers-exemple"], problems["forum-exemple"]
    assert (act.path, act.line, act.column, act.code, act.is_error) == (ACTION, 3, 9, "EEE-R034", False)
    assert act.message == "action de l'année scolaire 2022-2023, terminée le 31 août 2023, toujours « prévue »"
    assert act.hint.startswith("choisissez réalisée (realisee) ou annulée (annulee) ; "
                               "si l'action continue, déclarez-la dans l'année en cours")
    assert evt.hint.startswith("choisissez réalisé (realise) ou annulé (annule) ; ")
    for p in (act, evt):
        assert p.hint.endswith("si les sources ne le disent pas, laissez le statut et notez-le dans a_completer")


def test_the_labels_come_from_the_schema_vocabulary(registry: Path) -> None:
    reg = model(registry, {ACTION: action("en_cours")})
    labels = reg.schemas.labels("statut_action")
    (problem,) = statut_perime.check(reg, dt.date(2023, 9, 1))
    assert f"« {labels['en_cours'].lower()} »" in problem.message
    for value in ("realisee", "annulee"):
        assert f"{labels[value].lower()} ({value})" in problem.hint


def test_the_rule_reports_what_stale_lists(registry: Path) -> None:
    write_files(registry, {ACTION: action("en_cours"), EVENT: event("forum-exemple", "prevu", "2022-2023", "2023-02-09")})
    reg, _ = load(registry, cache=False)
    listed = [(e.path, reason) for e, reason in stale(reg)]
    reported = sorted((p.path, p.message) for p in run(registry).problems if p.code == "EEE-R034")
    assert listed == reported and len(listed) == 2


def test_the_shipped_registry() -> None:
    """On the shipped registry, the 2022-2023 actions and events still planned or under way once the year is over:
    the statuses the sources leave open stay as they are, and the warning shows them."""
    reg, _ = load(shipped_registry(), cache=False)
    pending = {"action": {"prevue", "en_cours"}, "evenement": {"prevu"}}
    of_2022 = {e.id for e in reg if e.kind.name in pending and e.get("annee_scolaire") == "2022-2023"
               and e.statut in pending[e.kind.name] and not e.declares_gap("statut")}
    assert of_2022  # the seed's actions of spring 2023 whose outcome no source states
    listed = {e.id for e, _ in stale(reg, dt.date(2023, 9, 1))}
    assert listed == of_2022
    assert {e.id for e, _ in stale(reg, dt.date(2023, 8, 31))} <= {  # before the year's end: only past events
        e.id for e in reg.of_kind("evenement")}
