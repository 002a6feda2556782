"""Gold-label and names files, and worker names from a Cognito user pool (moto, in-process)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pandas as pd
import pytest
from moto import mock_aws

from core import aws
from core.gold import SHAPES, GoldError, read_gold
from core.gt.sagemaker import SageMakerService
from core.identity import IdentityError, display_names, names_from_users, read_names_csv, team_names, user_pools
from core.ingest import SourceReader
from core.metrics import TEAM
from core.storage import open_location
from core.workers import worker_report

SRC = "s3://bucket/images/{}.jpg"

# --- gold -------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["source-ref", "source"])
def test_gold_csv(key):
    text = f"{key},label\n{SRC.format(0)},Cat\n {SRC.format(1)} , Blue jay \n\n{SRC.format(2)},Dog\n"
    assert read_gold("gold.csv", text.encode()) == {
        SRC.format(0): "Cat", SRC.format(1): "Blue jay", SRC.format(2): "Dog",
    }


def test_gold_csv_from_excel_with_bom_and_crlf_and_extra_columns():
    text = f"\ufeffid,source-ref,label,notes\r\n1,{SRC.format(0)},Cat,ok\r\n2,{SRC.format(1)},\"Owl, barn\",\r\n"
    assert read_gold("gold.csv", text.encode("utf-8")) == {SRC.format(0): "Cat", SRC.format(1): "Owl, barn"}


@pytest.mark.parametrize("key", ["source-ref", "source"])
def test_gold_jsonl(key):
    lines = [{key: SRC.format(0), "label": "Cat"}, {key: SRC.format(1), "label": 3, "extra": [1]}]
    text = "\n".join(json.dumps(line) for line in lines) + "\n\n"
    assert read_gold("gold.jsonl", text.encode()) == {SRC.format(0): "Cat", SRC.format(1): "3"}


def test_gold_jsonl_is_recognized_by_content_whatever_the_name():
    text = json.dumps({"source": "the text", "label": "positive"})
    assert read_gold("labels.txt", text.encode()) == {"the text": "positive"}


def test_gold_identical_duplicates_are_fine():
    text = f"source-ref,label\n{SRC.format(0)},Cat\n{SRC.format(0)},Cat\n"
    assert read_gold("gold.csv", text.encode()) == {SRC.format(0): "Cat"}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("gold.csv", f"image,label\n{SRC.format(0)},Cat\n", "gold.csv: line 1: needs columns"),
        ("gold.csv", f"source-ref,class\n{SRC.format(0)},Cat\n", "gold.csv: line 1: needs columns"),
        ("gold.csv", f"source-ref,label\n{SRC.format(0)},Cat\n{SRC.format(1)},  \n", "gold.csv: line 3: no 'label'"),
        ("gold.csv", f"source-ref,label\n{SRC.format(0)},Cat\n{SRC.format(1)}\n", "gold.csv: line 3: no 'label'"),
        ("gold.csv", f"source-ref,label\n{SRC.format(0)},Cat\n,Dog\n",
         "gold.csv: line 3: no 'source-ref', 'source' or 'ImageId'"),
        ("gold.csv", f"source-ref,label\n{SRC.format(0)},Cat\n{SRC.format(1)},Dog\n{SRC.format(0)},Owl\n",
         f"gold.csv: line 4: {SRC.format(0)} is labeled 'Owl' here but 'Cat' on line 2"),
        ("gold.jsonl", f'{{"source-ref": "{SRC.format(0)}", "label": "Cat"}}\n{{"source-ref": "x", "label": \n',
         "gold.jsonl: line 2: invalid JSON"),
        ("gold.jsonl", f'{{"source-ref": "{SRC.format(0)}", "label": "Cat"}}\n["x", "Dog"]\n',
         "gold.jsonl: line 2: not a JSON object"),
        ("gold.jsonl", f'\n{{"source-ref": "{SRC.format(0)}", "label": ""}}\n', "gold.jsonl: line 2: no 'label'"),
        ("gold.jsonl", '{"label": "Cat"}\n', "gold.jsonl: line 1: no 'source-ref', 'source' or 'ImageId'"),
        # The demo's box gold: for `quality`, which the refusal names.
        ("gold-boxes.jsonl", f'{{"source-ref": "{SRC.format(0)}", "annotations": [{{"label": "circle"}}]}}\n',
         "gold-boxes.jsonl: line 1: boxes, not one label an object: measure boxes against this gold with "
         "`python -m core quality SOURCE --gold FILE`"),
        ("gold.csv", "source-ref,label\n", "gold.csv: no gold labels found"),
        ("gold.csv", "", "gold.csv: line 1: needs columns"),
    ],
)
def test_gold_errors_name_the_file_and_the_line(name, text, message):
    with pytest.raises(GoldError) as err:
        read_gold(name, text.encode())
    assert str(err.value).startswith(message), str(err.value)
    problem, _, shapes = str(err.value).partition("\n\n")
    assert "\n" not in problem
    assert shapes in ("", SHAPES)  # a file in no accepted shape is told which shapes are


# The real fixture's reference labels, in their own shape: a JSON list of {"ImageId", "Label"}.
def test_gold_the_fixtures_own_true_labels_json(birds_dir):
    gold = read_gold("true_labels.json", (birds_dir / "true_labels.json").read_bytes())
    truth = json.loads((birds_dir / "true_labels.json").read_text())
    assert len(gold) == len(truth) == 302
    assert gold == {t["ImageId"]: t["Label"] for t in truth}


def test_gold_by_image_id_scores_the_fixture_like_gold_by_source_ref(birds_dir):
    """ImageIds match the objects by file name; accuracy is the same as with full source-refs."""
    data = SourceReader(open_location(str(birds_dir))).load()
    by_id = read_gold("true_labels.json", (birds_dir / "true_labels.json").read_bytes())
    refs = [json.loads(line)["source-ref"] for line in (birds_dir / "output.manifest").read_text().splitlines()]
    by_ref = {ref: by_id[ref.rsplit("/", 1)[1].split(".")[0]] for ref in refs}
    with_ids = worker_report(data, gold=by_id).set_index("worker_id")["accuracy"]
    with_refs = worker_report(data, gold=by_ref).set_index("worker_id")["accuracy"]
    assert with_ids.notna().sum() == 98  # 97 workers and the Team row
    pd.testing.assert_series_equal(with_ids, with_refs)


def test_gold_a_trusted_jobs_output_manifest(birds_dir):
    """Its label attribute's class-name per source-ref; an object it left unlabeled has no gold."""
    text = (birds_dir / "output.manifest").read_text()
    failed = {"source-ref": "s3://b/failed.jpg", "animal-metadata": {"failure-reason": "ClientError: expired",
                                                                     "job-name": "labeling-job/x"}}
    gold = read_gold("output.manifest", (text + json.dumps(failed) + "\n").encode())
    assert len(gold) == 302 and "s3://b/failed.jpg" not in gold
    first = json.loads(text.splitlines()[0])
    assert gold[first["source-ref"]] == first["birds-open-images-clone-metadata"]["class-name"]


