"""The checking of a CreateLabelingJob request by the simulated service, as SageMaker would check
it: the request's rules, task, work team, input manifest, label categories, output location and
starting model; a request that passes becomes a job record. A mixin of SimulatedService
(core.sim.service)."""

from __future__ import annotations

import copy
import json
import math
import random
from typing import Any

from ..gt import tasks
from ..gt.jsonio import decode_text, json_lines
from ..gt.layout import job_folder
from ..gt.rules import validate_create_request
from ..gt.service import ServiceError
from ..gt.tasks import task_from_request
from ..storage import StoreError
from . import autolabel
from .clock import to_ms
from .engine import AUTO_TASKS, SUPPORTED_TASKS
from .plan import JobSpec
from .state import _ALNUM, _read_json, _validation

# Default HumanTaskConfig values the service fills in (§6; botocore docs: private workforce).
DEFAULT_MAX_CONCURRENT = 1000
DEFAULT_LIFETIME_S = 2_592_000
MAX_OBJECTS = 100_000  # dataset quota for all but semantic segmentation (§6)
MAX_LINE_CHARS = 100_000
# Tasks whose labels are classes to choose between need two at least (§6); a verification job
# chooses between its verdicts.
CHOICE_TASKS = ("ImageMultiClass", "TextMultiClass", "ImageMultiClassMultiLabel", "VerificationBoundingBox")
TEXT_TASKS = ("TextMultiClass", "NamedEntityRecognition")  # their lines carry the text inline (`source`, §3)
ONE_WORKER_TASKS = ("VideoObjectTracking",)  # video frame jobs take one worker per object (§6)


class IntakeMixin:
    """CreateLabelingJob's checks in SimulatedService."""


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
        workers = request["HumanTaskConfig"]["NumberOfHumanWorkersPerDataObject"]
        if task.name in ONE_WORKER_TASKS and workers != 1:
            raise _validation(f"NumberOfHumanWorkersPerDataObject must be 1 for {task.name} jobs (got {workers}).")
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
        fewest = 2 if task in CHOICE_TASKS else 1
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
    key = "source" if task in TEXT_TASKS else "source-ref"
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
