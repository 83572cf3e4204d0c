"""Reporters: exact output of every format."""

from __future__ import annotations

import io
import json

import pytest

from eee.diagnostics import Problem, Report, Severity
from eee.report import REPORTERS, summary

REPORT = Report(
    [
        Problem("clee/clee-ales.yaml", 5, 16, "EEE-R015", Severity.ERROR,
                "le département 30 (Gard) relève de l'académie de Montpellier", "corrigez l'académie", "clee-ales"),
        Problem("reseau.yaml", 24, 9, "EEE-R021", Severity.WARNING, "1 CLEE décrit sur 27 attendus", "ajoutez-les",
                "reseau"),
        Problem("clee/b.yml", 0, 0, "EEE-Y010", Severity.ERROR, "« clee/b.yml » a l'extension .yml, : il ne serait pas lu",
                "renommez-le"),
    ],
    files_checked=3,
    entities=2,
)


def render(name: str, report: Report = REPORT, strict: bool = False) -> str:
    out = io.StringIO()
    REPORTERS[name](report, out, "registry", strict)
    return out.getvalue()


def test_parsable() -> None:
    assert render("parsable").splitlines() == [
        "registry/clee/b.yml:1:1: [erreur] « clee/b.yml » a l'extension .yml, : il ne serait pas lu (EEE-Y010)",
        "registry/clee/clee-ales.yaml:5:16: [erreur] le département 30 (Gard) relève de l'académie de Montpellier"
        " (EEE-R015)",
        "registry/reseau.yaml:24:9: [avertissement] 1 CLEE décrit sur 27 attendus (EEE-R021)",
    ]


def test_json_has_stable_keys() -> None:
    document = json.loads(render("json"))
    assert document["version"] == 1 and document["valide"] is False
    assert document["resume"] == {"fichiers": 3, "entites": 2, "erreurs": 2, "avertissements": 1}
    assert document["problemes"][1] == {
        "code": "EEE-R015", "severite": "erreur", "fichier": "registry/clee/clee-ales.yaml", "ligne": 5,
        "colonne": 16, "id": "clee-ales",
        "message": "le département 30 (Gard) relève de l'académie de Montpellier", "conseil": "corrigez l'académie",
    }


def test_github_annotations_escape_properties() -> None:
    lines = render("github").splitlines()
    assert lines[0] == ("::error file=registry/clee/b.yml,line=1,col=1,title=EEE-Y010::"
                        "« clee/b.yml » a l'extension .yml, : il ne serait pas lu — renommez-le")
    assert lines[2].startswith("::warning file=registry/reseau.yaml,line=24,col=9,title=EEE-R021::")


def test_gitlab_code_quality() -> None:
    issues = json.loads(render("gitlab"))
    assert [i["severity"] for i in issues] == ["major", "major", "minor"]
    assert issues[1]["location"] == {"path": "registry/clee/clee-ales.yaml", "lines": {"begin": 5}}
    assert issues[1]["check_name"] == "EEE-R015"
    assert len({i["fingerprint"] for i in issues}) == 3
    assert json.loads(render("gitlab")) == issues  # fingerprints are stable


def test_text_puts_errors_first_and_counts_each_code() -> None:
    assert render("text") == """\
Erreurs (2)

registry/clee/b.yml
          erreur        « clee/b.yml » a l'extension .yml, : il ne serait pas lu  EEE-Y010
                        → renommez-le

registry/clee/clee-ales.yaml
     5:16 erreur        le département 30 (Gard) relève de l'académie de Montpellier  EEE-R015 [clee-ales]
                        → corrigez l'académie

Avertissements (1)

registry/reseau.yaml
     24:9 avertissement 1 CLEE décrit sur 27 attendus  EEE-R021 [reseau]
                        → ajoutez-les

Par code — erreurs : 1 × EEE-R015 académie et département ne concordent pas, 1 × EEE-Y010 extension .yml ; \
avertissements : 1 × EEE-R021 effectif attendu non atteint.
✗ Registre invalide : 2 erreurs et 1 avertissement dans 3 fichiers.
"""  # no colour when not on a terminal


def _gap(path: str, line: int, hint: str = "renseignez ce champ") -> Problem:
    return Problem(path, line, 5, "EEE-R031", Severity.WARNING, f"à compléter : champ {line}", hint, path[:-5])


# 7 « à compléter » in 4 files (grouped), 2 stale statuses in 2 files (not grouped), 1 error.
MANY = Report(
    [_gap(f"actions/a{n}.yaml", line) for n in range(4) for line in ((10, 12) if n < 3 else (10,))]
    + [Problem(f"actions/a{n}.yaml", 3, 9, "EEE-R034", Severity.WARNING, "toujours « prévue »", "choisissez",
               f"a{n}") for n in (0, 1)]
    + [REPORT.problems[0]],
    files_checked=6, entities=6,
)