@pytest.mark.parametrize("text", [
    f"Source-Ref,Label\n{SRC.format(0)},Cat\n{SRC.format(1)},Dog\n",
    f'{{"source-ref": "{SRC.format(0)}", "label": "Cat"}}\n{{"source": "{SRC.format(1)}", "label": "Dog"}}\n',
    json.dumps([{"source-ref": SRC.format(0), "label": "Cat"}, {"ImageId": SRC.format(1), "Label": "Dog"}], indent=1),
    json.dumps({SRC.format(0): "Cat", SRC.format(1): "Dog"}),
    json.dumps({SRC.format(0): "Cat", SRC.format(1): "Dog"}, indent=2),
], ids=["csv", "jsonl", "json-list", "json-object", "json-object-pretty"])
def test_gold_every_accepted_shape(text):
    assert read_gold("gold.json", text.encode()) == {SRC.format(0): "Cat", SRC.format(1): "Dog"}


@pytest.mark.parametrize(("text", "problem"), [
    ('[["s3://b/a.jpg", "Cat"]]', "gold.json: record 1: not a JSON object"),
    ('{"s3://b/a.jpg": {"class": "Cat"}}', "gold.json: line 1: the value of 's3://b/a.jpg' is not a label"),
    ('[{"source-ref": "s3://b/a.jpg", "label": "Cat"},', "gold.json: invalid JSON at line 1"),
    ("source-ref;label\ns3://b/a.jpg;Cat\n", "gold.json: line 1: needs columns"),
])
def test_gold_refusal_lists_the_accepted_shapes_with_an_example_each(text, problem):
    with pytest.raises(GoldError) as err:
        read_gold("gold.json", text.encode())
    message = str(err.value)
    assert message.startswith(problem), message
    for example in ["source-ref,label", '{"source-ref": "s3://bucket/a.jpg", "label": "Cat"}',
                    '[{"ImageId": "a", "Label": "Cat"}, ...]', '{"s3://bucket/a.jpg": "Cat", ...}', "class-name"]:
        assert example in message


