"""Every Ground Truth file under a source, read into tables: bad files skipped and reported.

`SourceReader.load()` lists the source, parses only the files that are new or changed since the last
load (by key and version: ETag, or size and mtime), keeps what it parsed as Arrow tables cached on
disk as Arrow files, and returns a `SourceData` of pandas tables for the reports.
"""

import os

import pyarrow as pa

# Arrow's buffers from the C library's allocator, unless the user chose one: it hands a freed table's
# memory back to the system at once, so the query engine (its own allocator) can use it. Arrow's
# default pool kept it: a warm million-answer report peaked at 1,364 MB, 1,063 MB with this.
if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
    pa.set_memory_pool(pa.system_memory_pool())

from .reader import Progress, SourceReader  # noqa: E402  (after the pool: tables made on import use it)
from .source import ANSWER_COLUMNS, LABEL_COLUMNS, SourceData

__all__ = ["ANSWER_COLUMNS", "LABEL_COLUMNS", "Progress", "SourceData", "SourceReader"]
