"""Is a demo folder whole? A damaged one (junk in its state files, its state folder gone, output
deleted) is set aside and built again, so no page breaks on it with no way out.

The demo is generated, but people add to it (manifests, launched jobs, saved races): a damaged
demo is renamed beside itself (`demo-damaged-1`, ...), never deleted, so nothing of theirs is lost.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from itertools import count
from pathlib import Path

from .names import BUCKET, JOB_OUTPUT
from .service import STATE_VERSION


def _json(path: Path):
    """The parsed file, or None when it is missing or not JSON."""
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def _is_time(text) -> bool:
    try:
        return isinstance(text, str) and datetime.fromisoformat(text) is not None
    except ValueError:
        return False


def output_files(buckets: Path) -> dict[str, int]:
    """Files of each job's output in the demo bucket: the output only grows while the demo runs."""
    folder = buckets / BUCKET / JOB_OUTPUT
    if not folder.is_dir():
        return {}
    return {job.name: sum(len(files) for _, _, files in os.walk(job)) for job in sorted(folder.iterdir())
            if job.is_dir()}


def _job_damage(folder: Path) -> str | None:
    record = _json(folder / "job.json")
    if not isinstance(record, dict) or not {"name", "created_ms", "spec", "request"} <= record.keys():
        return f"the saved state of job {folder.name} is unreadable"
    if not (folder / "input.manifest").is_file():
        return f"the input manifest of job {folder.name} is missing"
    for extra in ("truth.json", "initial-model.json"):
        if (folder / extra).exists() and _json(folder / extra) is None:
            return f"the saved state of job {folder.name} is unreadable"
    return None


def damage(root: Path) -> str | None:
    """What is wrong with the demo in `root`, in plain words; None when it is whole or not built."""
    state, buckets = Path(root) / "state", Path(root) / "buckets"
    if not state.exists() and not (buckets / BUCKET).exists():
        return None  # nothing built here (a folder of other files is open_demo's to refuse)
    if not state.is_dir():
        return "its state folder is missing"
    info = _json(state / "demo.json")
    if not isinstance(info, dict) or not isinstance(info.get("seed"), int) or not _is_time(info.get("now")):
        return "its description (demo.json) is missing or unreadable"
    service = _json(state / "service.json")
    if not isinstance(service, dict) or service.get("version") != STATE_VERSION:
        return "its workforce (service.json) is missing or unreadable"
    if not isinstance(_json(state / "truth.json"), dict):
        return "its answer key (truth.json) is missing or unreadable"
    jobs = state / "jobs"
    built = info.get("output_files") or {}
    if built and not jobs.is_dir():
        return "the saved state of its jobs is missing"
    for folder in sorted(jobs.iterdir()) if jobs.is_dir() else ():
        if folder.is_dir() and (problem := _job_damage(folder)):
            return problem
    if any(not (jobs / name.lower() / "job.json").is_file() for name in built):
        return "the saved state of some of its jobs is missing"
    now = output_files(buckets) if built else {}  # an older demo recorded no counts: nothing to compare
    short = [name for name, files in built.items() if now.get(name, 0) < files]
    if short:
        return f"output of {len(short)} job(s) was deleted ({', '.join(short[:3])})"
    return None


def set_aside(root: Path) -> Path:
    """Rename `root` to the first free `<name>-damaged-<n>` beside it, and return that path."""
    root = Path(root)
    for n in count(1):
        aside = root.with_name(f"{root.name}-damaged-{n}")
        if not aside.exists():
            os.replace(root, aside)
            return aside
    raise AssertionError("unreachable")
