"""Bar charts as inline SVG, drawn by the project (standard library only).

Each chart has a title and a text description for assistive technologies; the
page shows the same numbers in a table next to it, and every bar carries its
number as text (no information by colour or length alone).
"""

from __future__ import annotations

from html import escape


def bar_chart(chart_id: str, title: str, description: str, rows: list[tuple[str, int]]) -> str:
    if not rows:
        return ""
    label_width, bar_width, line = 340, 340, 28
    biggest = max(value for _, value in rows) or 1
    height = line * len(rows) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {label_width + bar_width + 70} {height}" '
           f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" class="graphique">',
           f'<title id="{chart_id}-t">{escape(title)}</title>', f'<desc id="{chart_id}-d">{escape(description)}</desc>']
    for index, (label, value) in enumerate(rows):
        y = 5 + index * line
        width = round(bar_width * value / biggest) if value else 0
        shown = label if len(label) <= 40 else label[:39] + "…"
        out.append(f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end" class="graphique-libelle">'
                   f'{escape(shown)}</text>')
        out.append(f'<rect x="{label_width}" y="{y + 4}" width="{width}" height="{line - 10}" class="graphique-barre"/>')
        out.append(f'<text x="{label_width + width + 6}" y="{y + 18}" class="graphique-valeur">{value}</text>')
    out.append("</svg>")
    return "\n".join(out)
