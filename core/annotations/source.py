"""Every annotation under a source (a folder or an S3 prefix) as one table: the output manifests'
consolidated units, each worker's own units, and the video sequences and masks they point to.

I/O stays here; the readers of this package are pure. A job's task type comes from its output
manifest (the metadata `type`), and is handed to the worker-response reader, which cannot tell a
verification verdict from a classification by the answer alone (docs/ground-truth.md §2, §3).
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import pandas as pd

from ..aws import MAX_POOL
from ..gt.errors import BadFile, Skipped
from ..gt.layout import classify, is_apple_double, job_name
from ..storage import Fetcher, Location, ObjectInfo, StoreError
from ..storage.local import LocalStore
from .answers import read_answers
from .manifest import read_output_manifest
from .masks import mask_areas
from .model import CONSOLIDATED, Annotations, MaskImage, Note, Row, to_frame
from .values import Malformed
from .video import read_seq_label

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class SourceAnnotations:
    uri: str
    table: pd.DataFrame  # core.annotations.model.COLUMNS, one row per unit
    masks: list[MaskImage] = field(default_factory=list)  # segmentation PNGs, workers' and consolidated
    texts: dict[tuple[str, str], str] = field(default_factory=dict)  # (job, object_id) -> a text object's text
    notes: list[Note] = field(default_factory=list)  # what was met and not turned into rows
    unread: list[Skipped] = field(default_factory=list)  # files that could not be read at all
    files: int = 0  # Ground Truth files read

    @property
    def jobs(self) -> list[str]:
        return sorted(set(self.table["job"].dropna()))

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

    def __init__(self, store, keys: Iterable[str]):
        self.prefix = uri_prefix(store)
        self.keys = set(keys)

    def key(self, uri: str) -> str | None:
        if uri.startswith(self.prefix) and uri[len(self.prefix):] in self.keys:
            return uri[len(self.prefix):]
        return next((tail for tail in uri_tails(uri) if tail in self.keys), None)


def read_source(location: Location, progress: Progress | None = None) -> SourceAnnotations:
    """The annotations table of every job under `location`; files and units that cannot be read
    are listed with where and why, never dropped silently. Raises StoreError when the source
    itself cannot be listed."""
    store = location.store
    unread: list[Skipped] = []
    listed: list[ObjectInfo] = []
    for info in store.list(location.prefix, lambda key, reason: unread.append(Skipped(store.uri_of(key), reason))):
        listed.append(info)
        if progress and len(listed) % 1000 == 0:
            progress("list", len(listed), 0)
    kinds = {info.key: classify(info.key) for info in listed if not is_apple_double(info.key)}
    fallback = posixpath.basename(location.prefix.rstrip("/")) or location.uri
    manifests = [i for i in listed if kinds.get(i.key) and kinds[i.key].kind == "manifest"]
    responses = [i for i in listed if kinds.get(i.key) and kinds[i.key].kind == "response"]
    threads = 1 if isinstance(store, LocalStore) else MAX_POOL
    fetch = Fetcher(store, threads=threads, keep=False)
    out = Annotations()
    step = (lambda what: (lambda d, t: progress(what, d, t))) if progress else (lambda what: None)

    read: list[tuple[str, Annotations]] = []
    jobs: dict[str, str] = {}  # job root -> the job's name
    for key, data in fetch.each(manifests, step("manifests")):
        if isinstance(data, StoreError):
            unread.append(Skipped(store.uri_of(key), str(data)))
            continue
        root = kinds[key].root
        try:
            found = read_output_manifest(data, job_name(root, fallback), where=store.uri_of(key))
        except BadFile as exc:
            unread.append(Skipped(store.uri_of(key), str(exc)))
            continue
        jobs[root] = _own_job(job_name(root, fallback), found)
        read.append((jobs[root], found))
    _own_labels(read, out)
    consolidated = to_frame(out.rows)
    types = SourceAnnotations("", consolidated).task_types()

    def answers(key: str, data: bytes):
        kind = kinds[key]
        job = jobs.get(kind.root) or job_name(kind.root, fallback)
        try:
            return read_answers(data, job, kind.object_id, where=store.uri_of(key), task_type=types.get(job))
        except BadFile as exc:
            return exc

    for key, value in Fetcher(store, answers, threads, keep=False).each(responses, step("answers")):
        if isinstance(value, StoreError | BadFile):
            unread.append(Skipped(store.uri_of(key), str(value)))
        else:
            out.extend(value)

    resolver = _Resolver(store, (i.key for i in listed))
    _read_sequences(out, resolver, store)
    rows = _with_mask_areas(out, resolver, store)
    return SourceAnnotations(location.uri, to_frame(rows), out.masks, out.texts, out.notes, unread,
                             files=len(manifests) + len(responses) - len(unread))


def _own_job(folder: str, found: Annotations) -> str:
    """The job a manifest is the output of: its folder's name when a label says so (AWS names the
    folder after the job, §1), else the one job its labels name (a copy in a renamed folder, as
    the 2019 birds export); with several and none the folder's, the folder's name."""
    named = {r.job for r in found.rows} | {s.template.job for s in found.sequences}
    return folder if folder in named or len(named) != 1 else next(iter(named))


def _own_labels(read: list[tuple[str, Annotations]], out: Annotations) -> None:
    """Each manifest's rows into `out`, but a label a later job's manifest carries over from an
    earlier job (a chained or audit job's input keeps it, §8) only when that earlier job's own
    manifest is not in the source: one consolidated label per object, not one per copy."""
    own = {job for job, _ in read}
    for job, found in read:
        found.rows = [r for r in found.rows if r.job == job or r.job not in own]
        found.sequences = [s for s in found.sequences if s.template.job == job or s.template.job not in own]
        out.extend(found)


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


def _with_mask_areas(out: Annotations, resolver: _Resolver, store) -> list:
    """The rows, each class of a consolidated mask given its area in pixels when the PNG is here."""
    by_uri: dict[str, dict[str, str]] = {}
    owner: dict[str, Row] = {}  # the first row of each mask: its job and object
    for row in out.rows:
        if row.mask_uri and row.label and row.color:
            by_uri.setdefault(row.mask_uri, {})[row.label] = row.color
            owner.setdefault(row.mask_uri, row)
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
                out.masks.append(MaskImage(owner[uri].job, owner[uri].object_id, None, data, colors))
            except Malformed as exc:
                out.notes.append(Note("malformed", "mask", uri, str(exc)))
    return [replace(r, area=areas[r.mask_uri].get(r.label)) if r.mask_uri in areas else r for r in out.rows]


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
