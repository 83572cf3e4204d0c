"""eee new as an officer uses it: the README's examples run, a terminal asks each missing field again until the
answer is accepted, labels and names stand for codes, and outside a terminal the message says how to give them."""

from __future__ import annotations

import os
import re
import select
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from eee.errors import UsageError
from eee.new import answer, choice_named, required_fields
from eee.schema import SchemaSet
from eee.settings import shipped_registry
from eee.validate import run

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2024-01-15"


def _run(args: list[str], registry: Path) -> subprocess.CompletedProcess[str]:
    """`eee` in its own process, its standard input not a terminal (a script, a CI job)."""
    return subprocess.run([sys.executable, "-m", "eee", "-r", str(registry), *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, env=_env(), timeout=120)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}


def readme_new_examples() -> list[list[str]]:
    """Every `eee new` line of the README's shell blocks, as the shell would split it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```sh\n(.*?)^```", text, flags=re.M | re.S)
    return [shlex.split(line, comments=True) for block in blocks for line in block.splitlines()
            if line.startswith("eee new ")]


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    return Path(shutil.copytree(shipped_registry(), tmp_path / "registry"))


def test_the_readme_examples_of_eee_new_run_outside_a_terminal(shipped: Path) -> None:
    examples = readme_new_examples()
    assert len(examples) >= 2
    for example in examples:
        assert example[:2] == ["eee", "new"]
        done = _run(example[1:], shipped)
        assert done.returncode == 0, (example, done.stderr)
        kind, entity_id = example[2:4]
        path = next(shipped.rglob(f"{entity_id}.yaml"))
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        given = dict(arg.split("=", 1) for arg in example[5::2])
        assert data["nom"] == given["nom"]
        assert data["statut"] in {"actif", "en_creation", "en_sommeil", "dissous"}
    report = run(shipped, cache=False)
    assert not [p for p in report.problems if p.is_error], [p.message for p in report.problems if p.is_error]
    lozere = yaml.safe_load((shipped / "clee" / "clee-lozere.yaml").read_text(encoding="utf-8"))
    assert (lozere["statut"], lozere["academie"], lozere["departements"]) == ("actif", "montpellier", ["48"])


def test_outside_a_terminal_the_message_says_how_to_give_the_missing_fields(shipped: Path) -> None:
    done = _run(["new", "partenaire", "scierie-exemple", "--set", "nom=Scierie Exemple", "--set", "type=entreprise"],
                shipped)
    assert done.returncode == 2 and done.stdout == ""
    assert "valeurs obligatoires manquantes pour un partenaire" in done.stderr
    assert "statut (Statut) : actif (Actif), en_creation (En cours de mise en place)" in done.stderr
    assert "--set statut=…" in done.stderr and "eee new partenaire scierie-exemple" in done.stderr
    assert "type=" not in done.stderr.split("→")[1]  # only what is missing is asked for
    assert not (shipped / "partenaires" / "scierie-exemple.yaml").exists()


@pytest.mark.parametrize("text, field, code", [
    ("Actif", "statut", "actif"), ("ACTIF", "statut", "actif"), ("En cours de mise en place", "statut", "en_creation"),
    ("en creation", "statut", "en_creation"), ("Montpellier", "academie", "montpellier"),
    ("Académie de Toulouse", "academie", "toulouse"), ("academie de toulouse", "academie", "toulouse"),
    ("Lozère", "departements", "48"), ("lozere", "departements", "48"), ("48", "departements", "48"),
    ("9", "departements", "09"), ("pyrenees orientales", "departements", "66"),
    ("Lozère, Gard, 34", "departements", "48, 30, 34"),
])
def test_a_label_or_a_name_stands_for_its_code(text: str, field: str, code: str) -> None:
    assert answer("clee", "clee-test", field, text, TODAY) == code


def test_every_kind_accepts_its_answers_one_at_a_time() -> None:
    """Each field is checked alone, with the id of the entity to create (a school's uai is derived from it)."""
    assert answer("etablissement", "0480001r", "nom", "Collège Test", TODAY) == "Collège Test"
    assert answer("etablissement", "0480001r", "departement", "Lozère", TODAY) == "48"
    assert answer("etablissement", "0480001r", "nature", "collège", TODAY) == "college"
    assert answer("action", "action-test", "annee_scolaire", "2024-2025", TODAY) == "2024-2025"
    assert answer("evenement", "evenement-test", "date", "2025-03-01", TODAY) == "2025-03-01"


def test_names_that_would_be_ambiguous_are_not_guessed() -> None:
    schemas = SchemaSet.installed()
    nature = {f[0]: f[3] for f in required_fields("etablissement", schemas)}["nature"]
    assert choice_named("Collège", nature) == "college"
    assert choice_named("lycée", nature) is None  # many kinds of lycée: no guess
    prioritaire = [("REP", "REP"), ("REP+", "REP+")]
    assert (choice_named("rep+", prioritaire), choice_named("rep", prioritaire)) == ("REP+", "REP")


@pytest.mark.parametrize("kind, field, text, said", [
    ("clee", "statut", "activ", "vouliez-vous dire « actif »"),
    ("clee", "departements", "Lozère, Paris", "48 (Lozère)"),
    ("action", "annee_scolaire", "2022", "AAAA-AAAA"),
    ("evenement", "date", "1er mars", "AAAA-MM-JJ"),
    ("clee", "nom", " ", "Nom complet"),
])
def test_a_wrong_answer_is_refused_with_what_is_accepted(kind: str, field: str, text: str, said: str) -> None:
    with pytest.raises(UsageError) as info:
        answer(kind, f"{kind}-test", field, text, TODAY)
    assert said in info.value.hint


class Terminal:
    """eee run in a pseudo-terminal (standard library `pty`): what it prints is read, answers are typed."""

    def __init__(self, args: list[str], registry: Path) -> None:
        import pty

        self.master, slave = pty.openpty()
        self.process = subprocess.Popen([sys.executable, "-m", "eee", "-r", str(registry), *args], stdin=slave,
                                        stdout=slave, stderr=slave, env=_env(), close_fds=True)
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout: float = 60) -> str:
        """Everything printed until `text` (which is consumed)."""
        end = time.monotonic() + timeout
        while text not in self.seen:
            left = end - time.monotonic()
            assert left > 0, f"« {text} » jamais affiché ; reçu : {self.seen!r}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the process ended and closed the terminal
                    chunk = b""
                assert chunk, f"fin de eee avant « {text} » ; reçu : {self.seen!r}"
                self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        before, _, self.seen = self.seen.partition(text)
        return before + text

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\n")

    def close(self) -> int:
        code = self.process.wait(timeout=60)
        os.close(self.master)
        return code


