"""Annual summaries (`eee report`) and the main job (`eee build`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from eee.bilan import compute, years_with_actions
from eee.cli import main
from eee.render.jinja import inline_stylesheet, template_dirs
from eee.render.report import render_report
from eee.validate import load

from .conftest import write_files

SECOND_YEAR = {
    "actions/2023-2024/immersions-exemple.yaml": """id: immersions-exemple
nom: Immersions d'enseignants en entreprise
statut: realisee
type: immersion_enseignants
annee_scolaire: 2023-2024
organisateurs: [clee-ales]
partenaires: [exemple-aero]
etablissements: [0300002p]
departements: ["30"]
public:
  niveaux: [lycee]
beneficiaires:
  - {categorie: enseignants, nombre: 12}
  - {categorie: eleves, nombre: 40, precision: environ}
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
""",
    "actions/2023-2024/stages-exemple-2024.yaml": """id: stages-exemple-2024
nom: Stages de découverte Exemple
statut: realisee
type: stage_decouverte
annee_scolaire: 2023-2024
organisateurs: [stages-exemple]
partenaires: [exemple-aero, exemple-bois]
departements: ["09", "31"]
public:
  niveaux: ["3e"]
  publics_prioritaires: [rural]
beneficiaires:
  - {categorie: eleves, nombre: 30}
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
""",
    "actions/2023-2024/forum-sans-nombre.yaml": """id: forum-sans-nombre
nom: Forum des métiers
statut: prevue
type: forum_metiers
annee_scolaire: 2023-2024
organisateurs: [clee-ariege]
a_completer:
  - champ: beneficiaires
    note: bilan à venir
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
""",
    "evenements/2023-2024/pleniere-exemple.yaml": """id: pleniere-exemple
nom: Séance plénière
statut: realise
type: pleniere
annee_scolaire: 2023-2024
date: 2023-11-20
lieu: {nom: Lycée Jean-Baptiste Dumas, commune: Alès, departement: "30"}
organisateurs: [clee-ales]
themes: [Stages de 3e, Métiers en tension]
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
""",
}


# A third year, 2024-2025, without actions: one event still « prévu » although its date is past (a stale status,
# EEE-R034), and a CLEE created during it (not counted in the earlier years' figures).
THIRD_YEAR = {
    "evenements/2024-2025/forum-2024.yaml": """id: forum-2024
