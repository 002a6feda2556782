"""Every page runs without exceptions (streamlit.testing AppTest), on the real fixture."""

import json
from pathlib import Path

import pytest
from app_page import run_app as run
from demo_copy import copy_demo
from streamlit.testing.v1 import AppTest
from test_quality_report import source  # noqa: F401  (tests/unit is on sys.path)

from core.workspace import demo_workspace

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def test_jobs_is_the_home_page_and_lists_the_demo_jobs():
    at = run()
    assert at.title[0].value == "Jobs"
    assert "Demo workspace" in at.caption[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Jobs"] == "17" and metrics["Running"] == "1"
    table = at.dataframe[0].value
    assert {"Completed", "Stopped", "Failed", "InProgress"} <= set(table["status"])
    assert table["created"].is_monotonic_decreasing  # newest first


def test_jobs_opens_a_job_from_the_url_with_its_details():
    at = run(job="digits-batch-3")
    assert any(s.value.endswith("digits-batch-3") for s in at.subheader)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Status"] == "Stopped" and metrics["ETA"] == "none"
    facts = at.table[0].value["Value"]
    assert facts["Output"] == "s3://ground-control-demo/labeling-jobs/digits-batch-3/"
    assert not [b for b in at.button if b.label == "Stop job"]  # a stopped job cannot be stopped again


def test_jobs_table_leads_with_what_a_lead_scans_and_the_task_is_said_once():
    at = run(job="digits-batch-1", live="0")
    order = list(at.dataframe[0].proto.column_order)
    assert order[:5] == ["status", "job", "done", "days_left", "failure_reason"]
    task = at.table[0].value["Value"]["Task"]
    assert task == "Which digit is this? — Read the instructions before you start.", task


def test_jobs_running_job_offers_stop_and_expiry():
    running = run().dataframe[0].value.query("status == 'InProgress'")["job"].iloc[0]
    at = run(job=running)
    assert [b for b in at.button if b.label == "Stop job"]
    assert "30 days after creation" in at.table[0].value["Value"]["Expires"]


def test_jobs_unknown_job_in_the_url_is_ignored():
    at = run(job="no-such-job")
    assert not at.subheader and not at.error


def test_workers_without_source_explains_what_to_enter():
    at = run("app_pages/workers.py", source="")
    assert "Enter a **source**" in at.markdown[0].value


@pytest.mark.slow
def test_workers_in_the_demo_opens_on_all_its_jobs():
    at = run("app_pages/workers.py")
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Labels"].replace(",", "")) > 20_000
    assert int(metrics["Workers"]) >= 12
    # The caption is Markdown with the URI escaped (data shown literally): read it without the escapes.
    assert "s3://ground-control-demo/labeling-jobs/" in at.caption[0].value.replace("\\", "")


def test_workers_on_fixture_shows_totals_and_skipped_files(birds_dir):
    at = run("app_pages/workers.py", source=str(birds_dir))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Labels"] == "1,510"
    assert metrics["Workers"] == "97"
    assert metrics["Objects"] == "302"
    assert metrics["Median accuracy"] == "no gold"
    assert any("2 skipped" in e.label for e in at.expander)
    assert at.query_params["source"] == str(birds_dir)


def test_workers_with_gold_fills_accuracy(birds_dir, tmp_path):
    sources = {}
    for line in (birds_dir / "output.manifest").read_text().splitlines():
        ref = json.loads(line)["source-ref"]
        sources[ref.rsplit("/", 1)[1].split(".")[0]] = ref
    truth = json.loads((birds_dir / "true_labels.json").read_text())
    gold = tmp_path / "gold.csv"
    gold.write_text("source-ref,label\n" + "".join(f"{sources[t['ImageId']]},{t['Label']}\n" for t in truth))
    at = run("app_pages/workers.py", source=str(birds_dir), gold=str(gold))
    accuracy = {m.label: m.value for m in at.metric}["Median accuracy"]
    assert accuracy.endswith("%") and 50 <= int(accuracy[:-1]) <= 100


def test_workers_takes_the_fixtures_own_true_labels_as_gold(birds_dir):
    at = run("app_pages/workers.py", source=str(birds_dir), gold=str(birds_dir / "true_labels.json"))
    assert not at.sidebar.error, [e.value for e in at.sidebar.error]
    accuracy = {m.label: m.value for m in at.metric}["Median accuracy"]
    assert accuracy.endswith("%") and 50 <= int(accuracy[:-1]) <= 100


def test_workers_bad_gold_names_the_line(birds_dir, tmp_path):
    gold = tmp_path / "gold.csv"
    gold.write_text("source-ref,label\ns3://b/1.jpg,\n")
    at = run("app_pages/workers.py", source=str(birds_dir), gold=str(gold))
    assert any("gold.csv: line 2" in e.value for e in at.sidebar.error)


def test_workers_unreadable_source_is_an_error_not_a_crash(tmp_path):
    at = run("app_pages/workers.py", source=str(tmp_path / "missing"))
    assert "does not exist" in at.error[0].value
    assert not at.get("progress")  # the reading bar goes; the error stands alone


def test_an_error_naming_a_path_shows_it_as_written_not_as_markdown(tmp_path):
    at = run("app_pages/workers.py", source=str(tmp_path / "no_such_*folder*"))
    # Escaped, so Markdown shows the underscores and stars instead of italics and bold.
    assert "no\\_such\\_\\*folder\\*" in at.error[0].value, at.error[0].value


def test_workers_empty_folder_says_no_output(tmp_path):
    (tmp_path / "notes.txt").write_text("not ground truth")
    at = run("app_pages/workers.py", source=str(tmp_path))
    assert "No Ground Truth job output" in at.warning[0].value


def test_workers_refresh_shows_new_answers_on_the_click_itself(gt_output):
    from datetime import UTC, datetime

    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    root = gt_output.job("cats", {i: [gt_output.answer(w, "Cat", t0) for w in (1, 2)] for i in range(3)})
    at = run("app_pages/workers.py", source=str(root.parent), names="id")
    assert not any("new or changed" in c.value for c in at.caption)  # a first read: nothing to compare
    gt_output.response("cats", 1, 99, [gt_output.answer(7, "Dog", t0)])
    next(b for b in at.sidebar.button if b.label == "Refresh").click().run()
    assert not at.exception
    caption = next(c.value for c in at.caption if "files read" in c.value).replace("\\", "")  # markdown escapes
    assert "5 files read (1 new or changed since the last read)" in caption, caption


def test_workers_a_session_opened_before_anothers_refresh_shows_its_data_without_reading_again(gt_output):
    from datetime import UTC, datetime

    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    root = gt_output.job("dogs", {i: [gt_output.answer(w, "Dog", t0) for w in (1, 2)] for i in range(3)})
    early = run("app_pages/workers.py", source=str(root.parent), names="id")
    gt_output.response("dogs", 1, 99, [gt_output.answer(7, "Cat", t0)])
    late = run("app_pages/workers.py", source=str(root.parent), names="id")
    next(b for b in late.sidebar.button if b.label == "Refresh").click().run()
    early.run()  # any rerun: the data the other session's Refresh read, not a read of its own (0 new)
    caption = next(c.value for c in early.caption if "files read" in c.value).replace("\\", "")
    assert "5 files read (1 new or changed since the last read)" in caption, caption


@pytest.mark.parametrize("mode", ["anon", "id"])
def test_workers_name_modes_survive_in_the_url(birds_dir, mode):
    at = run("app_pages/workers.py", source=str(birds_dir), names=mode)
    assert at.radio[0].value == mode


def test_workers_say_why_a_public_workforce_is_shown_by_id(birds_dir):
    at = run("app_pages/workers.py", source=str(birds_dir))
    assert at.radio(key="names").value == "id"
    assert any("no Cognito identity" in c.value for c in at.sidebar.caption)


def test_workers_column_choice_comes_back_from_the_link(birds_dir):
    """A shared link with a few columns (not every percentage among them) reopens that choice."""
    at = run("app_pages/workers.py", source=str(birds_dir), cols=["worker", "labels", "accuracy"])
    assert at.multiselect(key="cols_widget").value == ["worker", "labels", "accuracy"]
    assert at.query_params["cols"] == ["worker", "labels", "accuracy"]


@pytest.mark.parametrize("missing", [("credentials", "region"), ("region",), ("credentials",)])
def test_aws_workspace_says_plainly_what_is_missing_and_how_to_set_it(fake_aws, monkeypatch, missing):
    """A newcomer's machine: no ~/.aws, and no credentials or no region in the environment."""
    fake_aws()
    if "region" in missing:
        monkeypatch.delenv("AWS_DEFAULT_REGION")
    if "credentials" in missing:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(name, raising=False)
    at = run(ws="aws")
    sidebar = " ".join(w.value for w in [*at.sidebar.warning, *at.sidebar.markdown])  # short, then the steps
    page = at.error[0].value
    for text in (sidebar, page):
        said = [what for what in ("No AWS credentials found", "No AWS region set") if what in text]
        assert said == [f"No AWS {what} {'found' if what == 'credentials' else 'set'}" for what in missing], text
        assert ("aws configure" in text) == ("credentials" in missing)
        assert ("AWS_REGION" in text) == ("region" in missing)
        assert "Demo" in text
    everything = " ".join(e.value for e in [*at.markdown, *at.caption, *at.error, *at.warning, *at.sidebar.caption])
    assert "Error" not in everything and "region.." not in everything  # not botocore's NoRegionError words
    assert "profile default" not in everything  # there is no profile on this machine


def test_race_plays_in_the_page_with_the_options_from_the_url(birds_dir):
    at = run("app_pages/race.py", source=str(birds_dir), names="anon", period="hour", top="5", title="Birds")
    assert "one period" in at.info[0].value  # 32 minutes of work in one hour: no race to see
    assert at.title[0].value == "Bar chart race"
    assert at.markdown[0].value.startswith("1,510 labels. Top 3: Worker 47 (80)")
    assert at.slider[0].value == 5 and at.text_input(key="title").value == "Birds"
    assert [b.label for b in at.button if b.label == "Render video"]
    assert not [c.value for c in at.caption if "UTC" in c.value]  # no "rendered at" before a render


def test_race_with_a_mistyped_link_falls_back_to_defaults(birds_dir):
    at = run("app_pages/race.py", source=str(birds_dir), period="fortnight", top="many", cmap="rainbow")
    assert at.slider[0].value == 10 and at.selectbox(key="cmap").value == "tableau"


@pytest.mark.slow
def test_race_renders_saves_and_sends_in_the_demo(birds_dir, demo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("GC_CACHE_DIR", str(tmp_path / "cache"))
    at = run("app_pages/race.py", source=str(birds_dir), names="anon")
    at.button(key="render").click().run(timeout=300)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [b for b in at.get("download_button") if b.proto.label == "Download MP4"]
    assert any(c.value.startswith("Video rendered ") for c in at.caption)
    at.button(key="save").click().run()
    saved = next(s.value for s in at.success if "Saved to" in s.value)
    (video,) = (birds_dir / "races").glob("*.mp4")
    assert video.name in saved and video.stat().st_size > 1000
    at.button(key="send").click().run()
    assert any("demo: written to the outbox" in s.value for s in at.success)
    sent = [m.read_text() for m in (demo_dir / "outbox" / "labeling-team-updates").glob("*.json")]
    assert any(str(video) in m and "Worker 47" in m for m in sent)


# ---- Manifests, Launch and chaining (each on a demo of its own: they add jobs and files) ----------

@pytest.fixture
def own_demo(demo, demo_dir, tmp_path, monkeypatch):
    """A copy of the session's demo (a build per test was most of this file's time)."""
    monkeypatch.setenv("GC_DEMO_DIR", str(copy_demo(demo_dir, tmp_path / "demo")))
    return tmp_path / "demo"


@pytest.mark.slow
def test_manifests_builds_a_sample_split_and_writes_it(own_demo):
    at = run("app_pages/manifests.py", data="s3://ground-control-demo/datasets/digits/")
    assert {m.label: m.value for m in at.metric}["Lines in the manifest"] == "1,797"
    at.number_input(key="sample_in").set_value(100).run()
    at.number_input(key="split_in").set_value(2).run()
    assert {m.label: m.value for m in at.metric}["Lines in the manifest"] == "100"
    at.text_input(key="out_in").set_value("s3://ground-control-demo/manifests/half.manifest").run()
    at.button(key="write").click().run()
    assert not at.error, [e.value for e in at.error]
    written = sorted((own_demo / "buckets" / "ground-control-demo" / "manifests").glob("half-part*"))
    assert [p.name for p in written] == ["half-part1-of-2.manifest", "half-part2-of-2.manifest"]
    assert sum(len(p.read_text().splitlines()) for p in written) == 100
    at.button(key="write").click().run()  # the same again: refused, nothing replaced
    assert at.button(key="write").disabled and "Already there" in at.warning[0].value


@pytest.mark.slow
def test_manifests_writes_a_local_file_like_the_command_line_never_overwriting(own_demo, tmp_path):
    at = run("app_pages/manifests.py", data="s3://ground-control-demo/datasets/digits/")
    at.number_input(key="sample_in").set_value(10).run()
    out = tmp_path / "batch.manifest"  # the folder exists, the file not yet
    at.text_input(key="out_in").set_value(str(out)).run()
    assert not at.error, [e.value for e in at.error]
    at.button(key="write").click().run()
    assert any(str(out) in s.value for s in at.success), [e.value for e in at.error]
    written = out.read_bytes()
    assert len(written.splitlines()) == 10
    at.button(key="write").click().run()  # again: refused, the file kept as it was
    assert at.button(key="write").disabled and "Already there" in at.warning[0].value
    assert out.read_bytes() == written
    at.text_input(key="out_in").set_value(str(tmp_path / "no-such-folder" / "x.manifest")).run()
    assert "does not exist" in at.error[0].value and not at.exception


@pytest.mark.slow
def test_manifests_check_lists_each_bad_line(own_demo, tmp_path):
    bad = tmp_path / "bad.manifest"
    bad.write_text('{"source-ref": "s3://ground-control-demo/datasets/digits/digit-00001.png"}\n{oops\n'
                   '{"nothing": 1}\n{"source-ref": "s3://ground-control-demo/datasets/digits/no-such.png"}\n')
    at = run("app_pages/manifests.py", check=str(bad))
    problems = at.dataframe[-1].value if not at.success else None
    assert problems is not None
    found = dict(zip(problems["Line"], problems["Problem"], strict=True))
    assert found == {2: "The line is not JSON (an empty line included)", 3: "Neither source-ref nor source",
                     4: "The source-ref object does not exist"}  # in words, not the codes


@pytest.mark.slow
def test_launch_dry_run_then_launch_in_the_demo(own_demo):
    at = run("app_pages/launch.py", manifest="s3://ground-control-demo/manifests/digits-batch-3.manifest",
             name="digits-batch-4")
    assert {m.label: m.value for m in at.metric}["Objects sent to workers"] == "547"
    at.button(key="dry").click().run()
    request = json.loads(at.code[0].value)
    assert request["LabelingJobName"] == "digits-batch-4"
    assert request["HumanTaskConfig"]["PreHumanTaskLambdaArn"].endswith(":function:PRE-ImageMultiClass")
    assert "create_labeling_job" in at.code[1].value
    at.button(key="launch").click().run()
    assert any("Launched arn:aws:sagemaker:" in s.value for s in at.success), [e.value for e in at.error]
    jobs = run().dataframe[0].value
    assert "digits-batch-4" in set(jobs["job"])


@pytest.mark.slow
def test_launch_changing_the_task_type_starts_from_that_tasks_labels_and_options(own_demo):
    at = run("app_pages/launch.py", manifest="s3://ground-control-demo/manifests/digits-batch-3.manifest",
             name="shapes-next")
    assert at.text_area(key="labels_in").value.split() == [str(d) for d in range(10)]
    at.text_area(key="labels_in").set_value("0\n1\n2").run()  # the lead edits the digits' labels
    at.text_input(key="short_in").set_value("Which digit is it?").run()
    at.toggle(key="auto_in").set_value(True).run()
    at.selectbox(key="task").set_value("BoundingBox").run()
    assert at.text_area(key="labels_in").value.split() == ["circle", "square", "triangle"]
    assert at.text_input(key="short_in").value == ""
    assert at.number_input(key="workers_in").value == 5  # the bounding-box default
    assert at.toggle(key="auto_in").value is False
    at.button(key="dry").click().run()
    request = json.loads(at.code[0].value)
    assert request["HumanTaskConfig"]["PreHumanTaskLambdaArn"].endswith(":function:PRE-BoundingBox")
    assert "LabelingJobAlgorithmsConfig" not in request


@pytest.mark.slow
def test_launch_names_the_field_to_fix(own_demo):
    at = run("app_pages/launch.py", manifest="s3://ground-control-demo/manifests/digits-batch-3.manifest",
             name="digits_batch_4")
    message = at.error[0].value
    assert "**Job name**" in message and "job_name" not in message  # the field as the page names it
    assert at.button(key="launch").disabled and at.button(key="dry").disabled


def test_chain_plan_says_what_it_reads_and_the_dry_run_reuses_it(monkeypatch):
    import core.chaining

    calls = []
    real = core.chaining.plan_in
    monkeypatch.setattr(core.chaining, "plan_in", lambda *a, **k: calls.append(a) or real(*a, **k))
    at = run(job="digits-batch-2", live="0")
    at.toggle(key="chain_open_digits-batch-2").set_value(True).run()
    (status,) = at.get("status")
    assert status.state == "complete" and status.label == "Planned from 450 objects in the manifest"
    at.button(key="chain_dry_digits-batch-2").click().run()
    assert json.loads(at.code[0].value)["LabelingJobName"] == "digits-batch-2-chain-1"
    assert len(calls) == 1  # planned once: the dry run did not read the manifest again


@pytest.mark.slow
def test_chain_continue_sends_only_what_the_parent_left(own_demo):
    at = run(job="digits-batch-2", live="0")
    assert "Objects sent" not in {m.label for m in at.metric}  # nothing planned until asked
    at.toggle(key="chain_open_digits-batch-2").set_value(True).run()
    counters = demo_workspace(own_demo).service.describe_labeling_job("digits-batch-2")["LabelCounters"]
    left = counters["FailedNonRetryableError"] + counters["Unlabeled"]  # the expired objects
    assert 0 < left < counters["TotalLabeled"]
    assert {m.label: m.value for m in at.metric}["Objects sent"] == f"{left:,}"
    at.button(key="chain_go_digits-batch-2").click().run()
    assert not at.error, [e.value for e in at.error]
    jobs = run().dataframe[0].value.set_index("job")
    assert jobs.loc["digits-batch-2-chain-1", "status"] in ("Initializing", "InProgress")
    facts = run(job="digits-batch-2-chain-1", live="0").table[0].value["Value"]
    assert facts["Input manifest"].endswith("digits-batch-2/manifests/output/output.manifest")
    assert facts["Label attribute"] == "digit"  # continued: the same attribute


@pytest.mark.slow
def test_jobs_a_stopping_job_has_no_eta(own_demo, monkeypatch):
    """Stop the running job on a demo whose clock stands still: it stays Stopping, with no ETA."""
    from core.sim import demo
    from core.sim.clock import FixedClock

    monkeypatch.setattr(demo, "AcceleratedClock", lambda start_real, start_sim, **_: FixedClock(start_sim))
    at = run(job="shapes-boxes-3", live="0")
    assert {m.label: m.value for m in at.metric}["ETA"].endswith((" h", " days"))  # running: it has one
    demo.open_demo(own_demo)[0].stop_labeling_job("shapes-boxes-3")  # the same state, the same still clock
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Status"] == "Stopping"
    assert metrics["ETA"] == "none"


def test_benchmark_compares_the_demo_auto_labeling_job_with_its_human_twin():
    at = run("app_pages/benchmark.py")
    assert at.multiselect(key="bench_jobs").value == ["digits-auto", "digits-audit"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["digits-audit"] == "0%" and metrics["digits-auto"].endswith("%")
    summary = at.dataframe[0].value
    assert summary.loc["Labeled by machine", "digits-audit"] == "0"


@pytest.mark.slow
def test_benchmark_guided_experiment_shows_the_walkthrough_order(tmp_path, monkeypatch):
    monkeypatch.setenv("GC_CACHE_DIR", str(tmp_path / "cache"))
    at = run("app_pages/benchmark.py")
    at.button(key="run_experiment").click().run(timeout=300)
    at.run()
    assert at.radio(key="bench_source").value == "experiment"
    shares = {m.label: int(m.value.rstrip("%")) for m in at.metric}
    assert shares["walkthrough-2-with-model"] > shares["walkthrough-3-without-model"]
    assert at.success[0].value.startswith("Starting from the earlier model, walkthrough-2-with-model labeled")
    # The page's URL, opened in a new session, shows the same comparison of the walkthrough's jobs.
    link = {k: at.query_params[k] for k in at.query_params}
    assert link["src"] == "experiment", link
    shared = run("app_pages/benchmark.py", **link)
    assert shared.radio(key="bench_source").value == "experiment"
    assert shared.multiselect(key="bench_jobs").value == at.multiselect(key="bench_jobs").value
    assert {m.label for m in shared.metric} == set(shares)


@pytest.mark.slow
def test_benchmark_starts_the_experiment_on_the_workspace_data(own_demo):
    at = run("app_pages/benchmark.py")
    at.selectbox(key="exp_template").set_value("digits-auto").run()
    at.text_input(key="exp_name").set_value("pt").run()
    at.button(key="exp_start").click().run()
    assert any("Started pt-1 on half of digits-auto" in s.value for s in at.success), [e.value for e in at.error]
    assert any("**pt**: job 1 running" in c.value for c in at.caption)
    jobs = run().dataframe[0].value
    assert "pt-1" in set(jobs["job"])


@pytest.mark.slow
def test_launch_an_unreadable_manifest_blocks_the_launch(own_demo):
    at = run("app_pages/launch.py", manifest="s3://ground-control-demo/manifests/nope.manifest", name="x")
    assert "manifest" in at.error[0].value and "cannot be read" in at.error[0].value
    assert at.button(key="launch").disabled and at.button(key="dry").disabled


def test_race_shows_the_demo_workforce_by_name_and_ids_on_request():
    """The demo's answers name a Cognito pool the simulator answers ListUsers for: names by default."""
    at = run("app_pages/race.py", job="digits-pilot")
    assert at.radio(key="names").value == "name"
    leaders = at.markdown[0].value
    assert "Top 3:" in leaders and "private." not in leaders, leaders
    ids = run("app_pages/race.py", job="digits-pilot", names="id")
    assert ids.radio(key="names").value == "id"
    assert "Top 3: private." in ids.markdown[0].value, ids.markdown[0].value


@pytest.mark.slow
def test_first_start_shows_the_demo_build_step_by_step(tmp_path, monkeypatch):
    """A fresh demo folder: the Jobs page says it is building the demo, then lists its jobs."""
    monkeypatch.setenv("GC_DEMO_DIR", str(tmp_path / "fresh-demo"))
    at = run()
    (status,) = at.get("status")
    assert status.label.startswith("Demo workspace built in") and status.state == "complete"
    steps = [p.proto.text for p in status.get("progress")]  # the bar's last step
    assert steps == ["Done · step 21 of 21"]
    assert {m.label: m.value for m in at.metric}["Jobs"] == "17"
    again = run()  # built: no status on later starts
    assert not again.get("status")


# ---- Annotations: the tree of tests/unit/test_quality_report.py, one job of each task type ----------

def test_annotations_after_the_workers_page_keeps_its_own_period(source):  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=240)
    at.query_params["period"] = "5 min"
    at.query_params["view"] = "Charts"  # the tab whose chart the period sets
    at.query_params["source"] = str(source)  # ten small jobs: the two pages, not the whole demo, are the point
    at.run()
    at.switch_page("app_pages/workers.py").run()
    assert not at.exception
    assert at.segmented_control(key="period").value == "5 min"  # the Workers page took the link's period
    for param in ("period", "view"):  # a link to the Annotations page carries the source, jobs and names only
        at.query_params.pop(param, None)
    at.switch_page("app_pages/annotations.py").run()
    assert not at.exception
    assert not [c.value for c in at.caption if "not understood" in c.value]
    assert at.segmented_control(key="annotations_period").value == "day"


def test_annotations_without_source_explains_what_to_enter():
    at = run("app_pages/annotations.py", source="")
    assert "Enter an S3 prefix or a folder" in at.info[0].value


def test_annotations_shows_every_task_type_and_their_quality(source):  # noqa: F811
    at = run("app_pages/annotations.py", source=str(source))
    assert at.title[0].value == "Annotations"
    assert "Segmentation" in at.caption[0].value and "Video tracking" in at.caption[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Jobs"] == "10" and metrics["Workers"] == "4"
    headers = [h.value for h in at.subheader]
    assert {"Bounding boxes", "Named entities", "Segmentation", "Video tracking", "Audit jobs"} <= set(headers)
    frames = [d.value for d in at.dataframe]
    boxes = next(f for f in frames if "worker" in f and set(f["job"]) == {"cars-bb"})
    assert boxes["f1"].round(4).tolist() == [0.6667, 1.0]  # worst first
    audits = next(f for f in frames if "Audit job" in f)  # titled in words, not the code's column names
    assert audits.set_index("Audit job").loc["cars-verify", ["Audited job", "Failed"]].tolist() == ["cars-bb", 1]


def test_annotations_filters_come_from_the_link_and_bad_values_are_said(source):  # noqa: F811
    at = run("app_pages/annotations.py", source=str(source), **{"class": "pear", "attr": "nonsense"})
    assert at.selectbox(key="class").value == "pear"
    assert {m.label: m.value for m in at.metric}["Annotations"] == "1"
    assert any("“nonsense” was not understood" in c.value for c in at.sidebar.caption)


def test_annotations_unreadable_source_is_an_error_not_a_crash(tmp_path):
    at = run("app_pages/annotations.py", source=str(tmp_path / "missing"))
    assert at.error and "Traceback" not in at.error[0].value


def test_annotations_item_from_the_link_shows_marked_text_and_its_measures(source):  # noqa: F811
    at = run("app_pages/annotations.py", source=str(source), ijob="people-ner", item="0")
    assert any(s.value == "Item 0 of people-ner" for s in at.subheader)
    marked = [h.proto.body for h in at.get("html")]
    assert any("<mark" in body and "Lovelace" in body for body in marked)
    rows = next(d.value for d in at.dataframe if "who" in d.value and "start" in d.value)
    assert len(rows) == 3 + 2 + 3  # A's three entities, B's two, the result's three


def test_annotations_item_without_its_picture_says_so(source):  # noqa: F811
    at = run("app_pages/annotations.py", source=str(source), ijob="cars-bb", item="0")
    assert any("picture is not available" in i.value for i in at.info)


def test_annotations_fix_plan_for_a_job_outside_the_workspace_says_why(source):  # noqa: F811
    at = run("app_pages/annotations.py", source=str(source), ijob="cars-bb")
    assert at.radio(key="fix_kind").options == ["Verify the labels", "Adjust the labels", "Label again"]
    at.toggle(key="fix_plan").set_value(True).run()
    assert not at.exception
    assert any("not a labeling job of this workspace" in w.value for w in at.warning)


def test_workers_and_jobs_link_to_annotation_quality(birds_dir):
    at = run("app_pages/workers.py", source=str(birds_dir), names="id")
    assert len(at.selectbox(key="quality_worker").options) == 97
    links = [link.proto for link in at.get("page_link")]
    assert any("annotations" in link.page for link in links)
    jobs = run(job="digits-batch-1")
    assert any("annotations" in link.proto.page for link in jobs.get("page_link"))
