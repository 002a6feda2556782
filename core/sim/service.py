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
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import re
import string
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..gt import tasks
from ..gt.jsonio import decode_text, json_lines
from ..gt.layout import OUTPUT_MANIFEST, job_folder
from ..gt.rules import validate_create_request
from ..gt.service import FINISHED, Job, JobSummary, ServiceError
from ..gt.tasks import task_from_request
from ..storage import Location, StoreError
from . import autolabel
from .clock import Clock, from_ms, to_ms
from .engine import AUTO_TASKS, SUPPORTED_TASKS, AutoInput, JobSpec, Outcome, Plan, plan_job
from .output import JobWriter
from .workforce import Worker, make_team

OpenUri = Callable[[str], Location]
STATE_VERSION = 1
WORKFORCE_SIZE = 16
# Default HumanTaskConfig values the service fills in (§6; botocore docs: private workforce).
DEFAULT_MAX_CONCURRENT = 1000
DEFAULT_LIFETIME_S = 2_592_000
MAX_OBJECTS = 100_000  # dataset quota for all but semantic segmentation (§6)
MAX_LINE_CHARS = 100_000
MODEL_SUFFIX = "-final-model"  # FinalActiveLearningModelArn: model/<job>-final-model (naming UNCONFIRMED)
_ALNUM = string.ascii_letters + string.digits
_JOB_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")  # LabelingJobName (§6)
_MODEL_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")


