"""Bar charts as inline SVG, drawn by the project (standard library only).

Each chart has a title and a text description for assistive technologies; the
page shows the same numbers in a table next to it, and every bar carries its
number as text (no information by colour or length alone). A figure is drawn
as certain as it is (`figures.Count`): a minimum's bar goes on in dots past its
end and its label says « au moins »; an unknown figure has no bar, only
« non renseigné ».
"""

from __future__ import annotations

from html import escape

from ..figures import Count


def bar_chart(chart_id: str, title: str, description: str, rows: list[tuple[str, Count]]) -> str:
    if not any(count.known for _, count in rows):
        return ""
    label_width, bar_width, line, beyond = 340, 320, 28, 18
    biggest = max(count.value for _, count in rows if count.value is not None) or 1
    height = line * len(rows) + 10
    if any(count.lower_bound for _, count in rows):
        description += " Une barre prolongée de pointillés est un minimum (« au moins ») : le nombre réel peut être plus grand."
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {label_width + bar_width + beyond + 150} {height}" '
           f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" class="graphique">',
           f'<title id="{chart_id}-t">{escape(title)}</title>', f'<desc id="{chart_id}-d">{escape(description)}</desc>']
    for index, (label, count) in enumerate(rows):
        y = 5 + index * line
        value = count.value or 0
        width = round(bar_width * value / biggest) if value else 0
        shown = label if len(label) <= 40 else label[:39] + "…"
        out.append(f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end" class="graphique-libelle">'
                   f'{escape(shown)}</text>')
        end = label_width + width
        if count.known:
            out.append(f'<rect x="{label_width}" y="{y + 4}" width="{width}" height="{line - 10}" class="graphique-barre"/>')
        if count.lower_bound:  # the true figure may be larger: the bar goes on, dotted
            out.append(f'<line x1="{end}" y1="{y + 14}" x2="{end + beyond}" y2="{y + 14}" stroke-dasharray="3 3" '
                       f'class="graphique-minimum"/>')
            end += beyond
        out.append(f'<text x="{end + 6}" y="{y + 18}" class="graphique-valeur">{escape(count.number())}</text>')
    out.append("</svg>")
    return "\n".join(out)
