"""The output manifests of an S3 source, read here for the Athena engine (one file a job), parsed
once as the local annotations reader parses them (core.annotations.parsed.parse_manifest): what
decides each job's own name and task type (core.engine.athena_quality.Jobs), and the consolidated
rows of the annotations table the other task types are measured on (core.engine.athena_rows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..annotations.parsed import Parsed, parse_manifest
from ..annotations.reader import _own_job
from ..gt.errors import BadFile, Skipped
from ..storage import Location, StoreError


@dataclass(frozen=True)
class ManifestRead:
    key: str
    folder: str  # the partition (folder) job
    job: str  # the job it is the output of (its own name: a copy in a renamed folder names its job)
    parsed: Parsed


@dataclass
class Manifests:
    read: list[ManifestRead] = field(default_factory=list)  # in listing order, as the local reader's rows
    unread: list[Skipped] = field(default_factory=list)  # manifests that could not be read, and why

    @property
    def own(self) -> set[str]:
        return {m.job for m in self.read}

    @property
    def gold(self) -> dict[tuple[str, str], str]:
        """(the manifest's own job, object_id) -> label of each gold line mixed into a queue
        (core.gt.manifest), as the local reader keeps them (SourceAnnotations.gold)."""
        return {(m.job, object_id): label for m in self.read for object_id, label in m.parsed.gold.items()}


def read_manifests(location: Location, manifests: Mapping[str, list]) -> Manifests:
    """Every output manifest ({partition job: [ObjectInfo]}, a listing's), in the listing's order."""
    out = Manifests()
    for folder, infos in manifests.items():
        for info in infos:
            where = location.store.uri_of(info.key)
            try:
                found = parse_manifest(location.store.get(info.key), folder, where)
            except (BadFile, StoreError) as exc:
                out.unread.append(Skipped(where, str(exc)))
                continue
            out.read.append(ManifestRead(info.key, folder, _own_job(folder, found.jobs), found))
    return out