def test_in_a_terminal_a_wrong_answer_is_asked_again_at_once(shipped: Path) -> None:
    term = Terminal(["new", "clee", "clee-lozere", "--set", "nom=CLEE de la Lozère"], shipped)
    try:
        term.expect("Statut — valeurs possibles : actif (Actif), en_creation (En cours de mise en place)")
        term.expect("Statut:")
        term.type("activ")
        refused = term.expect("Statut:")  # asked again before any other question
        assert "valeur « activ » inconnue pour « statut »" in refused
        assert "vouliez-vous dire « actif » ?" in refused and "dissous (Dissous)" in refused
        assert "Académie" not in refused
        term.type("Actif")
        term.expect("Académie:")
        term.type("Montpellier")
        term.expect("Départements:")
        term.type("Lozère, Paris")
        refused = term.expect("Départements:")
        assert "valeur « Paris » inconnue pour « departements »" in refused and "48 (Lozère)" in refused
        term.type("lozère, 30")
        created = term.expect("complétez-le, puis lancez eee validate.")
        assert "Créé :" in created
    finally:
        code = term.close()
    assert code == 0
    data = yaml.safe_load((shipped / "clee" / "clee-lozere.yaml").read_text(encoding="utf-8"))
    assert {k: data[k] for k in ("nom", "statut", "academie", "departements")} == {
        "nom": "CLEE de la Lozère", "statut": "actif", "academie": "montpellier", "departements": ["48", "30"]}


