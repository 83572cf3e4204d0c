"""Smoke test of benchmarks/generate.py and benchmarks/run.py (no timing assertion)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from eee import validate

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def generate(out: Path, *extra: str) -> None:
    subprocess.run([sys.executable, str(BENCH / "generate.py"), "--entities", "60", "--out", str(out), "-q", *extra],
                   check=True)


def test_generated_registry_is_valid_and_deterministic(tmp_path):
    generate(tmp_path / "a")
    generate(tmp_path / "b")
    report = validate.run(tmp_path / "a")
    assert report.errors == 0 and report.warnings == 0, report.sorted()
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.yaml"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.yaml"))
    assert files_a == files_b and len(files_a) == 60
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a)


def test_injected_errors_are_found(tmp_path):
    generate(tmp_path / "e", "--errors", "5")
    report = validate.run(tmp_path / "e")
    assert report.errors >= 5
    codes = {p.code for p in report.problems if p.is_error}
    assert len(codes) >= 4


def test_run_writes_every_figure(tmp_path):
    out = tmp_path / "r.json"
    subprocess.run([sys.executable, str(BENCH / "run.py"), "--entities", "60", "--runs", "1", "--skip-peer",
                    "--errors", "4", "--dir", str(tmp_path / "data"), "--json", str(out)], check=True,
                   capture_output=True)
    result = json.loads(out.read_text(encoding="utf-8"))
    figures = result["figures"]
    for key in ("python_pass_s", "import_typer_s", "eee_version_s", "eee_help_s", "parse_floor_s",
                "eee_validate_cold_s", "eee_validate_warm_s", "check_jsonschema_s", "eee_build_s",
                "eee_validate_peak_rss_mb", "yaml_mb"):
        assert key in figures
    assert figures["check_jsonschema_s"] is None  # --skip-peer
    assert figures["eee_validate_cold_s"] > 0
    # Issue 22: the queries, grep, the incremental build and the queries' peak memory are all measured.
    for key in ("eee_search_s", "eee_show_s", "eee_list_s", "eee_stats_s", "grep_search_s", "eee_build_warm_s",
                "eee_build_incremental_s", "eee_search_peak_rss_mb", "eee_show_peak_rss_mb",
                "eee_list_peak_rss_mb", "eee_stats_peak_rss_mb"):
        assert figures[key] > 0, key
    queries = result["requetes"]
    registry = Path(result["registre"]["chemin"])
    assert (registry / "partenaires" / f"{queries['partenaire_montre']}.yaml").is_file()
    assert queries["commandes"]["show"][:2] == ["show", queries["partenaire_montre"]]
    assert queries["departement_liste"] in queries["commandes"]["list"]
    ratios = result["ratios"]
    assert len(ratios) == 18
    # The floor of a query that checks its index is fresh, beside grep: a figure, with no target of its own.
    assert figures["query_floor_s"] > 0
    for name in ("query_floor/grep_search", "search/query_floor"):
        assert ratios[name]["valeur"] > 0 and ratios[name]["atteinte"] is None and ratios[name]["cible"] == "—"
    for name in ("search/import_typer", "show/import_typer", "list/import_typer", "stats/import_typer",
                 "search/grep_search", "search_peak_rss_mb/yaml_mb", "stats_peak_rss_mb/yaml_mb",
                 "build_incremental/build_warm"):
        assert ratios[name]["valeur"] > 0 and ratios[name]["atteinte"] in (True, False), name
    assert ratios["search/grep_search"]["cible"] == "<= 1"
    assert ratios["build_incremental/build_warm"]["cible"] == "<= 0.15"
    assert len(ratios["search/grep_search"]["par_passage"]) == 1
    for key in ("n", "seed", "runs", "date", "machine"):
        assert key in result
    assert result["machine"]["cores"] and result["machine"]["python"]
    assert result["figures"]["eee_validate_errors_warm_s"] > 0  # --errors: the same registry, 4 errors injected
    assert len(result["registre_avec_erreurs"]["erreurs_injectees"]) == 4
    for name, codes in result["codes_de_sortie"].items():
        assert codes == ([1] if "erreurs" in name or "errors" in name else [0]), name
    # The renamed partner is restored: the generated registry is reused by the next run as it was made.
    renamed = registry / queries["partenaire_renomme"]
    assert "renommé" not in renamed.read_text(encoding="utf-8")
