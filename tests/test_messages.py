"""French wording of single messages a newcomer tripped over (issue #20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eee.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit.value.code or 0), out, err


def test_the_seat_school_of_a_clee_is_written_with_its_accent(capsys: pytest.CaptureFixture[str],
                                                               registry: Path) -> None:
    clee = registry / "clee" / "clee-ariege.yaml"
    clee.write_text(clee.read_text(encoding="utf-8").replace("etablissement_siege: 0090015t",
                                                             "etablissement_siege: 0300002p"), encoding="utf-8")
    code, out, _ = run(capsys, "validate", "-r", "registry", "--format", "parsable", "--jobs", "1")
    assert code == 1
    assert ("registry/clee/clee-ariege.yaml:4:11: [erreur] l'établissement siège « 0300002p », situé dans le "
            "département 30 (Gard), relève de l'académie de Montpellier, pas de celle de Toulouse (EEE-R015)") in out


def test_show_writes_dates_as_the_site_does(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    action = registry / "actions" / "2022-2023" / "visites-exemple.yaml"
    action.write_text(action.read_text(encoding="utf-8").replace("date_fin: 2023-03-31", "date_fin: 2023-04-15"),
                      encoding="utf-8")
    code, out, _ = run(capsys, "show", "visites-exemple", "-r", "registry")
    assert code == 0
    lines = out.splitlines()
    assert "Date de début : 1er mars 2023" in lines and "Date de fin : 15 avril 2023" in lines
    assert "Mis à jour le : 15 janvier 2024" in lines
    assert "2023-03-01" not in out
    # The formats for machines keep ISO dates.
    assert '"date_debut": "2023-03-01"' in run(capsys, "show", "visites-exemple", "-r", "registry", "--format", "json")[1]


@pytest.mark.parametrize("name, id_, hint", [
    ("exemple-bois-sarl", "exemple-bois", "écrivez « id: exemple-bois-sarl », ou renommez le fichier « exemple-bois.yaml »"),
    ("Exemple Bois", "exemple-bois", "le nom du fichier n'est pas un identifiant (minuscules sans accent, chiffres et "
     "tirets) : renommez le fichier « exemple-bois.yaml »"),
    ("Éco:Bois", "Autre Chose", "le nom du fichier n'est pas un identifiant (minuscules sans accent, chiffres et "
     "tirets) : renommez le fichier « eco-bois.yaml » et écrivez « id: eco-bois »"),
])
def test_an_id_that_is_not_its_file_s_name_is_never_told_to_become_an_invalid_one(registry: Path, name: str, id_: str,
                                                                                   hint: str) -> None:
    """EEE-R001: « écrivez id: <the file's name> » only when that name is an identifier (it advised « id: Thales »)."""
    from eee.validate import run as validate

    source = registry / "partenaires" / "exemple-bois.yaml"
    text = source.read_text(encoding="utf-8").replace("id: exemple-bois", f"id: {id_}")
    source.unlink()
    (registry / "partenaires" / f"{name}.yaml").write_text(text, encoding="utf-8")
    found = [p for p in validate(registry, jobs=1).problems if p.code == "EEE-R001"]
    assert [p.hint for p in found] == [hint]


@pytest.mark.parametrize("space, named", [("\u00a0", "U+00A0, espace insécable"),
                                          ("\u202f", "U+202F, espace fine insécable")])
def test_a_key_written_with_a_non_breaking_space_says_so(registry: Path, space: str, named: str) -> None:
    """« statut : actif » typed in a word processor: the key is named as it looks, with the invisible space it has (it
    said « clé « statut  » inconnue → vouliez-vous dire « statut » ? », the same thing to the eye)."""
    from eee.validate import run as validate

    path = registry / "partenaires" / "exemple-bois.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("statut:", f"statut{space}:", 1), encoding="utf-8")
    found = [p for p in validate(registry, jobs=1).problems if p.code == "EEE-S001"]
    assert [(p.message, p.hint) for p in found] == [
        (f"clé « statut » écrite avec une espace invisible dans l'éditeur ({named})",
         "supprimez cette espace : écrivez « statut: valeur », les deux-points collés à la clé")]


@pytest.mark.parametrize("field, written, shown", [
    ("departements", '["30"]', "[“30”]"),  # a vocabulary's code (EEE-S004)
    ("date_creation", "2024-01-15", "« 2024-01-15 »"),  # a pattern (EEE-S005)
])
def test_typographic_quotes_are_named_as_what_is_wrong(registry: Path, field: str, written: str, shown: str) -> None:
    """Quotes a word processor wrote (“ ”, « ») are part of the value for YAML: the hint says so, and how to write it
    (it listed the 13 départements, or « sans majuscule, accent ni espace »)."""
    from eee.validate import run as validate

    path = registry / "clee" / "clee-ales.yaml"
    text = path.read_text(encoding="utf-8")
    line = f"{field}: {written}\n"
    text = text.replace(line, f"{field}: {shown}\n") if line in text else text + f"{field}: {shown}\n"
    path.write_text(text, encoding="utf-8")
    value = written.strip('[]"')
    found = [p for p in validate(registry, jobs=1).problems if p.code in ("EEE-S004", "EEE-S005")]
    assert [p.hint for p in found] == [
        f"les guillemets typographiques (“ ”, « ») ne sont pas ceux de YAML : ils font partie de la valeur ; écrivez "
        f"\"{value}\", avec des guillemets droits"]
