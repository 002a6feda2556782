"""Every Ground Truth file under a source, read into tables: bad files skipped and reported.

`SourceReader.load()` lists the source, parses only the files that are new or changed since the last
load (by key and version: ETag, or size and mtime), keeps what it parsed as Arrow tables cached on
disk as Parquet, and returns a `SourceData` of pandas tables for the reports.
"""

from .reader import Progress, SourceReader
from .source import ANSWER_COLUMNS, LABEL_COLUMNS, SourceData

__all__ = ["ANSWER_COLUMNS", "LABEL_COLUMNS", "Progress", "SourceData", "SourceReader"]
