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
    for key in ("python_pass_s", "import_typer_s", "eee_version_s", "eee_help_s", "parse_floor_s",
                "eee_validate_cold_s", "eee_validate_warm_s", "check_jsonschema_s", "eee_build_s", "eee_search_s",
                "eee_validate_peak_rss_mb", "yaml_mb"):
        assert key in result["figures"]
    assert result["figures"]["check_jsonschema_s"] is None  # --skip-peer
    assert result["figures"]["eee_validate_cold_s"] > 0 and result["figures"]["eee_search_s"] > 0
    assert len(result["ratios"]) == 6
    for key in ("n", "seed", "runs", "date", "machine"):
        assert key in result
    assert result["machine"]["cores"] and result["machine"]["python"]
    assert result["figures"]["eee_validate_errors_warm_s"] > 0  # --errors: the same registry, 4 errors injected
    assert len(result["registre_avec_erreurs"]["erreurs_injectees"]) == 4
    for name, codes in result["codes_de_sortie"].items():
        assert codes == ([1] if "erreurs" in name or "errors" in name else [0]), name
