"""One colour per worker for every face of the race: the browser race and the video both take
their colours from `race_colors`, so a worker has the same colour in both.

Colours go by column, and race_table puts the columns in final order (leader first), so the
leader has the first colour in every render of the same data.
"""

from __future__ import annotations

DEFAULT = "tableau"
# Tableau-like colours that stay readable on white, then more of the same family.
TABLEAU = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6",
           "#9d755d", "#79706e", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22"]
# The other choices are matplotlib's qualitative colour maps, read from matplotlib when chosen.
PALETTES = {"tableau": "Tableau", "tab10": "Tab10", "Set2": "Set2", "Pastel1": "Pastel", "Accent": "Accent"}


def palette(name: str) -> list[str]:
    """The colours of a palette, as #rrggbb; an unknown name gives the default's."""
    if name not in PALETTES or name == DEFAULT:
        return list(TABLEAU)
    import matplotlib  # noqa: PLC0415 (only for a non-default palette)
    from matplotlib.colors import to_hex  # noqa: PLC0415

    return [to_hex(c) for c in matplotlib.colormaps[name].colors]


def race_colors(workers: int, name: str = DEFAULT) -> list[str]:
    """The colour of each of `workers` columns, in column order (repeating past the palette's end)."""
    colors = palette(name)
    return [colors[i % len(colors)] for i in range(workers)]