def _write_json(path: Path, value: Any, compact: bool = False) -> None:
    """Atomic write; `compact` for big files (json's indenting encoder is pure Python, slow)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}.{threading.get_ident()}")
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")) if compact else \
        json.dumps(value, ensure_ascii=False, indent=1)
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def _validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


class SimulatedService:
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

    # --- the workforce ------------------------------------------------------------------------------

    def _new_workforce(self, seed: int, region: str, account: str) -> dict:
        rng = random.Random(f"{seed}/workforce")
        workers = make_team(seed, WORKFORCE_SIZE, region)
        created = to_ms(self.clock.now())
        n = len(workers)
        return {
            "version": STATE_VERSION, "seed": seed, "region": region, "account": account, "created_ms": created,
            "user_pool": f"{region}_" + "".join(rng.choice(_ALNUM) for _ in range(9)),
            "client_id": "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(26)),
            "subdomain": "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(10)),
            "workers": [w.to_json() for w in workers],
            "teams": [
                {"name": "labeling-team", "description": "Everyone who labels images", "members": list(range(n - 2))},
                {"name": "box-team", "description": "Workers trained for bounding boxes",
                 "members": list(range(n // 2, n))},
            ],
        }

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool}"

    def team_arn(self, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:workteam/private-crowd/{name}"

    def _workteam(self, team: dict) -> dict:
        created = from_ms(self.created_ms)
        return {
            "WorkteamName": team["name"],
            "MemberDefinitions": [{"CognitoMemberDefinition": {
                "UserPool": self.user_pool, "UserGroup": team["name"], "ClientId": self.client_id}}],
            "WorkteamArn": self.team_arn(team["name"]),
            "WorkforceArn": f"arn:aws:sagemaker:{self.region}:{self.account}:workforce/default",
            "ProductListingIds": [],
            "Description": team["description"],
            "SubDomain": f"{self.subdomain}.labeling.{self.region}.sagemaker.aws",
            "CreateDate": created,
            "LastUpdatedDate": created,
            "NotificationConfiguration": {},
        }

    def list_workteams(self) -> list[dict[str, Any]]:
        return [self._workteam(t) for t in sorted(self.teams, key=lambda t: t["name"])]

    def describe_workteam(self, name: str) -> dict[str, Any]:
        for team in self.teams:
            if team["name"] == name:
                return self._workteam(team)
        raise _validation(f"Workteam {name} does not exist.")

    def team_members(self, name: str) -> list[Worker]:
        team = next((t for t in self.teams if t["name"] == name), None)
        if team is None:
            raise _validation(f"Workteam {name} does not exist.")
        return [self.workers[i] for i in team["members"]]

    def list_users(self, user_pool_id: str) -> list[dict[str, Any]]:
        """Cognito ListUsers' `Users` (Username is the sub, as for users invited by email)."""
        if user_pool_id != self.user_pool:
            raise ServiceError("ResourceNotFoundException", f"User pool {user_pool_id} does not exist.")
        created = from_ms(self.created_ms)
        return [{
            "Username": w.sub,
            "Attributes": [{"Name": "sub", "Value": w.sub}, {"Name": "email_verified", "Value": "true"},
                           {"Name": "name", "Value": w.name}, {"Name": "email", "Value": w.email}],
            "UserCreateDate": created,
            "UserLastModifiedDate": created,
            "Enabled": True,
            "UserStatus": "CONFIRMED",
        } for w in self.workers]

    # --- truth --------------------------------------------------------------------------------------

    def truth(self) -> dict[str, dict]:
        if self._truth is None:
            self._truth = _read_json(self.state_dir / "truth.json") or {}
        return self._truth

    def register_truth(self, truth: dict[str, dict]) -> None:
        """What the objects at these URIs really show: simulated workers answer from it."""
        with self._lock:
            merged = {**self.truth(), **truth}
            self._truth = dict(sorted(merged.items()))
            _write_json(self.state_dir / "truth.json", self._truth, compact=True)

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
        plan = plan_job(spec, sources, sent, truth, self.workers, auto)
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

    # --- auto-labeling models ------------------------------------------------------------------------

    def model_arn(self, job: str) -> str:
        """FinalActiveLearningModelArn of a job (the model's name is the simulator's choice)."""
        return f"arn:aws:sagemaker:{self.region}:{self.account}:model/{job.lower()}{MODEL_SUFFIX}"

    def _model_path(self, name: str) -> Path:
        return self.state_dir / "models" / f"{name.lower()}.json"

    def _register_model(self, arn: str, record: dict, plan: Plan, outcome: Outcome) -> None:
        features, labels = plan.training_set(outcome.final_round)
        doc = {"arn": arn, "job": record["name"], "job_arn": record["arn"], "task": plan.spec.task,
               "training_job": outcome.final_round.training_job,
               **autolabel.training_data(features, labels, plan.spec.labels)}
        _write_json(self._model_path(arn.rpartition("/")[2]), doc, compact=True)

    def _find_model(self, arn: str) -> dict | None:
        """The stored model an ARN names, bringing its job up to now first; None if unknown."""
        prefix = f"arn:aws:sagemaker:{self.region}:{self.account}:model/"
        if not arn.startswith(prefix):
            return None
        name = arn[len(prefix):]
        if not _MODEL_NAME.fullmatch(name):  # letters, digits, hyphens: never a path
            return None
        if name.lower().endswith(MODEL_SUFFIX):
            owner = _read_json(self._job_dir(name[: -len(MODEL_SUFFIX)]) / "job.json")
            if owner is not None:
                self._advance(owner, to_ms(self.clock.now()))
        return _read_json(self._model_path(name))

    def _parent_model(self, parsed: list[dict], attribute: str) -> dict | None:
        """Chaining with the same attribute reuses the model of the job that labeled those lines,
        if it auto-labeled (§8)."""
        counts: dict[str, int] = {}
        for line in parsed:
            meta = line.get(f"{attribute}-metadata")
            job = meta.get("job-name") if attribute in line and isinstance(meta, dict) else None
            name = job.removeprefix("labeling-job/") if isinstance(job, str) else ""
            if _JOB_NAME.fullmatch(name):
                counts[name] = counts.get(name, 0) + 1
        for name in sorted(counts, key=lambda n: (-counts[n], n)):
            record = _read_json(self._job_dir(name) / "job.json")
            if record is not None:
                view = self._advance(record, to_ms(self.clock.now()))
                if view.get("model"):
                    return _read_json(self._model_path(view["model"].rpartition("/")[2]))
        return None

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

    def _prepare(self, request: dict[str, Any]) -> tuple[dict, list[str], dict[str, dict], dict | None]:
        """Check a create request as SageMaker would and turn it into a job record, the input
        manifest's lines, the truth of its objects and the model it starts from (auto-labeling)."""
        problems = validate_create_request(request)
        if problems:
            raise _validation("; ".join(str(p) for p in problems))
        request = copy.deepcopy(request)
        name = request["LabelingJobName"]
        existing = _read_json(self._job_dir(name) / "job.json")
        if existing is not None:
            raise ServiceError("ResourceInUse", "Job name must be unique within an AWS account and region, and a job "
                                                f"with this name already exists ({existing['arn']})")
        task = self._task(request)
        team = self._team_of(request["HumanTaskConfig"]["WorkteamArn"])
        lines = self._read_manifest(request)
        labels, label_error = self._read_labels(request, task)
        self._check_output_root(request)
        now = to_ms(self.clock.now())
        arn = f"arn:aws:sagemaker:{self.region}:{self.account}:labeling-job/{name.lower()}"
        rng = random.Random(f"{self.seed}/reference/{name.lower()}/{now}")
        reference = self.account + "".join(rng.choice(_ALNUM) for _ in range(16))
        htc = request["HumanTaskConfig"]
        htc.setdefault("MaxConcurrentTaskCount", DEFAULT_MAX_CONCURRENT)
        htc.setdefault("TaskAvailabilityLifetimeInSeconds", DEFAULT_LIFETIME_S)
        request["OutputConfig"].setdefault("KmsKeyId", "")
        auto = request.get("LabelingJobAlgorithmsConfig")
        initial = self._initial_model(auto) if auto else None
        init_error = label_error or _manifest_error(lines, task)
        if auto and init_error is None and len(lines) < autolabel.MIN_OBJECTS:
            init_error = (f"ClientError: Automated data labeling needs at least {autolabel.MIN_OBJECTS:,} objects in "
                          f"the input manifest; it has {len(lines):,}.")
        parsed = [json.loads(line) for line in lines] if init_error is None else []
        sent = sum(1 for p in parsed if request["LabelAttributeName"] not in p)
        if auto and initial is None and parsed:
            initial = self._parent_model(parsed, request["LabelAttributeName"])
        max_labeled, max_total = _limits(request.get("StoppingConditions"), sent, bool(auto))
        spec = JobSpec(
            name=name, attribute=request["LabelAttributeName"], task=task, labels=labels,
            workers_per_object=htc["NumberOfHumanWorkersPerDataObject"], max_concurrent=htc["MaxConcurrentTaskCount"],
            lifetime_s=htc["TaskAvailabilityLifetimeInSeconds"], time_limit_s=htc["TaskTimeLimitInSeconds"],
            created_ms=now, team=list(team["members"]), seed=self.seed,
            max_labeled=max_labeled, init_error=init_error, auto_labeling=bool(auto),
            initial_model=initial["arn"] if initial else None, max_total=max_total,
        )
        truth = self.truth()
        sources = sorted({s for p in parsed if (s := p.get("source-ref") or p.get("source")) in truth})
        record = {"name": name, "arn": arn, "reference_code": reference, "created_ms": now, "request": request,
                  "spec": spec.to_json(), "stop_ms": None, "written_ms": now, "final": None}
        return record, lines, {s: truth[s] for s in sources}, initial if init_error is None else None

    def _initial_model(self, config: dict) -> dict | None:
        arn = config.get("InitialActiveLearningModelArn")
        if not arn:
            return None
        model = self._find_model(arn)
        if model is None:
            raise _validation(f"Could not find model \"{arn}\".")
        return model

    def _task(self, request: dict) -> str:
        task = task_from_request(request)
        if task is None or task.name not in SUPPORTED_TASKS:
            found = task.name if task else "a custom task"
            raise _validation(f"The local simulator runs {', '.join(SUPPORTED_TASKS)} jobs, not {found}.")
        if "SnsDataSource" in request["InputConfig"]["DataSource"]:
            raise _validation("The local simulator runs jobs on an input manifest, not streaming jobs.")
        config = request.get("LabelingJobAlgorithmsConfig")
        if config is not None:
            if task.name not in AUTO_TASKS:
                raise _validation(f"auto-labeling for {task.name} is not simulated (the local simulator auto-labels "
                                  f"{', '.join(AUTO_TASKS)} jobs only)")
            expected = tasks.algorithm_arn(task, self.region)
            if config.get("LabelingJobAlgorithmSpecificationArn") != expected:
                raise _validation(f"LabelingJobAlgorithmSpecificationArn must be {expected} for {task.name} jobs in "
                                  f"{self.region}.")
        return task.name

    def _team_of(self, arn: str) -> dict:
        for team in self.teams:
            if self.team_arn(team["name"]) == arn:
                return team
        raise _validation(f"Workteam {arn} does not exist.")

    def _fetch(self, uri: str, what: str) -> bytes:
        try:
            location = self.open_uri(uri)
            if not location.store.exists(location.prefix):
                raise _validation(f"The {what} {uri} does not exist.")
            return location.read()
        except StoreError as exc:
            raise _validation(f"Cannot read the {what} {uri}: {exc}") from exc

    def _read_manifest(self, request: dict) -> list[str]:
        uri = request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
        data = self._fetch(uri, "input manifest")
        try:
            return json_lines(decode_text(data))
        except ValueError as exc:
            raise _validation(f"Cannot read the input manifest {uri}: {exc}") from exc

    def _read_labels(self, request: dict, task: str) -> tuple[list[str], str | None]:
        uri = request.get("LabelCategoryConfigS3Uri")
        if not uri:
            raise _validation(f"LabelCategoryConfigS3Uri is required for {task} jobs.")
        data = self._fetch(uri, "label category configuration file")
        try:
            doc = json.loads(decode_text(data))
            labels = [item["label"] for item in doc["labels"]]
        except (ValueError, KeyError, TypeError):
            return [], f"ClientError: The label category configuration file {uri} is not valid JSON with labels."
        fewest = 1 if task == "BoundingBox" else 2
        if len(labels) < fewest or len(set(labels)) != len(labels) or not all(isinstance(x, str) for x in labels):
            return labels, (f"ClientError: The label category configuration file {uri} needs at least {fewest} "
                            "distinct labels.")
        return labels, None

    def _check_output_root(self, request: dict) -> None:
        uri = job_folder(request["OutputConfig"]["S3OutputPath"], request["LabelingJobName"]).rstrip("/")
        try:
            root = self.open_uri(uri)
            taken = next(iter(root.store.list(root.prefix.rstrip("/") + "/")), None)
        except StoreError as exc:
            raise _validation(f"Cannot write to the output location {uri}: {exc}") from exc
        if taken is not None:
            # Ground Truth would write over it; the simulator never overwrites a user's data.
            raise _validation(f"The output location {uri}/ already holds files ({taken.key}).")

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


