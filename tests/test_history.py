"""eee/history.py: the semantic changelog of the registry between git revisions."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from eee import history, rename
from eee.errors import EeeError, UsageError

from .conftest import copy_base, write_files

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

NEW_PARTNER = """\
id: nouveau-partenaire
nom: Nouveau Partenaire
statut: actif
type: entreprise
secteur: bois_foret
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
"""


def git(repo: Path, *args: str, when: str = "2023-06-15T12:00:00+02:00") -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="Mission", GIT_AUTHOR_EMAIL="mission@example.org",
               GIT_COMMITTER_NAME="Mission", GIT_COMMITTER_EMAIL="mission@example.org",
               GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when, GIT_CONFIG_NOSYSTEM="1", HOME=str(repo))
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit(repo: Path, message: str, when: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, when=when)
    return git(repo, "rev-parse", "HEAD")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose registry/ gets two commits: the test registry, then a year of changes."""
    repo = tmp_path / "depot"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    registry = copy_base(repo / "registry")
    commit(repo, "Registre initial", "2023-06-15T12:00:00+02:00")
    # A year of changes: add, remove, rename (with its references), change a field, add and remove references.
    write_files(registry, {"partenaires/nouveau-partenaire.yaml": NEW_PARTNER, "pft/pft-exemple.yaml": None})
    rename.apply(rename.plan(registry, "exemple-bois", "scierie-exemple"))
    edit(registry / "clee/clee-ales.yaml", "statut: actif", "statut: en_creation")
    edit(registry / "clee/clee-ales.yaml", "partenaires: [exemple-aero]", "partenaires: [exemple-aero, nouveau-partenaire]")
    edit(registry / "partenariats/stages-exemple.yaml", "partenaires: [exemple-aero, scierie-exemple]",
         "partenaires: [scierie-exemple]")
    commit(repo, "Une année de changements", "2023-10-10T09:00:00+02:00")
    return repo


EXPECTED = {
    "ajoutees": [{"id": "nouveau-partenaire", "type": "partenaire", "nom": "Nouveau Partenaire",
                  "fichier": "partenaires/nouveau-partenaire.yaml"}],
    "supprimees": [{"id": "pft-exemple", "type": "pft", "nom": "Plateforme technologique Exemple",
                    "fichier": "pft/pft-exemple.yaml"}],
    "renommees": [{"type": "partenaire", "ancien": "exemple-bois", "nouveau": "scierie-exemple",
                   "ancien_fichier": "partenaires/exemple-bois.yaml",
                   "nouveau_fichier": "partenaires/scierie-exemple.yaml"}],
    "modifiees": [
        {"id": "clee-ales", "type": "clee", "nom": "CLEE d'Alès", "fichier": "clee/clee-ales.yaml", "champs": [
            {"champ": "statut", "titre": "Statut", "avant": "actif", "apres": "en_creation"},
            {"champ": "membres.partenaires", "titre": "Membres › Partenaires membres",
             "avant": ["exemple-aero"], "apres": ["exemple-aero", "nouveau-partenaire"]},
        ]},
        {"id": "stages-exemple", "type": "partenariat", "nom": "Stages de découverte Exemple",
         "fichier": "partenariats/stages-exemple.yaml", "champs": [
             {"champ": "partenaires", "titre": "Partenaires",
              "avant": ["exemple-aero", "scierie-exemple"], "apres": ["scierie-exemple"]},
         ]},
    ],
    "relations_creees": [
        {"source": "clee-ales", "champ": "membres.partenaires", "titre": "Membres › Partenaires membres",
         "cible": "nouveau-partenaire"},
    ],
    "relations_rompues": [
        {"source": "pft-exemple", "champ": "etablissement_support", "titre": "Lycée siège",
         "cible": "0300002p"},
        {"source": "pft-exemple", "champ": "partenaires", "titre": "Partenaires", "cible": "exemple-aero"},
        {"source": "stages-exemple", "champ": "partenaires", "titre": "Partenaires", "cible": "exemple-aero"},
    ],
    "illisibles": {"depuis": [], "jusqu_a": []},
}


