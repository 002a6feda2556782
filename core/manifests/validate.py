"""Validate any manifest, input or output: every problem with its 1-based line number, and per label
attribute how many lines are labeled, failed or unlabeled (docs/ground-truth.md §3, §6).

Lines are split on \\n only (a \\r before it is dropped, as the service reads \\r\\n too); a problem
at line 0 concerns the manifest as a whole.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..aws import MAX_POOL
from ..gt.errors import BadFile
from ..gt.jsonio import JsonError, loads
from ..gt.manifest import read_manifest
from ..storage import Location, StoreError, open_location
from ..storage.local import problem_of
from .limits import MAX_LINE_CHARS, MAX_VALUE_CHARS, max_objects

OpenUri = Callable[[str], Location]
Progress = Callable[[int, int], None]

PROBLEM_KINDS = {
    "empty": "the manifest has no lines",
    "not_utf8": "the line is not UTF-8",
    "too_long": f"the line is over {MAX_LINE_CHARS:,} characters",
    "invalid_json": "the line is not JSON (an empty line included)",
    "not_object": "the line is JSON but not an object",
    "dollar_key": "a key starts with $",
    "value_too_long": f"a value is over {MAX_VALUE_CHARS:,} characters",
    "no_source": "neither source-ref nor source",
    "both_sources": "both source-ref and source: a line holds one or the other",
    "bad_source": "source-ref or source is not a non-empty string",
    "duplicate": "the same object as an earlier line",
    "missing_object": "the source-ref object does not exist",
    "cannot_check": "whether the object exists could not be checked",
    "too_many_objects": "more objects than one labeling job takes",
}


@dataclass(frozen=True)
class LineProblem:
    """A finding on one line of a manifest (a report, not an error: core.errors.Problem is the
    problem of a field). Its fields are the JSON the validate command prints."""

    line: int  # 1-based; 0: the manifest as a whole
    kind: str  # a key of PROBLEM_KINDS
    message: str


@dataclass(frozen=True)
class AttributeSummary:
    """One label attribute over the manifest's lines, as LabelCounters count them (§6)."""

    attribute: str
    labeled: int  # the label key is there (TotalLabeled)
    failed: int  # metadata with failure-reason and no label (FailedNonRetryableError, §3)
    unlabeled: int  # every other line that is a JSON object (Unlabeled)
    human: int  # labeled with human-annotated yes (HumanLabeled)
    machine: int  # labeled with human-annotated no: auto-labeled (MachineLabeled)


@dataclass
class ValidationReport:
    lines: int
    objects: int  # lines with a usable source-ref or source
    max_objects: int
    problems: list[LineProblem] = field(default_factory=list)
    attributes: list[AttributeSummary] = field(default_factory=list)
    checked: int = 0  # distinct source-ref objects whose existence was checked
    unchecked: int = 0  # distinct objects left unchecked (max_checks, or checks turned off)

    @property
    def ok(self) -> bool:
        return not self.problems

    def by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for p in self.problems:
            counts[p.kind] += 1
        return dict(counts)

    def to_dict(self) -> dict:
        return asdict(self) | {"ok": self.ok, "problem_counts": self.by_kind()}


def _dollar_keys(value) -> list[str]:
    """Paths of keys starting with $, in document order; a walk with its own stack, not recursion."""
    found = []
    stack = [(value, "", False)]
    while stack:
        node, path, dollar = stack.pop()
        if dollar:
            found.append(path)
        if isinstance(node, dict):
            children = [(inner, f"{path}.{key}" if path else key, key.startswith("$")) for key, inner in node.items()]
        elif isinstance(node, list):
            children = [(inner, f"{path}[{i}]", False) for i, inner in enumerate(node)]
        else:
            continue
        stack.extend(reversed(children))
    return found


