"""eee/rename.py: renaming an entity rewrites its id, its file and every reference, keeping every other byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from eee import rename, validate
from eee.errors import EeeError, UsageError

from .conftest import write_files

OLD, NEW = "exemple-bois", "scierie-exemple"

# The test registry, with comments, and the references written in every form: plain, flow list,
# block list, single- and double-quoted, with a tag.
COMMENTED = {
    "clee/clee-ariege.yaml": """\
# yaml-language-server: $schema=../../schemas/clee.schema.json
# CLEE de l'Ariège : exemple-bois co-anime (ce commentaire garde l'ancien nom)
id: clee-ariege
nom: CLEE de l'Ariège
statut: actif
academie: toulouse
departements: ["09"]
territoire:
  bassins:
    - {code: "16125", nom: ARIEGE}
etablissement_siege: 0090015t
co_animation:
  etablissement:
    etablissement: 0090015t
    fonction: proviseur
  partenaire:
    partenaire: exemple-bois    # la scierie
    fonction: dirigeant
membres:
  etablissements: [0090015t, 0090056m]
  partenaires:
    - "exemple-bois"   # entre guillemets
contacts:
  - nom: Camille Exemple
    fonction: secrétaire du CLEE
    courriel: camille.exemple@example.org
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
""",
    "partenariats/stages-exemple.yaml": """\
id: stages-exemple   # ne pas renommer
nom: Stages de découverte Exemple
statut: actif
type: dispositif
partenaires: [exemple-aero,   'exemple-bois' ]  # deux partenaires
academies: [toulouse]
animation: Ingénieurs pour l'École des entreprises
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
""",
    "actions/2022-2023/visites-exemple.yaml": """\
id: visites-exemple
nom: Visites d'entreprises pour les élèves
statut: realisee
type: visite_entreprise
annee_scolaire: 2022-2023
date_debut: 2023-03-01
date_fin: 2023-03-31
organisateurs: [clee-ariege]
partenaires: [!!str exemple-bois]
etablissements: [0090056m]
public:
  niveaux: ["3e"]
  publics_prioritaires: [rural]
beneficiaires:
  - categorie: eleves
    nombre: 25
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
""",
    "partenaires/exemple-bois.yaml": """\
# Une scierie de l'Ariège.
id: "exemple-bois"
nom: Exemple Bois   # nom d'usage
statut: actif
type: entreprise
secteur: bois_foret
sources:
  - titre: Données de test
