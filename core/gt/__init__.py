"""Ground Truth itself: the output layout and readers of every file shape it writes.

Facts come from docs/ground-truth.md ("the reference"); sections are cited as §N.
"""
