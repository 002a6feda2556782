"""Writes a simulated job's files in Ground Truth's real layout under `<S3OutputPath>/<job>/` (§1).

    annotations/worker-response/iteration-N/<datasetObjectId>/<YYYY-MM-DD_HH:MM:SS>.json    (§2)
    annotations/consolidated-annotation/consolidation-request/iteration-N/<ts>.json         (§4)
    annotations/consolidated-annotation/consolidation-response/iteration-N/<ts>.json        (§4)
    manifests/intermediate/N/output.manifest      snapshot when iteration N ends
    manifests/output/output.manifest              rewritten as labels arrive; final at the end (§3)
    annotations/consolidated-annotation/output/<datasetObjectId>/SeqLabel.json      video tracking (§1, §3)
    annotations/consolidated-annotation/output/<datasetObjectId>_<ISO time>.png     segmentation masks (§1)

With auto-labeling, for each round N (an iteration of its own; the folders between `training/` or
`activelearning/` and N are the simulator's, §1 UNCONFIRMED):
    training/N/model/<training-job>/output/model.tar.gz         when the training job ends (§1)
    activelearning/auto-annotator/N/output/auto_annotator_output.txt    `<datasetObjectId> <line>` (§4)
    activelearning/auto-annotator/N/output/validation.json      SIMULATOR-SPECIFIC (core.sim.autolabel)
Machine labels are never in worker-response or consolidation files: no worker answered them.

`materialize(outcome, since, until)` writes exactly the files due in (since, until]: a later call
writes only what is new. Only the manifests, which Ground Truth itself rewrites, are overwritten.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from ..storage import Location, ObjectExists
from . import autolabel
from .clock import from_ms
from .engine import EXPIRED_TASKS, AutoRound, Outcome, Plan
from .labels import OUTPUT_TYPES, SEQ_LABEL, Label, consolidate
from .workforce import Worker

WRITERS = 3  # threads writing a job's files
SNAPSHOT_DELAY_MS = 30_000  # an iteration's intermediate manifest follows its last ACS run


def dumps(value) -> str:
    """Compact JSON, as Ground Truth writes it (no spaces; real output, S7)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def key_time(ms: int) -> str:
    """`2019-04-18_16:12:00`: the file-name timestamp of responses and consolidation files (§1)."""
    return from_ms(ms).strftime("%Y-%m-%d_%H:%M:%S")