mis_a_jour: 2024-01-15
""",
}


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def problems(root: Path) -> list[tuple[str, str, int, int, str]]:
    return sorted((p.code, p.path, p.line, p.column, p.entity) for p in validate.run(root).problems)


def test_rename_rewrites_every_reference_and_keeps_every_other_byte(registry: Path) -> None:
    write_files(registry, COMMENTED)
    before_problems = problems(registry)
    before = snapshot(registry)

    plan = rename.plan(registry, OLD, NEW)
    assert plan.kind.name == "partenaire"
    assert (plan.source, plan.target) == ("partenaires/exemple-bois.yaml", "partenaires/scierie-exemple.yaml")
    assert plan.references == 4  # co_animation, membres, partenariat, action
    assert sorted(plan.files) == ["actions/2022-2023/visites-exemple.yaml", "clee/clee-ariege.yaml",
                                  "partenaires/exemple-bois.yaml", "partenariats/stages-exemple.yaml"]
    assert snapshot(registry) == before  # planning writes nothing
    rename.apply(plan)
    after = snapshot(registry)

    assert "partenaires/exemple-bois.yaml" not in after
    expected = dict(before)
    del expected["partenaires/exemple-bois.yaml"]
    expected["partenaires/scierie-exemple.yaml"] = before["partenaires/exemple-bois.yaml"].replace(
        b'id: "exemple-bois"', b'id: "scierie-exemple"')
    clee = before["clee/clee-ariege.yaml"]
    expected["clee/clee-ariege.yaml"] = clee.replace(
        b"partenaire: exemple-bois    # la scierie", b"partenaire: scierie-exemple    # la scierie").replace(
        b'- "exemple-bois"   # entre guillemets', b'- "scierie-exemple"   # entre guillemets')
    assert b"exemple-bois co-anime" in expected["clee/clee-ariege.yaml"]  # comments are not references
    expected["partenariats/stages-exemple.yaml"] = before["partenariats/stages-exemple.yaml"].replace(
        b"[exemple-aero,   'exemple-bois' ]", b"[exemple-aero,   'scierie-exemple' ]")
    expected["actions/2022-2023/visites-exemple.yaml"] = before["actions/2022-2023/visites-exemple.yaml"].replace(
        b"[!!str exemple-bois]", b"[!!str scierie-exemple]")
    for rel in expected:
        assert after[rel] == expected[rel], rel
    assert set(after) == set(expected)

    renamed = [(c, p.replace("exemple-bois", NEW), line, col, NEW if e == OLD else e)
               for c, p, line, col, e in before_problems]
    assert problems(registry) == sorted(renamed)
    # The comment that still names the old id is pointed out.
    assert any(w.startswith("clee/clee-ariege.yaml:2 ") for w in plan.warnings)


def test_every_reference_kind_is_followed(registry: Path) -> None:
    """References read from the model: clee members and co-animation, partnerships, actions."""
    plan = rename.plan(registry, OLD, NEW)
    rename.apply(plan)
    registry_after, report = validate.load(registry, check_schemas=False)
    assert registry_after.get(OLD) is None
    entity = registry_after.get(NEW)
    assert entity is not None and entity.data["id"] == NEW
    pointers = sorted((r.source.id, r.pointer) for r in registry_after.referencing(NEW))
    assert pointers == [
        ("clee-ariege", ("co_animation", "partenaire", "partenaire")),
        ("clee-ariege", ("membres", "partenaires", 0)),
        ("stages-exemple", ("partenaires", 1)),
        ("visites-exemple", ("partenaires", 0)),
    ]
    assert not any(r.target_id == OLD for r in registry_after.references)


def test_dry_run_diff_writes_nothing(registry: Path) -> None:
    before = snapshot(registry)
    plan = rename.plan(registry, OLD, NEW)
    diff = plan.diff()
    assert snapshot(registry) == before
    assert "--- a/partenaires/exemple-bois.yaml\n+++ b/partenaires/scierie-exemple.yaml\n" in diff
    assert "-id: exemple-bois\n+id: scierie-exemple\n" in diff
    assert "-partenaires: [exemple-aero, exemple-bois]\n+partenaires: [exemple-aero, scierie-exemple]\n" in diff
    assert "-    partenaire: exemple-bois\n+    partenaire: scierie-exemple\n" in diff
    assert "« exemple-bois » renommé en « scierie-exemple »" in plan.summary()
    assert "4 références" in plan.summary()


def test_line_endings_bom_and_accents_are_kept(registry: Path) -> None:
    text = ("\ufeff# Écrit sous Windows\r\nid: stages-exemple\r\nnom: Stages « été »\r\nstatut: actif\r\n"
            "type: dispositif\r\npartenaires: [exemple-aero, exemple-bois]   # « é »\r\nacademies: [toulouse]\r\n"
            "sources:\r\n  - titre: Données de test\r\nmis_a_jour: 2024-01-15")  # no final line break
    (registry / "partenariats/stages-exemple.yaml").write_bytes(text.encode("utf-8"))
    plan = rename.plan(registry, OLD, NEW)
    rename.apply(plan)
    after = (registry / "partenariats/stages-exemple.yaml").read_bytes()
    assert after == text.replace("exemple-aero, exemple-bois", "exemple-aero, scierie-exemple").encode("utf-8")


def test_value_after_accented_text_on_the_same_line(registry: Path) -> None:
    """Columns count characters, not bytes."""
    write_files(registry, {"partenariats/stages-exemple.yaml": (
        "id: stages-exemple\nnom: Stages de découverte\nstatut: actif\ntype: dispositif\n"
        "partenaires: [exemple-aero, exemple-bois]\nacademies: [toulouse]\n"
        "animation: Ingénieurs pour l'École\nsources: [{titre: Données — été, url: https://example.org}]\n"
        "mis_a_jour: 2024-01-15\n"
    )})
    rename.apply(rename.plan(registry, OLD, NEW))
    text = (registry / "partenariats/stages-exemple.yaml").read_text(encoding="utf-8")
    assert "partenaires: [exemple-aero, scierie-exemple]\n" in text


@pytest.mark.parametrize("old, new, message, hint", [
    ("exemple-boiss", NEW, "aucune entité n'a l'identifiant « exemple-boiss »", "vouliez-vous dire « exemple-bois » ?"),
    (OLD, "exemple-aero", "l'identifiant « exemple-aero » existe déjà (partenaires/exemple-aero.yaml)", "choisissez"),
    (OLD, "Scierie-Exemple", "« Scierie-Exemple » n'est pas un identifiant valide", "minuscules"),
    (OLD, "scierie_exemple", "« scierie_exemple » n'est pas un identifiant valide", "tirets"),
    (OLD, "scierie-été", "« scierie-été » n'est pas un identifiant valide", "sans accent"),
    (OLD, "-scierie", "« -scierie » n'est pas un identifiant valide", ""),
    (OLD, OLD, "« exemple-bois » porte déjà ce nom", ""),
    (OLD, "b" * 81, f"« {'b' * 40}… » a 81 caractères : un identifiant en a au plus 80", "plus court"),  # the schema's
    (OLD, "b" * 300, f"« {'b' * 40}… » a 300 caractères", "plus court"),  # (a file name the system refuses, too)
    ("0090015t", "lycee-foix", "« 0090015t » est un établissement : son identifiant est son UAI en minuscules",
     "UAI"),
])
def test_refusals(registry: Path, old: str, new: str, message: str, hint: str) -> None:
    before = snapshot(registry)
    with pytest.raises(UsageError) as caught:
        rename.plan(registry, old, new)
    assert caught.value.message.startswith(message)
    assert hint in caught.value.hint
    assert caught.value.exit_code == 2
    assert snapshot(registry) == before


def test_refused_when_an_unreadable_file_may_reference_old(registry: Path) -> None:
    write_files(registry, {"partenariats/casse.yaml": "id: casse\npartenaires: [exemple-bois\n"})
    with pytest.raises(UsageError) as caught:
        rename.plan(registry, OLD, NEW)
    assert "partenariats/casse.yaml" in caught.value.message
    assert "eee validate" in caught.value.hint
    # An unreadable file that does not name OLD does not block.
    write_files(registry, {"partenariats/casse.yaml": "id: casse\npartenaires: [exemple-aero\n"})
    assert rename.plan(registry, OLD, NEW).references == 4


def test_refused_through_an_alias(registry: Path) -> None:
    write_files(registry, {"partenariats/stages-exemple.yaml": (
        "id: stages-exemple\nnom: Stages\nstatut: actif\ntype: dispositif\n"
        "animation: &bois exemple-bois\npartenaires: [exemple-aero, *bois]\n"
        "sources:\n  - titre: Données de test\nmis_a_jour: 2024-01-15\n"
    )})
    with pytest.raises(UsageError) as caught:
        rename.plan(registry, OLD, NEW)
    assert caught.value.message.startswith("partenariats/stages-exemple.yaml:6:29 : la référence")
    assert "alias" in caught.value.message


def test_misplaced_file_naming_old_is_reported(registry: Path) -> None:
    write_files(registry, {"partenariats/vieux.yml": "partenaires: [exemple-bois]\n"})
    plan = rename.plan(registry, OLD, NEW)
    assert any("partenariats/vieux.yml" in w and "vérifiez-le à la main" in w for w in plan.warnings)


def test_apply_refuses_a_file_changed_since_the_plan(registry: Path) -> None:
    plan = rename.plan(registry, OLD, NEW)
    path = registry / "clee/clee-ariege.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# modifié\n", encoding="utf-8")
    before = snapshot(registry)
    with pytest.raises(EeeError):
        rename.apply(plan)
    assert snapshot(registry) == before


def test_rename_an_action_stays_in_its_year_folder(registry: Path) -> None:
    plan = rename.plan(registry, "visites-exemple", "visites-ariege-2023")
    assert plan.target == "actions/2022-2023/visites-ariege-2023.yaml"
    assert plan.references == 0
    rename.apply(plan)
    assert (registry / plan.target).read_text(encoding="utf-8").startswith("id: visites-ariege-2023\n")
    assert not (registry / plan.source).exists()


def test_file_mode_is_kept(registry: Path) -> None:
    path = registry / "clee/clee-ariege.yaml"
    path.chmod(0o664)
    rename.apply(rename.plan(registry, OLD, NEW))
    assert path.stat().st_mode & 0o777 == 0o664
