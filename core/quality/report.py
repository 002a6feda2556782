"""Quality per (job, worker) and per job for every task type, from an annotations table
(core.annotations): each worker's units against a reference, the consolidated result of the same
job or, when given, a gold table joined on the data object (`source_ref`, or an inline text).

One row per (job, worker) then the job's own row (worker `Team`), with the job's task type, the
reference used and that type's measures; measures of other types stay empty:
- classification: `exact_match` (share of answers equal to the reference label); on the job's
  row, `alpha`, Krippendorff's alpha of the workers' labels (also for multi-label and verdicts)
- multi-label: `jaccard` (mean over answers of |A & R| / |A | R|)
- bounding boxes (and adjustment jobs' boxes): boxes matched one-to-one by IoU at `iou`, class
  aware; `precision`, `recall`, `f1` pooled over all boxes, `mean_iou` of the matched pairs
- NER: `f1` of exact spans (label, start, end) and `f1_overlap` (same label, sharing a character)
- video detection and tracking: per-frame boxes; `f1` pooled, `mean_frame_f1`, and `id_switches`, the
  identity switches of tracking jobs summed over the worker's (or the job's) videos
- label verification: the verifiers' `exact_match` with the consolidated verdict, and, on the
  audited job's rows, `audited` labels and their `pass_rate` per original worker
- adjustment: the adjusted boxes as boxes, and on the audited job's rows, the share of each
  original worker's objects the adjustment job `adjusted`
- semantic segmentation: `mean_iou`, each worker's mask against the consolidated one, pixel by
  pixel, the mean over classes of their IoU; never against gold (a gold file's masks are not read)
- 3D point clouds: `objects` only (cuboids are not compared yet)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..annotations.model import CONSOLIDATED, WORKER, MaskImage, object_keys
from .agreement import nominal_alpha
from .boxes import box_scores
from .classes import label_scores
from .rollup import JOB, by_worker
from .segmentation import mask_class_iou
from .sets import jaccard_scores
from .spans import exact_counts, overlap_counts
from .video import score_video

DEFAULT_IOU = 0.5
# Gold of one video type serves the other: a tracked box is a detected box with an id (switches are
# counted only where both sides have ids).
_VIDEO = ("video-object-detection", "video-object-tracking")
_GOLD_TYPES = dict.fromkeys(_VIDEO, _VIDEO)
MEASURES = ["alpha", "exact_match", "jaccard", "precision", "recall", "f1", "f1_overlap", "mean_iou", "mean_frame_f1",
            "id_switches", "audited", "pass_rate", "adjusted"]
COLUMNS = ["job", "task_type", "reference", "worker", "objects", *MEASURES]
_BOX = ["left", "top", "width", "height"]
# The one figure a lead sorts a task type's workers by (the others explain it).
MAIN = {"classification": "exact_match", "multi-label": "jaccard", "bounding-box": "f1", "adjustment": "f1",
        "ner": "f1", "video-object-detection": "f1", "video-object-tracking": "f1",
        "semantic-segmentation": "mean_iou", "label-verification": "exact_match"}


def quality_report(table: pd.DataFrame, gold: pd.DataFrame | None = None, iou: float = DEFAULT_IOU,
                   masks: list[MaskImage] | None = None) -> pd.DataFrame:
    """COLUMNS, one row per (job, worker) then the job's row; jobs in name order. `gold`: an
    annotations table of trusted labels (e.g. a trusted job's output manifest), matched to each
    job's objects by `source_ref`; a job none of whose objects has gold is measured against its
    consolidated result. `masks`: the segmentation PNGs (core.annotations.source keeps them),
    each worker's compared with the consolidated one."""
    parts = []
    for job, task, name, mine, scores in _job_scores(table, gold, iou, masks):
        rows = _rolled(scores).assign(job=job, task_type=task, reference=name)
        rows.loc[rows["worker"].eq(JOB), "alpha"] = _alpha(mine, task)
        parts.append(rows)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    out = with_audits(out, table).reindex(columns=COLUMNS)
    # Counts stay whole numbers where some rows have none (a job's own row, a type without them).
    return out.astype({c: "Int64" for c in ("objects", "audited", "id_switches")})


def object_scores(table: pd.DataFrame, gold: pd.DataFrame | None = None, iou: float = DEFAULT_IOU,
                  masks: list[MaskImage] | None = None) -> pd.DataFrame:
    """One row per (job, worker, object) answered: task_type, reference, that answer's measures,
    and `score`, its task type's main figure for that one object (F1 from its own counts)."""
    parts = []
    for job, task, name, _, scores in _job_scores(table, gold, iou, masks):
        scores = scores.assign(job=job, task_type=task, reference=name)
        if {"tp", "n_ref", "n_pred"} <= set(scores.columns):
            total = scores["n_ref"] + scores["n_pred"]
            f1 = 2 * scores["tp"] / total.where(total > 0)
            scores["f1"] = f1.mask(total.eq(0), 1.0)  # nothing drawn where nothing is: agreed; unknown stays NaN
        main = MAIN.get(task)
        scores["score"] = scores[main] if main in scores else np.nan
        parts.append(scores)
    if not parts:
        return pd.DataFrame(columns=["job", "worker", "object", "task_type", "reference", "score"])
    return pd.concat(parts, ignore_index=True)


def _job_scores(table: pd.DataFrame, gold, iou: float, masks):
    """(job, task type, reference name, the job's worker rows, per-object scores) of every job."""
    if not 0 < iou <= 1:
        raise ValueError(f"IoU threshold {iou} is not in (0, 1]")
    workers = table[table["source"].eq(WORKER)]
    consolidated = table[table["source"].eq(CONSOLIDATED)]
    types = _task_types(table)
    for job in sorted(types):
        task = types[job]
        mine = workers[workers["job"].eq(job)]
        if mine.empty:  # output manifests only (answers not synced, or every object machine-labeled): none to measure
            continue
        if task == "semantic-segmentation":  # masks are compared with the job's own; a gold file's are not read
            reference, name, measure = None, "consolidated", _segmentation(masks or [])
        else:
            reference, name = reference_units(consolidated, gold, job, task)
            measure = _MEASURES.get(task)
        scores = measure(mine, reference, iou) if measure is not None and not mine.empty else None
        if scores is None or scores.empty:
            scores = _counted(mine)
        yield job, task, name, mine, scores


def worst_first(report: pd.DataFrame) -> pd.DataFrame:
    """The workers' rows, lowest main measure of their job's task type first (unknown last), with
    that measure as `score`; the jobs' own rows are left out."""
    workers = report[report["worker"].ne(JOB)]
    score = [row[MAIN[t]] if t in MAIN else np.nan for t, (_, row) in zip(workers["task_type"], workers.iterrows(),
                                                                           strict=True)]
    ranked = workers.assign(score=pd.Series(score, index=workers.index, dtype=float))
    return ranked.sort_values(["score", "job", "worker"], na_position="last", kind="stable", ignore_index=True)


def _alpha(mine: pd.DataFrame, task: str) -> float:
    """Krippendorff's alpha (nominal) of the workers' choices, for the types whose answer is one
    choice an object: a class, a set of classes, a verdict. NaN for the others, or when no object
    has two answers. A worker's first answer to an object counts (a later iteration repeats it)."""
    value = {"classification": "label", "multi-label": "label", "label-verification": "verdict"}.get(task)
    if value is None or mine.empty:
        return float("nan")
    keys = ["worker_id", "object_id"]
    if task == "multi-label":
        answers = mine.groupby(keys)[value].agg(lambda v: "|".join(sorted(v.dropna()))).reset_index()
    else:
        answers = mine.drop_duplicates(keys)[[*keys, value]]
    answers = answers.set_axis(["worker", "object", "value"], axis=1)
    return nominal_alpha(answers)


def _task_types(table: pd.DataFrame) -> dict[str, str]:
    """job -> task type: the consolidated rows' (the manifest names it), else the workers'."""
    if table.empty:
        return {}
    ranked = table.assign(_c=table["source"].eq(CONSOLIDATED)).sort_values("_c", ascending=False, kind="stable")
    return ranked.groupby("job", sort=True)["task_type"].first().to_dict()


def reference_units(consolidated: pd.DataFrame, gold: pd.DataFrame | None, job: str, task: str):
    """The units each worker of `job` is compared with, keyed by the job's object ids. Gold is
    matched on the data object: its S3 URI, or an inline text's text (object_keys)."""
    own = consolidated[consolidated["job"].eq(job) & consolidated["task_type"].eq(task)]
    if gold is None or gold.empty:
        return own, "consolidated"
    objects = own.assign(_key=object_keys(own)).dropna(subset=["_key"]).groupby("_key")["object_id"].first()
    keys = object_keys(gold)
    trusted = gold[gold["task_type"].isin(_GOLD_TYPES.get(task, (task,))) & keys.isin(objects.index)]
    if trusted.empty:
        return own, "consolidated"
    return trusted.assign(object_id=keys[trusted.index].map(objects)), "gold"


def _keys(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={"worker_id": "worker", "object_id": "object"})


def _counted(mine: pd.DataFrame) -> pd.DataFrame:
    """Each (worker, object) answered, with no measure: what a type we do not compare shows."""
    return _keys(mine[["job", "worker_id", "object_id"]].drop_duplicates())


def _rolled(scores: pd.DataFrame) -> pd.DataFrame:
    """by_worker's rows, with pooled precision, recall and F1 under their plain names, and the
    overlap F1 of NER pooled the same way from its own matched count."""
    out = by_worker(scores.drop(columns="overlap_tp", errors="ignore"))
    if "overlap_tp" in scores:
        overlap = by_worker(scores.drop(columns="tp").rename(columns={"overlap_tp": "tp"}))
        out["f1_overlap"] = overlap["pooled_f1"].to_numpy()  # the same keys, so the same row order
    if "pooled_f1" in out:
        out = out.rename(columns={"pooled_precision": "precision", "pooled_recall": "recall", "pooled_f1": "f1"})
    return out


def _classification(mine: pd.DataFrame, reference: pd.DataFrame, iou: float) -> pd.DataFrame:
    answers = _keys(mine.groupby(["job", "worker_id", "object_id"], as_index=False)["label"].first())
    ref = reference.groupby("object_id")["label"].first().to_dict()
    return label_scores(answers, ref).rename(columns={"score": "exact_match"})


def _verification(mine: pd.DataFrame, reference: pd.DataFrame, iou: float) -> pd.DataFrame:
    """A verifier's verdict against the consolidated one (pass / fail, whatever the labels say)."""
    answers = _keys(mine.groupby(["job", "worker_id", "object_id"], as_index=False)["verdict"].first())
    ref = reference.groupby("object_id")["verdict"].first().to_dict()
    return label_scores(answers.rename(columns={"verdict": "label"}), ref).rename(columns={"score": "exact_match"})


def _multi_label(mine: pd.DataFrame, reference: pd.DataFrame, iou: float) -> pd.DataFrame:
    answers = _keys(mine.groupby(["job", "worker_id", "object_id"])["label"].agg(frozenset).rename("labels")
                    .reset_index())
    ref = reference.groupby("object_id")["label"].agg(frozenset).to_dict()
    return jaccard_scores(answers, ref).rename(columns={"score": "jaccard"})


def _boxes(mine: pd.DataFrame, reference: pd.DataFrame, iou: float) -> pd.DataFrame:
    mine = mine[mine["kind"].eq("box")]
    reference = reference[reference["kind"].eq("box")]
    if mine.empty:
        return pd.DataFrame()
    coords, labels = mine[_BOX].to_numpy(float), mine["label"].to_numpy(object)
    keys = list(_positions(mine, ["job", "worker_id", "object_id"]))
    answers = _keys(pd.DataFrame({
        "job": [j for (j, _, _), _ in keys], "worker_id": [w for (_, w, _), _ in keys],
        "object_id": [o for (_, _, o), _ in keys], "boxes": [coords[at] for _, at in keys],
        "labels": [labels[at].tolist() for _, at in keys]}))
    ref_coords, ref_labels = reference[_BOX].to_numpy(float), reference["label"].to_numpy(object)
    ref = {o: (ref_coords[at], ref_labels[at].tolist()) for o, at in _positions(reference, "object_id")}
    scores = box_scores(answers, ref, iou, class_aware=True)
    return scores[["job", "worker", "object", "tp", "n_ref", "n_pred", "mean_iou"]]


def _positions(frame: pd.DataFrame, keys):
    """(key, row positions) per group of `frame`, in the order groups first appear: the numpy
    positions of a pandas groupby without building a sub-DataFrame per group (which cost ~0.5 ms a
    group, most of the quality report's time on the demo's ten thousand box answers)."""
    groups = frame.groupby(keys, sort=False).indices
    return sorted(groups.items(), key=lambda item: item[1][0])


def _span_lists(frame: pd.DataFrame, keys) -> list[tuple]:
    """(key, [(label, start, end), ...]) per group of `frame` (see _positions)."""
    spans = list(zip(frame["label"], frame["start"].astype(int), frame["end"].astype(int), strict=True))
    return [(key, [spans[i] for i in at]) for key, at in _positions(frame, keys)]


def _ner(mine: pd.DataFrame, reference: pd.DataFrame, iou: float) -> pd.DataFrame:
    ref = dict(_span_lists(reference, "object_id"))
    rows = []
    for (job, worker, obj), spans in _span_lists(mine, ["job", "worker_id", "object_id"]):
        if obj not in ref:
            rows.append((job, worker, obj, *[np.nan] * 4))
            continue
        exact, overlap = exact_counts(ref[obj], spans), overlap_counts(ref[obj], spans)
        rows.append((job, worker, obj, exact.tp, exact.n_ref, exact.n_pred, overlap.tp))
    return pd.DataFrame(rows, columns=["job", "worker", "object", "tp", "n_ref", "n_pred", "overlap_tp"])


def _frames(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={"track_id": "track"})[["frame", "track", *_BOX, "label"]]


def _video(mine: pd.DataFrame, reference: pd.DataFrame, iou: float) -> pd.DataFrame:
    mine = mine[mine["kind"].eq("frame-box")]
    ref = {o: _frames(g) for o, g in reference[reference["kind"].eq("frame-box")].groupby("object_id")}
    rows = []
    for (job, worker, obj), g in mine.groupby(["job", "worker_id", "object_id"], sort=False):
        if obj not in ref:
            rows.append((job, worker, obj, *[np.nan] * 5))
            continue
        s = score_video(ref[obj], _frames(g), iou, class_aware=True)
        c = s.counts
        tracked = g["track_id"].notna().any() and ref[obj]["track"].notna().any()  # detection jobs have none
        rows.append((job, worker, obj, c.tp, c.n_ref, c.n_pred, s.mean_frame_f1,
                     s.id_switches if tracked else np.nan))
    columns = ["job", "worker", "object", "tp", "n_ref", "n_pred", "mean_frame_f1", "id_switches"]
    return pd.DataFrame(rows, columns=columns)


def _segmentation(masks: list[MaskImage]):
    """Each worker's mask against the consolidated one: `mean_iou`, the mean over the classes
    either mask has of their IoU (background is not a class; a worker's stray pixels on it
    still count against the class they painted)."""
    by_key = {(m.job, m.object_id, m.worker_id): m for m in masks}

    def measure(mine: pd.DataFrame, reference: pd.DataFrame, iou: float) -> pd.DataFrame:
        rows = []
        for job, worker, obj in mine[["job", "worker_id", "object_id"]].drop_duplicates().itertuples(index=False):
            drawn, ref = by_key.get((job, obj, worker)), by_key.get((job, obj, None))
            rows.append((job, worker, obj, _mask_iou(ref, drawn) if drawn and ref else np.nan))
        return pd.DataFrame(rows, columns=["job", "worker", "object", "mean_iou"])

    return measure


def _mask_iou(ref: MaskImage, drawn: MaskImage) -> float:
    ious = mask_class_iou(ref, drawn)
    return float(ious.mean()) if ious is not None and len(ious) else np.nan


_MEASURES: dict[str, Callable[[pd.DataFrame, pd.DataFrame, float], pd.DataFrame]] = {
    "classification": _classification,
    "multi-label": _multi_label,
    "bounding-box": _boxes,
    "adjustment": _boxes,
    "ner": _ner,
    "video-object-detection": _video,
    "video-object-tracking": _video,
    "label-verification": _verification,
}


def with_audits(out: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """On the audited job's rows: `audited` (labels a verification job checked) and their
    `pass_rate`, and `adjusted` (the share of its objects an adjustment job changed). Each audit
    is traced to the workers who answered that object in the job it audited (docs/ground-truth.md
    §8): a worker answers for the consolidated label they took part in."""
    audits = table[table["source"].eq(CONSOLIDATED) & table["audited_job"].notna()]
    answered = table[table["source"].eq(WORKER)].drop_duplicates(["job", "object_id", "worker_id"])[
        ["job", "object_id", "worker_id"]]
    verdicts = audits[audits["kind"].eq("verdict")]
    verdicts = verdicts.assign(hit=verdicts["verdict"].map({"pass": True, "fail": False}))
    changes = audits[audits["adjustment"].notna()].drop_duplicates(["audited_job", "object_id"])
    changes = changes.assign(hit=changes["adjustment"].eq("adjusted"))
    checked, passed = _traced_rates(verdicts, answered)
    _, adjusted = _traced_rates(changes, answered)
    keys = list(zip(out["job"], out["worker"], strict=True))
    return out.assign(audited=[checked.get(k, np.nan) for k in keys], pass_rate=[passed.get(k, np.nan) for k in keys],
                      adjusted=[adjusted.get(k, np.nan) for k in keys])


def _traced_rates(audits: pd.DataFrame, answered: pd.DataFrame) -> tuple[dict, dict]:
    """({(job, worker): audits}, {(job, worker): share of `hit`}) over the audits traced to the
    audited job's workers, and per job under the job row's name; unreadable verdicts left out."""
    audits = audits[audits["hit"].notna()][["audited_job", "object_id", "hit"]]
    traced = audits.merge(answered, left_on=["audited_job", "object_id"], right_on=["job", "object_id"])
    if traced.empty:
        return {}, {}
    traced = traced.assign(hit=traced["hit"].astype(bool))
    per_worker = traced.groupby(["job", "worker_id"])["hit"].agg(["size", "mean"])
    per_job = traced.groupby("job")["hit"].agg(["size", "mean"])
    counts = {**per_worker["size"].to_dict(), **{(j, JOB): n for j, n in per_job["size"].items()}}
    rates = {**per_worker["mean"].to_dict(), **{(j, JOB): r for j, r in per_job["mean"].items()}}
    return counts, rates
