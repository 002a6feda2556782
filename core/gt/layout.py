"""Where Ground Truth puts things under a job's output folder (docs/ground-truth.md §1).

A job root is the folder that holds `annotations/worker-response/` (or `worker-response/`, as in
exports that drop the `annotations/` level) and/or `manifests/output/output.manifest` (or a bare
`output.manifest`). One source may hold many job roots.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import NamedTuple

# `(?:.*?/)??` tries the empty root first, then the shortest one ending at a folder boundary, so
# the optional `annotations/` level is matched by the marker, not swallowed by the root.
_ROOT = r"^(?P<root>(?:.*?/)??)"
_PATTERNS = {
    # annotations/worker-response/iteration-<N>/<datasetObjectId>/<YYYY-MM-DD_HH:MM:SS>.json
    "response": re.compile(
        _ROOT + r"(?:annotations/)?worker-response/iteration-(?P<iteration>\d+)/(?P<object>[^/]+)/[^/]+$"
    ),
    # manifests/output/output.manifest (the final one; intermediate/<N>/ snapshots are not jobs)
    "manifest": re.compile(_ROOT + r"(?:manifests/output/)?output\.manifest$"),
    # annotations/consolidated-annotation/consolidation-response/iteration-<N>/<ts>.json
    "consolidation": re.compile(
        _ROOT + r"annotations/consolidated-annotation/consolidation-response/iteration-(?P<iteration>\d+)/[^/]+$"
    ),
    # activelearning/.../<iteration>/<x>/auto_annotator_output.txt: the iteration is the third
    # path component from the end, as AWS's notebooks read it (§1, §4).
    "auto_labels": re.compile(_ROOT + r"activelearning/(?:.*/)?(?P<iteration>\d+)/[^/]+/auto_annotator_output\.txt$"),
}
_INTERMEDIATE = re.compile(r"(^|/)manifests/intermediate/")
# The folder above a response's object folder: every response of one iteration shares it.
_RESPONSE_FOLDER = re.compile(_ROOT + r"(?:annotations/)?worker-response/iteration-(?P<iteration>\d+)$")


class KeyKind(NamedTuple):  # a named tuple: one is made per listed file, and a frozen dataclass cost twice as much
    """What a key is in the layout: its kind, its job root, and the ids its path carries."""

    kind: str  # response | manifest | consolidation | auto_labels
    root: str  # key prefix of the job root, '' or ending with '/'
    iteration: int | None = None
    object_id: str | None = None


def is_apple_double(key: str) -> bool:
    """macOS resource-fork files (`._name`) that synced folders and archives carry along."""
    return key.rpartition("/")[2].startswith("._")


@lru_cache(maxsize=1024)
def _response_folder(folder: str) -> tuple[str, int] | None:
    """(job root, iteration) when `folder` is a job's `worker-response/iteration-<N>` folder."""
    m = _RESPONSE_FOLDER.match(folder)
    if m is None or _INTERMEDIATE.search(folder + "/"):
        return None
    return sys.intern(m["root"]), int(m["iteration"])


def classify(key: str) -> KeyKind | None:
    """The layout role of `key`, or None for files Ground Truth does not write (ignored)."""
    # Responses first, by their iteration folder: the patterns' search from each possible root cost
    # 6 µs a key, two seconds a listing of a million answers. The same answer as the pattern's.
    folder, _, rest = key.rpartition("/")
    folder, _, obj = folder.rpartition("/")
    if obj and rest and (found := _response_folder(folder)) is not None:
        return KeyKind("response", found[0], found[1], obj)
    if _INTERMEDIATE.search(key):
        return None
    for kind, pattern in _PATTERNS.items():
        m = pattern.match(key)
        if m:
            groups = m.groupdict()
            iteration = groups.get("iteration")
            return KeyKind(
                kind=kind,
                root=sys.intern(groups["root"]),  # shared by every file of the job
                iteration=int(iteration) if iteration is not None else None,
                object_id=groups.get("object"),
            )
    return None


OUTPUT_MANIFEST = "manifests/output/output.manifest"  # below the job folder (§1)


def job_folder(output_path: str, job: str) -> str:
    """`<S3OutputPath>/<job>/`: the folder a job writes everything to, its name appended once (§1)."""
    return f"{output_path.rstrip('/')}/{job}/"


def job_name(root: str, fallback: str) -> str:
    """A job's name is its root folder's name (`<S3OutputPath>/<job>/`, §1)."""
    name = root.rstrip("/").rpartition("/")[2]
    return name or fallback