def test_changes_between_two_commits(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD~1")
    second = git(repo, "rev-parse", "HEAD")
    log = history.changes(repo / "registry", "HEAD~1", "HEAD")
    assert log.as_dict() == {
        "version": 1, "annee": None,
        "depuis": {"revision": "HEAD~1", "commit": first},
        "jusqu_a": {"revision": "HEAD", "commit": second},
        **EXPECTED,
    }
    text = log.markdown()
    for line in [
        "# Changements du registre",
        f"De `HEAD~1` ({first[:7]}) à `HEAD` ({second[:7]}).",
        "## Entités ajoutées (1)",
        "- Partenaire `nouveau-partenaire` — Nouveau Partenaire (partenaires/nouveau-partenaire.yaml)",
        "## Entités supprimées (1)",
        "- Plateforme technologique `pft-exemple` — Plateforme technologique Exemple (pft/pft-exemple.yaml)",
        "## Entités renommées (1)",
        "- Partenaire `exemple-bois` → `scierie-exemple` (partenaires/exemple-bois.yaml → partenaires/scierie-exemple.yaml)",
        "## Entités modifiées (2)",
        "### CLEE `clee-ales` — CLEE d'Alès",
        "- Statut (`statut`) : « actif » → « en\\_creation »",
        '- Membres › Partenaires membres (`membres.partenaires`) : `["exemple-aero"]` → `["exemple-aero", "nouveau-partenaire"]`',
        "## Relations créées (1)",
        "- `clee-ales` → `nouveau-partenaire` (Membres › Partenaires membres)",
        "## Relations rompues (3)",
        "- `stages-exemple` → `exemple-aero` (Partenaires)",
    ]:
        assert line + "\n" in text, line


def test_default_is_head_against_the_working_tree(repo: Path) -> None:
    registry = repo / "registry"
    assert history.changes(registry).empty
    assert history.changes(registry).markdown().endswith("Aucun changement.\n")
    edit(registry / "clee/clee-ariege.yaml", "    fonction: dirigeant\n", "")
    edit(registry / "clee/clee-ariege.yaml", "nom: CLEE de l'Ariège", "nom: CLEE de l'Ariège (Foix)")
    write_files(registry, {"partenaires/autre.yaml": NEW_PARTNER.replace("nouveau-partenaire", "autre")})  # untracked
    log = history.changes(registry)
    data = log.as_dict()
    assert data["jusqu_a"] == {"revision": None, "commit": None}
    assert [e["id"] for e in data["ajoutees"]] == ["autre"]
    assert data["modifiees"] == [{"id": "clee-ariege", "type": "clee", "nom": "CLEE de l'Ariège (Foix)",
                                  "fichier": "clee/clee-ariege.yaml", "champs": [
        {"champ": "nom", "titre": "Nom", "avant": "CLEE de l'Ariège", "apres": "CLEE de l'Ariège (Foix)"},
        {"champ": "co_animation.partenaire.fonction",
         "titre": "Co-animation › Co-animateur du monde économique › Fonction", "avant": "dirigeant"},
    ]}]
    text = log.markdown()
    assert "à arbre de travail." in text
    assert ("- Co-animation › Co-animateur du monde économique › Fonction (`co_animation.partenaire.fonction`) : "
            "supprimé (était « dirigeant »)\n") in text
    # One revision: that revision against the working tree.
    since = history.changes(registry, "HEAD~1").as_dict()
    assert [e["id"] for e in since["ajoutees"]] == ["autre", "nouveau-partenaire"]
    assert since["depuis"]["revision"] == "HEAD~1" and since["jusqu_a"]["commit"] is None


def test_rename_seen_by_git_with_a_changed_field(repo: Path) -> None:
    registry = repo / "registry"
    git(repo, "mv", "registry/clee/clee-ales.yaml", "registry/clee/clee-gard-nord.yaml")
    edit(registry / "clee/clee-gard-nord.yaml", "id: clee-ales", "id: clee-gard-nord")
    edit(registry / "clee/clee-gard-nord.yaml", "nom: CLEE d'Alès", "nom: CLEE du Gard Nord")
    commit(repo, "Renommage du CLEE", "2023-11-02T09:00:00+01:00")
    data = history.changes(registry, "HEAD~1", "HEAD").as_dict()
    assert data["renommees"] == [{"type": "clee", "ancien": "clee-ales", "nouveau": "clee-gard-nord",
                                  "ancien_fichier": "clee/clee-ales.yaml",
                                  "nouveau_fichier": "clee/clee-gard-nord.yaml"}]
    assert data["modifiees"] == [{"id": "clee-gard-nord", "type": "clee", "nom": "CLEE du Gard Nord",
                                  "fichier": "clee/clee-gard-nord.yaml", "champs": [
        {"champ": "nom", "titre": "Nom", "avant": "CLEE d'Alès", "apres": "CLEE du Gard Nord"}]}]
    assert data["ajoutees"] == data["supprimees"] == data["relations_creees"] == data["relations_rompues"] == []


def test_two_renames_in_a_row_are_two_renames(repo: Path) -> None:
    """A partner renamed, then the CLEE that cites it: the CLEE's data changed with the partner's new id, and it is
    still a rename, not an entity removed and another added, with no relation made up."""
    registry = repo / "registry"
    assert "exemple-aero" in (registry / "clee" / "clee-ales.yaml").read_text(encoding="utf-8")
    rename.apply(rename.plan(registry, "exemple-aero", "exemple-aero-groupe"))
    rename.apply(rename.plan(registry, "clee-ales", "clee-gard-nord"))
    data = history.changes(registry).as_dict()
    assert sorted((r["ancien"], r["nouveau"]) for r in data["renommees"]) == [
        ("clee-ales", "clee-gard-nord"), ("exemple-aero", "exemple-aero-groupe")]
    assert data["ajoutees"] == data["supprimees"] == data["relations_creees"] == data["relations_rompues"] == []


def test_school_year(repo: Path) -> None:
    registry = repo / "registry"
    edit(registry / "clee/clee-ales.yaml", "statut: en_creation", "statut: actif")
    late = commit(repo, "Rentrée 2024", "2024-09-15T10:00:00+02:00")
    first, second = git(repo, "rev-parse", "HEAD~2"), git(repo, "rev-parse", "HEAD~1")

    log = history.changes_for_year(registry, "2023-2024", today=date(2025, 1, 1))
    data = log.as_dict()
    assert data["annee"] == "2023-2024"
    assert data["depuis"]["commit"] == first and data["jusqu_a"]["commit"] == second
    assert {k: v for k, v in data.items() if k not in ("annee", "depuis", "jusqu_a", "version")} == EXPECTED
    assert (f"Année scolaire 2023-2024 : depuis l'état du registre au 31 août 2023 (commit `{first[:7]}`) jusqu'à "
            f"l'état du registre au 31 août 2024 (commit `{second[:7]}`).") in log.markdown()

    # The year not over: up to HEAD.
    ongoing_log = history.changes_for_year(registry, "2024-2025", today=date(2025, 1, 1))
    assert (f"Année scolaire 2024-2025 : depuis l'état du registre au 31 août 2024 (commit `{second[:7]}`) jusqu'à "
            f"la dernière version enregistrée (commit `{late[:7]}`).") in ongoing_log.markdown()
    ongoing = ongoing_log.as_dict()
    assert ongoing["depuis"]["commit"] == second and ongoing["jusqu_a"]["commit"] == late
    assert ongoing["modifiees"] == [{"id": "clee-ales", "type": "clee", "nom": "CLEE d'Alès",
                                     "fichier": "clee/clee-ales.yaml", "champs": [
        {"champ": "statut", "titre": "Statut", "avant": "en_creation", "apres": "actif"}]}]

    # No commit before the year: everything is new.
    start_log = history.changes_for_year(registry, "2022-2023", today=date(2025, 1, 1))
    # Said in words, not in code style as if « avant le 01/09/2022 » were a git revision.
    assert (f"Année scolaire 2022-2023 : depuis un registre vide (aucun commit avant le 1er septembre 2022) jusqu'à "
            f"l'état du registre au 31 août 2023 (commit `{first[:7]}`).") in start_log.markdown()
    start = start_log.as_dict()
    assert start["depuis"]["commit"] is None and start["jusqu_a"]["commit"] == first
    assert len(start["ajoutees"]) == 15 and not start["supprimees"]

    for bad in ("2023", "2023-2025", "23-24"):
        with pytest.raises(UsageError, match="n'est pas une année scolaire"):
            history.changes_for_year(registry, bad)


def test_unknown_revision(repo: Path) -> None:
    with pytest.raises(EeeError) as caught:
        history.changes(repo / "registry", "v9.9", "HEAD")
    assert caught.value.message == "la révision « v9.9 » est inconnue dans ce dépôt git"
    assert "git log --oneline" in caught.value.hint
    with pytest.raises(EeeError):
        history.changes(repo / "registry", "HEAD", "--output=/tmp/x")


def test_not_a_git_repository(registry: Path) -> None:
    with pytest.raises(EeeError) as caught:
        history.changes(registry)
    assert "n'est pas dans un dépôt git" in caught.value.message
    assert "git init" in caught.value.hint
    with pytest.raises(EeeError):
        history.changes_for_year(registry, "2023-2024")


def test_unreadable_file_is_not_reported_as_removed(repo: Path) -> None:
    registry = repo / "registry"
    write_files(registry, {"partenaires/exemple-aero.yaml": "id: exemple-aero\nnom: [cassé\n"})
    data = history.changes(registry).as_dict()
    assert data["supprimees"] == [] and data["relations_rompues"] == []
    assert data["illisibles"] == {"depuis": [], "jusqu_a": ["partenaires/exemple-aero.yaml"]}


def test_the_changelog_escapes_what_the_registry_holds(repo: Path) -> None:
    from markdown_it import MarkdownIt  # comes with rich

    from eee import history

    registry = repo / "registry"
    edit(registry / "clee/clee-ales.yaml", "statut: en_creation",
         'statut: en_creation\ndescription: "# Titre\\t[clic](javascript:alert(1)) <script>x</script> `code`"')
    text = history.changes(registry).markdown()
    html = MarkdownIt("commonmark").render(text)
    assert "<script>" not in html and "<a " not in html and "<code>code</code>" not in html
    line = next(x for x in text.splitlines() if "Titre" in x)
    assert line.startswith("- Description") and "« \\# Titre" in line
