"""An output manifest read whole by Arrow's JSON reader into the objects and labels tables' columns,
with no Python object per line (core.gt.manifest reads it line by line, and says what is wrong).

A million answers come with 333,000 manifest lines: read line by line and made rows, 2.7 s of CPU
(an eighth of a first read); read here, 0.65 s. Read here only when Arrow reads every line as the per-line
reader does (docs/ground-truth.md §3): one JSON object a line, no null (Arrow cannot tell a null
from a key left out), no blank line, at most one label attribute (so the labels keep the per-line
reader's order), no gold key, text where the reader wants text, and no line nested deeper than the
reader reads. Anything else is the per-line reader's. tests/unit/test_bulk_manifests.py checks both
give the same tables.
"""

from __future__ import annotations

import io
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from ..gt.jsonio import MAX_DEPTH
from ..gt.manifest import GOLD_KEY, METADATA
from .columnar import depth, has_null

# Past about 10,000 levels Arrow's reader crashed the process: a line this short cannot nest so deep.
MAX_LINE_BYTES = 8_000
_BOM = b"\xef\xbb\xbf"


class ManifestColumns(NamedTuple):
    """The objects table's and the labels table's columns, but for key and job (core.ingest.rows)."""

    objects: dict[str, pa.Array]
    labels: dict[str, pa.Array]


def read(data: bytes) -> ManifestColumns | None:
    """The manifest's columns, or None when the per-line reader must read it."""
    lines = _lines(data)
    if lines is None:
        return None
    try:
        table = pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(block_size=1 << 26))
        table.validate(full=True)  # Arrow's reader lets bytes that are not UTF-8 into its text
    except (pa.ArrowException, ValueError):
        return None
    if table.num_rows != lines or depth(table.schema) >= MAX_DEPTH or GOLD_KEY in table.column_names:
        return None
    table = table.combine_chunks()
    sources = _sources(table)
    attributes = [name[: -len(METADATA)] for name in table.column_names
                  if name.endswith(METADATA) and pa.types.is_struct(table.schema.field(name).type)]
    if sources is None or len(attributes) > 1:
        return None
    lines_no = pa.array(np.arange(lines)).cast(pa.large_string())  # "0", "1", ...: as the per-line reader numbers them
    objects = {"object_id": lines_no, "source": sources, "gold": pa.nulls(lines, pa.large_string())}
    if not attributes:
        return ManifestColumns(objects, {})  # no line has a label
    attribute = attributes[0]
    meta = table[f"{attribute}{METADATA}"].chunk(0)
    has = meta.is_valid()
    labeled = table[attribute].chunk(0).is_valid() if attribute in table.column_names else pa.repeat(False, lines)
    labels = _labels(lines_no.filter(has), sources.filter(has), meta.filter(has), labeled.filter(has), attribute)
    return None if labels is None else ManifestColumns(objects, labels)


def _lines(data: bytes) -> int | None:
    """How many lines the per-line reader reads, when each is one Arrow would read as a row (no
    blank or overlong line, no carriage return, no null, no BOM, not binary); else None. Found from
    where the line breaks are, with no Python object per line (a split cost a quarter of the read)."""
    if data.startswith(_BOM) or b"\x00" in data[:4096] or b"\r" in data or has_null(data):
        return None
    kept = len(data.rstrip())  # trailing blank lines are no lines (core.gt.jsonio.json_lines)
    if not kept:
        return None
    breaks = np.flatnonzero(np.frombuffer(data, np.uint8, count=kept) == ord("\n"))
    last_end = data.find(b"\n", kept)  # the last line keeps its own trailing spaces
    lengths = np.diff(breaks, prepend=-1, append=len(data) if last_end < 0 else last_end) - 1
    if (lengths == 0).any() or lengths.max() > MAX_LINE_BYTES:
        return None
    return len(lengths)


