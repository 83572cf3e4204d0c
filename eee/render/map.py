"""The picture of the network: a tile map of the 13 départements, drawn by the project as inline SVG.

No geographic outline is used (so no outside data and licence): each
département is a tile placed roughly where it lies, labelled with its name
and code and the number of CLEE, CMQ and PFT it holds, and linked to its
page. Académies are told apart by a label and a border style as well as by
colour (no information by colour alone).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import Site

# (column, row) of each tile: north to south, west to east.
LAYOUT = {
    "46": (1, 0), "12": (2, 0), "48": (3, 0),
    "32": (0, 1), "82": (1, 1), "81": (2, 1), "34": (3, 1), "30": (4, 1),
    "65": (0, 2), "31": (1, 2), "11": (2, 2),
    "09": (1, 3), "66": (2, 3),
}
W, H, GAP = 214, 96, 8


def network_map(site: Site, root: str = "") -> str:
    cols = max(c for c, _ in LAYOUT.values()) + 1
    rows = max(r for _, r in LAYOUT.values()) + 1
    width, height = cols * (W + GAP) + GAP, rows * (H + GAP) + GAP + 34
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="group" '
        'aria-labelledby="carte-titre carte-desc" class="carte">',
        '<title id="carte-titre">Carte schématique des 13 départements de la région académique</title>',
        '<desc id="carte-desc">Chaque case est un département, placé à peu près à sa place géographique, '
        'avec le nombre de CLEE, de campus des métiers (CMQ) et de plateformes technologiques (PFT) qu\'il '
        'accueille ; les mêmes chiffres figurent dans le tableau qui suit.</desc>',
    ]
    for territory in site.departements:
        if territory.code not in LAYOUT:
            continue
        col, row = LAYOUT[territory.code]
        x, y = GAP + col * (W + GAP), GAP + row * (H + GAP)
        counts = {k: len(territory.by_kind.get(k, [])) for k in ("clee", "cmq", "pft")}
        academie = "toulouse" if territory.academie == "toulouse" else "montpellier"
        label = (f"{territory.nom} ({territory.code}), académie de {academie.capitalize()} : "
                 f"{counts['clee']} CLEE, {counts['cmq']} CMQ, {counts['pft']} PFT")
        out.append(f'<a href="{escape(root)}departements/{escape(territory.code)}.html" aria-label="{escape(label)}">')
        out.append(f'<rect x="{x}" y="{y}" width="{W}" height="{H}" rx="6" class="tuile tuile-{academie}"/>')
        out.append(f'<text x="{x + 10}" y="{y + 24}" class="tuile-nom">{escape(territory.nom)}</text>')
        out.append(f'<text x="{x + 10}" y="{y + 44}" class="tuile-code">{escape(territory.code)} · '
                   f'{"Toulouse" if academie == "toulouse" else "Montpellier"}</text>')
        out.append(f'<text x="{x + 10}" y="{y + 72}" class="tuile-chiffres">CLEE {counts["clee"]} · '
                   f'CMQ {counts["cmq"]} · PFT {counts["pft"]}</text>')
        out.append("</a>")
    ly = height - 22
    out.append(f'<rect x="{GAP}" y="{ly}" width="18" height="14" class="tuile tuile-toulouse"/>')
    out.append(f'<text x="{GAP + 24}" y="{ly + 12}" class="legende">Académie de Toulouse (bordure pleine)</text>')
    out.append(f'<rect x="{GAP + 360}" y="{ly}" width="18" height="14" class="tuile tuile-montpellier"/>')
    out.append(f'<text x="{GAP + 384}" y="{ly + 12}" class="legende">Académie de Montpellier (bordure en tirets)</text>')
    out.append("</svg>")
    return "\n".join(out)
