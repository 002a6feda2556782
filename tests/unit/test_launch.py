"""Launching a job (core.launch): every request we build passes our rules and botocore's own validation
against the real SageMaker model (Stubber), the files we write have the reference's shapes (§6, §2),
problems name the config field to fix, costs follow §9, and nothing is ever overwritten."""

from __future__ import annotations

import ast
import json
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from core.gt import tasks
from core.gt.rules import Problem, validate_create_request
from core.gt.sagemaker import SageMakerService
from core.gt.service import ServiceError
from core.gt.tasks import UnsupportedRegion
from core.launch import (
    ConfigError,
    LaunchConfig,
    LaunchError,
    boto3_snippet,
    build_request,
    estimate_cost,
    explain_service_error,
    label_category_file,
    launch,
    objects_to_send,
    prepare_inputs,
    problems,
    public_workteam_arn,
    request_json,
    task_facts,
    worker_template,
    workteam_options,
)
from core.launch.templates import ELEMENT, needs_template
from core.sim.annotate import BOX_ELEMENT
from core.sim.annotate import ELEMENT as SIM_ELEMENT
from core.sim.buckets import folder_buckets
from core.storage import LocalStore

REGION = "us-east-1"
ACCOUNT = "123456789012"
TEAM = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/labelers"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/GroundTruth"
AUDITED = ("Verification", "Adjustment")


def config_for(task: tasks.TaskType | str, **changes) -> LaunchConfig:
    """A complete, valid config for a built-in task (audit attribute, NER instructions where needed)."""
    t = tasks.task(task) if isinstance(task, str) else task
    audited = t.name.startswith(AUDITED)
    base = LaunchConfig(
        job_name=f"job-{t.name.lower()}", task_type=t.name, manifest="s3://bucket/in/input.manifest",
        output="s3://bucket/out/", role=ROLE, workteam=TEAM, labels=("bird", "cat"),
        short_instructions="Label every animal", full_instructions="Label every animal you can see, even small ones.",
        keywords=("Images", "animals"), tags={"team": "birds"},
        audit_attribute="earlier-ref" if audited and t.label_ref else ("earlier" if audited else None),
    )
    return base.with_changes(**changes)


@pytest.fixture
def stubbed_client(fake_aws):
    fake_aws(REGION)
    client = boto3.client("sagemaker", region_name=REGION)
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


# --- every task type: our rules and botocore's validation ------------------------------------------------


@pytest.mark.parametrize(("task", "auto"), [(t, False) for t in tasks.TASKS] + [(t, True) for t in tasks.TASKS
                                                                                 if t.algorithm],
                         ids=lambda v: v.name if isinstance(v, tasks.TaskType) else ("auto" if v else "human"))
def test_request_per_task_passes_our_rules_and_botocore(task, auto, stubbed_client):
    model = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/birds-v1" if auto else None
    config = config_for(task, auto_labeling=auto, pretrained_model=model)
    assert problems(config) == []
    request = build_request(config)
    assert validate_create_request(request) == []
    assert tasks.task_from_request(request).name == task.name
    client, stub = stubbed_client
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/{config.job_name}"
    stub.add_response("create_labeling_job", {"LabelingJobArn": arn}, expected_params=request)
    assert client.create_labeling_job(**request)["LabelingJobArn"] == arn  # botocore validates the request
    htc = request["HumanTaskConfig"]
    if task.human_task_ui:
        assert htc["UiConfig"] == {"HumanTaskUiArn": tasks.human_task_ui_arn(task, REGION)}
    else:
        assert htc["UiConfig"] == {"UiTemplateS3Uri": f"s3://bucket/out/_ground-control/{config.job_name}/"
                                                      "template.liquid.html"}
    assert request["LabelAttributeName"].endswith("-ref") == (task.label_ref is True)
    assert htc["NumberOfHumanWorkersPerDataObject"] == task.default_workers
    if auto:
        assert request["LabelingJobAlgorithmsConfig"] == {
            "LabelingJobAlgorithmSpecificationArn": tasks.algorithm_arn(task, REGION),
            "InitialActiveLearningModelArn": model}
    else:
        assert "LabelingJobAlgorithmsConfig" not in request