def _text(table: pa.Table | pa.StructArray, name: str, names: list[str]) -> pa.Array | None:
    """A field as text; None when it is there as something else (the per-line reader takes text)."""
    if name not in names:
        return pa.nulls(len(table), pa.string())
    column = table[name] if isinstance(table, pa.Table) else pc.struct_field(table, name)
    column = column.chunk(0) if isinstance(column, pa.ChunkedArray) else column
    return column if pa.types.is_string(column.type) or pa.types.is_null(column.type) else None


def _sources(table: pa.Table) -> pa.Array | None:
    """`source-ref`, or `source` where that is missing or empty (as `or` in the per-line reader)."""
    names = table.column_names
    ref, source = _text(table, "source-ref", names), _text(table, "source", names)
    if ref is None or source is None:
        return None
    ref, source = ref.cast(pa.string()), source.cast(pa.string())
    chosen = pc.if_else(pc.fill_null(pc.greater(pc.utf8_length(ref), 0), False), ref, source)
    return chosen.cast(pa.large_string())


def _labels(object_ids: pa.Array, sources: pa.Array, meta: pa.StructArray, labeled: pa.Array,
            attribute: str) -> dict[str, pa.Array] | None:
    """The labels table's columns of the lines with `<attribute>-metadata`, as core.gt.manifest._entry
    makes each; None when a field is there as other than the text that reader takes."""
    names = [meta.type.field(i).name for i in range(meta.type.num_fields)]
    texts = {name: _text(meta, name, names) for name in ("type", "class-name", "job-name", "creation-date",
                                                       "failure-reason")}
    if any(t is None for t in texts.values()):
        return None
    failed = pc.fill_null(pc.greater(pc.utf8_length(texts["failure-reason"].cast(pa.string())), 0), False)
    status = pc.if_else(labeled, "labeled", pc.if_else(failed, "failed", "unlabeled"))
    job_name = texts["job-name"].cast(pa.string())
    prefixed = pc.fill_null(pc.starts_with(job_name, "labeling-job/"), False)
    job_name = pc.if_else(prefixed, pc.utf8_slice_codeunits(job_name, len("labeling-job/")), job_name)
    code = pa.dictionary(pa.int32(), pa.string())
    return {
        "object_id": object_ids, "source": sources,
        "attribute": pa.array([attribute] * len(object_ids), pa.string()).cast(code), "status": status.cast(code),
        "type": texts["type"].cast(code), "class_name": texts["class-name"].cast(code),
        "human_annotated": _human(meta, names), "confidence": _confidence(meta, names),
        "job_name": job_name.cast(code), "creation_date": texts["creation-date"].cast(pa.large_string()),
        "failure_reason": texts["failure-reason"].cast(pa.large_string()),
    }


def _human(meta: pa.StructArray, names: list[str]) -> pa.Array:
    """`human-annotated` as core.gt.manifest.human_annotated reads it: yes/true and no/false in any
    case, or a JSON boolean; unknown for anything else."""
    if "human-annotated" not in names:
        return pa.nulls(len(meta), pa.bool_())
    value = pc.struct_field(meta, "human-annotated")
    if pa.types.is_boolean(value.type) or pa.types.is_null(value.type):
        return value.cast(pa.bool_())
    if not pa.types.is_string(value.type):
        return pa.nulls(len(meta), pa.bool_())  # a number or an object: unknown, as there
    lower = pc.utf8_lower(value)
    yes = pc.is_in(lower, value_set=pa.array(["yes", "true"]))
    no = pc.is_in(lower, value_set=pa.array(["no", "false"]))
    return pc.if_else(yes, True, pc.if_else(no, pa.scalar(False), pa.scalar(None, pa.bool_())))


def _confidence(meta: pa.StructArray, names: list[str]) -> pa.Array:
    """`confidence` as a finite number (core.gt.jsonio.finite_float), else unknown."""
    if "confidence" not in names:
        return pa.nulls(len(meta), pa.float64())
    value = pc.struct_field(meta, "confidence")
    if not (pa.types.is_floating(value.type) or pa.types.is_integer(value.type)):
        return pa.nulls(len(meta), pa.float64())
    number = value.cast(pa.float64())
    return pc.if_else(pc.is_finite(number), number, pa.scalar(None, pa.float64()))
