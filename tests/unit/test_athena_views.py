"""The Athena engine's tables mean what the local engine's mean: the `answers` view's SQL (in its
DuckDB form, over the same files with DuckDB's read_json) and the staged tables (read back from the
JSON lines Athena would read) give the local engine's worker table exactly, on the real 2019 bird
job and on constructed private-workforce output with times, subs, multi-label and bad answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from athena_on_duckdb import answers_on_duckdb

from core import metrics
from core.engine import athena_workers as aw
from core.engine.athena_tables import dated
from core.engine.sql import QUERIES
from core.gold import read_gold
from core.ingest import SourceReader
from core.labellayer import choose_layers
from core.storage import open_location
from core.workers import Selection

DUCK_TYPES = {"string": "VARCHAR", "double": "DOUBLE", "bigint": "BIGINT"}


def _staged_view(con, staged, folder) -> None:
    """A staged table as Athena would read it: its JSON lines file, with its declared columns."""
    path = folder / f"{staged.table}.json"
    path.write_bytes(staged.body)
    columns = ", ".join(f"'{c}': '{DUCK_TYPES[k]}'" for c, k in staged.columns)
    con.execute(f"CREATE VIEW {staged.name} AS SELECT * FROM read_json('{path}', columns = {{{columns}}}, "
                "format = 'newline_delimited')")


def on_duckdb(source, tmp_path, gold=None, attributes=None, query: str = "worker_table",
              since=None, until=None, jobs=None) -> pd.DataFrame:
    """The Athena engine's tables and query, run by DuckDB over the local folder `source` (a path,
    or the Location of a local store, e.g. the demo's), over the answers of `jobs` (all when None)."""
    location = open_location(source) if isinstance(source, str) else source
    plan = aw.plan(location, "gc_test", "s3://results/athena/", jobs, gold=gold, attributes=attributes)
    files = {job: [location.store.path_of(i.key) for i in infos] for job, infos in plan.found.responses.items()}
    con = answers_on_duckdb(files)
    days = dated("all_answers", since, until, plan.found.folders)  # as WorkerPlan.answers
    con.execute(f"CREATE VIEW answers AS {days if days.startswith('SELECT') else 'SELECT * FROM ' + days}")
    for staged in plan.staged:
        _staged_view(con, staged, tmp_path)
    distinct = con.execute(QUERIES["distinct_labels"]).df()["label"]
    _staged_view(con, aw.label_norms(distinct), tmp_path)
    return con.execute(QUERIES[query]).df()


def local(source, gold=None, attributes=None) -> pd.DataFrame:
    data = SourceReader(open_location(source) if isinstance(source, str) else source).load(keep=False)
    return metrics.worker_table(data.answers, data.labels, data.objects, gold, attributes)


def same_table(remote: pd.DataFrame, expected: pd.DataFrame) -> None:
    remote = remote.set_index("worker_id")
    for col in ("first_submission", "last_submission"):
        remote[col] = remote[col].dt.tz_localize("UTC")
    expected = expected.copy()
    for col in ("first_submission", "last_submission"):
        expected[col] = expected[col].astype("datetime64[us, UTC]")
    remote.index, expected.index = remote.index.astype(object), expected.index.astype(object)
    for col in ("sub",):
        remote[col] = remote[col].astype(object).where(remote[col].notna(), None)
        expected[col] = expected[col].astype(object).where(expected[col].notna(), None)
    pd.testing.assert_frame_equal(remote, expected, check_dtype=False, check_index_type=False)


def test_the_real_bird_job_gives_the_local_worker_table(birds_dir, tmp_path):
    gold = read_gold("true_labels.json", (birds_dir / "true_labels.json").read_bytes())
    expected = local(str(birds_dir), gold)
    remote = on_duckdb(str(birds_dir), tmp_path, gold)
    assert len(remote) == 97 and remote["labels"].sum() == 1510  # every answer of the 302 x 5, none lost
    assert remote["accuracy"].notna().all() and remote["agreement"].notna().all()
    same_table(remote, expected)
    data = SourceReader(open_location(str(birds_dir))).load(keep=False)
    consensus = metrics.consensus(data.answers, data.labels)
    remote = on_duckdb(str(birds_dir), tmp_path, query="consensus")
    assert len(consensus) == 302
    pd.testing.assert_frame_equal(remote.astype(object), consensus.astype(object))


T0 = datetime(2024, 3, 12, 9, 0, tzinfo=UTC)


