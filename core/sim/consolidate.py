"""Annotation consolidation as the built-in ACS Lambdas return it (docs/ground-truth.md §3, §4).

Classification: majority vote; confidence 0.95 when workers agree (real 5-worker jobs show mostly
0.95), lower with dissent, 0.00 with one worker (§3). Boxes: boxes of different workers that
overlap (IoU > 0.5, same label) are one object; objects drawn by at least half of the workers
are kept with the mean of their edges.
"""

from __future__ import annotations

from collections import Counter


def vote(answers: list[str], labels: list[str]) -> tuple[str, float]:
    """(winning class, confidence). Ties go to the class answered first."""
    counts = Counter(answers)
    best = max(counts.values())
    winner = next(a for a in answers if counts[a] == best)
    if len(answers) == 1:
        return winner, 0.0
    return winner, round(0.95 * (best / len(answers)) ** 0.5, 2)


def _iou(a: dict, b: dict) -> float:
    x1, y1 = max(a["left"], b["left"]), max(a["top"], b["top"])
    x2 = min(a["left"] + a["width"], b["left"] + b["width"])
    y2 = min(a["top"] + a["height"], b["top"] + b["height"])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    union = a["width"] * a["height"] + b["width"] * b["height"] - inter
    return inter / union if union else 0.0


def merge_boxes(drawn: list[list[dict]], labels: list[str]) -> tuple[list[dict], list[float]]:
    """(annotations with class_id, confidence per annotation) from each worker's boxes."""
    clusters: list[list[dict]] = []
    for boxes in drawn:
        taken: set[int] = set()
        for box in boxes:
            best, best_iou = None, 0.5
            for i, cluster in enumerate(clusters):
                if i in taken or cluster[0]["label"] != box["label"]:
                    continue
                iou = _iou(cluster[0], box)
                if iou > best_iou:
                    best, best_iou = i, iou
            if best is None:
                clusters.append([box])
                taken.add(len(clusters) - 1)
            else:
                clusters[best].append(box)
                taken.add(best)
    need = max(1, (len(drawn) + 1) // 2)
    annotations, confidences = [], []
    for cluster in clusters:
        if len(cluster) < need:
            continue
        n = len(cluster)
        mean = {k: round(sum(b[k] for b in cluster) / n) for k in ("left", "top", "width", "height")}
        label = cluster[0]["label"]
        annotations.append({
            "class_id": labels.index(label) if label in labels else 0,
            "left": mean["left"], "top": mean["top"], "width": mean["width"], "height": mean["height"],
        })
        agreement = sum(_iou(b, mean) for b in cluster) / n
        confidences.append(round(min(0.99, agreement * n / len(drawn)), 2))
    order = sorted(range(len(annotations)), key=lambda i: (annotations[i]["top"], annotations[i]["left"]))
    return [annotations[i] for i in order], [confidences[i] for i in order]


def union_of_sets(answers: list[list[str]], labels: list[str]) -> tuple[list[int], dict[str, float]]:
    """Multi-label (§3): every class at least one worker chose, with the share of workers who
    chose it as its confidence (0.00 with one worker, as single-label)."""
    chosen = [labels.index(x) for x in labels if any(x in a for a in answers)]
    n = len(answers)
    confidence = {str(i): (round(0.95 * sum(labels[i] in a for a in answers) / n, 2) if n > 1 else 0.0)
                  for i in chosen}
    return chosen, confidence


def majority_spans(answers: list[list[dict]]) -> tuple[list[dict], list[float]]:
    """NER: the spans (label, start, end) marked by at least half of the workers, in text order,
    each with the share that marked it (0 with one worker, §3)."""
    counts: Counter = Counter()
    for entities in answers:
        counts.update({(e["label"], e["startOffset"], e["endOffset"]) for e in entities})
    need, n = max(1, (len(answers) + 1) // 2), len(answers)
    kept = sorted((s for s, c in counts.items() if c >= need), key=lambda s: (s[1], s[2], s[0]))
    entities = [{"label": label, "startOffset": start, "endOffset": end} for label, start, end in kept]
    return entities, [round(0.95 * counts[s] / n, 2) if n > 1 else 0.0 for s in kept]
