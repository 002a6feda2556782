"""The local reader's annotations table (core.annotations.reader.AnnotationReader.load) built from the
answers Athena returned (core.engine.athena_answer_rows) and the output manifests read here.

Identical by construction: each worker-response file is put back together from its answers' fields
(the answer content is the file's own JSON text) and read by the local reader's own parser
(core.annotations.parsed.parse_response) with the job and task type the local reader gives it; the
manifests' rows, the labels a later job carries over, the video label files and the consolidated
masks are handled by the reader's own functions. Only the order of work differs: the files are read
where they are, by Athena, instead of fetched here.

What Athena cannot give back as the file had it: a file its JSON SerDe could not read (skipped there,
reported locally), and values the SerDe converts (a number written as text in timeSpentInSeconds, an
answer object's keys in another order). Real Ground Truth output has neither.
"""

from __future__ import annotations

import json
from dataclasses import fields

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..annotations.columns import RowTable, to_table_frame
from ..annotations.model import Annotations
from ..annotations.parsed import parse_response
from ..annotations.reader import _own_rows
from ..annotations.source import SourceAnnotations, _read_sequences, uri_prefix, uri_tails, with_mask_areas
from ..gt.errors import BadFile, Skipped
from ..gt.layout import classify
from ..storage import Location
from .athena_manifests import Manifests
from .athena_quality import Jobs
from .athena_survey import Survey


class _Resolver:
    """core.annotations.source._Resolver without a listing of every key (the Athena engine lists only
    responses and manifests): a label's URI is this store's key when the object is there, else the
    longest tail of its path that is (a local copy of a bucket). A mask or SeqLabel.json each."""

    def __init__(self, store):
        self.store, self.prefix = store, uri_prefix(store)

    def key(self, uri: str) -> str | None:
        tails = ([uri[len(self.prefix):]] if uri.startswith(self.prefix) else []) + uri_tails(uri)
        return next((tail for tail in tails if tail and self.store.exists(tail)), None)


def _answer(row) -> str:
    """One answer as JSON text, its content embedded as Athena returned it (not parsed twice)."""
    parts = [f'"{name}":{json.dumps(value)}' for name, value in (
        ("workerId", row.workerid), ("submissionTime", row.submissiontime), ("acceptanceTime", row.acceptancetime))
        if value is not None]
    if row.timespentinseconds is not None and not pd.isna(row.timespentinseconds):
        parts.append(f'"timeSpentInSeconds":{float(row.timespentinseconds)!r}')
    if row.answercontent:  # None, or "" where a CSV wrote a NULL as empty text: no content
        parts.append(f'"answerContent":{row.answercontent}')
    return "{" + ",".join(parts) + "}"


def response_files(rows: pd.DataFrame, found: Survey, store) -> list[tuple[str, str, bytes]]:
    """(partition job, key, the file's bytes) of each file with answers, in the listing's order;
    each file's answers in their place (`n`)."""
    position = {store.uri_of(info.key): (i, info.key) for i, info in enumerate(
        info for infos in found.responses.values() for info in infos)}
    files: dict[str, list] = {}
    for row in rows.itertuples(index=False):
        files.setdefault(row.path, []).append(row)
    out = []
    for path in sorted((p for p in files if p in position), key=lambda p: position[p][0]):
        answers = sorted(files[path], key=lambda r: r.n)
        body = '{"answers":[' + ",".join(_answer(r) for r in answers) + "]}"
        out.append((answers[0].job, position[path][1], body.encode()))
    return out


def annotations(location: Location, found: Survey, manifests: Manifests, jobs: Jobs, rows: pd.DataFrame,
                keep: set[str] | None = None) -> SourceAnnotations:
    """The annotations of the jobs `keep` (own names; None: all), as AnnotationReader.load makes them,
    from every output manifest under the source and the answer rows of those jobs' partitions."""
    store = location.store
    unread = list(manifests.unread)
    table, out = RowTable(), Annotations()
    for m in manifests.read:
        for values in m.parsed.rows:
            table.add(m.key, values)
    rows_of = _own_rows(table.table(), {m.key: m.job for m in manifests.read}, manifests.own)
    for m in manifests.read:  # as the reader: a carried-over video label only where its own job is not here
        out.notes += m.parsed.notes
        out.sequences += [s for s in m.parsed.sequences
                          if s.template.job == m.job or s.template.job not in manifests.own]
        out.texts |= m.parsed.texts
    workers = RowTable()
    for folder, key, data in response_files(rows, found, store):
        job = jobs.name(folder)
        try:
            parsed = parse_response(data, job, classify(key).object_id, store.uri_of(key), jobs.types.get(job))
        except BadFile as exc:
            unread.append(Skipped(store.uri_of(key), str(exc)))
            continue
        for values in parsed.rows:
            workers.add(key, values)
        out.notes += parsed.notes
        out.masks += parsed.masks
        out.texts |= parsed.texts
    rows_of = pa.concat_tables([rows_of, workers.table()])
    if keep is not None:  # only what the chosen jobs need is fetched: their video label files and masks
        rows_of = rows_of.filter(pc.is_in(rows_of["job"], value_set=pa.array(sorted(keep), pa.large_string())))
        out.sequences = [s for s in out.sequences if s.template.job in keep]
        out.masks = [m for m in out.masks if m.job in keep]
    resolver = _Resolver(store)
    _read_sequences(out, resolver, store)
    videos = RowTable()
    videos.add_rows("", out.rows)
    rows_of = pa.concat_tables([rows_of, videos.table()]) if out.rows else rows_of
    rows_of = with_mask_areas(rows_of, out, resolver, store)
    files = sum(len(i) for i in found.manifests.values()) + sum(len(i) for i in found.responses.values())
    return _source(location.uri, rows_of, masks=out.masks, texts=out.texts, notes=out.notes, unread=unread,
                   files=files - len(unread), gold=manifests.gold)


def _source(uri: str, rows: pa.Table, **parts) -> SourceAnnotations:
    """SourceAnnotations of `rows` (core.annotations.columns.SCHEMA), whether it holds them as Arrow
    (`rows`, read on first use as the table) or as the annotations table itself."""
    if "rows" in {f.name for f in fields(SourceAnnotations)}:
        return SourceAnnotations(uri, rows, **parts)
    return SourceAnnotations(uri, to_table_frame(rows), **parts)
