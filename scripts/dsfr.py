"""Vendor the State design system (DSFR, npm package @gouvfr/dsfr) into the `dsfr` theme: only what the site uses.

    python scripts/dsfr.py                      # the version pinned below, fetched with `npm pack`
    python scripts/dsfr.py --version 1.16.0     # another version (then update VERSION below and the tests)
    python scripts/dsfr.py --tarball gouvfr-dsfr-1.15.3.tgz   # an archive already downloaded

Run by whoever updates the DSFR, never by users: npm is needed here only. It writes, into
templates/themes/dsfr/static/dsfr/ (replaced whole):

- dsfr.min.css: the core and the COMPONENTS' stylesheets (the modern builds, `.main.min.css`), then their print
  stylesheets (already inside @media print), one file; the icons it names (SVG) are written into it as data:
  addresses (a browser refuses a CSS mask read from a page opened from the disk, file://, but takes a data:
  address), the fonts' addresses are rewritten for it and only the WOFF2 fonts are kept (every browser the DSFR
  supports reads them);
- dsfr.min.js: the core's and the COMPONENTS' scripts, for a classic <script>: a browser refuses a module script
  from a page opened from the disk (file://), and the package's builds for classic scripts (`.nomodule`, for
  browsers of before 2018) fail in today's browsers (a header's menu throws « Cannot read properties of
  undefined (reading 'ascend') »). So the module builds are used, each in a function of its own in strict mode:
  what a module is (they import and export nothing; they share `window.dsfr`);
- fonts/: exactly the font files the stylesheet names;
- favicon.svg, LICENCE.md (the package's licence: Etalab-2.0, with restrictions of use for the Marianne, the
  bloc-marque and the fonts: State websites only, hence the `neutre` theme) and VERSION.json (the version,
  the components, the files).

tests/test_dsfr.py checks that every file the stylesheet names exists, that nothing else is vendored and
that VERSION.json agrees with VERSION here.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "1.15.3"
PACKAGE = "@gouvfr/dsfr"
# The components the templates use (templates/themes/dsfr/): their CSS, and their script when they have one, in the
# order of the package's whole bundle (dist/dsfr.main.css): a component's rules and script come after those it uses.
COMPONENTS = ("accordion", "badge", "logo", "button", "breadcrumb", "form", "link", "callout", "summary", "tag",
              "notice", "card", "input", "skiplink", "select", "modal", "navigation", "footer", "search", "table",
              "header")

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "templates" / "themes" / "dsfr" / "static" / "dsfr"
SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)
URL = re.compile(r"""url\((?!["']?data:)([^)]+)\)""")


def fetch(version: str, folder: Path) -> Path:
    """The package's archive, from the npm registry (`npm pack`)."""
    try:
        out = subprocess.run(["npm", "pack", f"{PACKAGE}@{version}", "--silent"], cwd=folder, check=True,
                             capture_output=True, text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError) as exc:
        sys.exit(f"npm pack {PACKAGE}@{version} a échoué : {exc}")
    return folder / out[-1]


def rewrite(css: str, origin: str, dist: Path, wanted: dict[str, Path]) -> str:
    """`css` (from dist/`origin`) with each icon written in as a data: address, each other address made relative
    to dsfr.min.css, WOFF fonts dropped; the files still named are added to `wanted` (path in the vendored folder
    -> file in the package)."""
    css = re.sub(r',url\([^)]*\.woff\) format\("woff"\)', "", css)

    def one(match: re.Match[str]) -> str:
        source = (dist / origin / match.group(1).strip("'\"")).resolve()
        if source.suffix == ".svg":
            return "url(data:image/svg+xml;base64," + base64.b64encode(source.read_bytes()).decode("ascii") + ")"
        local = source.relative_to(dist.resolve()).as_posix()
        wanted[local] = source
        return f"url({local})"

    return URL.sub(one, css)


def vendor(archive: Path, target: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        package = Path(tmp) / "package"
        meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
        dist = package / "dist"
        sheets = [("core", dist / "core" / "core.main.min.css")]
        sheets += [(f"component/{c}", dist / "component" / c / f"{c}.main.min.css") for c in COMPONENTS]
        prints = [("core", dist / "core" / "core.print.min.css")]
        prints += [(f"component/{c}", dist / "component" / c / f"{c}.print.min.css") for c in COMPONENTS]
        scripts = [dist / "core" / "core.module.min.js"]
        scripts += [p for c in COMPONENTS if (p := dist / "component" / c / f"{c}.module.min.js").exists()]
        wanted: dict[str, Path] = {}
        css = [rewrite(path.read_text(encoding="utf-8"), origin, dist, wanted)
               for origin, path in sheets + [p for p in prints if p[1].exists()]]
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        (target / "dsfr.min.css").write_text("\n".join(css) + "\n", encoding="utf-8")
        modules = []
        for path in scripts:
            text = path.read_text(encoding="utf-8")
            if re.search(r"^\s*(import|export)\b|import\.meta", text, re.M):  # then it cannot be run as it is
                sys.exit(f"{path.relative_to(package)} importe ou exporte : il ne peut pas être chargé comme script")
            text = SOURCE_MAP.sub("", text)  # the .map files are not vendored: no browser asks for them
            modules.append('(function () {\n"use strict";\n' + text.strip() + "\n})();")
        (target / "dsfr.min.js").write_text("\n".join(modules) + "\n", encoding="utf-8")
        for local, source in sorted(wanted.items()):
            (target / local).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / local)
        shutil.copyfile(dist / "favicon" / "favicon.svg", target / "favicon.svg")
        shutil.copyfile(package / "LICENSE.md", target / "LICENCE.md")
        files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
        version = {
            "package": PACKAGE, "version": meta["version"], "licence": meta.get("license", ""),
            "archive_sha256": hashlib.sha256(archive.read_bytes()).hexdigest(),
            "components": list(COMPONENTS), "files": files + ["VERSION.json"],
        }
        (target / "VERSION.json").write_text(json.dumps(version, ensure_ascii=False, indent=2) + "\n",
                                             encoding="utf-8")
        return version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", default=VERSION)
    parser.add_argument("--tarball", type=Path, help="archive npm du paquet, déjà téléchargée")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        archive = args.tarball or fetch(args.version, Path(tmp))
        version = vendor(archive, TARGET)
    size = sum(p.stat().st_size for p in TARGET.rglob("*") if p.is_file())
    print(f"DSFR {version['version']} : {len(version['files'])} fichiers, {size / 1024:.0f} Kio, dans "
          f"{TARGET.relative_to(REPO)}")


if __name__ == "__main__":
    main()
