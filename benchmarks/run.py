#!/usr/bin/env python3
"""Mesure eee sur un registre synthétique : des processus entiers, chronométrés à l'horloge murale.

    python benchmarks/run.py --entities 2000 [--runs 3] [--seed 1] [--json resultats.json]
                             [--dir benchmarks/.data] [--skip-peer] [--errors K]

Le registre est produit par benchmarks/generate.py (ou réutilisé s'il existe déjà pour ce N, cette
graine et cette version du générateur) sous --dir. Les mesures sont entrelacées : la 1re exécution
de chaque mesure, puis la 2e de chaque mesure…, et l'on retient la médiane. Voir benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import functools
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCHEMAS = ROOT / "schemas"
sys.path.insert(0, str(HERE))
import generate  # noqa: E402  (benchmarks/generate.py)

PYTHON = sys.executable
FOLDER_KIND = {"actions": "action", "etablissements": "etablissement", "partenaires": "partenaire",
               "evenements": "evenement", "partenariats": "partenariat", "clee": "clee", "cmq": "cmq",
               "pft": "pft", "club": "club"}

PARSE_FLOOR = """
import sys, yaml
from pathlib import Path
n = 0
for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    n += 1
assert n
"""

# The least any query of a typer command line pays when it checks, as issue 22 asks, that no file changed since
# its index was made: the interpreter, typer, and a stat of every file of the registry (nothing read, nothing
# answered). Measured beside grep: when it is not below grep, no such query can be as fast as grep.
QUERY_FLOOR = """
import os, sys
import typer
n = 0
for folder, _, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith(".yaml"):
            os.stat(os.path.join(folder, name))
            n += 1