def test_gold_binary_file_is_a_gold_error():
    with pytest.raises(GoldError, match="gold.csv: binary"):
        read_gold("gold.csv", b"PK\x03\x04\x00\x00\x08\x00")


def test_gold_jsonl_text_sources_may_hold_unicode_line_separators():
    """Text-classification gold keyed by `source` text: U+2028 is legal raw JSON (ensure_ascii=False)
    and must not split the line."""
    lines = [{"source": "one\u2028two", "label": "a"}, {"source": "three", "label": "b"}]
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    assert read_gold("gold.jsonl", text.encode()) == {"one\u2028two": "a", "three": "b"}


# --- names CSV ----------------------------------------------------------------------------------


def test_names_csv_by_sub_or_worker_id():
    text = b"sub,name\nabc-1, Ana Lima \nabc-2,Bo\n"
    assert read_names_csv("names.csv", text) == {"abc-1": "Ana Lima", "abc-2": "Bo"}
    text = b"worker_id,name,team\nprivate.eu-west-1.88f516d0d40e6db7,Ana,x\n"
    assert read_names_csv("names.csv", text) == {"private.eu-west-1.88f516d0d40e6db7": "Ana"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"user,name\nabc,Ana\n", "names.csv: line 1: needs columns"),
        (b"sub,full_name\nabc,Ana\n", "names.csv: line 1: needs columns"),
        (b"sub,name\nabc,Ana\ndef,\n", "names.csv: line 3: empty sub or name"),
        (b"sub,name\nabc,Ana\n,Bo\n", "names.csv: line 3: empty sub or name"),
    ],
)
def test_names_csv_errors(text, message):
    with pytest.raises(IdentityError) as err:
        read_names_csv("names.csv", text)
    assert str(err.value).startswith(message), str(err.value)


def test_display_names_prefer_sub_then_worker_id(gt_output):
    t = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)
    gt_output.job("job", {0: [gt_output.answer(n, "Cat", t + timedelta(minutes=n)) for n in (1, 2, 3)]})
    data = SourceReader(open_location(str(gt_output.root))).load()
    names = {gt_output.sub(1): "Ana by sub", gt_output.worker_id(1): "Ana by id", gt_output.worker_id(2): "Bo"}
    report = worker_report(data, names=names)
    table = report[report["worker"] != TEAM].set_index("worker_id")
    assert table["worker"].to_dict() == {
        gt_output.worker_id(1): "Ana by sub", gt_output.worker_id(2): "Bo",
        gt_output.worker_id(3): gt_output.worker_id(3),
    }
    assert display_names(table, {}).to_dict() == {w: w for w in table.index}


