"""One Ground Truth file's bytes -> rows of the cached tables, appended column by column (pure).

Every table carries the file's `key`, so a refresh can drop exactly the rows of a file that changed
or went away. What could not be read is a row of `notes`: kept, and reported from the cache again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pyarrow as pa

from ..gt.consolidation import read_auto_annotator_output, read_consolidation_response
from ..gt.errors import BadFile
from ..gt.layout import KeyKind
from ..gt.manifest import read_manifest
from ..gt.responses import read_worker_response
from . import columnar, manifest_columns

_CHUNK = 50_000  # rows of a table held as Python tuples before they become Arrow columns
_TIME = pa.timestamp("us", tz="UTC")
# Text as pandas keeps it (large_string), so a frame made from these tables shares their buffers.
_TEXT = pa.large_string()
# Text that repeats (jobs, workers, labels, task types) is kept once, with a number per row: at a
# million answers the answers table is 180 MB instead of 357 MB.
_CODE = pa.dictionary(pa.int32(), pa.string())
_INT = pa.int64()

SCHEMAS = {
    # `error` set: the file could not be read (its reason is in notes); it adds no job and no rows.
    # `key` stays plain text in every table: rows are sorted by it, which Arrow cannot do on codes.
    "files": pa.schema([("key", _TEXT), ("version", _TEXT), ("kind", _CODE), ("job", _CODE), ("error", pa.bool_())]),
    "answers": pa.schema([
        ("key", _TEXT), ("job", _CODE), ("iteration", _INT), ("object_id", _TEXT), ("worker_id", _CODE),
        ("sub", _CODE), ("issuer", _CODE), ("provider", _CODE), ("acceptance_time", _TIME),
        ("submission_time", _TIME), ("time_spent_s", pa.float64()), ("time_source", _CODE), ("task", _CODE),
        ("label", _CODE), ("answer", _INT),
    ]),
    "labels": pa.schema([
        ("key", _TEXT), ("job", _CODE), ("object_id", _TEXT), ("source", _TEXT), ("attribute", _CODE),
        ("status", _CODE), ("type", _CODE), ("class_name", _CODE), ("human_annotated", pa.bool_()),
        ("confidence", pa.float64()), ("job_name", _CODE), ("creation_date", _TEXT), ("failure_reason", _TEXT),
    ]),
    # `gold`: the true label of a gold line mixed into the queue (core.manifests.gold_mix), else null.
    "objects": pa.schema([("key", _TEXT), ("job", _CODE), ("object_id", _TEXT), ("source", _TEXT), ("gold", _TEXT)]),
    "consolidations": pa.schema([("key", _TEXT), ("job", _CODE), ("iteration", _INT), ("object_id", _TEXT)]),
    "auto_labels": pa.schema([("key", _TEXT), ("job", _CODE), ("iteration", _INT), ("token", _TEXT)]),
    # kind: unread (the file's reason), skipped (a part left out), suspect (an answer counted, a value left out)
    "notes": pa.schema([("key", _TEXT), ("n", _INT), ("kind", _CODE), ("text", _TEXT)]),
}

READERS: dict[str, Callable[[bytes], object]] = {
    "response": read_worker_response,
    "manifest": read_manifest,
    "consolidation": read_consolidation_response,
    "auto_labels": read_auto_annotator_output,
}


def parse(key: str, data: bytes, kind: KeyKind, bulk: bool = True):
    """What the file's reader makes of it; a BadFile is a result too (cached: the file stays bad
    until it changes). Runs in the fetch threads, so parsing is spread like the reads. With `bulk`,
    a worker response that Arrow may read as orjson does is left to be read with its block (Plain)."""
    if bulk and kind.kind == "response" and columnar.plain(data):
        return columnar.Plain(data)
    if bulk and kind.kind == "manifest" and (columns := manifest_columns.read(data)) is not None:
        return columns
    try:
        return READERS[kind.kind](data)
    except BadFile as exc:
        return exc


class Pending(NamedTuple):
    """A worker-response file in a block (core.ingest.columnar): its bytes to read with the block, or
    its value when the per-file reader read it already (it keeps its place among the others)."""

    key: str
    version: str
    kind: KeyKind
    job: str
    data: bytes | None
    value: object = None


class Batch:
    """The rows of every table, filled file by file: held as tuples, and turned into Arrow columns
    every _CHUNK rows of a table, so the Python objects of a million answers (or a 333,000-line
    manifest) never all exist at once."""

    def __init__(self):
        self._rows: dict[str, list[tuple]] = {name: [] for name in SCHEMAS}
        self._chunks: dict[str, list[pa.Table]] = {name: [] for name in SCHEMAS}
        self._notes = 0

    def _row(self, table: str, values: tuple) -> None:
        rows = self._rows[table]
        rows.append(values)
        if len(rows) >= _CHUNK:
            self._flush(table)

    def _note(self, key: str, kind: str, text: str) -> None:
        self._row("notes", (key, self._notes, kind, text))
        self._notes += 1

    def add(self, key: str, version: str, kind: KeyKind, job: str, value) -> None:
        """One file's parsed value (or its BadFile) as rows."""
        bad = isinstance(value, BadFile)
        self._row("files", (key, version, kind.kind, job, bad))
        if bad:
            self._note(key, "unread", str(value))
        elif kind.kind == "response":
            self._answers(key, job, kind, value)
        elif isinstance(value, manifest_columns.ManifestColumns):
            for table, columns in (("objects", value.objects), ("labels", value.labels)):
                self._with_file(table, key, job, columns)
        elif kind.kind == "manifest":
            self._manifest(key, job, value)
        elif kind.kind == "consolidation":
            for c in value:
                self._row("consolidations", (key, job, kind.iteration, c.object_id))
        else:
            rows, notes = value
            for note in notes:
                self._note(key, "skipped", note)
            for token, _ in rows:
                self._row("auto_labels", (key, job, kind.iteration, token))

    def _answers(self, key: str, job: str, kind: KeyKind, value) -> None:
        found, notes = value
        for note in notes:
            self._note(key, "skipped", note)
        rows, iteration, object_id = self._rows["answers"], kind.iteration, kind.object_id
        for a in found:
            for note in a.notes:
                self._note(key, "suspect", f"answers[{a.index}] {note}")
            # Zoned datetimes as they are: Arrow 26 converts them 3x faster than naive ones.
            rows.append((key, job, iteration, object_id, a.worker_id, a.sub, a.issuer, a.provider, a.acceptance_time,
                         a.submission_time, a.time_spent_s, a.time_source, a.task, a.label, a.index))
        if len(rows) >= _CHUNK:  # a file's answers at a time: a chunk may pass _CHUNK by a few
            self._flush("answers")

    def add_block(self, block: list[Pending], one_by_one: Callable[[Pending], None]) -> None:
        """Worker-response files, their rows in block order: those with bytes read together by Arrow
        (core.ingest.columnar), once per block however the others lie among them; `one_by_one(file)`
        reads and adds a file Arrow could not take whole, and a file read already is added as it is."""
        plain = np.flatnonzero([p.value is None for p in block])
        joined = b"\n".join([block[i].data for i in plain])
        if len(plain) and not columnar.clean(joined):  # rare: those files are read one by one
            plain = plain[[columnar.clean(block[i].data) for i in plain]]
            joined = b"\n".join([block[i].data for i in plain])
        parsed = columnar.parse_block(joined, len(plain)) if len(plain) else None
        if parsed is None and len(plain) > 1:  # one file Arrow cannot read: halve until it is alone
            half = int(plain[len(plain) // 2])
            self.add_block(block[:half], one_by_one)
            self.add_block(block[half:], one_by_one)
            return
        whole, rows = np.zeros(len(block), bool), np.zeros(len(block), np.int64)
        if parsed is not None:
            whole[plain], rows[plain] = parsed.whole, np.diff(parsed.starts)
        starts = np.concatenate([[0], np.cumsum(rows)])  # each file's first row among the parsed answers
        start = 0
        while start < len(block):
            end = start
            while end < len(block) and whole[end]:
                end += 1
            if end > start:
                self._whole_files(block[start:end], parsed.answers, starts[start:end + 1])
            if end < len(block):
                file = block[end]
                if file.value is None:
                    one_by_one(file)
                else:
                    self.add(file.key, file.version, file.kind, file.job, file.value)
            start = end + 1

    def _whole_files(self, files: list[Pending], parsed: pa.Table, starts: np.ndarray) -> None:
        keys, jobs = [p.key for p in files], [p.job for p in files]
        first, last = int(starts[0]), int(starts[-1])
        own = columnar.file_columns([p.kind for p in files], keys, jobs, starts - first)
        answers = parsed.slice(first, last - first)
        columns = {name: own[name] if name in own else answers[name] for name in SCHEMAS["answers"].names}
        self._chunk("answers", pa.table(columns).cast(SCHEMAS["answers"]))
        self._chunk("files", pa.table({
            "key": pa.array(keys, _TEXT), "version": pa.array([p.version for p in files], _TEXT),
            "kind": pa.array(["response"] * len(files), pa.string()).dictionary_encode(),
            "job": pa.array(jobs, pa.string()).dictionary_encode(), "error": pa.array([False] * len(files)),
        }).cast(SCHEMAS["files"]))

    def _with_file(self, table: str, key: str, job: str, columns: dict[str, pa.Array]) -> None:
        """A file's rows made as columns (core.ingest.manifest_columns), with its key and job."""
        count = len(next(iter(columns.values()))) if columns else 0
        if not count:
            return
        own = {"key": pa.array([key] * count, _TEXT), "job": pa.array([job] * count, pa.string())}
        self._chunk(table, pa.table({name: own.get(name, columns.get(name)) for name in SCHEMAS[table].names}
                                    ).cast(SCHEMAS[table]))

    def _chunk(self, table: str, chunk: pa.Table) -> None:
        if self._rows[table]:  # rows before it stay before it
            self._flush(table)
        self._chunks[table].append(chunk)

    def _flush(self, table: str) -> None:
        schema, rows = SCHEMAS[table], self._rows[table]
        columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
        self._chunks[table].append(pa.table(dict(zip(schema.names, columns, strict=True)), schema=schema))
        self._rows[table] = []

    def _manifest(self, key: str, job: str, value) -> None:
        for note in value.notes:
            self._note(key, "skipped", note)
        for i, src in enumerate(value.sources):
            self._row("objects", (key, job, str(i), src, value.gold.get(i)))
        for e in value.labels:
            self._row("labels", (
                key, job, str(e.line), value.sources[e.line], e.attribute, e.status, e.type, e.class_name,
                e.human_annotated, e.confidence, e.job_name, e.creation_date, e.failure_reason,
            ))

    def tables(self) -> dict[str, pa.Table]:
        """Every table, as chunks; the batch is empty afterwards."""
        out = {}
        for name in SCHEMAS:
            self._flush(name)
            out[name] = pa.concat_tables(self._chunks.pop(name))
        return out
