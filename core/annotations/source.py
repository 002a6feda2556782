"""Every annotation under a source (a folder or an S3 prefix) as one table: the output manifests'
consolidated units, each worker's own units, and the video sequences and masks they point to.

I/O stays here; the readers of this package are pure. A job's task type comes from its output
manifest (the metadata `type`), and is handed to the worker-response reader, which cannot tell a
verification verdict from a classification by the answer alone (docs/ground-truth.md §2, §3).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..gt.errors import BadFile, Skipped
from ..storage import Location, StoreError
from .columns import to_table_frame
from .masks import mask_areas
from .model import CONSOLIDATED, Annotations, MaskImage, Note
from .values import Malformed
from .video import read_seq_label

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class SourceAnnotations:
    uri: str
    # core.annotations.columns.SCHEMA, one row per unit: read from the cache memory-mapped, so the
    # page's reports (core.annotations.duck_reports) read only the columns they need.
    rows: pa.Table
    masks: list[MaskImage] = field(default_factory=list)  # segmentation PNGs, workers' and consolidated
    texts: dict[tuple[str, str], str] = field(default_factory=dict)  # (job, object_id) -> a text object's text
    notes: list[Note] = field(default_factory=list)  # what was met and not turned into rows
    unread: list[Skipped] = field(default_factory=list)  # files that could not be read at all
    files: int = 0  # Ground Truth files read
    gold: dict[tuple[str, str], str] = field(default_factory=dict)  # (job, object_id) -> label: gold in the queue

    _frame: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """The rows as the annotations table (core.annotations.model.COLUMNS), made on first use:
        at a million rows it takes seconds and a gigabyte, which a page's first charts do without."""
        if self._frame is None:
            self._frame = to_table_frame(self.rows)
        return self._frame

    @table.setter
    def table(self, frame: pd.DataFrame) -> None:  # a command narrows it to its jobs before its reports
        self._frame = frame

    @cached_property
    def jobs(self) -> list[str]:  # kept: the page asks often, and a million rows take a while to go through
        if self._frame is not None:
            return sorted(set(self._frame["job"].dropna()))
        return sorted(pc.unique(self.rows["job"].drop_null()).to_pylist())

    def task_types(self) -> dict[str, str]:
        """job -> its task type, as its output manifest (else its answers) says."""
        if self.table.empty:
            return {}
        ranked = self.table.assign(_c=self.table["source"].eq(CONSOLIDATED)).sort_values("_c", ascending=False,
                                                                                         kind="stable")
        return ranked.groupby("job", sort=True)["task_type"].first().to_dict()


def uri_prefix(store) -> str:
    """What a key is appended to for its URI (both stores name an object `<root>/<key>`)."""
    probe = "k/ey"
    return store.uri_of(probe)[: -len(probe)]


def uri_tails(uri: str) -> list[str]:
    """The tails of a URI's path, longest first (the bucket's name included): the keys it may have
    in a local copy of its bucket, wherever that copy starts."""
    parts = uri.split("://", 1)[-1].split("/")
    return ["/".join(parts[i:]) for i in range(len(parts))]


class _Resolver:
    """A label's S3 URI (a mask, a SeqLabel.json) -> a key of this store: below the store's own
    name, or (a local copy of a bucket) the listed key that is the longest tail of the URI's path."""

    def __init__(self, store, keys: Iterable[str] | Callable[[], Iterable[str]]):
        self.prefix = uri_prefix(store)
        self._keys = keys  # or what gives them: made a set only when a label's file is looked for

    @cached_property
    def keys(self) -> set[str]:
        return set(self._keys() if callable(self._keys) else self._keys)

    def key(self, uri: str) -> str | None:
        if uri.startswith(self.prefix) and uri[len(self.prefix):] in self.keys:
            return uri[len(self.prefix):]
        return next((tail for tail in uri_tails(uri) if tail in self.keys), None)


