"""A local Ground Truth behind the LabelingService interface (core.gt.service).

Requests and responses have botocore's shapes (docs/ground-truth.md §6). Jobs run on the simulator's clock:
every call first brings the jobs it touches up to `clock.now()`, writing the files due by then
in the real output layout (core.sim.output). State lives as JSON under `state_dir`, so a new
process sees the same jobs, workforce and truth.

    state_dir/service.json                 workforce: Cognito pool, workers, work teams
    state_dir/truth.json                   what each data object really shows (core.sim.datasets)
    state_dir/jobs/<name>/job.json          request, spec, stop time, how far files are written
    state_dir/jobs/<name>/input.manifest    the input manifest as read at creation
    state_dir/jobs/<name>/truth.json        the truth of the job's objects
    state_dir/jobs/<name>/initial-model.json  auto-labeling: training set of the model it starts from
    state_dir/models/<model>.json           auto-labeling: a job's final model (its training set), by
                                            the name in FinalActiveLearningModelArn

Automated data labeling (§4) is simulated for ImageMultiClass (core.sim.engine, core.sim.autolabel):
the request needs the region's image-classification algorithm ARN; InitialActiveLearningModelArn
must name a model this simulator produced; a manifest under 1,250 objects fails the job while
Initializing (the service reads the manifest after CreateLabelingJob returns; wording UNCONFIRMED).

SimulatedService is assembled from mixins: core.sim.workteams (work teams, Cognito users, truth),
core.sim.intake (checking a CreateLabelingJob request) and core.sim.models (auto-labeling
models); core.sim.state holds the state files' helpers. This module runs the jobs.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..gt.jsonio import json_lines
from ..gt.layout import OUTPUT_MANIFEST, job_folder
from ..gt.service import FINISHED, Job, JobSummary, ServiceError
from ..storage import Location, StoreError
from . import autolabel
from .clock import Clock, from_ms, to_ms
from .engine import plan_job
from .intake import IntakeMixin
from .models import ModelsMixin
from .outcome import Outcome
from .output import JobWriter
from .plan import AutoInput, JobSpec, Plan
from .state import STATE_VERSION, _read_json, _validation, _write_json
from .workforce import Worker
from .workteams import WorkteamsMixin

OpenUri = Callable[[str], Location]


class SimulatedService(WorkteamsMixin, IntakeMixin, ModelsMixin):
    """LabelingService on a simulated private workforce. `seed`, `region` and `account` apply when
    `state_dir` is new; an existing state keeps the values it was created with."""

    def __init__(self, state_dir: Path, open_uri: OpenUri, clock: Clock, seed: int = 7,
                 region: str = "us-east-1", account: str = "123456789012"):
        self.state_dir = Path(state_dir)
        self.open_uri = open_uri
        self.clock = clock
        self._lock = threading.RLock()
        self._plans: dict[str, tuple[Plan, JobWriter, int]] = {}  # by name: plan, writer, created_ms
        self._truth: dict[str, dict] | None = None
        state = _read_json(self.state_dir / "service.json")
        if state is None:
            state = self._new_workforce(seed, region, account)
            _write_json(self.state_dir / "service.json", state)
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"{self.state_dir} holds simulator state version {state.get('version')}, "
                             f"not {STATE_VERSION}: build the demo again")
        self.seed: int = state["seed"]
        self.region: str = state["region"]
        self.account: str = state["account"]
        self.user_pool: str = state["user_pool"]
        self.client_id: str = state["client_id"]
        self.subdomain: str = state["subdomain"]
        self.created_ms: int = state["created_ms"]
        self.workers = [Worker.from_json(w) for w in state["workers"]]
        self.teams: list[dict] = state["teams"]

    # --- jobs: storage ------------------------------------------------------------------------------

    def _job_dir(self, name: str) -> Path:
        return self.state_dir / "jobs" / name.lower()

    def _record(self, name: str) -> dict:
        record = _read_json(self._job_dir(name) / "job.json")
        if record is None:
            raise ServiceError("ResourceNotFound", f"Could not find requested job with name {name}")
        return record

    def _records(self) -> list[dict]:
        folder = self.state_dir / "jobs"
        if not folder.is_dir():
            return []
        records = (_read_json(p / "job.json") for p in sorted(folder.iterdir()) if p.is_dir())
        return [r for r in records if r is not None]

    def _save(self, record: dict) -> None:
        _write_json(self._job_dir(record["name"]) / "job.json", record)

    def _plan(self, record: dict) -> tuple[Plan, JobWriter]:
        key = record["name"].lower()
        cached = self._plans.get(key)
        if cached is not None and cached[2] == record["created_ms"]:
            return cached[0], cached[1]
        folder = self._job_dir(key)
        lines = json_lines((folder / "input.manifest").read_text(encoding="utf-8"))
        plan, writer = self._make_plan(record, lines, _read_json(folder / "truth.json") or {},
                                       _read_json(folder / "initial-model.json"))
        self._plans[key] = (plan, writer, record["created_ms"])
        return plan, writer

    def _reader(self) -> Callable[[str], bytes | None]:
        """Reads objects by URI, opening each bucket once (thousands of images per job)."""
        stores: dict[str, Any] = {}

        def read(uri: str) -> bytes | None:
            bucket, _, key = uri.removeprefix("s3://").partition("/")
            try:
                if not uri.startswith("s3://") or not key:
                    location = self.open_uri(uri)
                    return location.read()
                if bucket not in stores:
                    stores[bucket] = self.open_uri(f"s3://{bucket}/").store
                return stores[bucket].get(key)
            except StoreError:
                return None

        return read

    def _make_plan(self, record: dict, lines: list[str], truth: dict[str, dict],
                   initial: dict | None = None) -> tuple[Plan, JobWriter]:
        spec = JobSpec.from_json(record["spec"])
        if spec.init_error is not None:
            lines = []
        parsed = [json.loads(line) for line in lines]
        sources = [p.get("source-ref") or p.get("source") for p in parsed]
        # Chaining: lines that already carry the label attribute are not sent again (§8).
        sent = [i for i, p in enumerate(parsed) if spec.attribute not in p]
        auto = None
        if spec.auto_labeling and spec.init_error is None:
            features, usable = autolabel.read_features(sources, self._reader())
            start = autolabel.from_training_data(initial, spec.labels) if initial else None
            auto = AutoInput(features, usable, start)
        plan = plan_job(spec, sources, sent, truth, self.workers, auto, parsed)
        root = self.open_uri(job_folder(record["request"]["OutputConfig"]["S3OutputPath"], record["name"]).rstrip("/"))
        return plan, JobWriter(plan, lines, root, self.workers, self.issuer)

    # --- jobs: bringing them up to now --------------------------------------------------------------

    def _advance(self, record: dict, now_ms: int) -> dict:
        """Write what is due by `now_ms`; returns the job's state then (status, counters...)."""
        final = record.get("final")
        if final is not None and record["written_ms"] >= final["final_ms"]:
            return final
        plan, writer = self._plan(record)
        outcome = Outcome(plan, record.get("stop_ms"))
        view = self._view(outcome, now_ms)
        if now_ms <= record["written_ms"]:
            return view
        writer.materialize(outcome, record["written_ms"], now_ms)
        record["written_ms"] = now_ms
        if now_ms >= outcome.final_ms:
            record["final"] = view = self._view(outcome, outcome.final_ms) | {"final_ms": outcome.final_ms}
            if view.get("model"):
                self._register_model(view["model"], record, plan, outcome)
        self._save(record)
        return view

    def _view(self, outcome: Outcome, at_ms: int) -> dict:
        changes = outcome.change_times()
        status = outcome.status(at_ms)
        view = {
            "status": status,
            "counters": outcome.counters(at_ms).to_api(),
            "last_modified_ms": outcome.last_modified(at_ms),
            "output": bool(changes) and changes[0] <= at_ms,
            "failure": outcome.failure if status == "Failed" else None,
        }
        if status in FINISHED and outcome.final_round is not None:
            view["model"] = self.model_arn(outcome.plan.spec.name)
        return view

    def advance(self) -> None:
        """Bring every job up to the clock (write the files due)."""
        with self._lock:
            now = to_ms(self.clock.now())
            for record in self._records():
                self._advance(record, now)

    # --- the LabelingService interface --------------------------------------------------------------

    def create_labeling_job(self, request: dict[str, Any]) -> str:
        with self._lock:
            record, lines, truth, initial = self._prepare(request)
            folder = self._job_dir(record["name"])
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "input.manifest").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            _write_json(folder / "truth.json", truth, compact=True)
            if initial is not None:
                _write_json(folder / "initial-model.json", initial, compact=True)
            self._save(record)
            return record["arn"]

    def preview(self, request: dict[str, Any]) -> Plan:
        """The plan a job created now from `request` would follow (nothing is stored)."""
        with self._lock:
            record, lines, truth, initial = self._prepare(request)
            return self._make_plan(record, lines, truth, initial)[0]
    def describe_labeling_job(self, name: str) -> Job:
        with self._lock:
            record = self._record(name)
            view = self._advance(record, to_ms(self.clock.now()))
            return self._describe(record, view)

    def _describe(self, record: dict, view: dict) -> Job:
        request = record["request"]
        job: dict[str, Any] = {
            "LabelingJobStatus": view["status"],
            "LabelCounters": dict(view["counters"]),
        }
        if view["failure"]:
            job["FailureReason"] = view["failure"]
        job |= {
            "CreationTime": from_ms(record["created_ms"]),
            "LastModifiedTime": from_ms(view["last_modified_ms"]),
            "JobReferenceCode": record["reference_code"],
            "LabelingJobName": record["name"],
            "LabelingJobArn": record["arn"],
            "LabelAttributeName": request["LabelAttributeName"],
            "InputConfig": copy.deepcopy(request["InputConfig"]),
            "OutputConfig": copy.deepcopy(request["OutputConfig"]),
            "RoleArn": request["RoleArn"],
        }
        for key in ("LabelCategoryConfigS3Uri", "StoppingConditions", "LabelingJobAlgorithmsConfig"):
            if key in request:
                job[key] = copy.deepcopy(request[key])
        job["HumanTaskConfig"] = copy.deepcopy(request["HumanTaskConfig"])
        if "Tags" in request:
            job["Tags"] = copy.deepcopy(request["Tags"])
        if view["output"]:
            job["LabelingJobOutput"] = {"OutputDatasetS3Uri": self.output_manifest_uri(record)}
            if view.get("model"):
                job["LabelingJobOutput"]["FinalActiveLearningModelArn"] = view["model"]
        return job

    @staticmethod
    def output_manifest_uri(record: dict) -> str:
        return job_folder(record["request"]["OutputConfig"]["S3OutputPath"], record["name"]) + OUTPUT_MANIFEST

    def list_labeling_jobs(
        self,
        *,
        name_contains: str | None = None,
        status: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        sort_by: str = "CreationTime",
        sort_order: str = "Descending",
    ) -> list[JobSummary]:
        with self._lock:
            now = to_ms(self.clock.now())
            summaries = []
            for record in self._records():
                view = self._advance(record, now)
                created = from_ms(record["created_ms"])
                if name_contains and name_contains.lower() not in record["name"].lower():
                    continue
                if status and view["status"] != status:
                    continue
                if (created_after and created <= created_after) or (created_before and created >= created_before):
                    continue
                summaries.append(self._summary(record, view))
        keys = {
            "Name": lambda s: (s["LabelingJobName"].lower(), s["CreationTime"]),
            "Status": lambda s: (s["LabelingJobStatus"], s["CreationTime"], s["LabelingJobName"]),
        }
        key = keys.get(sort_by, lambda s: (s["CreationTime"], s["LabelingJobName"]))
        return sorted(summaries, key=key, reverse=sort_order == "Descending")

    def _summary(self, record: dict, view: dict) -> JobSummary:
        job = self._describe(record, view)
        htc = job["HumanTaskConfig"]
        summary = {k: job[k] for k in ("LabelingJobName", "LabelingJobArn", "CreationTime", "LastModifiedTime",
                                       "LabelingJobStatus", "LabelCounters")}
        summary["WorkteamArn"] = htc["WorkteamArn"]
        if "PreHumanTaskLambdaArn" in htc:
            summary["PreHumanTaskLambdaArn"] = htc["PreHumanTaskLambdaArn"]
        acs = htc.get("AnnotationConsolidationConfig", {}).get("AnnotationConsolidationLambdaArn")
        if acs:
            summary["AnnotationConsolidationLambdaArn"] = acs
        for key in ("FailureReason", "LabelingJobOutput", "InputConfig"):
            if key in job:
                summary[key] = job[key]
        return summary

    def stop_labeling_job(self, name: str) -> None:
        with self._lock:
            record = self._record(name)
            now = to_ms(self.clock.now())
            view = self._advance(record, now)
            if view["status"] == "Stopping":
                return
            if view["status"] in FINISHED:
                raise _validation(f"The labeling job {record['name']} has already ended ({view['status']}).")
            record["stop_ms"] = now
            record["final"] = None
            self._save(record)

    # --- for the demo and tests ---------------------------------------------------------------------

    def finish_time(self, name: str) -> datetime:
        """When the job reaches its final status (as things stand: a later stop moves it)."""
        with self._lock:
            record = self._record(name)
            plan, _ = self._plan(record)
            return from_ms(Outcome(plan, record.get("stop_ms")).final_ms)

    def answers_written(self, name: str) -> int:
        """Worker answers in the job's response files as of the clock."""
        with self._lock:
            record = self._record(name)
            now = to_ms(self.clock.now())
            self._advance(record, now)
            plan, _ = self._plan(record)
            outcome = Outcome(plan, record.get("stop_ms"))
            return sum(len(plan.objects[oid].answers) for oid in outcome.consolidated
                       if plan.objects[oid].done_ms <= now)
