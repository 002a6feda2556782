"""The Workers table alone: the same report, rows and grid options as the Workers page, on a page
with nothing else (no sidebar, no navigation, no other element). `bench/scale.py --page` opens it
beside the Workers page, in the same browser and run, so the page's time has its floor beside it:
what the grid component alone takes to load and draw on this machine.

    GC_GRID_SOURCE=/tmp/gc-scale/1m streamlit run bench/grid_alone.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, when run from bench/

from app_pages._worker_grid import DEFAULT_COLUMNS, draw_grid, grid_frame  # noqa: E402
from core.ingest.reader import SourceReader  # noqa: E402
from core.storage import open_location  # noqa: E402
from core.workers import worker_report  # noqa: E402


@st.cache_resource
def report(source: str):
    """The page's report (every job, every day, names as IDs), read from the warm cache once."""
    reader = SourceReader(open_location(source))
    return worker_report(reader.data(reader.snapshot()))


st.title("Workers table alone")
table = report(os.environ["GC_GRID_SOURCE"])
# The page's default columns; the estimate's reliability column is left out (it takes a minute at 1M).
draw_grid(grid_frame(table[[c for c in DEFAULT_COLUMNS if c in table]]))
