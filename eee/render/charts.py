"""Bar charts in HTML, drawn by the project (standard library only).

Bars are HTML boxes whose width is a share of the largest figure, their labels and numbers plain text: on a
phone they keep the page's text size (a picture scaled to the screen shrinks its text), and a long label wraps
instead of being cut. Each chart has a title and a description, and is one image for assistive technologies
(role="img"): the page shows the same numbers in a table next to it, and every bar carries its number as text (no
information by colour or length alone). A figure is drawn as certain as it is (`figures.Count`): a minimum's bar
goes on in dots past its end and its label says « au moins »; an unknown figure has no bar, only « non renseigné ».
The look is the theme's stylesheet's (classes `graphique…`; a bar's share of the largest figure is its `--part`).
"""

from __future__ import annotations

from html import escape

from ..figures import Count


def bar_chart(chart_id: str, title: str, description: str, rows: list[tuple[str, Count]]) -> str:
    if not any(count.known for _, count in rows):
        return ""
    biggest = max(count.value for _, count in rows if count.value is not None) or 1
    if any(count.lower_bound for _, count in rows):
        description += " Une barre prolongée de pointillés est un minimum (« au moins ») : le nombre réel peut être plus grand."
    out = [f'<figure class="graphique" id="{chart_id}">',
           f'<figcaption class="graphique-titre" id="{chart_id}-t">{escape(title)}</figcaption>',
           f'<p class="graphique-description" id="{chart_id}-d">{escape(description)}</p>',
           f'<div class="graphique-barres" role="img" aria-labelledby="{chart_id}-t {chart_id}-d">']
    for label, count in rows:
        value = count.value or 0
        share = round(value / biggest, 3) if count.known else 0
        out.append('<div class="graphique-ligne">')
        out.append(f'<span class="graphique-libelle">{escape(label)}</span>')
        out.append('<span class="graphique-mesure">')
        if count.known:
            out.append(f'<span class="graphique-barre" style="--part: {share:g}"></span>')
        if count.lower_bound:  # the true figure may be larger: the bar goes on, dotted
            out.append('<span class="graphique-minimum"></span>')
        out.append(f'<span class="graphique-valeur">{escape(count.number())}</span>')
        out.append("</span></div>")
    out.append("</div></figure>")
    return "\n".join(out)
