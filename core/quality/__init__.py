"""Annotation quality: pure measures over simple inputs (numpy arrays, small dataclasses, pandas
frames with named columns); no I/O. The readers turn Ground Truth output into these inputs.

- matching: one-to-one assignment (Hungarian) and precision/recall/F1 from counts
- boxes: IoU matrix and box matching (left, top, width, height)
- classes: single-label exact match and confusion matrix; sets: multi-label Jaccard
- spans: NER span F1, exact and overlapping; masks: per-class IoU of label masks
- video: per-frame box F1 and track identity switches
- audit: verification pass rates; agreement: pairwise agreement and Krippendorff's alpha
- rollup: per-object scores to one row per (job, worker) plus a job row
"""