def _chars(value) -> int:
    return len(value) if isinstance(value, str) else len(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _split_lines(data: bytes) -> list[bytes]:
    lines = [line.removesuffix(b"\r") for line in data.removeprefix(b"\xef\xbb\xbf").split(b"\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _line_object(number: int, raw: bytes, problems: list[LineProblem]) -> tuple[str, dict | None]:
    """The line's text and its object, or None after noting why it is not one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(LineProblem(number, "not_utf8", f"not UTF-8 (byte {exc.start + 1} of the line)"))
        return "", None
    if len(text) > MAX_LINE_CHARS:
        problems.append(LineProblem(number, "too_long", f"{len(text):,} characters, over the {MAX_LINE_CHARS:,} "
                                                    "a line may have"))
    if not text.strip():
        problems.append(LineProblem(number, "invalid_json", "empty line"))
        return text, None
    try:
        obj = loads(text)
    except JsonError as exc:
        problems.append(LineProblem(number, "invalid_json", f"invalid JSON ({exc.where(with_line=False)})"))
        return text, None
    if not isinstance(obj, dict):
        problems.append(LineProblem(number, "not_object", f"a JSON {type(obj).__name__}, not an object"))
        return text, None
    return text, obj


def _line_problems(number: int, obj: dict, problems: list[LineProblem]) -> tuple[str, str] | None:
    """Problems of one object line; its (key, source) when it has one usable source."""
    dollars = _dollar_keys(obj)
    if dollars:
        problems.append(LineProblem(number, "dollar_key", f"key(s) starting with $: {', '.join(dollars)}"))
    for key, value in obj.items():
        if _chars(value) > MAX_VALUE_CHARS:
            problems.append(LineProblem(number, "value_too_long", f"{key!r} is {_chars(value):,} characters, over "
                                                              f"the {MAX_VALUE_CHARS:,} a value may have"))
    present = [k for k in ("source-ref", "source") if k in obj]
    if not present:
        problems.append(LineProblem(number, "no_source", "no source-ref or source"))
        return None
    if len(present) == 2:
        problems.append(LineProblem(number, "both_sources", "both source-ref and source: keep one"))
        return None
    key, value = present[0], obj[present[0]]
    if not isinstance(value, str) or not value.strip():
        problems.append(LineProblem(number, "bad_source", f"{key} is {json.dumps(value)[:80]}: expected a "
                                                      f"{'URI' if key == 'source-ref' else 'text'}"))
        return None
    return key, value


def _summaries(texts: list[str], objects: int) -> list[AttributeSummary]:
    """Per label attribute, from core.gt.manifest (lines that are not objects passed as empty)."""
    try:
        manifest = read_manifest("\n".join(texts).encode())
    except BadFile:  # no line is an object
        return []
    out = []
    for attribute in manifest.attributes():
        entries = [e for e in manifest.labels if e.attribute == attribute]
        labeled = [e for e in entries if e.status == "labeled"]
        failed = sum(e.status == "failed" for e in entries)
        out.append(AttributeSummary(
            attribute, len(labeled), failed, objects - len(labeled) - failed,
            sum(e.human_annotated is True for e in labeled), sum(e.human_annotated is False for e in labeled)))
    return out


def _local_exists(path: Path) -> bool | str:
    problem = problem_of(path)
    return problem if problem else path.is_file()


def _exists_checks(uris: list[str], open_uri: OpenUri, progress: Progress | None) -> dict[str, bool | str]:
    """uri -> exists, or the reason it could not be checked. One store per bucket; HEADs in parallel."""
    stores: dict[str, Location | str] = {}
    jobs: list[tuple[str, Callable[[], bool]]] = []
    for uri in uris:
        if uri.startswith("s3://"):
            bucket, _, key = uri[5:].partition("/")
            if bucket not in stores:
                try:
                    stores[bucket] = open_uri(f"s3://{bucket}/")
                except StoreError as exc:
                    stores[bucket] = str(exc)
            location = stores[bucket]
            if isinstance(location, str):
                jobs.append((uri, lambda reason=location: reason))
            else:
                jobs.append((uri, lambda store=location.store, key=key: bool(key) and store.exists(key)))
        else:  # a local path: the app's folder mode; a FIFO or a broken link is a reason, not "missing"
            jobs.append((uri, lambda path=uri: _local_exists(Path(path).expanduser())))
    results: dict[str, bool | str] = {}
    if not jobs:
        return results
    with ThreadPoolExecutor(max_workers=min(MAX_POOL, len(jobs))) as pool:
        futures = {pool.submit(check): uri for uri, check in jobs}
        for done, future in enumerate(as_completed(futures), start=1):
            try:
                results[futures[future]] = future.result()
            except Exception as exc:  # one object's failure is that object's problem, never fatal
                results[futures[future]] = str(exc) if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
            if progress and (done == len(jobs) or done % 200 == 0):
                progress(done, len(jobs))
    return results


def _existence_problems(refs: dict[str, int], results: dict[str, bool | str]) -> list[LineProblem]:
    problems = []
    cannot: dict[tuple[str, str], list[int]] = defaultdict(list)
    for uri, line in refs.items():
        result = results.get(uri)
        if result is False:
            problems.append(LineProblem(line, "missing_object", f"{uri} does not exist"))
        elif isinstance(result, str):
            where = uri[5:].partition("/")[0] if uri.startswith("s3://") else str(Path(uri).parent)
            cannot[(where, result)].append(line)
    for (where, reason), lines in cannot.items():  # one problem per cause, at its first line
        shown = ", ".join(map(str, lines[:5])) + (", ..." if len(lines) > 5 else "")
        problems.append(LineProblem(lines[0], "cannot_check", f"{len(lines):,} object(s) in {where} (lines {shown}): "
                                                          f"{reason}"))
    return problems


def validate_manifest(data: bytes, open_uri: OpenUri | None = None, *, check_exists: bool = True,
                      task: str | None = None, max_checks: int | None = None,
                      progress: Progress | None = None) -> ValidationReport:
    """Check every line of `data`. `open_uri` opens s3:// URIs for the existence checks (a
    workspace's `open`; default S3 itself); `max_checks` caps the distinct objects checked;
    `task` (a task type name) sets the object quota. ValueError for an unknown task."""
    limit = max_objects(task)
    raw_lines = _split_lines(data)
    problems: list[LineProblem] = []
    texts: list[str] = []
    first_line: dict[tuple[str, str], int] = {}
    refs: dict[str, int] = {}  # source-ref -> first line, in line order
    objects = parsed = 0
    for number, raw in enumerate(raw_lines, start=1):
        text, obj = _line_object(number, raw, problems)
        texts.append(text if obj is not None else "")
        if obj is None:
            continue
        parsed += 1
        source = _line_problems(number, obj, problems)
        if source is None:
            continue
        objects += 1
        if source in first_line:
            problems.append(LineProblem(number, "duplicate", f"same {source[0]} as line {first_line[source]}: "
                                                         f"{source[1][:200]}"))
            continue
        first_line[source] = number
        if source[0] == "source-ref":
            refs[source[1]] = number
    if not raw_lines:
        problems.append(LineProblem(0, "empty", "no lines: a labeling job needs at least one object"))
    if objects > limit:
        problems.append(LineProblem(0, "too_many_objects", f"{objects:,} objects: a {task or 'labeling'} job takes at "
                                                       f"most {limit:,}; split the manifest"))
    report = ValidationReport(lines=len(raw_lines), objects=objects, max_objects=limit)
    if check_exists and refs:
        chosen = list(refs)[:max_checks] if max_checks is not None else list(refs)
        results = _exists_checks(chosen, open_uri or open_location, progress)
        problems.extend(_existence_problems(refs, results))
        report.checked, report.unchecked = len(chosen), len(refs) - len(chosen)
    else:
        report.unchecked = len(refs)
    report.problems = sorted(problems, key=lambda p: p.line)
    report.attributes = _summaries(texts, parsed)
    return report