assert n
"""

SEARCH = "college"  # a word of many generated entities (schools, actions), whatever N

PEAK_RSS = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""

# The queries of issue 22, each as a whole process with the cache filled: (key, eee's arguments after the
# command name). {partner} and {departement} are picked from the generated registry (pick_partners, pick_departement).
QUERIES = [
    ("search", ["search", SEARCH, "--format", "json"]),
    ("show", ["show", "{partner}"]),
    ("list", ["list", "actions", "--departement", "{departement}", "--format", "json"]),
    ("stats", ["stats", "--format", "json"]),
]
# The query that makes the query index from the cache (first query after a validate that emptied it), then the one
# timed right after an action's bytes changed (the index brings that file up to date).
INDEX_QUERY = ["list", "clee", "--format", "json"]
EDIT_QUERY = ["show", "{partner}"]
SETTLE_S = 2.5  # beyond eee's 2 s (filecheck.SETTLED_NS): a file older than this is trusted by its signature
DEPARTEMENT = "09"  # the (Ariège: weight 2 in 65 in generate.py), when the registry has actions there

# (ratio, numérateur, dénominateur, cible, sens) — les cibles de l'issue 8, puis celles de l'issue 22.
TARGETS = [
    ("validate_cold/parse_floor", "eee_validate_cold_s", "parse_floor_s", 1.0, "<="),
    ("check_jsonschema/validate_cold", "check_jsonschema_s", "eee_validate_cold_s", 15.0, ">="),
    ("validate_warm/validate_cold", "eee_validate_warm_s", "eee_validate_cold_s", 0.1, "<="),
    ("build/validate_cold", "eee_build_s", "eee_validate_cold_s", 2.0, "<="),
    ("version/import_typer", "eee_version_s", "import_typer_s", 1.1, "<="),
    ("validate_peak_rss_mb/yaml_mb", "eee_validate_peak_rss_mb", "yaml_mb", 10.0, "<="),
    *[(f"{q}/import_typer", f"eee_{q}_s", "import_typer_s", 5.0, "<=") for q, _ in QUERIES],
    ("search/grep_search", "eee_search_s", "grep_search_s", 1.0, "<="),
    *[(f"{q}_peak_rss_mb/yaml_mb", f"eee_{q}_peak_rss_mb", "yaml_mb", 3.0, "<=") for q, _ in QUERIES],
    ("build_incremental/build_warm", "eee_build_incremental_s", "eee_build_warm_s", 0.15, "<="),
]
# Ratios without a target, that say what a target's floor is: (ratio, numérateur, dénominateur).
FLOORS = [
    ("query_floor/grep_search", "query_floor_s", "grep_search_s"),
    ("search/query_floor", "eee_search_s", "query_floor_s"),
]
TIMED = ["python_pass_s", "import_typer_s", "eee_version_s", "eee_help_s", "parse_floor_s",
         "eee_validate_cold_s", "eee_validate_warm_s", "check_jsonschema_s", "eee_build_s",
         "eee_index_s", *[f"eee_{q}_s" for q, _ in QUERIES], "eee_show_after_edit_s", "grep_search_s",
         "query_floor_s", "eee_build_warm_s", "eee_build_incremental_s",
         "eee_validate_errors_warm_s"]  # the last: only with --errors
PEAKS = ["eee_validate_peak_rss_mb", "eee_index_peak_rss_mb", *[f"eee_{q}_peak_rss_mb" for q, _ in QUERIES]]
KEYS = TIMED + PEAKS + ["yaml_mb"]


def eee_command() -> str:
    beside = Path(PYTHON).parent / "eee"
    if beside.exists():
        return str(beside)
    found = shutil.which("eee")
    if not found:
        raise SystemExit("run.py : la commande eee est introuvable (pip install -e . ?)")
    return found


def compile_bytecode() -> str:
    """Compile eee's modules to bytecode, as `pip install` does: without it (an editable install under
    PYTHONDONTWRITEBYTECODE=1, as on some machines), every measured process would compile eee's
    sources again (20 to 30 ms), which no installed eee does."""
    out = subprocess.run([PYTHON, "-c", "import eee, os; print(os.path.dirname(eee.__file__))"],
                         capture_output=True, text=True, check=True)
    package = out.stdout.strip()
    subprocess.run([PYTHON, "-m", "compileall", "-q", package], check=True, stdout=subprocess.DEVNULL)
    return package


def generator_digest() -> str:
    return hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:12]


def registry_for(n: int, seed: int, cache: Path, errors: int = 0) -> tuple[Path, dict]:
    """Le registre de ce N, de cette graine (et de ces erreurs injectées), produit une fois puis réutilisé."""
    name = f"registre-n{n}-s{seed}" + (f"-e{errors}" if errors else "")
    target = cache / name
    stamp = cache / f"{name}.json"
    digest = generator_digest()
    if target.is_dir() and stamp.exists():
        info = json.loads(stamp.read_text(encoding="utf-8"))
        if info.get("generateur") == digest:
            info["reutilise"] = True
            return target, info
    cache.mkdir(parents=True, exist_ok=True)
    info = generate.write(target, n, seed, errors)
    info["generateur"] = digest
    stamp.write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    info["reutilise"] = False
    return target, info


def find_peer(cache: Path, install: bool) -> tuple[str | None, str]:
    """check-jsonschema : à côté de python, sur le PATH, sinon installé dans un venv à part sous cache/."""
    for candidate in (Path(PYTHON).parent / "check-jsonschema", cache / "peer-venv" / "bin" / "check-jsonschema"):
        if candidate.exists():
            return str(candidate), f"trouvé : {candidate}"
    found = shutil.which("check-jsonschema")
    if found:
        return found, f"trouvé sur le PATH : {found}"
    if not install:
        return None, "absent (--skip-peer)"
    venv = cache / "peer-venv"
    print(f"check-jsonschema absent : installation dans {venv} (python -m venv + pip install check-jsonschema)…",
          file=sys.stderr)
    subprocess.run([PYTHON, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "check-jsonschema"], check=True,
                   stdout=subprocess.DEVNULL)
    return str(venv / "bin" / "check-jsonschema"), f"installé par run.py dans {venv}"


def files_by_kind(registry: Path) -> dict[str, list[str]]:
    """Chemins relatifs au registre (lignes de commande courtes), triés, par type."""
    kinds: dict[str, list[str]] = {}
    for path in sorted(registry.rglob("*.yaml")):
        rel = path.relative_to(registry)
        kind = "reseau" if rel.as_posix() == "reseau.yaml" else FOLDER_KIND.get(rel.parts[0])
        if kind:
            kinds.setdefault(kind, []).append(rel.as_posix())
    return kinds


def peer_commands(peer: str, kinds: dict[str, list[str]]) -> list[list[str]]:
    """Une invocation par type ; les très longues listes sont coupées (limite de la ligne de commande)."""
    commands = []
    for kind, files in sorted(kinds.items()):
        schema = SCHEMAS / f"{kind}.schema.json"
        base = [peer, "--schemafile", str(schema), "--base-uri", schema.as_uri()]
        chunk: list[str] = []
        size = 0
        for f in files:
            if chunk and size + len(f) > 1_000_000:
                commands.append(base + chunk)
                chunk, size = [], 0
            chunk.append(f)
            size += len(f) + 1
        commands.append(base + chunk)
    return commands


def yaml_id(path: Path) -> str:
    """The id of a generated file: its top-level `id:` line (generate.py writes it first, unquoted)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("id: "):
            return line[4:].strip().strip('"')
    raise SystemExit(f"run.py : pas de ligne « id: » dans {path}")


