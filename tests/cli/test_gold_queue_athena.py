"""`annotations --engine athena` on jobs with gold lines mixed into their queue: the summary and the
annotations over time leave the gold out as the local command and the page do. S3 on moto; Athena's
round trip on botocore's Stubber with the real service model, its rows what DuckDB gives for the same
SQL over the same files (tests/cli/test_quality_athena_every_type.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_gold_queue import two_digits_jobs  # tests/unit is on sys.path
from test_quality_athena_every_type import BUCKET, Answers, athena, cli, planned, put_tree, stub_run  # noqa: F401

from core.annotations.reports import over_time, without_gold
from core.annotations.source import read_source
from core.annotations.summary import annotation_summary
from core.tables import format_table

pytestmark = pytest.mark.slow  # a moto server


@pytest.fixture(scope="module")
def uploaded(tmp_path_factory, moto_settings):
    """Two simulated digits jobs, the first with 4 gold lines in its queue, in the bucket the commands read."""
    from core.aws import client

    location = two_digits_jobs(tmp_path_factory.mktemp("gold-queue"))
    s3 = client("s3", moto_settings)
    for bucket in (BUCKET, "gc-every-type"):
        s3.create_bucket(Bucket=bucket)
    folder = Path(location.store.path_of(location.prefix))
    put_tree(s3, folder)
    return folder


def test_the_summary_and_the_annotations_over_time_leave_the_queues_gold_out(athena, uploaded, moto_settings,  # noqa: F811
                                                                             capsys, tmp_path):
    from botocore.stub import Stubber

    from core.aws import client
    from core.cli import main
    from core.storage import open_location

    local = read_source(open_location(str(uploaded)))
    ordinary = without_gold(local.table, local.gold)
    assert len(local.gold) == 4

    assert main(cli(moto_settings, "annotations")) == 0  # from the output manifests: no Athena call
    out = capsys.readouterr()
    assert out.out.strip() == format_table(annotation_summary(ordinary), "csv").strip()
    assert "4 gold object(s) mixed into the queue left out" in out.err

    # Classification jobs alone are counted in SQL; with gold in a queue, their rows come back instead.
    assert main(cli(moto_settings, "annotations", "--over-time", "D", "--dry-run")) == 0
    ddl = planned(capsys)
    with Stubber(athena) as stub:
        stub_run(stub, client("s3", moto_settings), ddl, Answers(uploaded, tmp_path, every_row=True))
        assert main(cli(moto_settings, "annotations", "--over-time", "D")) == 0
        stub.assert_no_pending_responses()
    out = capsys.readouterr()
    assert out.out.strip() == format_table(over_time(ordinary, "D"), "csv").strip()
    assert "4 gold object(s) mixed into the queue left out" in out.err