def _limits(conditions: dict | None, objects: int, auto: bool) -> tuple[int | None, int | None]:
    """StoppingConditions as object counts: (human labels, all labels) at which the job stops.
    Without auto-labeling every label is a human one, so both fold into the first."""
    if not conditions:
        return None, None
    human = conditions.get("MaxHumanLabeledObjectCount")
    pct = conditions.get("MaxPercentageOfInputDatasetLabeled")
    total = math.ceil(objects * pct / 100) if pct is not None else None
    if auto:
        return human, total
    limits = [x for x in (human, total) if x is not None]
    return (min(limits) if limits else None), None


def _manifest_error(lines: list[str], task: str) -> str | None:
    """Why Ground Truth would fail the job while Initializing (wording UNCONFIRMED), or None."""
    if not lines:
        return "ClientError: The input manifest is empty."
    if len(lines) > MAX_OBJECTS:
        return f"ClientError: The input manifest has {len(lines)} objects; the limit is {MAX_OBJECTS}."
    key = "source" if task == "TextMultiClass" else "source-ref"
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            return f"ClientError: Line {number} of the input manifest is longer than {MAX_LINE_CHARS} characters."
        try:
            obj = json.loads(line)
        except ValueError:
            return f"ClientError: Line {number} of the input manifest is not valid JSON."
        if not isinstance(obj, dict) or not isinstance(obj.get(key), str):
            return f"ClientError: Line {number} of the input manifest has no {key} key."
    return None