def test_text_groups_a_warning_code_found_in_many_files() -> None:
    assert render("text", MANY) == """\
Erreurs (1)

registry/clee/clee-ales.yaml
     5:16 erreur        le département 30 (Gard) relève de l'académie de Montpellier  EEE-R015 [clee-ales]
                        → corrigez l'académie

Avertissements (9)

registry/actions/a0.yaml
      3:9 avertissement toujours « prévue »  EEE-R034 [a0]
                        → choisissez

registry/actions/a1.yaml
      3:9 avertissement toujours « prévue »  EEE-R034 [a1]
                        → choisissez

EEE-R031 information à compléter : 7 avertissements dans 4 fichiers
    registry/actions/ : a0.yaml (2), a1.yaml (2), a2.yaml (2), a3.yaml
    → renseignez ce champ

→ eee validate --detail montre chaque avertissement ; eee validate --explain EEE-R031 explique un code.

Par code — erreurs : 1 × EEE-R015 académie et département ne concordent pas ; avertissements : 7 × EEE-R031 \
information à compléter, 2 × EEE-R034 statut périmé (toujours prévu ou en cours).
✗ Registre invalide : 1 erreur et 9 avertissements dans 6 fichiers.
"""


def test_text_group_names_the_first_files_and_counts_the_others() -> None:
    from eee.report import FILES_SHOWN, GROUP_FILES

    report = Report([_gap(f"{folder}/f{n:02d}.yaml", 4, f"conseil {n}") for folder in ("actions/2022-2023", "clee")
                     for n in range(FILES_SHOWN)], files_checked=40, entities=40)
    out = render("text", report)
    assert GROUP_FILES <= FILES_SHOWN
    assert out.count("\n    registry/") == 1  # the first folder's files fill the list
    assert f"EEE-R031 information à compléter : {2 * FILES_SHOWN} avertissements dans {2 * FILES_SHOWN} fichiers" in out
    assert f"    … et {FILES_SHOWN} autres fichiers\n" in out
    assert "→ conseil" not in out  # different advice is not summed up as one
    assert "f00.yaml, f01.yaml" in out


def test_text_detail_shows_every_warning() -> None:
    from eee.report import text

    out = io.StringIO()

    text(MANY, out, "registry", level="detail")
    lines = out.getvalue().splitlines()
    assert sum("EEE-R031" in line for line in lines) == 7 + 1  # each line, and the count by code
    assert "dans 4 fichiers" not in out.getvalue() and "--detail" not in out.getvalue()
    assert lines.index("Erreurs (1)") < lines.index("Avertissements (9)")


@pytest.mark.parametrize("strict", [False, True])
def test_text_quiet_shows_what_fails_only(strict: bool) -> None:
    from eee.report import text

    out = io.StringIO()
    text(MANY, out, "registry", strict, level="quiet")
    if strict:  # warnings fail too: they are shown
        assert "EEE-R031 information à compléter : 7 avertissements" in out.getvalue()
    else:
        assert "avertissement " not in out.getvalue() and "EEE-R031" not in out.getvalue()
        assert out.getvalue().splitlines()[:3] == ["Erreurs (1)", "", "registry/clee/clee-ales.yaml"]
    assert out.getvalue().endswith("✗ Registre invalide : 1 erreur et 9 avertissements dans 6 fichiers.\n")
    valid = io.StringIO()
    text(Report(MANY.problems[:-1], 6, 6), valid, "registry", strict, level="quiet")
    assert (valid.getvalue() != "") == strict  # nothing at all when nothing fails


@pytest.mark.parametrize(
    "problems, strict, expected",
    [
        ([], False, "Registre valide : 3 fichiers, 2 entités, aucun problème."),
        ([REPORT.problems[1]], False, "Registre valide : 3 fichiers, 2 entités ; 1 avertissement à examiner."),
        ([REPORT.problems[1]], True,
         "Registre invalide : 1 avertissement dans 3 fichiers (--strict : les avertissements comptent comme des erreurs)."),
    ],
)
def test_summary(problems: list[Problem], strict: bool, expected: str) -> None:
    report = Report(problems, 3, 2)
    assert summary(report, strict) == expected
    assert report.exit_code(strict) == (1 if strict and problems else 0)


def test_large_counts_are_written_the_french_way() -> None:
    from eee.diagnostics import Report
    from eee.report import summary

    assert summary(Report([], 20000, 19998)) == "Registre valide : 20\u202f000 fichiers, 19\u202f998 entités, aucun problème."


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("env", [
    {}, {"NO_COLOR": "1"}, {"FORCE_COLOR": "1"}, {"FORCE_COLOR": ""}, {"TTY_COMPATIBLE": "0"},
    {"TTY_COMPATIBLE": "1"}, {"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, {"TTY_COMPATIBLE": "2", "FORCE_COLOR": "1"},
])
@pytest.mark.parametrize("terminal", [False, True])
@pytest.mark.parametrize("strict", [False, True])
def test_a_clean_report_is_written_as_rich_writes_it(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                     terminal: bool, strict: bool) -> None:
    """Without problems and without a terminal, the verdict is written without rich: byte for byte what rich
    writes, whatever the environment says about terminals and colours."""
    from eee import report as reporters

    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    clean = Report([], files_checked=20000, entities=19999)
    ours, theirs = (_Terminal() if terminal else io.StringIO()), (_Terminal() if terminal else io.StringIO())
    reporters.text(clean, ours, "registry", strict)
    reporters._text(clean, theirs, "registry", strict)
    assert ours.getvalue() == theirs.getvalue()
    assert "Registre valide : 20\u202f000 fichiers" in ours.getvalue()
    assert ("\x1b[" in ours.getvalue()) == reporters._colours(_Terminal() if terminal else io.StringIO())
