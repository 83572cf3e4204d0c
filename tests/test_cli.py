"""The command line end to end: exit codes, stdout and stderr kept apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from eee import __version__
from eee.cli import main

from .conftest import cli, write_files

eee = cli


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert eee(capsys, "--version") == (0, f"eee {__version__}\n", "")


def test_help_is_french(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = eee(capsys, "--help")
    assert code == 0 and err == ""
    for text in ("Utilisation :", "Commandes", "Affiche cette aide et quitte.", "validate"):
        assert text in out
    code, out, _ = eee(capsys, "validate", "--help")
    assert code == 0 and "--strict" in out and "Code de sortie" in out
    # An argument is named as the error messages name it, without typer's English type beside it.
    code, out, _ = eee(capsys, "rename", "--help")
    assert code == 0 and "Utilisation : eee rename [OPTIONS] ANCIEN NOUVEAU" in out
    assert "<str>" not in out and "{ANCIEN}" not in out and "ANCIEN" in out
    code, out, _ = eee(capsys, "import", "annuaire", "--help")
    assert "<path>" not in out and "FICHIER.csv" in out
    code, out, _ = eee(capsys, "render", "--help")
    assert "<html|markdown>" in out  # a choice keeps its values


def test_help_paragraphs_are_wrapped_at_the_terminal_width(capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The docstrings' own line breaks are not kept: each paragraph is wrapped once, at the terminal's width."""
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = eee(capsys, "validate", "--help")
    assert code == 0
    assert ("Le résultat de chaque fichier est gardé dans un cache, hors du registre ($EEE_CACHE_DIR, sinon "
            "~/.cache/eee) : un fichier inchangé n'est pas relu") in out
    assert "Code de sortie : 0 registre valide (avertissements permis), 1 erreurs trouvées (ou avertissements" in out


def _helps(command: Any, name: str) -> list[tuple[str, str]]:
    texts = [(name, command.help or "")] + [(f"{name} {p.name}", getattr(p, "help", None) or "") for p in command.params]
    for sub_name, sub in (getattr(command, "commands", None) or {}).items():
        texts += _helps(sub, f"{name} {sub_name}")
    return texts


def test_help_texts_lose_no_bracket_to_rich_markup(capsys: pytest.CaptureFixture[str]) -> None:
    """The help is shown with rich markup: « eee[pdf] » written plainly would read « eee » (rich takes [pdf] for a
    style). Every help text says what it means once rich has read it (a bracket is written « \\[ »)."""
    from rich.markup import render

    from eee.cli.app import app

    for where, text in _helps(typer.main.get_command(app), "eee"):
        assert render(text).plain == text.replace("\\[", "["), where
    code, out, _ = eee(capsys, "report", "--help")
    assert code == 0 and "pip install 'eee[pdf]'" in " ".join(out.split())