def pick_partners(registry: Path) -> tuple[str, Path]:
    """The partner that `eee show` shows (the first by file name) and the one whose name the incremental build
    changes (the last: another file, so that the two measures do not meet, unless there is only one partner)."""
    files = sorted((registry / "partenaires").glob("*.yaml"))
    if not files:
        raise SystemExit(f"run.py : aucun partenaire dans {registry}")
    return yaml_id(files[0]), files[-1]


_DEPT = re.compile(r'"(\d[0-9AB]|\d{3})"')


def pick_departement(registry: Path) -> str:
    """The département of `eee list actions --departement`: the issue's 09 if some generated action lists it,
    otherwise the one most actions list (a small registry may have no action in Ariège)."""
    counts: collections.Counter[str] = collections.Counter()
    for path in (registry / "actions").rglob("*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("departements:"):
                counts.update(_DEPT.findall(line))
    if not counts:
        raise SystemExit(f"run.py : aucune action avec des départements dans {registry}")
    return DEPARTEMENT if counts[DEPARTEMENT] else counts.most_common(1)[0][0]


class Bench:
    def __init__(self, registry: Path, work: Path, peer: str | None, broken: Path | None = None):
        self.registry = registry
        self.broken = broken  # the same registry with injected errors (--errors), or None
        self.work = work  # dossier courant des processus mesurés
        self.eee = eee_command()
        self.peer = peer
        self.peer_cmds = peer_commands(peer, files_by_kind(registry)) if peer else []
        self.touched = sorted((registry / "actions").rglob("*.yaml"))[0]
        self.original = self.touched.read_bytes()
        self.flip = 0
        self.touched_at = time.monotonic()
        self.partner, self.renamed = pick_partners(registry)
        self.renamed_original = self.renamed.read_bytes()
        self.renames = 0
        self.departement = pick_departement(registry)
        self.exit_codes: dict[str, list[int]] = {}
        # eee's cache goes to a folder of this run, never the user's (~/.cache/eee).
        self.cache = work / "cache-eee"
        self.env = {**os.environ, "EEE_CACHE_DIR": str(self.cache)}

    def run(self, name: str, cmd: list[str], cwd: Path | None = None) -> float:
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd or self.work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=self.env)
        elapsed = time.perf_counter() - start
        self.exit_codes.setdefault(name, []).append(proc.returncode)
        return elapsed

    def drop_caches(self) -> None:
        shutil.rmtree(self.cache, ignore_errors=True)

    def touch_action(self) -> None:
        """Change le contenu d'une action (une ligne de commentaire alternée), sans la rendre invalide."""
        self.flip += 1
        self.touched.write_bytes(self.original + f"# retouche {self.flip}\n".encode())
        self.touched_at = time.monotonic()

    def settle(self) -> None:
        """An untimed query once the retouched action is older than SETTLE_S: the index then trusts its signature
        (a file changed less than 2 s before is read again by each query, and the first query after that writes
        its signature), so that the queries measured next answer from an index that has nothing to do."""
        time.sleep(max(0.0, self.touched_at + SETTLE_S - time.monotonic()))
        self.run("signature de l'action retouchée gardée (non chronométré)", self.query_cmd(INDEX_QUERY))

    def rename_partner(self) -> None:
        """Change a partner's name (its `nom:` line, a different name at each call), which its page, the pages
        that cite it and the indexes show: what an incremental build has to redo."""
        self.renames += 1
        lines = self.renamed_original.decode("utf-8").split("\n")
        i = next(i for i, line in enumerate(lines) if line.startswith("nom: "))
        name = lines[i][5:]
        name = json.loads(name) if name.startswith('"') else name
        lines[i] = "nom: " + json.dumps(f"{name} (renommé {self.renames})", ensure_ascii=False)
        self.renamed.write_bytes("\n".join(lines).encode("utf-8"))

    def restore(self) -> None:
        self.touched.write_bytes(self.original)
        self.renamed.write_bytes(self.renamed_original)

    def query_cmd(self, args: list[str]) -> list[str]:
        filled = [a.format(partner=self.partner, departement=self.departement) for a in args]
        return [self.eee, *filled, "--registry", str(self.registry)]

    def build_cmd(self, out: Path) -> list[str]:
        # Without the PDF summaries (eee[pdf]): their cost is WeasyPrint's, and the series stays comparable
        # whether the extra is installed or not.
        return [self.eee, "build", "--registry", str(self.registry), "--out", str(out), "--sans-pdf"]

    def validate_cmd(self) -> list[str]:
        return [self.eee, "validate", "--registry", str(self.registry), "--format", "json"]

    def measures(self):
        reg = str(self.registry)
        yield "python_pass_s", lambda: self.run("python_pass_s", [PYTHON, "-c", "pass"])
        yield "import_typer_s", lambda: self.run("import_typer_s", [PYTHON, "-c", "import typer"])
        yield "eee_version_s", lambda: self.run("eee_version_s", [self.eee, "--version"])
        yield "eee_help_s", lambda: self.run("eee_help_s", [self.eee, "--help"])
        yield "parse_floor_s", lambda: self.run("parse_floor_s", [PYTHON, "-c", PARSE_FLOOR, reg])

        def cold() -> float:
            self.drop_caches()
            return self.run("eee_validate_cold_s", self.validate_cmd())
        yield "eee_validate_cold_s", cold

        def warm() -> float:
            self.run("premier passage (non chronométré)", self.validate_cmd())
            self.touch_action()
            return self.run("eee_validate_warm_s", self.validate_cmd())
        yield "eee_validate_warm_s", warm

        # The query index made from the cache the validate just above filled: what the first query pays after the
        # cache was emptied (the cold validate of each pass empties it) or after an update of eee.
        def index() -> float:
            elapsed = self.run("eee_index_s", self.query_cmd(INDEX_QUERY))
            self.settle()
            return elapsed
        yield "eee_index_s", index
        # The queries of issue 22, from the index (every file as it is now).
        for query, args in QUERIES:
            key, cmd = f"eee_{query}_s", self.query_cmd(args)
            yield key, functools.partial(self.run, key, cmd)

        def after_edit() -> float:  # an action's bytes changed: the index reads it and is written again
            self.touch_action()
            return self.run("eee_show_after_edit_s", self.query_cmd(EDIT_QUERY))
        yield "eee_show_after_edit_s", after_edit
        # The same word, case-insensitively, in the same files: what an officer would type instead of eee search.
        grep_cmd = ["grep", "-rli", SEARCH, reg]
        yield "grep_search_s", lambda: self.run("grep_search_s", grep_cmd)
        yield "query_floor_s", lambda: self.run("query_floor_s", [PYTHON, "-c", QUERY_FLOOR, reg])

        if self.broken is not None:
            broken_cmd = [self.eee, "validate", "--registry", str(self.broken), "--format", "json"]

            def broken_warm() -> float:
                self.run("premier passage, registre avec erreurs (non chronométré)", broken_cmd)
                return self.run("eee_validate_errors_warm_s", broken_cmd)
            yield "eee_validate_errors_warm_s", broken_warm

        if self.peer:
            def peer() -> float:
                start = time.perf_counter()
                for cmd in self.peer_cmds:
                    self.run("check_jsonschema_s", cmd, cwd=self.registry)
                return time.perf_counter() - start
            yield "check_jsonschema_s", peer

        def build() -> float:
            out = self.work / "site"
            shutil.rmtree(out, ignore_errors=True)
            self.drop_caches()  # à froid, comme eee_validate_cold_s auquel on le compare
            # The previous site's 40,000 files were just deleted: their removal is written out before the clock
            # starts (on this machine, it otherwise slows the next file creations by up to 4 times).
            os.sync()
            return self.run("eee_build_s", self.build_cmd(out))
        yield "eee_build_s", build

        # A full build with the cache filled by eee validate (the usual case: the pre-commit hook, then the build),
        # into a new --out: what an incremental build is compared with.
        def build_warm() -> float:
            out = self.work / "site"
            shutil.rmtree(out, ignore_errors=True)
            self.run("validate avant le build (non chronométré)", self.validate_cmd())
            os.sync()
            return self.run("eee_build_warm_s", self.build_cmd(out))
        yield "eee_build_warm_s", build_warm

        # Right after it, into the same --out, one partner renamed in between.
        def build_incremental() -> float:
            self.rename_partner()
            return self.run("eee_build_incremental_s", self.build_cmd(self.work / "site"))
        yield "eee_build_incremental_s", build_incremental

    def peak_rss_mb(self) -> float:
        """Pic de mémoire d'un validate, dans un processus intermédiaire neuf (RUSAGE_CHILDREN n'y voit que lui)."""
        self.drop_caches()
        out = subprocess.run([PYTHON, "-c", PEAK_RSS, *self.validate_cmd()], cwd=self.work, capture_output=True,
                             text=True, check=True, env=self.env)
        return int(out.stdout.strip()) / 1024  # ru_maxrss : en Kio sous Linux

    def query_peak_rss_mb(self) -> dict[str, float]:
        """Pic de mémoire de l'index fait depuis le cache, puis de chaque requête (comme les temps)."""
        self.drop_caches()
        self.run("validate avant les pics des requêtes (non chronométré)", self.validate_cmd())
        peaks = {}
        for query, args in [("index", INDEX_QUERY), *QUERIES]:
            out = subprocess.run([PYTHON, "-c", PEAK_RSS, *self.query_cmd(args)], cwd=self.work,
                                 capture_output=True, text=True, check=True, env=self.env)
            peaks[f"eee_{query}_peak_rss_mb"] = int(out.stdout.strip()) / 1024
        return peaks


