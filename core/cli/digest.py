"""`digest`: one message with what changed in the labeling jobs since the last digest, for cron or an
EventBridge-scheduled task; a run with nothing new sends nothing (core.digest)."""

from __future__ import annotations

import os
import sys

from ..audit import home_location, home_uri
from ..digest import DigestError, send_digest
from ..storage import StoreError
from . import common
from .common import CliError


def add_parser(sub) -> None:
    d = sub.add_parser("digest", help="send what changed in the labeling jobs since the last digest (for a schedule)")
    d.add_argument("--notify", required=True, metavar="SNS_TOPIC_ARN", help="the topic to publish the digest to")
    d.add_argument("--jobs", nargs="+", default=[], metavar="PATTERN",
                   help="only jobs whose name matches one of these (shell patterns such as 'digits-*'; default: all)")
    d.add_argument("--stall-hours", type=float, default=24, metavar="H",
                   help="a running job with no answer for this long is stalled (default: 24)")
    d.add_argument("--expiry-days", type=float, default=3, metavar="D",
                   help="say when a running job expires within this many days (default: 3)")
    d.add_argument("--quality-drop", type=float, default=5, metavar="POINTS",
                   help="say when a running job's quality (its task type's main measure, the workers against the "
                        "consolidated labels so far) falls this many points below its best in a digest (default: 5; "
                        "0: do not measure)")
    d.add_argument("--race", action="store_true",
                   help="add the race of the labels since the last digest: a page that plays in any browser, saved "
                        "under the workspace's races/ with a 7-day link")
    d.add_argument("--dry-run", action="store_true", help="print the digest; send and remember nothing")
    common.source_options(d)
    d.set_defaults(run=cmd_digest)


def cmd_digest(args) -> int:
    if args.stall_hours <= 0 or args.expiry_days < 0:
        raise CliError("--stall-hours must be above 0 and --expiry-days 0 or more")
    if not 0 <= args.quality_drop <= 100:
        raise CliError("--quality-drop must be between 0 and 100 points")
    try:
        ws = common.workspace(args)
        home = home_location(ws)
        if ws.kind == "aws" and not os.environ.get("GC_HOME", "").strip():
            print(f"warning: remembering digests in {home_uri(ws)} on this computer; set GC_HOME=s3://bucket/prefix/ "
                  "so a scheduled task that starts afresh each time keeps its memory", file=sys.stderr)
        race = _race_maker(ws, home, args.jobs) if args.race else None
        sent = send_digest(ws, home, ws.notifier, args.notify, patterns=args.jobs, stall_hours=args.stall_hours,
                           expiry_days=args.expiry_days, dry_run=args.dry_run, race=race,
                           quality_drop=args.quality_drop / 100 if args.quality_drop else None)
    except (DigestError, StoreError) as exc:
        if "not sent" in str(exc) or "sent (message" in str(exc):  # it reached the publish: the audit says so
            _audit(ws, args, {"outcome": "failed", "error": str(exc)})
        raise CliError(str(exc)) from exc
    if sent.message_id:
        _audit(ws, args, {"outcome": "done", "message": sent.message_id, "events": len(sent.digest.events)})
    digest = sent.digest
    if not digest.events:
        print(f"nothing new since the last digest: nothing sent ({home_uri(ws)})", file=sys.stderr)
        return 0
    print(digest.subject)
    print(digest.body, end="")
    if args.dry_run:
        print("dry run: nothing sent or remembered", file=sys.stderr)
    else:
        note = " (demo: written to the outbox, not sent)" if ws.kind == "demo" else ""
        print(f"sent to {args.notify}{note}: message {sent.message_id}", file=sys.stderr)
    return 0


def _audit(ws, args, result: dict) -> None:
    """A digest sent is a notification: one audit line, as the pages write for theirs."""
    from ..access import local_identity
    from ..audit import AuditError, AuditLog

    try:
        AuditLog(home_location(ws)).append(local_identity(), "notify", {"topic": args.notify, "what": "digest"},
                                           result)
    except AuditError as exc:
        print(f"warning: {exc}", file=sys.stderr)


def _race_maker(ws, home, patterns):
    """With --race: the race of the selected jobs' answers since the last digest, as an HTML page
    saved under <home>/races/ (content-addressed, never overwritten), and its link or place."""

    def make(digest) -> str | None:
        import pandas as pd

        from ..digest import matches
        from ..gt.job import Job
        from ..ingest import SourceReader
        from ..race.frames import RaceOptions, race_table
        from ..race.html import race_html
        from ..race.share import save_race, shared
        from ..workers import shown_names

        jobs = [Job.from_summary(s) for s in ws.service.list_labeling_jobs()]
        since = digest.since or (digest.at - pd.Timedelta(days=1))
        frames, data = [], None
        for job in jobs:
            if not matches(job.name, patterns) or not job.output_folder or (job.ended and job.ended < since):
                continue
            try:
                data = SourceReader(ws.open(job.output_folder)).load()
            except Exception:  # a job whose output cannot be read yet has no labels to race
                continue
            answers = data.answers[data.answers["submission_time"] >= pd.Timestamp(since)]
            if not answers.empty:
                frames.append((answers, shown_names(data, {}, False)))
        if not frames:
            return None
        answers = pd.concat([a for a, _ in frames], ignore_index=True)
        names = {k: v for _, n in frames for k, v in n.items()}
        options = RaceOptions(period="hour", title="Labels since the last digest")
        table = race_table(answers, names, options.freq)
        if table.empty:
            return None
        uri, _ = save_race(home, race_html(table, options).encode(), "html", digest.at.date())
        return shared(home, uri, 7 * 24 * 3600).where

    return make