def test_public_crowd_request_passes_botocore(stubbed_client):
    config = config_for("ImageMultiClass", workteam=public_workteam_arn(REGION), public_price_usd=0.012,
                        task_availability_s=43_200, content_classifiers=("FreeOfPersonallyIdentifiableInformation",))
    assert problems(config) == []
    request = build_request(config)
    assert request["HumanTaskConfig"]["PublicWorkforceTaskPrice"] == {
        "AmountInUsd": {"Dollars": 0, "Cents": 1, "TenthFractionsOfACent": 2}}
    client, stub = stubbed_client
    stub.add_response("create_labeling_job", {"LabelingJobArn": "arn:aws:sagemaker:us-east-1:1:labeling-job/x"},
                      expected_params=request)
    client.create_labeling_job(**request)


def test_launch_through_sagemaker_writes_files_then_calls(stubbed_client, tmp_path):
    client, stub = stubbed_client
    workspace = _Workspace(SageMakerService(sagemaker_client=client), tmp_path)
    config = config_for("BoundingBox", region=REGION)
    request = build_request(config)
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/{config.job_name}"
    stub.add_response("create_labeling_job", {"LabelingJobArn": arn}, expected_params=request)
    assert launch(config, workspace) == arn
    folder = tmp_path / "bucket" / "out" / "_ground-control" / config.job_name
    assert json.loads((folder / "labels.json").read_text())["labels"] == [{"label": "bird"}, {"label": "cat"}]
    assert 'name="boundingBox"' in (folder / "template.liquid.html").read_text()
    # The same name again: the service refuses, and the page is told which field to change.
    stub.add_client_error("create_labeling_job", "ResourceInUse", "Job name must be unique within an AWS account "
                                                                  "and region, and a job with this name already exists")
    with pytest.raises(LaunchError) as caught:
        launch(config, workspace)
    assert [p.field for p in caught.value.problems] == ["job_name"]
    assert "already exists" in caught.value.problems[0].message


class _Workspace:
    """What launch needs of core.workspace.Workspace: `open` and `service` (folders stand for buckets)."""

    def __init__(self, service, root: Path):
        self.service = service
        self.open = folder_buckets(root)


def test_launch_checks_before_writing_or_calling(tmp_path):
    class Refuses:
        region = REGION

        def create_labeling_job(self, request):
            raise AssertionError("the service must not be called")

    config = config_for("ImageMultiClass", workers_per_object=10, labels=("only",))
    with pytest.raises(LaunchError) as caught:
        launch(config, _Workspace(Refuses(), tmp_path))
    assert {p.field for p in caught.value.problems} == {"workers_per_object", "labels"}
    assert "workers_per_object: must be 1 to 9 workers (got 10)" in str(caught.value)
    assert not any(tmp_path.rglob("*.json"))


# --- region, ARNs, the -ref rule -------------------------------------------------------------------------


def test_unsupported_region_is_a_problem_and_no_arn_is_built():
    config = config_for("SemanticSegmentation", workteam=TEAM.replace(REGION, "sa-east-1"))
    found = problems(config)
    assert found[0].field == "region"
    assert all(words in found[0].message for words in ("'sa-east-1'", "eu-west-1", "ap-southeast-2"))
    assert len(found) == 1  # the rest of the config is fine: nothing else is reported
    with pytest.raises(UnsupportedRegion):
        build_request(config)
    facts = dict(task_facts("SemanticSegmentation", "sa-east-1"))
    assert "arn:" not in facts["Pre-annotation Lambda"] and "sa-east-1" in facts["Pre-annotation Lambda"]