def test_in_a_terminal_a_wrong_id_is_refused_before_any_question(shipped: Path) -> None:
    term = Terminal(["new", "partenaire", "airbus"], shipped)
    try:
        said = term.expect("choisissez un autre identifiant")
        assert "l'identifiant « airbus » existe déjà" in said and "Statut" not in said
    finally:
        assert term.close() == 2


def test_in_a_terminal_a_wrong_value_given_with_set_is_asked_again(shipped: Path) -> None:
    term = Terminal(["new", "partenaire", "scierie-pty", "--set", "nom=Scierie", "--set", "statut=active",
                     "--set", "type=Entreprise"], shipped)
    try:
        refused = term.expect("statut:")
        assert "valeur « active » inconnue pour « statut »" in refused
        term.type("En sommeil")
        term.expect("Créé :")
    finally:
        assert term.close() == 0
    data = yaml.safe_load((shipped / "partenaires" / "scierie-pty.yaml").read_text(encoding="utf-8"))
    assert (data["statut"], data["type"]) == ("en_sommeil", "entreprise")


def test_outside_a_terminal_a_reference_to_a_missing_id_is_refused_and_nothing_written(shipped: Path) -> None:
    files = sorted(shipped.rglob("*"))
    done = _run(["new", "action", "essai-x", "--set", "organisateurs=inexistant-zzz", "--set",
                 "annee_scolaire=2024-2025", "--set", "nom=Essai", "--set", "type=forum_metiers", "--set",
                 "statut=prevue", "--no-input"], shipped)
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert ("eee : « inexistant-zzz », donné pour « organisateurs », n'est l'identifiant d'aucune entité du "
            "registre\n  → retrouvez l'identifiant avec : eee search inexistant zzz\n") == done.stderr
    done = _run(["new", "partenariat", "essai-p", "--set", "nom=Essai", "--set", "statut=actif", "--set",
                 "type=dispositif", "--set", "partenaires=airbus, thalès", "--no-input"], shipped)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "« thalès »" in done.stderr  # not an id at all: the schema says so first
    done = _run(["new", "partenariat", "essai-p", "--set", "nom=Essai", "--set", "statut=actif", "--set",
                 "type=dispositif", "--set", "partenaires=airbus, thale", "--no-input"], shipped)
    assert done.returncode == 2 and "« thale », donné pour « partenaires »" in done.stderr
    assert "vouliez-vous dire « thales » ?" in done.stderr
    assert sorted(shipped.rglob("*")) == files


def test_an_answer_naming_a_missing_id_is_refused_when_the_registry_is_given(shipped: Path) -> None:
    assert answer("partenariat", "essai-p", "partenaires", "airbis", TODAY) == "airbis"  # alone: its form only
    with pytest.raises(UsageError) as info:
        answer("partenariat", "essai-p", "partenaires", "airbis", TODAY, root=shipped)
    assert "vouliez-vous dire « airbus » ?" in info.value.hint
    assert answer("partenariat", "essai-p", "partenaires", "airbus, thales", TODAY, root=shipped) == "airbus, thales"


def test_in_a_terminal_a_reference_to_a_missing_id_is_asked_again(shipped: Path) -> None:
    term = Terminal(["new", "partenariat", "essai-pty", "--set", "nom=Essai", "--set", "statut=actif",
                     "--set", "type=dispositif", "--set", "partenaires=airbis"], shipped)
    try:
        refused = term.expect("partenaires:")  # the --set value, asked again
        assert "« airbis », donné pour « partenaires », n'est l'identifiant d'aucune entité" in refused
        assert "vouliez-vous dire « airbus » ?" in refused
        term.type("clee-ales")
        refused = term.expect("partenaires:")
        assert "« clee-ales » est un CLEE, alors que le champ « partenaires » attend un partenaire" in refused
        term.type("airbus, thales")
        term.expect("Créé :")
    finally:
        assert term.close() == 0
    data = yaml.safe_load((shipped / "partenariats" / "essai-pty.yaml").read_text(encoding="utf-8"))
    assert data["partenaires"] == ["airbus", "thales"]
