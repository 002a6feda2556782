"""The charts' colours: a series' colour says the same thing on every page."""

_TABLEAU10 = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6",
             "#9d755d", "#79706e"]


def top_and_others(n: int) -> list[str]:
    """Colours for a chart's `n` top series then "Others": Tableau's ten, and grey for the rest, so
    "Others" never shares a colour with a named series."""
    return _TABLEAU10[:n] + ["#c9ccd3"]