def yaml_mb(registry: Path) -> float:
    return sum(p.stat().st_size for p in registry.rglob("*.yaml")) / 1e6


def check_peer_accepts(bench: Bench) -> list[str]:
    """Le pair accepte-t-il les fichiers valides, $ref relatifs compris ? Renvoie les échecs."""
    failures = []
    for cmd in bench.peer_cmds:
        proc = subprocess.run(cmd, cwd=bench.registry, capture_output=True, text=True)
        if proc.returncode != 0:
            failures.append(f"{Path(cmd[2]).name} : code {proc.returncode} : {(proc.stdout + proc.stderr)[-400:]}")
    return failures


def compute_ratios(fig: dict, samples: dict[str, list[float]]) -> dict:
    """Each ratio of the medians, and, for two timed figures, the ratio within each run (`par_passage`)."""
    ratios = {}
    for name, num, den, target, sense in TARGETS:
        a, b = fig.get(num), fig.get(den)
        value = a / b if a is not None and b else None
        met = None if value is None else (value <= target if sense == "<=" else value >= target)
        per_run = [x / y for x, y in zip(samples.get(num, []), samples.get(den, []), strict=False) if y]
        ratios[name] = {"valeur": value, "cible": f"{sense} {target:g}", "atteinte": met,
                        "par_passage": per_run or None}
    for name, num, den in FLOORS:
        a, b = fig.get(num), fig.get(den)
        per_run = [x / y for x, y in zip(samples.get(num, []), samples.get(den, []), strict=False) if y]
        ratios[name] = {"valeur": a / b if a is not None and b else None, "cible": "—", "atteinte": None,
                        "par_passage": per_run or None}
    return ratios


