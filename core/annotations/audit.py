"""Verification and adjustment jobs: the verdict, the workers' comments, adjusted or not, and which
earlier label on the same manifest line was audited (docs/ground-truth.md §3, §8).

A verification or adjustment job reads a manifest that already holds the earlier label and must
write a different attribute, so the earlier attribute and its `job-name` sit on the same line. The
audited job's datasetObjectIds are line numbers of its own input manifest: the trace back to its
workers holds when the audit job read that job's output manifest unchanged (**UNCONFIRMED** when
the manifest was filtered or reordered in between; `source_ref` is the safer join then).
"""

from __future__ import annotations

from ..gt.manifest import job_name
from .values import text

# Verification label categories are the user's own; AWS's examples use good/bad (§3).
_PASS = {"good", "pass", "passed", "correct", "yes", "valid", "accept", "accepted", "ok", "approve", "approved"}
_FAIL = {"bad", "fail", "failed", "incorrect", "no", "invalid", "reject", "rejected", "wrong"}
# Task types whose labels a verification or adjustment job can check (§8).
AUDITABLE = {"groundtruth/object-detection", "groundtruth/semantic-segmentation",
             "groundtruth/video-object-detection", "groundtruth/video-object-tracking",
             "groundtruth/point_cloud_object_detection", "groundtruth/point_cloud_object_tracking",
             "groundtruth/point_cloud_single_frame_semantic_segmentation"}


def verdict(class_name) -> str | None:
    """"pass" or "fail" for a verification class name; None when the name says neither."""
    if not isinstance(class_name, str):
        return None
    word = class_name.strip().lower()
    return "pass" if word in _PASS else "fail" if word in _FAIL else None


def feedback(meta: dict) -> tuple[str, ...]:
    """`worker-feedback: [{"comment": ...}]` of a verification label; empty comments are left out
    by Ground Truth itself (§3)."""
    raw = meta.get("worker-feedback")
    if not isinstance(raw, list):
        return ()
    return tuple(c for item in raw if isinstance(item, dict) and (c := text(item.get("comment"))))


def adjustment(meta: dict) -> str | None:
    status = text(meta.get("adjustment-status"))
    return status if status in ("adjusted", "unadjusted") else None


def audited(line: dict, attribute: str, meta: dict, hint: str | None = None) -> tuple[str | None, str | None]:
    """(earlier attribute, its job name) that the label `attribute` audits, from the same line.

    `hint` is the audited attribute when the caller knows it (`auditLabelAttributeName` of a video
    or 3D job, §6). Otherwise: the other labels on the line of an auditable type created before this
    one; among several, the one whose name ends this attribute's (AWS names them `verify-<attr>`,
    `adjusted-<attr>`, §3), else the latest created. None when no earlier label is on the line."""
    candidates = {}
    for key, other in line.items():
        if not key.endswith("-metadata") or not isinstance(other, dict):
            continue
        name = key[: -len("-metadata")]
        if name == attribute or name not in line:
            continue
        if name == hint:
            return name, job_name(other.get("job-name"))
        if other.get("type") in AUDITABLE and _before(other, meta):
            candidates[name] = other
    if not candidates:
        return None, None
    named = [n for n in candidates if attribute.endswith(n) or attribute.endswith(n.removesuffix("-ref"))]
    pick = max(named, key=len) if named else max(candidates, key=lambda n: candidates[n].get("creation-date") or "")
    return pick, job_name(candidates[pick].get("job-name"))


def _before(other: dict, meta: dict) -> bool:
    """The other label is older (creation-date strings sort in time), or either date is unknown."""
    a, b = text(other.get("creation-date")), text(meta.get("creation-date"))
    return a is None or b is None or a <= b
