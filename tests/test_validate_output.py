"""What `eee validate` writes for a registry with one error among many warnings: the machine formats, byte for
byte, and the text an officer reads (errors first, repeated warnings grouped, --quiet, --detail)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from eee.cli import main

from .conftest import write_files

ACTION = """\
id: visite-{n:03d}
nom: Visite d'entreprise n° {n}
statut: {statut}
type: visite_entreprise
annee_scolaire: 2022-2023
organisateurs: [clee-ariege]
{sources}a_completer:
  - champ: date_debut
    note: date non publiée
  - champ: beneficiaires
    note: nombre d'élèves non publié
mis_a_jour: 2024-01-15
"""
COUNT = 50  # 50 actions: 100 « à compléter » (EEE-R031), 10 stale statuses (EEE-R034), 1 without a source (EEE-R030)


def action(n: int) -> str:
    return ACTION.format(n=n, statut="prevue" if n % 5 == 0 else "realisee",
                         sources="" if n == 7 else "sources:\n  - titre: Données de test\n")


@pytest.fixture
def noisy(registry: Path) -> Path:
    """The test registry with one misspelt key (an error) among 111 warnings of three codes."""
    write_files(registry, {f"actions/2022-2023/visite-{n:03d}.yaml": action(n) for n in range(1, COUNT + 1)})
    exemple = registry / "actions" / "2022-2023" / "visites-exemple.yaml"
    exemple.write_text(exemple.read_text(encoding="utf-8").replace("beneficiaires:", "benefiaires:"), encoding="utf-8")
    return registry


def validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit:
        main(["validate", "--registry", "registry", "--jobs", "1", *args])
    out, err = capsys.readouterr()
    return int(exit.value.code or 0), out, err


@pytest.mark.parametrize("fmt", ["parsable", "json", "github", "gitlab"])
def test_machine_formats_are_unchanged(capsys: pytest.CaptureFixture[str], noisy: Path, fmt: str,
                                       golden: Callable[[str, str], None]) -> None:
    """The formats scripts and CI read stay complete and byte for byte what they were (the goldens were written
    before the text output learnt to group warnings)."""
    code, out, err = validate(capsys, "--format", fmt)
    assert code == 1 and err == ""
    golden(f"validate-{fmt}.txt", out)


def test_the_error_comes_first_among_a_hundred_warnings(capsys: pytest.CaptureFixture[str], noisy: Path) -> None:
    code, out, err = validate(capsys)
    lines = out.splitlines()
    assert code == 1 and err == ""
    assert lines[:5] == [
        "Erreurs (1)",
        "",
        "registry/actions/2022-2023/visites-exemple.yaml",
        "     14:1 erreur        clé « benefiaires » inconnue  EEE-S001 [visites-exemple]",
        "                        → vouliez-vous dire « beneficiaires » ?",
    ]
    # The warnings of a code found in many files are one block each, with their count and their files.
    assert "EEE-R031 information à compléter : 100 avertissements dans 50 fichiers" in lines
    assert "EEE-R034 statut périmé (toujours prévu ou en cours) : 10 avertissements dans 10 fichiers" in lines
    assert "    registry/actions/2022-2023/ : visite-001.yaml (2), visite-002.yaml (2), visite-003.yaml (2), " \
           "visite-004.yaml (2), visite-005.yaml (2), visite-006.yaml (2), visite-007.yaml (2), visite-008.yaml (2)" in lines
    assert "    … et 42 autres fichiers" in lines
    assert "    registry/actions/2022-2023/ : visite-005.yaml, visite-010.yaml, visite-015.yaml, visite-020.yaml, " \
           "visite-025.yaml, visite-030.yaml, visite-035.yaml, visite-040.yaml" in lines
    # A code found once stays in detail, under its file.
    assert "registry/actions/2022-2023/visite-007.yaml" in lines
    assert sum("EEE-R030" in line for line in lines) == 2  # its line, and the count by code
    assert lines[-2] == ("Par code — erreurs : 1 × EEE-S001 clé inconnue ; avertissements : 100 × EEE-R031 information "
                         "à compléter, 10 × EEE-R034 statut périmé (toujours prévu ou en cours), 1 × EEE-R030 entité "
                         "sans source.")
    assert lines[-1] == "✗ Registre invalide : 1 erreur et 111 avertissements dans 65 fichiers."
    assert ("→ eee validate -r registry --detail montre chaque avertissement ; eee validate -r registry --explain "
            "EEE-R031 explique un code.") in lines
    assert len(lines) < 40


def test_quiet_prints_errors_only(capsys: pytest.CaptureFixture[str], noisy: Path) -> None:
    code, out, err = validate(capsys, "-q")
    assert code == 1 and err == ""
    assert out.splitlines() == [
        "Erreurs (1)",
        "",
        "registry/actions/2022-2023/visites-exemple.yaml",
        "     14:1 erreur        clé « benefiaires » inconnue  EEE-S001 [visites-exemple]",
        "                        → vouliez-vous dire « beneficiaires » ?",
        "",
        "Par code — erreurs : 1 × EEE-S001 clé inconnue.",
        "✗ Registre invalide : 1 erreur et 111 avertissements dans 65 fichiers.",
    ]
    assert validate(capsys, "--quiet", "registry/actions/2022-2023/visite-001.yaml") == (0, "", "")


def test_detail_prints_every_warning(capsys: pytest.CaptureFixture[str], noisy: Path) -> None:
    code, out, _ = validate(capsys, "--detail")
    lines = out.splitlines()
    assert code == 1
    assert lines[3].endswith("EEE-S001 [visites-exemple]")
    assert sum(" avertissement à compléter : " in line for line in lines) == 100
    assert sum("EEE-R034 [" in line for line in lines) == 10
    assert validate(capsys, "-v")[1] == out


@pytest.mark.parametrize("args, message", [
    (["--quiet", "--detail"], "--quiet et --detail s'excluent"),
    (["-q", "--format", "json"], "--quiet ne s'applique qu'au format text"),
    (["-v", "--format", "github"], "--detail ne s'applique qu'au format text"),
])
def test_quiet_and_detail_are_for_people(capsys: pytest.CaptureFixture[str], registry: Path, args: list[str],
                                         message: str) -> None:
    code, out, err = validate(capsys, *args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_build_says_how_many_warnings_and_how_to_see_them(capsys: pytest.CaptureFixture[str], registry: Path,
                                                           tmp_path: Path) -> None:
    def build(*before: str) -> str:
        with pytest.raises(SystemExit) as exit:
            main([*before, "build", "--out", str(tmp_path / "site"), "--jobs", "1"])
        out, err = capsys.readouterr()
        assert exit.value.code == 0, err
        return out

    assert "avertissement" not in build("-r", "registry")  # a clean registry: nothing to say
    write_files(registry, {f"actions/2022-2023/visite-{n:03d}.yaml": action(n) for n in (1, 5)})
    assert build("-r", "registry").splitlines()[-1] == "5 avertissements : eee validate -r registry pour les voir."
    write_files(registry, {"actions/2022-2023/visite-005.yaml": None})
    # The registry found by default (./registry) needs no option to be seen again.
    assert build().splitlines()[-1] == "2 avertissements : eee validate pour les voir."