def test_valid_registry_exits_0(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    code, out, err = eee(capsys, "--registry", str(registry), "validate")
    assert code == 0, out
    assert out.strip().endswith("Registre valide : 15 fichiers, 15 entités, aucun problème.")
    assert err == ""


def test_registry_option_after_the_command(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    assert eee(capsys, "validate", "--registry", str(registry))[0] == 0


def test_default_registry_is_the_working_directory_one(capsys: pytest.CaptureFixture[str], registry: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(registry.parent)
    write_files(registry, {"clee/clee-ales.yaml": None})
    code, out, _ = eee(capsys, "validate", "--format", "parsable")
    assert code == 0
    assert out.startswith("registry/reseau.yaml:24:9: [avertissement] 1 CLEE décrit sur 2 attendus")


def test_environment_variable(capsys: pytest.CaptureFixture[str], registry: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EEE_REGISTRY", str(registry))
    assert eee(capsys, "validate")[0] == 0


def test_errors_exit_1_with_every_problem_of_every_file(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    write_files(registry, {
        "partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: Exemple Bois\nstatut: activ\ntype: entreprise\n"
                                         "mis_a_jour: 2024-01-15\n",
        "etablissements/0312686b.yaml": "id: 0312686b\nnom: Lycée\nstatut: ouvert\nuai: 0312686C\nnature: lycee\n"
                                        "commune: Blagnac\ndepartement: \"31\"\nacademie: toulouse\nmis_a_jour: 2024-01-15\n",
        "clee/clee-ales.yaml": "id: clee-ales\nnom: [CLEE\n",
    })
    code, out, err = eee(capsys, "--registry", str(registry), "validate", "--format", "json")
    assert code == 1 and err == ""
    document = json.loads(out)
    found = {(p["code"], p["fichier"].split("registry/")[-1], p["ligne"], p["colonne"]) for p in document["problemes"]}
    assert ("EEE-S004", "partenaires/exemple-bois.yaml", 3, 9) in found
    assert ("EEE-S004", "etablissements/0312686b.yaml", 5, 9) in found
    assert ("EEE-R010", "etablissements/0312686b.yaml", 4, 6) in found
    assert ("EEE-Y002", "clee/clee-ales.yaml", 2, 6) in found  # the bracket that is never closed
    assert all(p["message"] and p["conseil"] for p in document["problemes"])


def test_strict_makes_warnings_fail(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    write_files(registry, {"clee/clee-ales.yaml": None})
    assert eee(capsys, "-r", str(registry), "validate")[0] == 0
    assert eee(capsys, "-r", str(registry), "validate", "--strict")[0] == 1


def test_paths_restrict_the_report(capsys: pytest.CaptureFixture[str], registry: Path) -> None:
    write_files(registry, {"clee/clee-ales.yaml": None,
                           "partenaires/exemple-bois.yaml": "id: exemple-bois\nnom: x\n"})
    code, out, _ = eee(capsys, "-r", str(registry), "validate", "--format", "parsable", str(registry / "partenaires"))
    assert code == 1
    assert {line.split(":")[0].rsplit("/", 2)[-2] for line in out.splitlines()} == {"partenaires"}
    code, out, _ = eee(capsys, "-r", str(registry), "validate", "--format", "parsable", str(registry / "clee"))
    assert (code, out) == (0, "")


def test_path_outside_the_registry_is_a_usage_error(capsys: pytest.CaptureFixture[str], registry: Path,
                                                   tmp_path: Path) -> None:
    code, out, err = eee(capsys, "-r", str(registry), "validate", str(tmp_path))
    assert code == 2 and out == ""
    assert "n'est pas dans le registre" in err


@pytest.mark.parametrize(
    "args, in_err",
    [
        (["validate", "--formt", "json"], "option inconnue : --formt (vouliez-vous dire --format ?)"),
        (["valdate"], "commande inconnue : « valdate ». Vouliez-vous dire « validate » ?"),
        (["validate", "--format", "xml"], "valeur invalide pour --format"),
        (["validate", "--explain", "EEE-X999"], "code inconnu"),
        # An argument is named as the help names it, never by the Python parameter behind it (entity_id, fmt, old).
        (["show"], "paramètre manquant : ID\n"), (["export"], "paramètre manquant : FORMAT\n"),
        (["list"], "paramètre manquant : TYPE\n"), (["rename", "exemple-bois"], "paramètre manquant : NOUVEAU\n"),
        (["export", "pdf"], "valeur invalide pour FORMAT : 'pdf' n'est pas une valeur possible"),
    ],
)
def test_usage_errors_exit_2_in_french(capsys: pytest.CaptureFixture[str], args: list[str], in_err: str) -> None:
    code, out, err = eee(capsys, *args)
    assert code == 2 and out == ""
    assert in_err in err
    assert "Traceback" not in err


def test_missing_registry_exits_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = eee(capsys, "--registry", str(tmp_path / "absent"), "validate")
    assert code == 3 and out == ""
    assert err.startswith("eee : le registre ")
    assert "Traceback" not in err


def test_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = eee(capsys, "validate", "--explain", "r010")
    assert code == 0
    assert out.startswith("## EEE-R010 — lettre de contrôle de l'UAI fausse\n")  # no HTML anchor: not for a page
    assert "**Exemple en faute**" in out and "uai: 0312686C" in out


@pytest.mark.parametrize("code", ["EEE-R010", "tout"])
def test_explain_on_a_terminal_shows_no_html(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                              code: str) -> None:
    """On a terminal the Markdown is rendered (no « ## », no « ** ») and holds no HTML (the anchors of
    docs/codes.md); through a pipe, one code is its Markdown without an anchor (test_explain)."""
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setenv("COLUMNS", "100")
    status, out, _ = eee(capsys, "validate", "--explain", code)
    assert status == 0
    assert "EEE-R010 — lettre de contrôle de l'UAI fausse" in out
    assert "<a" not in out and "</a>" not in out
    assert "## " not in out and "**" not in out


def test_internal_error_has_no_traceback(capsys: pytest.CaptureFixture[str], registry: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(root: Path, **options: object) -> None:
        raise RuntimeError("panne simulée")

    monkeypatch.setattr("eee.validate.check", boom)
    code, out, err = eee(capsys, "-r", str(registry), "validate")
    assert code == 3
    assert "erreur interne (RuntimeError : panne simulée)" in err and "--debug" in err
    assert "Traceback" not in err
    with pytest.raises(RuntimeError):
        main(["--debug", "-r", str(registry), "validate"])


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_python_dash_m(tmp_path: Path) -> None:
    result = _run("-m", "eee", "--version", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, f"eee {__version__}\n")


def test_help_does_not_import_heavy_modules(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from eee.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('jsonschema', 'jinja2', 'eee.rules', 'eee.validate', 'eee.filecheck', 'referencing',\n"
        "                             'sqlite3', 'multiprocessing', 'eee.validity') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    result = _run("-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "HEAVY="


def test_a_valid_registry_is_checked_without_jsonschema(tmp_path: Path, registry: Path) -> None:
    """Valid files need only the quick verdict (eee/validity.py): jsonschema (0.1 s to import) is for the
    files that have a problem, whose messages it gives."""
    code = (
        "import sys\n"
        "from eee.cli import main\n"
        "try:\n    main(['validate', '--no-cache', '--registry', sys.argv[1]])\nexcept SystemExit as exit:\n"
        "    print('EXIT=' + str(exit.code))\n"
        "print('JSONSCHEMA=' + str('jsonschema' in sys.modules))\n"
        "print('RICH=' + str('rich' in sys.modules))\n"
    )
    result = _run("-c", code, str(registry), cwd=tmp_path)
    # Nothing to show but the verdict, on a pipe: rich is not imported either (see tests/test_report.py).
    assert result.stdout.strip().splitlines()[-4:] == [
        "✓ Registre valide : 15 fichiers, 15 entités, aucun problème.", "EXIT=0", "JSONSCHEMA=False", "RICH=False"
    ], result.stdout + result.stderr
    bad = registry / "partenaires" / "exemple-bois.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("statut: actif", "statut: Actif"), encoding="utf-8")
    result = _run("-c", code, str(registry), cwd=tmp_path)
    assert result.stdout.strip().splitlines()[-3:] == ["EXIT=1", "JSONSCHEMA=True", "RICH=True"], \
        result.stdout + result.stderr
    assert "EEE-S004" in result.stdout


def test_reading_options_does_not_import_pydantic(tmp_path: Path, registry: Path) -> None:
    """typer 0.29 imports pydantic (0.2 s) to read any option: the pin in pyproject.toml keeps it out."""
    code = (
        "import sys\n"
        "from eee.cli import main\n"
        f"try:\n    main(['validate', '--registry', {str(registry)!r}, '--format', 'json', '--jobs', '1'])\n"
        "except SystemExit:\n    pass\n"
        "print('PYDANTIC=' + str('pydantic' in sys.modules))\n"
    )
    result = _run("-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "PYDANTIC=False"


def test_broken_pipe_is_quiet(tmp_path: Path, registry: Path) -> None:
    result = subprocess.run(
        f"{sys.executable} -m eee -r {registry} validate --explain tout | head -1",
        shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert result.stdout.startswith("# Codes")
    assert "Traceback" not in result.stderr


def test_folder_without_registry_files_exits_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "vide").mkdir()
    code, out, err = eee(capsys, "--registry", str(tmp_path / "vide"), "validate")
    assert code == 3 and out == ""
    assert "ne contient aucun fichier du registre" in err


def test_completion(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = eee(capsys, "completion", "bash")
    assert code == 0 and "_EEE_COMPLETE=complete_bash" in out
    import os

    env = dict(os.environ, _EEE_COMPLETE="complete_bash", COMP_WORDS="eee validate --format ", COMP_CWORD="3")
    result = subprocess.run([sys.executable, "-m", "eee"], env=env, capture_output=True, text=True, timeout=60,
                            cwd=tmp_path)
    assert result.stdout.split() == ["text", "parsable", "json", "github", "gitlab"]


def test_version_does_not_load_the_command_line(tmp_path: Path) -> None:
    code = ("import sys\nfrom eee.entry import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print('LOADED=' + ','.join(m for m in ('typer', 'eee.cli', 'yaml') if m in sys.modules))\n")
    result = _run("-c", code, cwd=tmp_path)
    assert result.stdout.splitlines() == [f"eee {__version__}", "LOADED="]


def test_ctrl_c_while_the_command_line_loads_is_an_interruption_not_a_traceback(tmp_path: Path) -> None:
    """Ctrl-C in the first tenth of a second, while typer and the commands are being imported: the same message and
    code as later, never a Python traceback."""
    code = ("import sys, types\nimport eee\n"
            "loading = types.ModuleType('eee.cli')\n"
            "def main(args):\n    raise KeyboardInterrupt\n"
            "loading.main = main\nsys.modules['eee.cli'] = loading\n"
            "from eee.entry import main as entry\nentry(['validate'])\n")
    result = _run("-c", code, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (130, "eee : interrompu.\n")


def test_only_the_command_named_is_built() -> None:
    """typer builds every command's options before running one (20 ms a call): main builds the one asked for."""
    from eee.cli.app import app, app_for

    def names(args: list[str]) -> list[str]:
        built = typer.main.get_command(app_for(args))
        return sorted(built.commands)  # type: ignore[attr-defined]

    assert names(["validate", "--format", "json"]) == ["validate"]
    assert names(["--registry", "validate", "list"]) == ["list"]  # « validate » is the option's value here
    assert names(["-r", "reg", "--debug", "import", "annuaire"]) == ["import"]
    everything = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert len(everything) > 10
    for args in ([], ["--help"], ["valdate"], ["--registry", "reg"]):
        assert names(args) == everything, args


def test_the_typer_and_click_internals_eee_reads_are_still_there() -> None:
    """eee/cli/french.py is the one place that reads typer's private modules: a typer that renames one fails here,
    not in the hands of a user."""
    import importlib

    from eee.cli.french import INTERNALS

    for module, names in INTERNALS.items():
        found = importlib.import_module(module)
        missing = [name for name in names if not hasattr(found, name)]
        assert not missing, (module, missing)


@pytest.mark.parametrize("command", ["validate", "fmt"])
def test_validate_and_fmt_refuse_the_same_paths(capsys: pytest.CaptureFixture[str], registry: Path,
                                                tmp_path: Path, command: str) -> None:
    outside = tmp_path / "ailleurs"
    outside.mkdir()
    code, out, err = eee(capsys, "-r", str(registry), command, str(outside))
    assert code == 2 and "n'est pas dans le registre" in err and out == ""
    code, out, err = eee(capsys, "-r", str(registry), command, str(tmp_path / "absent"))
    assert code == 2 and "n'existe pas" in err
    code, out, err = eee(capsys, "-r", str(registry), command, str(registry / "clee"))
    assert code == 0, err
