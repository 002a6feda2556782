"""One listing of an S3 source for the Athena engine: each job's worker-response files (sizes for
the cost, ETags for the cache) and its output manifests, and the manifests read here into the small
labels and objects tables that are staged beside the responses (core.engine.athena_workers)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

import pandas as pd

from ..gt.errors import BadFile
from ..gt.layout import classify, is_apple_double, job_name
from ..gt.manifest import read_manifest
from ..storage import Location, ObjectInfo, StoreError
from .athena import AthenaError


@dataclass
class Survey:
    """What one listing of the source found."""

    uri: str
    responses: dict[str, list[ObjectInfo]] = field(default_factory=dict)  # job -> its worker-response files
    folders: dict[str, str] = field(default_factory=dict)  # job -> URI of its worker-response/ folder
    manifests: dict[str, list[ObjectInfo]] = field(default_factory=dict)  # job -> its output manifest(s)
    source: Survey | None = None  # the whole listing, when this one keeps only the chosen jobs (`only`)
    clashes: dict[str, str] = field(default_factory=dict)  # job -> why it cannot be one partition

    @property
    def whole(self) -> Survey:
        """The whole source's listing: where Worker N is numbered, as the local engine numbers it."""
        return self.source or self

    @property
    def narrowed(self) -> bool:
        """Whether some of the source's worker responses are left out of this listing."""
        return set(self.whole.folders) != set(self.folders)

    @property
    def jobs(self) -> list[str]:
        return sorted(set(self.responses) | set(self.manifests))

    def response_bytes(self) -> int:
        return sum(info.size for files in self.responses.values() for info in files)

    def only(self, jobs: list[str] | None) -> Survey:
        """These jobs' files, as a listing with `jobs` would have found them (all, when None)."""
        if not jobs:
            return self
        keep = set(jobs)
        return Survey(self.uri, *({j: v for j, v in part.items() if j in keep}
                                  for part in (self.responses, self.folders, self.manifests)), source=self.whole,
                      clashes={j: why for j, why in self.clashes.items() if j in keep})

    def check(self) -> Survey:
        """This listing, unless one of its jobs is in two folders: a partition is one folder, and the
        second would be silently left out."""
        if self.clashes:
            raise AthenaError(next(iter(self.clashes.values())))
        return self

    def versions(self) -> list[tuple[str, str]]:
        return [(i.key, i.version) for files in (*self.responses.values(), *self.manifests.values()) for i in files]


def survey(location: Location, jobs: list[str] | None = None) -> Survey:
    """The source's worker-response files and output manifests by job (only `jobs`, when given, with
    the whole listing kept as its `source`)."""
    fallback = posixpath.basename(location.prefix.rstrip("/") or location.store.uri.rstrip("/")) or location.uri
    out = Survey(location.uri)
    for info in location.store.list(location.prefix):
        if is_apple_double(info.key):
            continue
        kind = classify(info.key)
        if kind is None or kind.kind not in ("response", "manifest"):
            continue
        job = job_name(kind.root, fallback)
        if kind.kind == "manifest":
            out.manifests.setdefault(job, []).append(info)
            continue
        out.responses.setdefault(job, []).append(info)
        marker = info.key.index("worker-response/", len(kind.root)) + len("worker-response/")
        folder = location.store.uri_of(info.key[:marker])
        if out.folders.setdefault(job, folder) != folder and job not in out.clashes:
            out.clashes[job] = (f"two folders hold a job named {job!r} ({out.folders[job]} and {folder}): "
                                "choose a source below one of them")
    return out.only(jobs).check()


def manifest_tables(location: Location, found: Survey) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """labels and objects as core.ingest makes them (one row per line and attribute; one per line),
    from the output manifests in key order, and a note per manifest that could not be read."""
    labels, objects, notes = [], [], []
    in_order = sorted((info.key, job, info) for job, infos in found.manifests.items() for info in infos)
    for _, job, info in in_order:  # in key order, as the local reader's rows
        try:
            manifest = read_manifest(location.store.get(info.key))
        except (BadFile, StoreError) as exc:
            notes.append(f"{location.store.uri_of(info.key)}: {exc}")
            continue
        objects.extend({"job": job, "object_id": str(i), "source": src, "gold": manifest.gold.get(i)}
                       for i, src in enumerate(manifest.sources))
        labels.extend({"job": job, "object_id": str(e.line), "attribute": e.attribute, "status": e.status,
                       "class_name": e.class_name, "source": manifest.sources[e.line], "job_name": e.job_name,
                       "creation_date": e.creation_date} for e in manifest.labels)
    label_frame = pd.DataFrame(labels, columns=["job", "object_id", "attribute", "status", "class_name", "source",
                                                "job_name", "creation_date"])  # what core.labellayer reads
    # `gold`: a gold line's true label (core.gold.queued_gold reads it, as from core.ingest's objects).
    return label_frame, pd.DataFrame(objects, columns=["job", "object_id", "source", "gold"]), notes