# --- Cognito (moto) -----------------------------------------------------------------------------

REGION = "eu-west-1"
USERS = 130  # more than two pages of ListUsers (at most 60 users a call)


def _attributes(i: int) -> tuple[list[dict], str]:
    """(UserAttributes, the name a user should see): name for some, given/family or email for others."""
    if i % 4 == 0:
        return [{"Name": "name", "Value": f"Name {i}"}, {"Name": "email", "Value": f"n{i}@example.com"}], f"Name {i}"
    if i % 4 == 1:
        return [{"Name": "given_name", "Value": f"Given{i}"}, {"Name": "family_name", "Value": f"Family{i}"}], (
            f"Given{i} Family{i}")
    if i % 4 == 2:
        return [{"Name": "email", "Value": f"user{i}@example.com"}], f"user{i}@example.com"
    return [{"Name": "given_name", "Value": f"Only{i}"}], f"Only{i}"


@pytest.fixture
def cognito_pool(fake_aws):
    """A moto user pool with USERS users; yields (pool id, {sub: expected name}, {sub: username})."""
    fake_aws(REGION)
    with mock_aws():
        idp = boto3.client("cognito-idp", region_name=REGION)
        pool = idp.create_user_pool(PoolName="labelers")["UserPool"]["Id"]
        expected, usernames = {}, {}
        for i in range(USERS):
            attrs, shown = _attributes(i)
            user = idp.admin_create_user(UserPoolId=pool, Username=f"user{i:03d}", UserAttributes=attrs)["User"]
            sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
            expected[sub], usernames[sub] = shown, f"user{i:03d}"
        yield pool, expected, usernames


def test_cognito_names_reads_every_page(cognito_pool):
    pool, expected, _ = cognito_pool
    calls = []
    idp = aws.client("cognito-idp", aws.AwsSettings(region=REGION))
    idp.meta.events.register("before-call.cognito-identity-provider.ListUsers", lambda **kw: calls.append(1))
    names = names_from_users(SageMakerService(aws.AwsSettings(region=REGION)).list_users(pool))
    assert len(names) == USERS
    assert names == expected
    assert len(calls) == 3  # 60 + 60 + 10


def test_cognito_missing_pool_is_an_identity_error(cognito_pool):
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/eu-west-1_doesNotExist"
    answers = pd.DataFrame({"issuer": [issuer]})
    with pytest.raises(IdentityError, match=r"eu-west-1_doesNotExist \(eu-west-1\): ResourceNotFoundException"):
        team_names(SageMakerService(aws.AwsSettings(region=REGION)), answers)


def test_worker_report_shows_cognito_names_by_sub(cognito_pool, gt_output):
    pool, expected, _ = cognito_pool
    subs = list(expected)[:3]
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{pool}"
    t = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)
    answers = [gt_output.answer(n + 1, "Cat", t + timedelta(minutes=n), sub=sub, issuer=issuer)
               for n, sub in enumerate(subs)]
    answers.append(gt_output.answer(9, "Cat", t, sub="00000000-0000-0000-0000-000000000000", issuer=issuer))
    gt_output.job("job", {0: answers})
    data = SourceReader(open_location(str(gt_output.root))).load()
    assert user_pools(data.answers) == [(REGION, pool)]
    names = team_names(SageMakerService(aws.AwsSettings(region=REGION)), data.answers)
    report = worker_report(data, names=names)
    workers = report[report["worker"] != TEAM].set_index("sub")["worker"].to_dict()
    assert workers == {**{sub: expected[sub] for sub in subs},
                       "00000000-0000-0000-0000-000000000000": gt_output.worker_id(9)}
    anonymous = worker_report(data, names=names, anonymize=True)
    assert not set(anonymous["worker"]) & set(expected.values())