def answer_time(ms: int) -> str:
    """`2024-03-12T10:11:27.475Z`: UTC with milliseconds (§2, private workforce)."""
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def creation_date(t: datetime, micros: int) -> str:
    """`2019-04-18T16:40:59.217995`: microseconds, no zone (§3)."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000 * 1000 + micros:06d}"


class JobWriter:
    def __init__(self, plan: Plan, lines: list[str], root: Location, workers: list[Worker], issuer: str):
        self.plan = plan
        self.spec = plan.spec
        self.lines = lines
        self.parsed = [json.loads(line) for line in lines]
        self.root = root
        self.workers = workers
        self.issuer = issuer
        self._labels: dict[int, Label] = {}
        self._pool: ThreadPoolExecutor | None = None  # the writers of a materialize call
        self._pending: list = []
        self._rewrites: list[tuple[str, bytes]] = []
        self._machine = {oid: label for rnd in plan.rounds for oid, label in rnd.labels.items()}
        self.written = 0

    # --- keys and writes ----------------------------------------------------------------------------

    def key(self, rel: str) -> str:
        prefix = self.root.prefix.rstrip("/")
        return f"{prefix}/{rel}" if prefix else rel

    def _put(self, rel: str, data: bytes) -> None:
        """Write in the background (materialize waits for every write): file creation, a folder
        per object, is most of a job's writing time, and it overlaps with making the next file."""
        self._pending.append(self._pool.submit(self._write_new, self.key(rel), data))

    def _write_new(self, key: str, data: bytes) -> int:
        try:
            self.root.store.put(key, data)
            return 1
        except ObjectExists:
            return 0  # written by an earlier (or a concurrent) run: responses never change

    def _rewrite(self, rel: str, data: bytes) -> None:
        self._rewrites.append((self.key(rel), data))  # after the new files, as before: see materialize

    # --- content -----------------------------------------------------------------------------------

    def _identity(self, worker: Worker) -> dict:
        return {"identityData": {"identityProviderType": "Cognito", "issuer": self.issuer, "sub": worker.sub}}

    def worker_response(self, oid: int) -> bytes:
        answers = []
        for a in self.plan.objects[oid].answers:
            worker = self.workers[a.worker]
            answers.append({
                "acceptanceTime": answer_time(a.accept_ms),
                "answerContent": a.content,
                "submissionTime": answer_time(a.submit_ms),
                "timeSpentInSeconds": a.active_ms / 1000,
                "workerId": worker.worker_id,
                "workerMetadata": self._identity(worker),
            })
        return dumps({"answers": answers}).encode()

    def _label(self, oid: int) -> Label:
        """The consolidated label (core.sim.labels), cached."""
        found = self._labels.get(oid)
        if found is None:
            contents = [a.content for a in self.plan.objects[oid].answers]
            found = self._labels[oid] = consolidate(self.spec.task, contents, self.spec.labels,
                                                    f"labeling-job/{self.spec.name}", oid, self.root.uri)
        return found

    def mask_key(self, oid: int, at_ms: int) -> str:
        """`output/<datasetObjectId>_<ISO timestamp>.png`: a consolidated mask (§1)."""
        stamp = from_ms(at_ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at_ms % 1000 * 1000:06d}"
        return f"annotations/consolidated-annotation/output/{oid}_{stamp}.png"

    def consolidated(self, oid: int, at_ms: int) -> dict:
        label = self._label(oid)
        micros = zlib.crc32(f"{self.spec.name}/{oid}".encode()) % 1000
        meta = dict(label.meta, **{"creation-date": creation_date(from_ms(at_ms), micros)})
        value = label.value if label.value is not None else f"{self.root.uri.rstrip('/')}/{self.mask_key(oid, at_ms)}"
        return {self.spec.attribute: value, f"{self.spec.attribute}-metadata": meta}

    def machine_label(self, oid: int, at_ms: int) -> dict:
        """An auto-label as Ground Truth writes it: `human-annotated` no, the model's confidence (§3)."""
        index, confidence = self._machine[oid]
        micros = zlib.crc32(f"{self.spec.name}/{oid}/auto".encode()) % 1000
        meta = {"confidence": round(confidence, 2), "job-name": f"labeling-job/{self.spec.name}",
                "class-name": self.spec.labels[index], "human-annotated": "no",
                "creation-date": creation_date(from_ms(at_ms), micros), "type": OUTPUT_TYPES[self.spec.task]}
        return {self.spec.attribute: index, f"{self.spec.attribute}-metadata": meta}

    def auto_annotator_output(self, rnd: AutoRound) -> bytes:
        """`<datasetObjectId> <output manifest line>` per auto-labeled object (§4)."""
        lines = [f"{oid} {self._line(oid, self.machine_label(oid, rnd.end_ms))}" for oid in sorted(rnd.labels)]
        return ("\n".join(lines) + "\n").encode()

    def _line(self, oid: int, extra: dict) -> str:
        attr = self.spec.attribute
        obj = {k: v for k, v in self.parsed[oid].items() if k not in (attr, f"{attr}-metadata")}
        obj.update(extra)
        return dumps(obj)

    def manifest(self, outcome: Outcome, at_ms: int) -> bytes:
        """The output manifest as of `at_ms`: every input line, labeled, failed or unchanged (§3)."""
        attr = self.spec.attribute
        failure = {"retry-count": 1, "failure-reason": EXPIRED_TASKS, "human-annotated": "true"}  # §3, S14
        failed_meta = {f"{attr}-metadata": failure}
        out = []
        for oid, raw in enumerate(self.lines):
            when = outcome.consolidated.get(oid)
            if when is not None and when <= at_ms:
                out.append(self._line(oid, self.consolidated(oid, when)))
                continue
            when = outcome.machine.get(oid)
            if when is not None and when <= at_ms:
                out.append(self._line(oid, self.machine_label(oid, when)))
                continue
            when = outcome.failed.get(oid)
            out.append(self._line(oid, failed_meta) if when is not None and when <= at_ms else raw)
        return ("\n".join(out) + "\n").encode()

    def _consolidation_files(self, iteration: int, at_ms: int, oids: list[int]) -> tuple[bytes, bytes]:
        requests, responses = [], []
        for oid in oids:
            line = self.parsed[oid]
            data = {"s3Uri": line["source-ref"]} if "source-ref" in line else {"content": line.get("source")}
            requests.append({
                "datasetObjectId": str(oid),
                "dataObject": data,
                "annotations": [
                    {"workerId": self.workers[a.worker].worker_id, "annotationData": {"content": dumps(a.content)}}
                    for a in self.plan.objects[oid].answers
                ],
            })
            content = self.consolidated(oid, at_ms)
            responses.append({"datasetObjectId": str(oid), "consolidatedAnnotation": {"content": content}})
        return dumps(requests).encode(), dumps(responses).encode()

    def _label_file(self, oid: int, at_ms: int) -> None:
        """The mask PNG or SeqLabel.json a label names, written with its consolidation (§1)."""
        label = self._label(oid)
        if label.file is not None:
            rel = self.mask_key(oid, at_ms) if label.value is None else SEQ_LABEL.format(oid=oid)
            self._put(rel, label.file)

    # --- the files due in a time window --------------------------------------------------------------

    def materialize(self, outcome: Outcome, since_ms: int, until_ms: int) -> int:
        """Write the files due in (since_ms, until_ms]; returns how many were written."""
        self.written = 0
        if until_ms <= since_ms or self.spec.init_error is not None:
            return 0
        self._pending, self._rewrites = [], []
        with ThreadPoolExecutor(max_workers=WRITERS) as self._pool:
            self._write_due(outcome, since_ms, until_ms)
        written = sum(f.result() for f in self._pending)  # raises the first write error
        # The manifests last, once every response they count is written.
        for key, data in self._rewrites:
            self.root.store.put(key, data, overwrite=True)
        self.written = written + len(self._rewrites)
        return self.written

    def _write_due(self, outcome: Outcome, since_ms: int, until_ms: int) -> None:
        plan = self.plan
        batches: dict[tuple[int, int], list[int]] = defaultdict(list)
        for oid, at in outcome.consolidated.items():
            run = plan.objects[oid]
            batches[(run.iteration, at)].append(oid)
            if since_ms < run.done_ms <= until_ms:
                self._put(f"annotations/worker-response/iteration-{run.iteration}/{oid}/{key_time(run.done_ms)}.json",
                          self.worker_response(oid))
        for (iteration, at), oids in sorted(batches.items()):
            if since_ms < at <= until_ms:
                request, response = self._consolidation_files(iteration, at, sorted(oids))
                base = f"annotations/consolidated-annotation/consolidation-%s/iteration-{iteration}/{key_time(at)}.json"
                self._put(base % "request", request)
                self._put(base % "response", response)
                for oid in oids:
                    self._label_file(oid, at)
        cut = outcome.cut_ms
        for rnd in plan.rounds:
            due = since_ms < rnd.trained_ms <= until_ms and (cut is None or rnd.trained_ms <= cut)
            if rnd.model is not None and due:
                self._put(f"training/{rnd.number}/model/{rnd.training_job}/output/model.tar.gz",
                          autolabel.model_artifact(rnd.model))
        for rnd in outcome.rounds:
            if since_ms < rnd.end_ms <= until_ms:
                base = f"activelearning/auto-annotator/{rnd.number}/output"
                if rnd.labels:
                    self._put(f"{base}/auto_annotator_output.txt", self.auto_annotator_output(rnd))
                self._put(f"{base}/validation.json", (json.dumps(rnd.record, indent=1) + "\n").encode())
        for it in plan.iterations:
            if cut is None or it.end_ms <= cut:
                snap = it.end_ms + SNAPSHOT_DELAY_MS
            elif it.start_ms <= cut:
                snap = outcome.final_ms
            else:
                continue
            if since_ms < snap <= until_ms:
                self._rewrite(f"manifests/intermediate/{it.number}/output.manifest", self.manifest(outcome, snap))
        if any(since_ms < t <= until_ms for t in outcome.change_times()):
            at = min(until_ms, outcome.final_ms)
            self._rewrite("manifests/output/output.manifest", self.manifest(outcome, at))