def test_region_defaults_to_the_team_then_the_workspace():
    assert config_for("ImageMultiClass").resolved_region() == REGION
    assert config_for("ImageMultiClass", workteam="not-an-arn").resolved_region("eu-west-1") == "eu-west-1"
    eu = build_request(config_for("ImageMultiClass", workteam=TEAM.replace(REGION, "eu-west-1")))
    assert ":eu-west-1:568282634449:" in eu["HumanTaskConfig"]["PreHumanTaskLambdaArn"]
    mismatch = problems(config_for("ImageMultiClass", region="eu-west-1"))
    assert [p.field for p in mismatch] == ["workteam"] and "us-east-1" in mismatch[0].message


def test_label_attribute_defaults_follow_the_ref_rule():
    assert config_for("SemanticSegmentation", job_name="streets").attribute == "streets-ref"
    assert config_for("VideoObjectTracking", job_name="cars-ref").attribute == "cars-ref"
    assert config_for("ImageMultiClass", job_name="animals").attribute == "animals"
    assert config_for("VerificationSemanticSegmentation", job_name="check").attribute == "check"
    bad = problems(config_for("SemanticSegmentation", label_attribute="streets"))
    assert [str(p) for p in bad] == ["label_attribute: must end with -ref for SemanticSegmentation jobs"]
    assert [p.field for p in problems(config_for("ImageMultiClass", label_attribute="animal-ref"))] == [
        "label_attribute"]
    assert [p.field for p in problems(config_for("ImageMultiClass", label_attribute="animal-metadata"))] == [
        "label_attribute"]