def _private_output(gt) -> str:
    """Two jobs: image classification with active seconds, elapsed-only and unknown times, one
    implausible time (left out), a worker without a sub, an answer without workerId (skipped);
    and a multi-label job (answers count, their label is unknown)."""
    a = gt.answer
    answers = {
        0: [a(1, "Cat", T0, 2.5), a(2, "Cat", T0 + timedelta(seconds=7), None, accepted=T0),
            a(3, "Dog", T0 + timedelta(minutes=70), None, accepted=None)],
        1: [a(1, "Dog", T0 + timedelta(days=1), 3.25), a(2, "Dog", T0 + timedelta(days=1, seconds=3), 90_000.0),
            {"submissionTime": "2024-03-12T11:00:00.000Z", "answerContent": {"x": {"label": "Dog"}}}],
        2: [a(3, "Owl", T0 + timedelta(hours=2), 1.0, sub="")],
    }
    gt.job("pets", answers, {0: "Cat", 1: "Dog", 2: "Owl"})
    multi = []
    for n, worker in enumerate((1, 4)):
        raw = a(worker, "unused", T0 + timedelta(hours=3, seconds=n), 4.0)
        raw["answerContent"] = {"crowd-image-classifier-multi-select": {"labels": ["Cat", "Dog"]}}
        multi.append(raw)
    gt.response("pets-multi", 1, 0, multi)
    gt.response("pets-multi", 1, 1, [a(4, "Cat", T0 + timedelta(hours=4), 2.0)])
    return str(gt.root)


def test_private_workforce_output_gives_the_local_worker_table(gt_output, tmp_path):
    source = _private_output(gt_output)
    expected = local(source)
    remote = on_duckdb(source, tmp_path)
    assert set(remote["worker_id"]) == {gt_output.worker_id(n) for n in (1, 2, 3, 4)}
    same_table(remote, expected)
    w2 = remote.set_index("worker_id").loc[gt_output.worker_id(2)]
    assert w2["labels"] == 2 and w2["time_spent_s"] == 7.0  # the 90,000 s answer counts, its time does not


@pytest.mark.parametrize(("since", "until"), [(date(2024, 3, 13), None), (None, date(2024, 3, 12)),
                                              (date(2024, 3, 12), date(2024, 3, 12))])
def test_days_select_the_answers_as_locally(gt_output, tmp_path, since, until):
    source = _private_output(gt_output)
    data = SourceReader(open_location(source)).load(keep=False)
    answers, labels, objects = Selection(None, since, until).apply(data)
    expected = metrics.worker_table(answers, labels, objects)
    remote = on_duckdb(source, tmp_path, since=since, until=until)
    assert 0 < remote["labels"].sum() < len(data.answers)  # some days left out, some kept
    same_table(remote, expected)


def test_chosen_layer_and_gold_by_file_name(gt_output, tmp_path):
    source = _private_output(gt_output)
    gold = {"0.jpg": "cat", "1": "Owl"}
    expected = local(source, gold, {"pets": "animal"})
    same_table(on_duckdb(source, tmp_path, gold, {"pets": "animal"}), expected)


@pytest.mark.slow  # builds the session's demo when no earlier test has
def test_the_simulators_output_gives_the_local_worker_table(demo, tmp_path):
    """The demo's jobs as the simulator writes them (several task types, chained jobs, auto-labeling)."""
    location = demo.open(demo.output_uri)
    data = SourceReader(location).load(keep=False)
    layers = metrics.job_attributes(data.labels, data.answers)  # chained jobs: one layer each, as decided
    assert len(layers) > 3
    found = aw.survey(location)
    labels, objects, notes = aw.manifest_tables(location, found)
    columns = ["job", "object_id", "attribute", "status", "class_name"]
    pd.testing.assert_frame_equal(labels[columns].fillna("-"), data.labels[columns].astype(object).fillna("-"),
                                  check_dtype=False)  # the staged rows, in the local reader's order
    pd.testing.assert_frame_equal(objects.fillna("-"), data.objects[["job", "object_id", "source", "gold"]]
                                  .astype(object).fillna("-"), check_dtype=False)  # gold: the queue's (none here)
    no_answers = labels.iloc[0:0].assign(label=None)  # what the Athena command decides layers from
    assert {j: a.attribute for j, a in choose_layers(labels, no_answers).items()} == layers
    expected = local(location, attributes=layers)
    remote = on_duckdb(location, tmp_path, attributes=layers)
    assert len(remote) == len(expected) > 5 and remote["labels"].sum() > 1_000
    same_table(remote, expected)


