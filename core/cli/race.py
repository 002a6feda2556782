"""`race`: render the bar chart race, save it, and send it, as the Race page does."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ..audit import run_audited
from ..identity import IdentityError, read_names_csv
from ..notify import NotifyError
from ..race.frames import RaceOptions, race_table, summary_line
from ..race.html import race_html
from ..race.share import save_race, send_race, shared
from ..race.weights import MEANING, TITLE_SUFFIX, WEIGHTS, label_weights
from ..storage import ObjectExists, StoreError
from ..workers import shown_names
from ..workspace import cache_dir
from . import common
from .common import CliError


def add_parser(sub) -> None:
    r = sub.add_parser("race", help="render the bar chart race of cumulative labels per worker, save it, send it")
    r.add_argument("source", metavar="SOURCE", help="s3://bucket/prefix or a local folder of job output")
    r.add_argument("--out", required=True, metavar="FILE|s3://...",
                   help="a file (never overwritten) or a folder ending in / (saved as races/<date>-<hash>.<fmt>)")
    r.add_argument("--format", choices=["mp4", "gif", "html"], help="default: from --out's extension, else mp4")
    common.selection_options(r)
    r.add_argument("--period", default="day", help="hour, day, or a pandas frequency such as 6h (default: day)")
    r.add_argument("--top", type=int, default=10, help="bars shown (default: 10)")
    r.add_argument("--title", default="Labels per worker")
    r.add_argument("--weight", choices=list(WEIGHTS), default="count",
                   help="what a label counts: 1 (count, default), its agreement with the other workers' labels for "
                        "the same object, or its estimated correctness (reliability); 0 to 1, so speed alone does "
                        "not win")
    r.add_argument("--names", metavar="CSV", help="display names: CSV with sub (or worker_id) and name")
    r.add_argument("--anonymize", action="store_true", help="show Worker 1..N")
    r.add_argument("--notify", metavar="SNS_TOPIC_ARN", help="publish the link and the leaders to this topic")
    r.add_argument("--link-expiry", type=int, default=7 * 24 * 3600, metavar="SECONDS",
                   help="presigned link lifetime when saved to S3 (default and maximum: 7 days)")
    common.source_options(r)
    common.engine_options(r)
    r.set_defaults(run=cmd_race)


def cmd_race(args) -> int:
    ws = common.workspace(args)
    title = args.title + TITLE_SUFFIX[args.weight] if args.title == "Labels per worker" else args.title
    options = RaceOptions(period=args.period, top=args.top, title=title)
    if args.engine == "athena":
        table = _athena_table(args, ws, options)
        if table is None:  # --dry-run
            return 0
    else:
        data, selection = common.selected(args, ws)
        try:
            names = read_names_csv(args.names, ws.open(args.names).read()) if args.names else {}
        except (StoreError, IdentityError) as exc:
            raise CliError(str(exc)) from exc
        answers = selection.apply(data)[0]
        if answers.empty:
            raise CliError("no answers in this selection: widen the dates or choose other jobs")
        try:
            table = race_table(answers, shown_names(data, names, args.anonymize), options.freq,
                               weights=label_weights(answers, args.weight))
        except ValueError as exc:  # a --period that is no period length
            raise CliError(f"--period: {exc}") from exc
    if table.empty:
        raise CliError("no dated answers in this selection (see the suspect answers above): nothing to race")
    if table.attrs.get("note"):
        print(table.attrs["note"], file=sys.stderr)
    fmt = args.format or (args.out.rsplit(".", 1)[-1].lower() if args.out.lower().endswith((".mp4", ".gif", ".html"))
                          else "mp4")
    video = race_html(table, options).encode() if fmt == "html" else _render(table, options, fmt)
    folder = args.out.endswith("/") or (not args.out.startswith("s3://") and Path(args.out).is_dir())
    loc = common.output(ws, args.out, folder)
    try:  # a folder gets a content-addressed key below it: <prefix>/races/<date>-<hash>.<fmt>
        uri, existed = run_audited(ws, "race_save", {"source": args.source, "out": args.out, "format": fmt},
                                   lambda: save_race(loc, video, fmt, ws.now().date(), folder=folder),
                                   describe=lambda saved: {"saved": saved[0], "already there": saved[1]})
    except ObjectExists as exc:
        raise CliError(f"{exc}: nothing was overwritten; choose another --out") from exc
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    print(f"{'already saved' if existed else 'saved'} {uri}", file=sys.stderr)
    if args.weight != "count":
        print(f"weighted race: {MEANING[args.weight]}", file=sys.stderr)
    print(summary_line(table))
    if args.notify:
        share = shared(loc, uri, args.link_expiry)
        if share.caveat:
            print(f"warning: {share.caveat}", file=sys.stderr)
        try:
            sent = run_audited(ws, "notify", {"topic": args.notify, "what": "race"},
                               lambda: send_race(ws.notifier, args.notify, options.title, table, share.where),
                               describe=lambda message: {"message": message})
        except NotifyError as exc:
            raise CliError(str(exc)) from exc
        print(f"sent to {args.notify}: message {sent}", file=sys.stderr)
    print(uri)
    return 0


def _athena_table(args, ws, options: RaceOptions):
    """The race's table with the labels per worker per period counted by Athena where the output is
    (core.engine.athena_race; weighted: core.engine.athena_race_weights): the plan (DDL and cost) on
    stderr first; None after --dry-run."""
    from ..bounds import _step
    from ..engine import athena_race, athena_race_weights
    from ..engine import athena_workers as aw
    from ..engine.athena import AthenaError
    from ..identity import display_names
    from ..race.frames import race_table_of
    from .athena_run import athena_run

    common.athena_only(args, unsupported={})
    try:
        _step(options.freq)
    except ValueError as exc:  # before anything is listed or billed
        raise CliError(f"--period: {exc}") from exc
    try:
        named = read_names_csv(args.names, ws.open(args.names).read()) if args.names and not args.anonymize else {}
        location = ws.open(args.source)
        found = aw.survey(location, args.jobs)
        no_manifests = aw.manifest_tables(location, aw.Survey(found.uri))  # the race reads none
        plan = aw.plan(location, args.glue_database, args.athena_results, args.jobs, tables=no_manifests,
                       since=args.since, until=args.until, found=found, parquet=args.parquet)
        aw.look_for_copy(plan, ws.open)  # a Parquet copy made earlier: the estimate is its size
        athena_race_weights.race_queries(plan, args.weight, bool(named), args.anonymize)
        shown = plan.describe() if found.responses else ""  # the DDL and the cost, before anything runs
    except (StoreError, AthenaError, ValueError, IdentityError) as exc:
        raise CliError(str(exc)) from exc
    if not found.responses:
        raise CliError(f"no worker-response files under {found.uri}: Athena has nothing to read")
    print(shown, file=sys.stderr)
    run = athena_run(args, ws, plan)
    if run is None:  # --dry-run
        return None
    try:
        if args.weight == "count":
            over, names = athena_race.race_counts(run, options.freq, args.anonymize)
        else:  # agreement summed on Athena; reliability estimated here from the answers' rows
            over, names = athena_race_weights.race_weights(run, options.freq, args.weight, args.anonymize)
        if named:  # by sub or worker ID, as locally: each worker's sub from one more query
            names = display_names(aw.identities(run).set_index("worker_id")[["sub"]], named).to_dict()
    except (AthenaError, StoreError) as exc:
        raise CliError(str(exc)) from exc
    print(f"{run.ran} query(ies) run on Athena, reading {run.scanned:,} bytes; {run.cached} answered from the cache",
          file=sys.stderr)
    return race_table_of(over, names) if args.weight == "count" else athena_race_weights.weighted_table(over, names)


def _render(table, options: RaceOptions, fmt: str) -> bytes:
    # Deferred: the video renderer loads matplotlib and bar_chart_race, which only this needs.
    from ..race.video import render_video

    with tempfile.TemporaryDirectory() as tmp:
        path = render_video(table, options, Path(tmp) / f"race.{fmt}", fmt=fmt,
                            progress=_progress_printer("rendering"), cache_dir=cache_dir() / "races")
        return path.read_bytes()


def _progress_printer(what: str):
    step = {"next": 0}

    def progress(done: int, total: int) -> None:
        if total and (done * 10 // total >= step["next"] or done == total):
            step["next"] = done * 10 // total + 1
            print(f"{what}: {done:,} of {total:,} frames", file=sys.stderr)

    return progress