nom: Forum des métiers de l'Ariège
statut: prevu
type: forum
annee_scolaire: 2024-2025
date: 2024-12-05
lieu: {nom: Halle aux grains, commune: Foix, departement: "09"}
organisateurs: [clee-ariege]
themes: [Métiers de l'industrie]
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
""",
    "clee/clee-nouveau.yaml": """id: clee-nouveau
nom: CLEE Nouveau
statut: actif
academie: montpellier
departements: ["30"]
date_creation: 2024-10-01
co_animation:
  etablissement:
    etablissement: 0300002p
    fonction: proviseur
  partenaire:
    partenaire: exemple-aero
    fonction: présidente
membres:
  etablissements: [0300002p]
  partenaires: [exemple-aero]
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
""",
}


@pytest.fixture
def two_years(registry: Path) -> Path:
    write_files(registry, SECOND_YEAR)
    return registry


@pytest.fixture
def three_years(two_years: Path) -> Path:
    """2022-2023 (exact figures), 2023-2024 (an approximation, an action without any number, a stale status)
    and 2024-2025 (an empty year: an event only, stale too; a CLEE created that year)."""
    write_files(two_years, THIRD_YEAR)
    return two_years


def test_indicators_are_the_sums_of_the_actions(two_years: Path) -> None:
    model, _ = load(two_years, check_schemas=False)
    bilan = compute(model, "2023-2024")
    actions = [a for a in model.of_kind("action") if a.get("annee_scolaire") == "2023-2024"]
    assert bilan.headline["actions"].value == len(actions) == 3
    expected = sum(b["nombre"] for a in actions for b in a.items("beneficiaires") if b["categorie"] == "eleves")
    assert bilan.headline["eleves"].value == expected == 70
    # « environ 40 », and the forum gives no number: a minimum, which says what it leaves out.
    assert str(bilan.headline["eleves"]) == "au moins environ 70 ; 1 action sans effectif"
    assert sorted(bilan.headline["eleves"].sources) == ["immersions-exemple", "stages-exemple-2024"]
    assert bilan.headline["enseignants"].value == 12
    assert bilan.headline["partenaires"].value == 2 and bilan.headline["etablissements"].value == 1
    assert bilan.headline["evenements"].value == 1
    by_type = {r.label: r.figures["actions"].value for r in bilan.by_type}
    assert by_type == {"Immersion d'enseignants en entreprise": 1, "Stage de découverte": 1, "Forum des métiers": 1}
    for rows in (bilan.by_type, bilan.by_status):
        assert sum(r.figures["eleves"].value or 0 for r in rows) == bilan.headline["eleves"].value
        assert sum(r.figures["eleves"].count.missing for r in rows) == bilan.headline["eleves"].count.missing
    deps = {r.label: str(r.figures["eleves"]) for r in bilan.by_departement}
    assert deps == {"30 Gard": "environ 40", "09 Ariège": "30", "31 Haute-Garonne": "30",
                    "non précisé": "non renseigné"}  # never 0 for the forum, which gives no number
    assert [r.id for r in bilan.by_partnership] == ["stages-exemple"]
    assert [e.id for e in bilan.new_partners] == ["exemple-aero"]  # exemple-bois worked in 2022-2023 already
    assert [a.id for a in bilan.actions_without_numbers] == ["forum-sans-nombre"]
    assert [(e.id, champ) for e, champ, _ in bilan.gaps] == [("forum-sans-nombre", "beneficiaires")]


def test_comparison_with_the_previous_year(two_years: Path) -> None:
    model, _ = load(two_years, check_schemas=False)
    bilan = compute(model, "2023-2024")
    assert bilan.has_previous and bilan.previous == "2022-2023"
    assert bilan.previous_headline["eleves"].value == 25
    text = render_report(model, bilan, "markdown")
    assert ("| Élèves touchés | [au moins environ 70 ; 1 action sans effectif](#source-eleves) | 25 | "
            "non comparable : 2023-2024 ne donne qu'un minimum |") in text
    assert "| Actions menées ou engagées | [3](#source-actions) | 1 | +2 (+200 %) |" in text
    first = render_report(model, compute(model, "2022-2023"), "markdown")
    assert "Pas de comparaison : le registre ne contient aucune action pour l'année 2021-2022." in first


def test_summaries_sharing_their_facts_are_those_made_alone(two_years: Path) -> None:
    """`eee build` sums every year from one bilan.Facts: each summary is the one `eee report` makes alone."""
    from eee.bilan import Facts

    model, _ = load(two_years, check_schemas=False)
    years = years_with_actions(model)
    assert len(years) >= 2
    facts = Facts(model)
    for year in [*years, "2030-2031"]:
        assert compute(model, year, facts) == compute(model, year)


def test_an_empty_year_is_an_honest_summary(two_years: Path) -> None:
    model, _ = load(two_years, check_schemas=False)
    text = render_report(model, compute(model, "2030-2031"), "html")
    assert "Aucune action enregistrée pour l'année scolaire 2030-2031" in text
    assert "ni aucun événement" in text


@pytest.mark.parametrize("year", ["2023-2024", "2024-2025"])
def test_golden_summaries(three_years: Path, golden: Callable[[str, str], None], year: str) -> None:
    model, _ = load(three_years, check_schemas=False)
    bilan = compute(model, year)
    golden(f"bilan-{year}.md", render_report(model, bilan, "markdown", generated="2025-09-01"))
    html = render_report(model, bilan, "html", links="../", generated="2025-09-01")
    golden(f"bilan-{year}.html", html)


@pytest.mark.parametrize("theme", ["dsfr", "neutre"])
def test_a_summary_alone_needs_no_other_file(three_years: Path, theme: str) -> None:
    """Sent as one file, a summary carries its theme's stylesheets inline, their icons as data: addresses, and
    names no file beside it (the fonts fall back on the system's); in the site, it links the site's files."""
    model, _ = load(three_years, check_schemas=False)
    bilan = compute(model, "2023-2024")
    alone = render_report(model, bilan, "html", theme=theme)
    css = inline_stylesheet(template_dirs(), theme)
    assert css and css in alone and "@font-face" not in css
    assert not re.search(r"""url\(\s*(?!["']?data:)""", css)
    assert not re.search(r"""<(?:link|script)[^>]*(?:href|src)=""", alone)
    assert "<h1>Bilan annuel 2023-2024</h1>" in alone
    in_site = render_report(model, bilan, "html", links="../", theme=theme)
    assert css not in in_site and 'href="../' in in_site


def test_each_case_of_honest_figures(three_years: Path) -> None:
    model, _ = load(three_years, check_schemas=False)
    before, now, empty = (compute(model, year) for year in ("2022-2023", "2023-2024", "2024-2025"))
    text = render_report(model, now, "markdown")
    # A minimum against an exact figure: no difference made.
    assert str(before.headline["eleves"]) == "25"
    assert ("| Élèves touchés | [au moins environ 70 ; 1 action sans effectif](#source-eleves) | 25 | "
            "non comparable : 2023-2024 ne donne qu'un minimum |") in text
    # Known against unknown: said so, never a difference from 0.
    assert "| Enseignants touchés | [au moins 12 ; 1 action sans effectif](#source-enseignants) | — | " \
           "pas de données en 2022-2023 |" in text
    # Exact against exact: the difference.
    assert "| Actions menées ou engagées | [3](#source-actions) | 1 | +2 (+200 %) |" in text
    # A CLEE created after the year does not count in it; it does in its own year.
    assert (before.clee_described, now.clee_described, empty.clee_described) == (2, 2, 3)
    assert [c.id for c in empty.clee_undated] == ["clee-ales", "clee-ariege"]
    # Stale statuses, in the year's data quality annex.
    assert [e.id for e, _ in now.stale] == ["forum-sans-nombre"]
    assert [e.id for e, _ in empty.stale] == ["forum-2024"]
    assert "Forum des métiers de l'Ariège" in render_report(model, empty, "markdown").split("## Qualité des données")[1]
    # An empty year: one sentence, its event, the previous year's figures for reference, no empty table.
    short = render_report(model, empty, "markdown")
    assert "**Aucune action enregistrée pour l'année scolaire 2024-2025** ; seuls des événements le sont." in short
    assert "Pour mémoire, les indicateurs de 2023-2024" in short and "| Élèves touchés | au moins environ 70" in short
    assert "Aucune action de l'année" not in short and "Actions par type" not in short
    assert "### 5 décembre 2024 — Forum des métiers de l'Ariège" in short


def test_what_an_action_says_is_still_to_complete_makes_its_figures_minimums(two_years: Path) -> None:
    """An action whose file says its beneficiaries are still to complete: each number it gives is a minimum and a
    category it gives none of is unknown, not « — »; one that says its partners (or schools) are still to complete
    makes the count of partners (or schools) of its year a minimum."""
    model, _ = load(two_years, check_schemas=False)
    # The forum names no partner and no school: the registry does not say it had none, so both counts are minimums.
    bilan = compute(model, "2023-2024")
    assert (str(bilan.headline["partenaires"]), str(bilan.headline["etablissements"])) == ("au moins 2", "au moins 1")
    forum = (two_years / "actions" / "2023-2024" / "forum-sans-nombre.yaml").read_text(encoding="utf-8")
    write_files(two_years, {"actions/2023-2024/forum-sans-nombre.yaml": forum.replace(
        "organisateurs: [clee-ariege]\n", "organisateurs: [clee-ariege]\npartenaires: [exemple-aero]\n"
        "etablissements: [0300002p]\n")})
    model, _ = load(two_years, check_schemas=False)
    bilan = compute(model, "2023-2024")
    # (the stages name their partners, not their schools: still a minimum of schools)
    assert (str(bilan.headline["partenaires"]), str(bilan.headline["etablissements"])) == ("2", "au moins 1")
    path = two_years / "actions" / "2023-2024" / "immersions-exemple.yaml"
    text = path.read_text(encoding="utf-8")
    write_files(two_years, {"actions/2023-2024/immersions-exemple.yaml": text.replace(
        "  - {categorie: eleves, nombre: 40, precision: environ}\n", "") + """a_completer:
  - champ: beneficiaires
    note: élèves accueillis non relevés
  - champ: partenaires
    note: entreprises d'accueil non publiées
"""})
    model, _ = load(two_years, check_schemas=False)
    action = model.get("immersions-exemple")
    from eee.query import beneficiaries_by_category

    counts = beneficiaries_by_category(action, ("eleves", "enseignants", "candidats"))
    assert {k: v.number() for k, v in counts.items()} == {
        "eleves": "non renseigné", "enseignants": "au moins 12", "candidats": "non renseigné"}
    bilan = compute(model, "2023-2024")
    assert str(bilan.headline["eleves"]) == "au moins 30 ; 2 actions sans effectif"
    assert str(bilan.headline["enseignants"]) == "au moins 12 ; 1 action sans effectif"
    assert str(bilan.headline["partenaires"]) == "au moins 2"  # (every action names partners: the gap says it)
    text = render_report(model, bilan, "markdown")
    assert "| Partenaires mobilisés | [au moins 2](#source-partenaires) | 1 | non comparable : 2023-2024 ne donne " \
           "qu'un minimum |" in text


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_a_public_summary_speaks_to_its_readers_not_to_the_officers(three_years: Path, fmt: str) -> None:
    """For the rector and the partners: the fields to complete by their titles, no file keys, codes of eee, git or
    officers' notes; the internal summary keeps what the officers act on."""
    model, _ = load(three_years, check_schemas=False)
    bilan = compute(model, "2023-2024")
    gone = (None, "le dépôt n'a aucun commit")  # what year_changes says when git has no history of the year
    public = render_report(model, bilan, fmt, internal=False, changes=gone)
    internal = render_report(model, bilan, fmt, internal=True, changes=gone)
    assert ": beneficiaires" not in public
    assert "Forum des métiers : Bénéficiaires" in public or fmt == "markdown"  # (no links: a summary alone)
    for word in ("a_completer", "EEE-R034", "eee validate", "commit"):
        assert word not in public, word
    for word in ("EEE-R034", "commit") + (("a_completer", "eee validate") if fmt == "html" else ()):
        assert word in internal, word


def test_report_cli(capsys: pytest.CaptureFixture[str], two_years: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["-r", str(two_years), "report"])
    out, _ = capsys.readouterr()
    assert info.value.code == 0 and out.startswith("# Bilan annuel 2023-2024")  # the latest year with actions
    with pytest.raises(SystemExit) as info:
        main(["-r", str(two_years), "report", "--annee", "2022-2023", "--format", "html", "--out",
              str(tmp_path / "b.html")])
    assert info.value.code == 0 and "<h1>Bilan annuel 2022-2023</h1>" in (tmp_path / "b.html").read_text(encoding="utf-8")


def test_build_writes_everything(capsys: pytest.CaptureFixture[str], two_years: Path, tmp_path: Path) -> None:
    model, _ = load(two_years, check_schemas=False)
    assert years_with_actions(model) == ["2022-2023", "2023-2024"]
    site = tmp_path / "site"
    with pytest.raises(SystemExit) as info:
        main(["-r", str(two_years), "build", "--out", str(site)])
    out, err = capsys.readouterr()
    from eee.render.pdf import unavailable

    assert info.value.code == 0
    # Without eee[pdf], one line says the PDFs were left out (tests/test_pdf.py); nothing else on stderr.
    if unavailable():
        assert err.startswith("Bilans PDF non produits : ") and err.count("\n") == 1
    else:
        assert err == ""
    assert out.startswith(f"Site public écrit dans {site}/") and "bilans annuels : 2022-2023, 2023-2024" in out
    for path in ("index.html", "clee/clee-ales.html", "markdown/index.md", "bilans/index.html", "bilans/2023-2024.html",
                 "markdown/bilans/2022-2023.md", "dsfr/dsfr.min.css", "eee-dsfr.css", "eee.js"):
        assert (site / path).is_file(), path
    assert 'href="../actions/immersions-exemple.html"' in (site / "bilans/2023-2024.html").read_text(encoding="utf-8")
    assert "bilans/index.html" in (site / "index.html").read_text(encoding="utf-8")


def test_build_stops_on_errors_and_keeps_the_old_site(capsys: pytest.CaptureFixture[str], two_years: Path,
                                                      tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "ancien.html").write_text("ancien", encoding="utf-8")
    write_files(two_years, {"clee/clee-ales.yaml": "id: clee-ales\nnom: [cassé\n"})
    with pytest.raises(SystemExit) as info:
        main(["-r", str(two_years), "build", "--out", str(site)])
    out, err = capsys.readouterr()
    assert info.value.code == 1 and out == ""
    assert "clee/clee-ales.yaml:2:6: [erreur]" in err and "le site n'est pas produit" in err
    assert "le registre a 1 erreur" in err and "corrigez-la d'abord (eee validate la détaille)" in err
    assert [p.name for p in site.iterdir()] == ["ancien.html"]


def test_the_summary_says_what_changed_in_the_registry_during_the_year(two_years: Path) -> None:
    import os
    import subprocess

    def git(*args: str, date: str) -> None:
        env = dict(os.environ, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=two_years.parent,
                       env=env, check=True, capture_output=True)

    added = two_years / "partenaires" / "exemple-chimie.yaml"
    text = added.parent.joinpath("exemple-bois.yaml").read_text(encoding="utf-8")
    git("init", "-q", date="2023-06-01T10:00:00+02:00")
    git("add", "-A", date="2023-06-01T10:00:00+02:00")
    git("commit", "-qm", "départ", date="2023-06-01T10:00:00+02:00")
    added.write_text(text.replace("exemple-bois", "exemple-chimie").replace("Exemple Bois", "Exemple Chimie"),
                     encoding="utf-8")
    git("add", "-A", date="2024-03-01T10:00:00+01:00")
    git("commit", "-qm", "ajout", date="2024-03-01T10:00:00+01:00")
    model, _ = load(two_years, check_schemas=False)
    text = render_report(model, compute(model, "2023-2024"), "markdown", history=True)
    assert "- Entités ajoutées : 1 (Exemple Chimie)." in text
    text = render_report(model, compute(model, "2021-2022"), "markdown", history=True)
    assert "L'historique du registre n'est pas disponible pour cette année" in text