def test_two_folders_with_one_job_name_are_refused(gt_output):
    """Partitions are by job name: a second folder of the same name would be silently left out."""
    a = gt_output.answer
    gt_output.job("pets", {0: [a(1, "Cat", T0)]}, parent="team-a")
    gt_output.job("pets", {0: [a(2, "Dog", T0)]}, parent="team-b")
    with pytest.raises(aw.AthenaError, match="two folders hold a job named 'pets'"):
        aw.survey(open_location(str(gt_output.root)))
    # Another job chosen reads no partition of 'pets', unless Worker N's order reads every job's.
    gt_output.job("birds", {0: [a(3, "Owl", T0)]}, parent="team-a")
    location = open_location(str(gt_output.root))
    assert aw.survey(location, ["birds"]).jobs == ["birds"]
    assert aw.plan(location, "gc", "s3://r/", ["birds"]).whole_reads == 0
    with pytest.raises(aw.AthenaError, match="two folders hold a job named 'pets'"):
        aw.plan(location, "gc", "s3://r/", ["birds"], anonymize=True).ddl()  # before anything runs
    with pytest.raises(aw.AthenaError, match="two folders hold a job named 'pets'"):
        aw.survey(location, ["pets"])


def test_each_source_has_its_own_table_and_reads_only_its_jobs(gt_output):
    a = gt_output.answer
    gt_output.job("pets", {0: [a(1, "Cat", T0)]}, parent="team-a")
    gt_output.job("birds", {0: [a(2, "Owl", T0)]}, parent="team-b")
    one, two = (aw.plan(open_location(str(gt_output.root / team)), "gc", "s3://r/") for team in ("team-a", "team-b"))
    assert one.responses_table != two.responses_table and one.answers_view != two.answers_view
    assert one.answers() == f"SELECT * FROM gc.{one.answers_view} WHERE job IN ('pets')"


def test_staged_rows_are_named_by_their_content():
    one = aw.stage("labels", aw.LABELS, [{"job": "a", "object_id": "0", "row_no": 0}])
    same = aw.stage("labels", aw.LABELS, [{"job": "a", "object_id": "0", "row_no": 0}])
    other = aw.stage("labels", aw.LABELS, [{"job": "a", "object_id": "1", "row_no": 0}])
    assert one.table == same.table != other.table
    assert one.key("s3://r/x/") == f"s3://r/x/ground-control/staged/{one.table}/rows.json"
    assert json.loads(one.body) == {"job": "a", "object_id": "0", "row_no": 0}  # NULLs are left out


@pytest.mark.parametrize("name", ["gc bad", "GC", "a-b", ""])
def test_glue_names_are_checked_before_any_ddl(name):
    from core.engine.athena_tables import quote

    with pytest.raises(ValueError, match="Glue name"):
        quote(name)


def test_worker_n_of_chosen_jobs_is_numbered_over_the_whole_source(gt_output, tmp_path):
    """Anonymous, with one job chosen: the plan adds every job's partition, prices one more read at the
    whole source's size, keys it on every job's files, and its query gives the local Worker N order."""
    source = _private_output(gt_output)
    location = open_location(source)
    whole = aw.survey(location)
    plan = aw.plan(location, "gc", "s3://results/athena/", ["pets-multi"], anonymize=True)
    assert plan.found.narrowed and plan.found.jobs == ["pets-multi"] and plan.found.whole.jobs == whole.jobs
    assert plan.whole_reads == 1 and plan.versions() == whole.versions() != plan.found.versions()
    assert sum("PARTITION (job = 'pets')" in s for s in plan.ddl()) == 1  # the unchosen job, for the order
    cost = plan.estimate()
    assert [(p.scanned_bytes >= plan.found.response_bytes(), p.queries) for p in cost.parts] == [(True, 3), (True, 1)]
    assert cost.parts[1].scanned_bytes == whole.response_bytes() > plan.found.response_bytes()
    assert plan.whole_answers() == f"SELECT * FROM gc.{plan.answers_view} WHERE job IN ('pets', 'pets-multi')"

    files = {job: [location.store.path_of(i.key) for i in infos] for job, infos in whole.responses.items()}
    with answers_on_duckdb(files, plan.answers_view) as con:
        order = con.execute(aw.qualified("anonymous_order", {"answers": plan.whole_answers().replace("gc.", "")},
                                         "duckdb")).df()["worker_id"]
    data = SourceReader(location).load(keep=False)
    expected = metrics.anonymous_names(data.answers)
    assert {w: f"Worker {i}" for i, w in enumerate(order, start=1)} == expected
    assert expected[gt_output.worker_id(4)] == "Worker 4"  # pets-multi's own order would make it Worker 2

    # Every job chosen, or not anonymous: nothing more is read, and no other partition is added.
    assert aw.plan(location, "gc", "s3://r/", anonymize=True).whole_reads == 0
    assert aw.plan(location, "gc", "s3://r/", ["pets-multi"]).whole_reads == 0
    dated = aw.plan(location, "gc", "s3://r/", since=date(2024, 3, 13), anonymize=True)
    assert dated.whole_reads == 1 and dated.estimate().queries == 4 and not hasattr(dated.estimate(), "parts")