# --- config-level checks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"labels": ("a",)}, "labels", "at least 2"),
    ({"task_type": "ImageMultiClassMultiLabel", "labels": tuple(f"l{i}" for i in range(51))}, "labels", "at most 50"),
    ({"task_type": "SemanticSegmentation", "auto_labeling": True, "labels": tuple(f"l{i}" for i in range(21))},
     "labels", "with auto-labeling take at most 20"),
    ({"labels": ("a", "b", "a")}, "labels[2]", "listed twice"),
    ({"labels": ("a", "x" * 257)}, "labels[1]", "at most 256 characters"),
    ({"task_type": "VideoObjectDetection", "labels": ("car", "a-very-long-label-name")}, "labels[1]",
     "at most 16 characters"),
    ({"labels": (), "label_category_uri": None}, "labels", "required"),
    ({"label_category_uri": "s3://bucket/labels.json"}, "labels", "not both"),
    ({"task_type": "ImageMultiClassMultiLabel", "auto_labeling": True}, "auto_labeling", "cannot use auto-labeling"),
    ({"pretrained_model": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/m"}, "pretrained_model", "needs auto_labeling"),
    ({"auto_labeling": True, "pretrained_model": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/m"},
     "pretrained_model", "SageMaker model ARN"),
    ({"task_type": "NamedEntityRecognition", "full_instructions": ""}, "short_instructions", "instructions"),
    ({"ui_template": "s3://bucket/t.html", "task_type": "NamedEntityRecognition"}, "ui_template", "built-in"),
    ({"task_type": "AdjustmentBoundingBox", "audit_attribute": None}, "audit_attribute", "earlier job"),
    ({"task_type": "AdjustmentBoundingBox", "audit_attribute": "boxes", "label_attribute": "boxes"},
     "label_attribute", "must differ"),
    ({"audit_attribute": "boxes"}, "audit_attribute", "only verification and adjustment"),
    ({"task_type": "BoundingBox", "annotation_type": "Polygon"}, "annotation_type", "only video frame"),
    ({"task_type": "VideoObjectDetection", "annotation_type": "Circle"}, "annotation_type", "must be one of"),
    ({"public_price_usd": 0.012}, "public_price_usd", "only to the public workforce"),
    ({"keywords": ("bird-watching",)}, "keywords[0]", "letters and digits"),
    ({"tags": {"aws:owner": "x"}}, "tags['aws:owner']", "reserved"),
    ({"task_time_limit_s": 28_801}, "task_time_limit_s", "at most 28800"),
    ({"task_time_limit_s": 10}, "task_time_limit_s", "30"),
    ({"max_concurrent_tasks": 5001}, "max_concurrent_tasks", "1 to 5000"),
    ({"max_percent_labeled": 101}, "max_percent_labeled", "1 to 100"),
    ({"job_name": "birds_2024"}, "job_name", "letters, digits and hyphens"),
    ({"role": "GroundTruthRole"}, "role", "IAM role ARN"),
    ({"title": "x" * 129}, "title", "1 to 128"),
    ({"task_type": "Polygons"}, "task_type", "not a Ground Truth task type"),
])
def test_problems_name_the_config_field(changes, field, words):
    found = problems(config_for("ImageMultiClass").with_changes(**changes))
    assert {p.field for p in found} == {field}, found
    assert any(words in p.message for p in found), found


@pytest.mark.parametrize(("task", "price", "ok"), [
    ("ImageMultiClass", 0.012, True), ("ImageMultiClass", 0.013, False), ("ImageMultiClass", 0.36, True),
    ("BoundingBox", 0.036, True), ("BoundingBox", 0.012, False), ("SemanticSegmentation", 0.84, True),
    ("SemanticSegmentation", 0.72, False), ("TextMultiClass", 1.2, True), ("ImageMultiClass", None, False),
])
def test_public_prices_are_the_documented_ones(task, price, ok):
    config = config_for(task, workteam=public_workteam_arn(REGION), public_price_usd=price,
                        content_classifiers=("FreeOfPersonallyIdentifiableInformation",))
    found = problems(config)
    assert (found == []) == ok, found
    if not ok:
        assert [p.field for p in found] == ["public_price_usd"]


def test_public_crowd_needs_pii_declaration_and_a_priced_task():
    no_pii = problems(config_for("ImageMultiClass", workteam=public_workteam_arn(REGION), public_price_usd=0.012))
    assert [p.field for p in no_pii] == ["content_classifiers"]
    frames = problems(config_for("3DPointCloudObjectDetection", workteam=public_workteam_arn(REGION),
                                 content_classifiers=("FreeOfPersonallyIdentifiableInformation",)))
    assert [p.field for p in frames] == ["workteam"] and "private or vendor" in frames[0].message


# --- the config file -------------------------------------------------------------------------------------


def test_config_json_round_trip_keeps_only_choices():
    config = config_for("BoundingBox", workers_per_object=3, auto_labeling=True)
    data = json.loads(config.dumps())
    assert data["labels"] == ["bird", "cat"] and data["auto_labeling"] is True and "region" not in data
    assert LaunchConfig.loads(config.dumps()) == config


def test_config_json_errors_name_the_field():
    good = json.loads(config_for("ImageMultiClass").dumps())
    with pytest.raises(ConfigError) as caught:
        LaunchConfig.from_dict({**good, "workers": 3, "labels": "cat,dog", "auto_labeling": "yes",
                                "workers_per_object": 2.5, "tags": {"team": 1}})
    fields = {p.field: p.message for p in caught.value.problems}
    assert set(fields) == {"workers", "labels", "auto_labeling", "workers_per_object", "tags"}
    assert "not a launch setting" in fields["workers"] and "workers_per_object" in fields["workers"]
    assert fields["labels"] == "must be a list of text (got str)"
    assert fields["auto_labeling"] == "must be true or false (got str)"
    assert fields["workers_per_object"] == "must be a whole number or null (got float)"
    missing = {k: v for k, v in good.items() if k not in ("role", "workteam")}
    with pytest.raises(ConfigError) as caught:
        LaunchConfig.from_dict(missing)
    assert [str(p) for p in caught.value.problems] == ["role: is required", "workteam: is required"]
    with pytest.raises(ConfigError, match=r"config: is not valid JSON at line 1 column"):
        LaunchConfig.loads('{"job_name": ')
    with pytest.raises(ConfigError, match="config: must be a JSON object"):
        LaunchConfig.loads("[1, 2]")


# --- label category files and templates --------------------------------------------------------------------


def test_label_category_file_2018_shape():
    doc = json.loads(label_category_file(config_for("ImageMultiClass")))
    assert doc == {"document-version": "2018-11-28", "labels": [{"label": "bird"}, {"label": "cat"}]}
    ner = json.loads(label_category_file(config_for("NamedEntityRecognition")))
    assert ner["document-version"] == "2018-11-28"
    assert ner["instructions"] == {"shortInstruction": "Label every animal",
                                   "fullInstruction": "Label every animal you can see, even small ones."}


def test_label_category_file_2020_shape_for_video_and_3d():
    video = json.loads(label_category_file(config_for("VideoObjectTracking", annotation_type="Polygon")))
    assert video["documentVersion"] == "2020-03-01" and "document-version" not in video
    assert video["labels"] == [{"label": "bird"}, {"label": "cat"}] and video["annotationType"] == "Polygon"
    assert video["instructions"]["shortInstruction"] == "Label every animal"
    cloud = json.loads(label_category_file(config_for("3DPointCloudObjectDetection")))
    assert cloud["documentVersion"] == "2020-03-01" and "annotationType" not in cloud
    audit = json.loads(label_category_file(config_for("Adjustment3DPointCloudObjectTracking")))
    assert audit["auditLabelAttributeName"] == "earlier-ref"
    assert json.loads(label_category_file(config_for("VideoObjectDetection")))["annotationType"] == "BoundingBox"


@pytest.mark.parametrize("task", [t for t in tasks.TASKS if needs_template(t)], ids=lambda t: t.name)
def test_templates_are_crowd_forms_whose_element_names_are_the_answer_keys(task):
    html = worker_template(task, header="Birds <b>{{ not liquid }}</b>", audit_attribute="earlier")
    assert html.count("<crowd-form>") == 1 and html.rstrip().endswith("</crowd-form>")
    assert f'name="{ELEMENT[task.name]}"' in html
    assert "Birds &lt;b&gt;&#123;&#123; not liquid &#125;&#125;&lt;/b&gt;" in html  # user text never runs as Liquid
    if task.name.startswith(AUDITED):
        assert "task.input.manifestLine.earlier" in html
    # Every attribute ends where it should: an HTML parser sees only the attributes we wrote.
    assert set(crowd_attributes(html)) <= {"name", "src", "header", "categories", "labels", "initial-value", "overlay"}
    assert crowd_attributes(html)["name"] == ELEMENT[task.name]


def crowd_attributes(html: str) -> dict[str, str]:
    """The attributes of the template's crowd element, as a browser's parser reads them."""
    found: dict[str, str] = {}

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag.startswith("crowd-") and tag != "crowd-form" and not found:
                found.update(attrs)

    Parser().feed(html)
    return found


def test_template_element_names_match_what_readers_and_simulator_use():
    # §2 answerContent keys; the simulator answers with the same keys.
    assert ELEMENT["ImageMultiClass"] == SIM_ELEMENT["ImageMultiClass"] == "crowd-image-classifier"
    assert ELEMENT["TextMultiClass"] == SIM_ELEMENT["TextMultiClass"] == "crowd-classifier"
    assert ELEMENT["BoundingBox"] == BOX_ELEMENT == "boundingBox"
    assert ELEMENT["SemanticSegmentation"] == "crowd-semantic-segmentation"
    ic = worker_template("ImageMultiClass")
    assert 'categories="{{ task.input.labels | to_json | escape }}"' in ic
    assert 'src="{{ task.input.taskObject | grant_read_access }}"' in ic
    assert "<crowd-image-classifier-multi-select" in worker_template("ImageMultiClassMultiLabel")
    assert "{{ task.input.taskObject | escape }}" in worker_template("TextMultiClass")


def test_templates_refuse_built_in_ui_tasks_and_bad_audit_attributes():
    with pytest.raises(ValueError, match="human-task-ui/NamedEntityRecognition"):
        worker_template("NamedEntityRecognition")
    with pytest.raises(ValueError, match="earlier job's labels"):
        worker_template("AdjustmentBoundingBox")
    with pytest.raises(ValueError, match="not a label attribute name"):
        worker_template("AdjustmentBoundingBox", audit_attribute="x }} {{ evil")


# --- prepare_inputs never overwrites -------------------------------------------------------------------------


def test_prepare_inputs_writes_once_and_never_overwrites_a_different_file(tmp_path):
    open_uri = folder_buckets(tmp_path)
    config = config_for("TextMultiClass", job_name="reviews")
    written = prepare_inputs(config, open_uri)
    prefix = "s3://bucket/out/_ground-control/reviews/"
    assert written == {"labels": prefix + "labels.json", "template": prefix + "template.liquid.html"}
    request = build_request(config)
    assert request["LabelCategoryConfigS3Uri"] == written["labels"]
    assert request["HumanTaskConfig"]["UiConfig"]["UiTemplateS3Uri"] == written["template"]
    assert prepare_inputs(config, open_uri) == written  # the same bytes: fine
    store = LocalStore(tmp_path / "bucket")
    before = store.get("out/_ground-control/reviews/labels.json")
    with pytest.raises(LaunchError) as caught:
        prepare_inputs(config.with_changes(labels=("good", "bad", "meh")), open_uri)
    assert caught.value.problems[0].field == "job_name"
    assert "already holds a different label category file" in caught.value.problems[0].message
    assert store.get("out/_ground-control/reviews/labels.json") == before


def test_prepare_inputs_writes_nothing_when_files_are_given(tmp_path):
    config = config_for("ImageMultiClass", labels=(), label_category_uri="s3://bucket/labels.json",
                        ui_template="s3://bucket/my-template.html")
    assert problems(config) == []
    assert prepare_inputs(config, folder_buckets(tmp_path)) == {}
    assert not any(tmp_path.rglob("*"))
    assert prepare_inputs(config_for("NamedEntityRecognition"), folder_buckets(tmp_path)).keys() == {"labels"}
    custom = config_for("PassThrough", labels=())  # a custom task may do without a label category file
    assert problems(custom) == [] and "LabelCategoryConfigS3Uri" not in build_request(custom)


# --- cost (§9) --------------------------------------------------------------------------------------------------


def test_cost_public_and_private():
    ic = tasks.task("ImageMultiClass")
    public = estimate_cost(ic, 1000, 3, 0.012, workforce="public")
    assert public.service_fee_usd == Decimal("80") and public.worker_fee_usd == Decimal("36")
    assert public.total_usd == Decimal("116")  # 0.08 x 1000 + 3 x 0.012 x 1000
    assert public.per_object_usd == Decimal("0.116")
    private = estimate_cost(ic, 1000, 3, 0.012, workforce="private")
    assert private.total_usd == Decimal("80") and private.worker_fee_usd == 0
    lines = public.lines()
    assert "Ground Truth fee: 1,000 x $0.08 = $80.00" in lines
    assert "Public workforce: 1,000 x 3 workers x $0.012 = $36.00" in lines and "Total: $116.00" in lines
    od = estimate_cost(tasks.task("BoundingBox"), 1, 5, Decimal("0.036"), workforce="public")
    assert od.total_usd == Decimal("0.26")  # the OD notebook's 0.08 + 5 x 0.036 (§9)


def test_cost_with_auto_labeling():
    ic = tasks.task("ImageMultiClass")
    worst = estimate_cost(ic, 1000, 3, 0.012, auto_labeling=True, workforce="public")
    assert worst.total_usd == Decimal("116") and any("the most it can cost" in a for a in worst.assumptions)
    half = estimate_cost(ic, 1000, 3, 0.012, auto_labeling=True, expected_machine_share=0.5, workforce="public")
    assert (half.human_objects, half.machine_objects) == (500, 500)
    assert half.total_usd == Decimal("80") + Decimal("18")  # machine labels pay only the service fee
    assert any("vendor" in a for a in estimate_cost(ic, 10, 1, workforce="vendor").assumptions)
    with pytest.raises(ValueError):
        estimate_cost(ic, 10, 1, auto_labeling=True, expected_machine_share=1.5)


# --- showing the request ------------------------------------------------------------------------------------------


def test_dry_run_outputs_are_the_request():
    request = build_request(config_for("ImageMultiClass"))
    assert json.loads(request_json(request)) == request
    snippet = boto3_snippet(request)
    tree = ast.parse(snippet)
    assign = next(n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "request")
    assert ast.literal_eval(assign.value) == request
    assert 'boto3.client("sagemaker", region_name=\'us-east-1\').create_labeling_job(**request)' in snippet


def test_objects_to_send_skip_lines_already_labeled():
    manifest = b'{"source-ref":"s3://b/1.png","digit":1}\n{"source-ref":"s3://b/2.png"}\nnot json\n' \
               b'{"source-ref":"s3://b/3.png","digit-metadata":{"failure-reason":"x"}}\n'
    assert objects_to_send(manifest, "digit") == [1, 3]
    assert objects_to_send(manifest, "other") == [0, 1, 3]


def test_task_facts_and_workteam_options():
    assert public_workteam_arn(REGION) == "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
    facts = dict(task_facts("SemanticSegmentation", "eu-west-1"))
    assert facts["Pre-annotation Lambda"] == "arn:aws:lambda:eu-west-1:568282634449:function:PRE-SemanticSegmentation"
    assert facts["Auto-labeling"].endswith(":027400017018:labeling-job-algorithm-specification/semantic-segmentation")
    assert facts["Label attribute name"] == "must end with -ref"
    assert facts["Labels with auto-labeling"] == "at most 20"
    ner = dict(task_facts("NamedEntityRecognition", REGION))
    assert ner["Worker UI"] == "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/NamedEntityRecognition"
    teams = [{"WorkteamName": "labelers", "WorkteamArn": TEAM, "Description": "", "MemberDefinitions": []}]
    assert workteam_options(teams, REGION, include_public=True) == [
        ("labelers (private)", TEAM),
        ("Public workforce (Mechanical Turk)", public_workteam_arn(REGION)),
    ]


# --- service errors in plain words ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "message", "field"), [
    ("ValidationException", "The value of the LabelAttributeName field for the Semantic Segmentation task type must "
                            "end with '-ref'.", "label_attribute"),
    ("ValidationException", "The role ARN isn't valid. Make sure it trusts sagemaker.amazonaws.com.", "role"),
    ("ValidationException", "HumanTaskConfig.TaskKeywords[1]: must be words; LabelingJobName: must be short",
     "keywords[1]"),
    ("ValidationException", "Workteam arn:aws:sagemaker:us-east-1:1:workteam/private-crowd/x does not exist.",
     "workteam"),
    ("ValidationException", "The input manifest s3://b/in.manifest does not exist.", "manifest"),
    ("ResourceLimitExceeded", "You have reached the limit of running jobs", "job"),
    ("NoCredentialsError", "create_labeling_job: Unable to locate credentials", "workspace"),
    ("InternalFailure", "Something else", "request"),
])
def test_service_errors_become_fields_in_plain_words(code, message, field):
    found = explain_service_error(ServiceError(code, message))
    assert found[0].field == field
    assert isinstance(found[0], Problem)
    if code == "ValidationException" and ";" in message:
        assert [p.field for p in found] == ["keywords[1]", "job_name"]
