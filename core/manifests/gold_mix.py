"""Gold in the queue: gold objects (from a gold file) mixed into a planned manifest at seeded places,
each line tagged with GOLD_KEY, its true label, so the reports measure every worker on them while the
job runs and keep them out of the ordinary output.

Ground Truth copies every key of an input line into the output line (docs/ground-truth.md §3), so the
tag comes back in the output manifest next to the workers' consolidated label. The whole input line
also goes to the pre-annotation Lambda as `dataObject` (sms-custom-templates-step3-lambda-requirements);
the built-in task templates show workers only the object (UNCONFIRMED: AWS's examples pass
`source-ref` / `source` alone to the template), so a custom template must not print the whole line.

- The share is of the lines written: 5 % means 5 of every 100 lines a worker gets are gold.
- A gold object already among the manifest's lines is not added again (and that line stays as it is).
- Each part of a split manifest gets its share; the parts draw the gold objects in one seeded order,
  so they differ while the gold file has enough of them, and repeat them once it has not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..gt.manifest import GOLD_KEY
from .build import REFERENCE_KINDS, ManifestError, ManifestPlan, stable_order
from .limits import MAX_VALUE_CHARS

MAX_SHARE = 0.5  # beyond half the lines, the "ordinary" work is the minority: surely a mistake


@dataclass(frozen=True)
class GoldMix:
    share: float  # 0 < share <= MAX_SHARE, of the lines written
    offered: int  # gold objects in the gold file that can be manifest lines
    already: int  # of those, already among the manifest's lines: not added twice
    per_part: tuple[int, ...]  # gold lines mixed into each part
    warnings: tuple[str, ...] = ()


def gold_count(ordinary: int, share: float) -> int:
    """Gold lines to add to `ordinary` lines so that `share` of all lines are gold (at least one)."""
    if ordinary <= 0:
        return 0
    return max(1, round(ordinary * share / (1 - share)))


def _line(kind: str, source: str, label: str) -> dict:
    key = "source-ref" if kind in REFERENCE_KINDS else "source"
    return {key: source, GOLD_KEY: label}


def gold_pool(gold: dict[str, str], kind: str, name: str) -> list[dict]:
    """A tagged manifest line per gold object. Objects by reference need their whole URI (a file name or
    an ID, as in Open Images' ImageId files, names no object); ManifestError says so, naming the file."""
    lines, unplaceable = [], []
    for source, label in gold.items():
        if kind in REFERENCE_KINDS and "/" not in source:
            unplaceable.append(source)
        elif len(source) > MAX_VALUE_CHARS or len(label) > MAX_VALUE_CHARS:
            raise ManifestError(f"{name}: the gold object {source[:60]!r}... is over the {MAX_VALUE_CHARS:,} "
                                "characters a manifest value may have")
        else:
            lines.append(_line(kind, source, label))
    if unplaceable and not lines:
        raise ManifestError(f"{name}: its gold objects are named by file name or ID (e.g. {unplaceable[0]!r}), not by "
                            "their whole URI: a manifest line needs the object's URI, such as "
                            "s3://bucket/images/a.jpg. Use a gold file keyed by source-ref (a CSV with source-ref "
                            "and label columns, or a trusted job's output manifest)")
    return lines


def _places(ordinary: int, gold: int, seed: int, salt: str) -> list[int]:
    """The line numbers (0-based, in the part written) of its gold lines: seeded, stable."""
    slots = [str(i) for i in range(ordinary + gold)]
    return sorted(stable_order(slots, seed, salt)[:gold])


def _interleave(lines: list[dict], gold: list[dict], places: list[int]) -> list[dict]:
    out, ordinary, extra = [], iter(lines), iter(gold)
    wanted = set(places)
    for i in range(len(lines) + len(gold)):
        out.append(next(extra) if i in wanted else next(ordinary))
    return out


def mix_gold(plan: ManifestPlan, gold: dict[str, str], share: float, name: str = "the gold file") -> tuple[
        ManifestPlan, GoldMix]:
    """The plan with gold lines mixed into each part (the plan's seed places them), and what was done.
    `gold` is {source: label} (core.gold.read_gold); `name` names the gold file in messages."""
    if not 0 < share <= MAX_SHARE:
        raise ManifestError(f"the gold share must be above 0 % and at most {MAX_SHARE:.0%}, not {share:.1%}")
    pool = gold_pool(gold, plan.spec.kind, name)
    key = "source-ref" if plan.spec.kind in REFERENCE_KINDS else "source"
    present = {line.get(key) for line in plan.lines}
    fresh = [line for line in pool if line[key] not in present]
    already = len(pool) - len(fresh)
    order = [fresh[i] for i in stable_order([line[key] for line in fresh], plan.spec.seed, "gold")]
    warnings = []
    if not order:
        raise ManifestError(f"{name}: all {len(pool):,} of its gold objects are already in the manifest, so none can "
                            "be mixed in (a gold object is never added twice)")
    parts, per_part, drawn = [], [], 0
    for number, lines in enumerate(plan.parts, start=1):
        want = gold_count(len(lines), share)
        count = min(want, len(order))
        if count < want:
            warnings.append(f"part {number}: {count:,} gold objects instead of {want:,}: {name} has only "
                            f"{len(order):,} that are not in the manifest already")
        chosen = [dict(order[(drawn + j) % len(order)]) for j in range(count)]
        drawn += count
        places = _places(len(lines), count, plan.spec.seed, f"gold-place-{number}")
        parts.append(_interleave(lines, chosen, places))
        per_part.append(count)
    if drawn > len(order) and len(parts) > 1:
        warnings.append(f"the parts share some gold objects: {name} has {len(order):,} to draw from and the parts "
                        f"take {drawn:,} in all")
    counts = {k: v for k, v in plan.counts.items() if k != "lines"}
    counts.update(gold_offered=len(pool), gold_already=already, gold_mixed=sum(per_part),
                  lines=sum(len(p) for p in parts))
    mixed = replace(plan, lines=[line for part in parts for line in part], parts=parts, counts=counts,
                    warnings=plan.warnings + warnings)
    return mixed, GoldMix(share, len(pool), already, tuple(per_part), tuple(warnings))

