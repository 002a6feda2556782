"""Read every Ground Truth file under a source into tables, skipping and reporting bad files.

I/O stays here; the readers in core.gt are pure. A `SourceReader` keeps what it parsed by key and
version, so `load()` again (a refresh) fetches only new or changed objects.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from .gt.consolidation import read_auto_annotator_output, read_consolidation_response
from .gt.errors import BadFile, Skipped
from .gt.layout import KeyKind, classify, is_apple_double, job_name
from .gt.manifest import read_manifest
from .gt.responses import read_worker_response
from .storage import Fetcher, Location, StoreError

Progress = Callable[[str, int, int], None]  # (phase, done, total)

_READERS = {
    "response": read_worker_response,
    "manifest": read_manifest,
    "consolidation": read_consolidation_response,
    "auto_labels": read_auto_annotator_output,
}

ANSWER_COLUMNS = [
    "job", "iteration", "object_id", "worker_id", "sub", "issuer", "provider",
    "acceptance_time", "submission_time", "time_spent_s", "time_source", "task", "label", "file", "answer",
]
LABEL_COLUMNS = [
    "job", "object_id", "source", "attribute", "status", "type", "class_name", "human_annotated",
    "confidence", "job_name", "creation_date", "failure_reason",
]


def _parse(key: str, data: bytes):
    """Runs in the fetcher's threads; a BadFile is a result too, cached like any other."""
    try:
        return _READERS[classify(key).kind](data)
    except BadFile as exc:
        return exc


@dataclass
class SourceData:
    uri: str
    jobs: list[str]
    answers: pd.DataFrame  # one row per answer (label) of a worker
    labels: pd.DataFrame  # one row per (job, manifest line, label attribute)
    objects: pd.DataFrame  # one row per (job, manifest line): object_id and source
    consolidations: pd.DataFrame  # job, iteration, object_id
    auto_labels: pd.DataFrame  # job, iteration, token
    skipped: list[Skipped] = field(default_factory=list)
    suspect: list[Skipped] = field(default_factory=list)  # answers counted, with a value left out: which and why
    files: int = 0  # Ground Truth files read (after skipping)
    unread: list[Skipped] = field(default_factory=list)  # Ground Truth files that could not be read or used

    def unread_reasons(self) -> list[tuple[str, int]]:
        """(reason, files) of the unread files, most common first: why a source shows nothing."""
        counts: dict[str, int] = {}
        for item in self.unread:
            counts[item.reason] = counts.get(item.reason, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def nothing_found(self) -> str:
        """Why there are no jobs: every Ground Truth file failed (how many, grouped by reason), or
        there is no Ground Truth file at all."""
        if not self.unread:
            return (f"no Ground Truth job output found under {self.uri}: no worker-response files and no "
                    "output manifest")
        reasons = self.unread_reasons()
        shown = "; ".join(f"{n:,} file(s): {reason}" for reason, n in reasons[:3])
        more = f"; and {len(reasons) - 3:,} other reason(s)" if len(reasons) > 3 else ""
        return (f"found {len(self.unread):,} Ground Truth file(s) under {self.uri} but could read none of "
                f"them ({shown}{more})")


class SourceReader:
    def __init__(self, location: Location):
        self.location = location
        self._fetcher: Fetcher = Fetcher(location.store, _parse)

    @property
    def gets(self) -> int:
        return self._fetcher.gets

    def _fallback_name(self) -> str:
        path = self.location.prefix.rstrip("/") or self.location.store.uri.rstrip("/")
        return posixpath.basename(path) or self.location.uri

    def load(self, progress: Progress | None = None) -> SourceData:
        store = self.location.store
        skipped: list[Skipped] = []
        wanted: dict[str, KeyKind] = {}
        infos = []
        def on_skip(key: str, reason: str) -> None:  # a FIFO, socket or broken link in a folder
            skipped.append(Skipped(store.uri_of(key), reason))

        for n, info in enumerate(store.list(self.location.prefix, on_skip), start=1):
            if progress and n % 1000 == 0:
                progress("list", n, 0)
            if is_apple_double(info.key):
                skipped.append(Skipped(store.uri_of(info.key), "macOS AppleDouble file (._*), not Ground Truth data"))
                continue
            kind = classify(info.key)
            if kind is not None:
                wanted[info.key] = kind
                infos.append(info)
        self._fetcher.forget_missing(wanted)
        fetched = self._fetcher.fetch(
            infos, progress=(lambda d, t: progress("fetch", d, t)) if progress else None
        )
        return self._tables(wanted, fetched, skipped)

    def _tables(self, wanted: dict[str, KeyKind], fetched: dict, skipped: list[Skipped]) -> SourceData:
        store, fallback = self.location.store, self._fallback_name()
        answers, labels, objects, consolidations, auto_labels, unread = [], [], [], [], [], []
        suspect: list[Skipped] = []
        jobs: set[str] = set()
        files = 0
        for key in sorted(fetched):
            value, kind, uri = fetched[key], wanted[key], store.uri_of(key)
            if isinstance(value, (BadFile, StoreError)):
                skipped.append(Skipped(uri, str(value)))
                unread.append(Skipped(uri, str(value).removeprefix(f"cannot read {uri}: ")))
                continue
            files += 1
            job = job_name(kind.root, fallback)
            jobs.add(job)
            if kind.kind == "response":
                found, notes = value
                skipped += [Skipped(uri, note) for note in notes]
                for a in found:
                    suspect += [Skipped(uri, f"answers[{a.index}] {note}") for note in a.notes]
                    answers.append((
                        job, kind.iteration, kind.object_id, a.worker_id, a.sub, a.issuer, a.provider,
                        a.acceptance_time, a.submission_time, a.time_spent_s, a.time_source, a.task,
                        a.label, uri, a.index,
                    ))
            elif kind.kind == "manifest":
                skipped += [Skipped(uri, note) for note in value.notes]
                objects += [(job, str(i), src) for i, src in enumerate(value.sources)]
                for e in value.labels:
                    labels.append((
                        job, str(e.line), value.sources[e.line], e.attribute, e.status, e.type,
                        e.class_name, e.human_annotated, e.confidence, e.job_name, e.creation_date,
                        e.failure_reason,
                    ))
            elif kind.kind == "consolidation":
                consolidations += [(job, kind.iteration, c.object_id) for c in value]
            else:
                rows, notes = value
                skipped += [Skipped(uri, note) for note in notes]
                auto_labels += [(job, kind.iteration, token) for token, _ in rows]
        answers_df = pd.DataFrame(answers, columns=ANSWER_COLUMNS)
        for col in ("acceptance_time", "submission_time"):
            answers_df[col] = pd.to_datetime(answers_df[col], utc=True)
        answers_df["time_spent_s"] = answers_df["time_spent_s"].astype("float64")
        return SourceData(
            uri=self.location.uri,
            jobs=sorted(jobs),
            answers=answers_df,
            labels=pd.DataFrame(labels, columns=LABEL_COLUMNS),
            objects=pd.DataFrame(objects, columns=["job", "object_id", "source"]),
            consolidations=pd.DataFrame(consolidations, columns=["job", "iteration", "object_id"]),
            auto_labels=pd.DataFrame(auto_labels, columns=["job", "iteration", "token"]),
            skipped=skipped,
            suspect=suspect,
            files=files,
            unread=unread,
        )