def print_table(fig: dict, ratios: dict, n: int, runs: int) -> None:
    print(f"\nN = {n} entités, médiane de {runs} exécution(s)\n")
    print(f"{'mesure':<28} {'valeur':>10}")
    print("-" * 39)
    for key in KEYS:
        value = fig.get(key)
        shown = "—" if value is None else (f"{value:.3f}" if key.endswith("_s") else f"{value:.1f}")
        print(f"{key:<28} {shown:>10}")
    print(f"\n{'ratio':<32} {'valeur':>9} {'cible':>8}  atteinte")
    print("-" * 60)
    for name, r in ratios.items():
        value = "—" if r["valeur"] is None else f"{r['valeur']:.2f}"
        met = {True: "oui", False: "NON", None: "—"}[r["atteinte"]]
        print(f"{name:<32} {value:>9} {r['cible']:>8}  {met}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mesures de performance d'eee (processus entiers, médianes).")
    parser.add_argument("--entities", "-n", type=int, default=2000, help="taille du registre (défaut 2000)")
    parser.add_argument("--seed", type=int, default=1, help="graine du générateur (défaut 1)")
    parser.add_argument("--runs", "-r", type=int, default=3, help="exécutions par mesure (défaut 3 ; médiane)")
    parser.add_argument("--json", type=Path, help="écrire toutes les mesures dans ce fichier JSON")
    parser.add_argument("--dir", type=Path, default=HERE / ".data",
                        help="dossier des registres générés et du venv du pair (défaut benchmarks/.data)")
    parser.add_argument("--skip-peer", action="store_true", help="ne pas mesurer check-jsonschema")
    parser.add_argument("--errors", type=int, default=0, metavar="K",
                        help="mesurer aussi eee validate, cache présent, sur le même registre avec K erreurs "
                             "injectées (eee_validate_errors_warm_s ; défaut 0 : non)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs doit valoir au moins 1")
    cache = args.dir.resolve()

    started = time.perf_counter()
    registry, info = registry_for(args.entities, args.seed, cache)
    how = "réutilisé" if info["reutilise"] else f"généré en {info['secondes']} s"
    print(f"registre : {registry} ({how})", file=sys.stderr)
    peer, peer_note = find_peer(cache, install=not args.skip_peer) if not args.skip_peer else (None, "ignoré (--skip-peer)")
    print(f"check-jsonschema : {peer_note}", file=sys.stderr)
    broken, broken_info = registry_for(args.entities, args.seed, cache, args.errors) if args.errors else (None, None)
    if broken is not None:
        print(f"registre avec {args.errors} erreurs : {broken}", file=sys.stderr)
    print(f"bytecode d'eee compilé : {compile_bytecode()}", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="eee-bench-") as tmp:
        bench = Bench(registry, Path(tmp), peer, broken)
        peer_failures = check_peer_accepts(bench) if peer else []
        for failure in peer_failures:
            print(f"ATTENTION : check-jsonschema refuse des fichiers valides : {failure}", file=sys.stderr)
        samples: dict[str, list[float]] = {}
        measures = list(bench.measures())
        try:
            for r in range(args.runs):  # entrelacé : la r-ième exécution de chaque mesure, puis la suivante
                for name, measure in measures:
                    samples.setdefault(name, []).append(measure())
                print(f"passage {r + 1}/{args.runs} fait ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
            rss = bench.peak_rss_mb()
            query_rss = bench.query_peak_rss_mb()
        finally:
            bench.restore()
            bench.drop_caches()

    figures: dict = {key: None for key in KEYS}
    figures.update({name: statistics.median(values) for name, values in samples.items()})
    figures["eee_validate_peak_rss_mb"] = rss
    figures.update(query_rss)
    figures["yaml_mb"] = yaml_mb(registry)
    ratios = compute_ratios(figures, samples)
    print_table(figures, ratios, args.entities, args.runs)

    # A registry with injected errors makes eee validate exit with 1; anything else is a failure.
    failed = {k: v for k, v in bench.exit_codes.items() if any(c != (1 if "erreurs" in k or "errors" in k else 0)
                                                                for c in v)}
    if failed:
        print(f"\nATTENTION : codes de sortie non nuls : {failed}", file=sys.stderr)
    result = {
        "n": args.entities, "seed": args.seed, "runs": args.runs,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "implementation": platform.python_implementation(), "platform": platform.platform()},
        "figures": figures, "ratios": ratios, "samples": samples,
        "registre": {"chemin": str(registry), "fichiers": info["entites"], "octets": info["octets"],
                     "par_type": info["par_type"], "reutilise": info["reutilise"]},
        "pair": {"commande": peer, "note": peer_note, "invocations": len(bench.peer_cmds),
                 "refus_sur_fichiers_valides": peer_failures},
        "codes_de_sortie": bench.exit_codes,
        "requetes": {"partenaire_montre": bench.partner, "departement_liste": bench.departement,
                     "partenaire_renomme": bench.renamed.relative_to(registry).as_posix(),
                     "commandes": {q: bench.query_cmd(args)[1:] for q, args in QUERIES},
                     "grep": ["grep", "-rli", SEARCH], "locale": {k: os.environ.get(k) for k in ("LC_ALL", "LANG")}},
        "registre_avec_erreurs": None if broken_info is None else {
            "chemin": str(broken), "erreurs_injectees": broken_info["erreurs"]},
        "duree_totale_s": round(time.perf_counter() - started, 1),
    }
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"\nrésultats écrits dans {args.json}", file=sys.stderr)
    print(f"durée totale : {result['duree_totale_s']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