def read_source(location: Location, progress: Progress | None = None) -> SourceAnnotations:
    """The annotations table of every job under `location`, read once and cached nowhere (a
    command's single read; the app keeps a core.annotations.reader.AnnotationReader, which caches
    on disk). Files and units that cannot be read are listed with where and why, never dropped
    silently. Raises StoreError when the source itself cannot be listed."""
    from .reader import AnnotationReader  # the reader builds on this module's helpers

    return AnnotationReader(location, disk=False).load(progress)


def _get(store, key: str) -> bytes | StoreError:
    try:
        return store.get(key)
    except StoreError as exc:
        return exc


def _read_sequences(out: Annotations, resolver: _Resolver, store) -> None:
    """The frames of every SeqLabel.json a manifest line names, as rows of that line's job."""
    sequences, out.sequences = out.sequences, []
    for ref in sequences:
        key = resolver.key(ref.uri)
        if key is None:
            out.notes.append(Note("external", "SeqLabel.json", ref.uri, "not found under this source; not read"))
            continue
        data = _get(store, key)
        if isinstance(data, StoreError):
            out.notes.append(Note("failed", "SeqLabel.json", ref.uri, str(data)))
            continue
        try:
            out.extend(read_seq_label(data, ref, where=store.uri_of(key)))
        except BadFile as exc:
            out.notes.append(Note("malformed", "SeqLabel.json", ref.uri, str(exc)))


def with_mask_areas(table: pa.Table, out: Annotations, resolver: _Resolver, store) -> pa.Table:
    """The rows (core.annotations.columns.SCHEMA), each class of a consolidated mask given its
    area in pixels when the PNG is here; the PNGs read are added to `out.masks`."""
    has_mask = pc.is_valid(table["mask_uri"])
    if not pc.any(has_mask).as_py():
        return table  # no segmentation label: nothing to fetch
    by_uri: dict[str, dict[str, str]] = {}
    owner: dict[str, tuple[str, str]] = {}  # the first row of each mask: its job and object
    shown = table.filter(has_mask).select(["mask_uri", "label", "color", "job", "object_id"]).to_pylist()
    for row in shown:
        if row["mask_uri"] and row["label"] and row["color"]:
            by_uri.setdefault(row["mask_uri"], {})[row["label"]] = row["color"]
            owner.setdefault(row["mask_uri"], (row["job"], row["object_id"]))
    areas: dict[str, dict[str, int]] = {}
    for uri, colors in by_uri.items():
        key = resolver.key(uri)
        data = _get(store, key) if key is not None else None
        if data is None:
            out.notes.append(Note("external", "mask", uri, "not found under this source; class areas unknown"))
        elif isinstance(data, StoreError):
            out.notes.append(Note("failed", "mask", uri, str(data)))
        else:
            try:
                areas[uri] = mask_areas(data, colors).areas
                out.masks.append(MaskImage(*owner[uri], None, data, colors))
            except Malformed as exc:
                out.notes.append(Note("malformed", "mask", uri, str(exc)))
    if not areas:
        return table
    area = [areas[uri].get(label) if uri in areas else old for uri, label, old in zip(
        table["mask_uri"].to_pylist(), table["label"].to_pylist(), table["area"].to_pylist(), strict=True)]
    return table.set_column(table.schema.get_field_index("area"), "area", pa.array(area, pa.int64()))


# What each kind of note means, in words a labeling lead reads (the CLI and the page print these).
NOTE_WORDS = {
    "malformed": "could not be read", "unknown-answer-key": "answers of a shape not known",
    "unknown-key": "parts of a shape not known", "unknown-type": "labels of a task type not known",
    "unknown-verdict": "verdicts that say neither pass nor fail", "failed": "objects Ground Truth could not label",
    "no-label": "lines without a label", "external": "files not found under this source",
    "unmapped-color": "mask pixels of a colour no label has", "unread-units": "kinds of units not read",
}


def note_counts(notes: list[Note]) -> list[tuple[str, int]]:
    """(what, how many) of the notes in plain words, most common first: a source's unread parts
    in one line each."""
    counts = Counter(f"{NOTE_WORDS.get(n.kind, n.kind)}{f' ({n.type})' if n.type else ''}" for n in notes)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
