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
