"""`race-effect`: did the races help? The team's and each worker's pace in the days before and after
each race that reached the team (core.race_effect), as the Race page's "Did the races help?" shows."""

from __future__ import annotations

import sys

import pandas as pd

from ..identity import IdentityError, read_names_csv
from ..race.sent import RacesError, read_races_file, workspace_races
from ..race_effect import CAVEAT, MIN_DAYS, WINDOW_DAYS, race_effects, summary_rows
from ..storage import StoreError
from ..tables import format_table
from ..workers import shown_names
from . import common
from .common import CliError


def add_parser(sub) -> None:
    r = sub.add_parser("race-effect", help="the team's and each worker's pace (labels per active hour, share of "
                                           "workers active) in the days before and after each race")
    r.add_argument("source", metavar="SOURCE", help="s3://bucket/prefix or a local folder of job output")
    r.add_argument("--races", default="auto", metavar="FILE|auto",
                   help="auto (default): the races sent from this workspace (its audit trail), else the races saved "
                        "in it; or a file with one date or time (UTC) a line")
    r.add_argument("--window-days", type=int, default=WINDOW_DAYS, metavar="N",
                   help=f"days compared before and after each race (default: {WINDOW_DAYS})")
    r.add_argument("--workers", action="store_true", help="print each worker's pace instead of the team's")
    r.add_argument("--format", choices=["table", "csv", "json"], default="table")
    common.selection_options(r)
    r.add_argument("--names", metavar="CSV", help="display names: CSV with sub (or worker_id) and name")
    r.add_argument("--anonymize", action="store_true", help="show Worker 1..N and drop ids")
    r.add_argument("--seed", type=int, default=0, help="the bootstrap's seed (default: 0)")
    common.source_options(r)
    r.set_defaults(run=cmd_race_effect)


def cmd_race_effect(args) -> int:
    if not 1 <= args.window_days <= 90:
        raise CliError("--window-days must be between 1 and 90")
    ws = common.workspace(args)
    data, selection = common.selected(args, ws)
    try:
        names = read_names_csv(args.names, ws.open(args.names).read()) if args.names else {}
        if args.races == "auto":
            races = workspace_races(ws, ws.open(args.source))
        else:
            races = read_races_file(args.races, ws.open(args.races).read())
    except (StoreError, IdentityError, RacesError) as exc:
        raise CliError(str(exc)) from exc
    if not races:
        raise CliError("no race has been sent or saved in this workspace (its audit trail and races/ folders hold "
                       "none): send one with `race --notify`, or give --races FILE with the dates they went out")
    answers = selection.apply(data)[0]
    effects = race_effects(answers, races, args.window_days, args.seed)
    for race in races:
        print(f"race {race.at:%Y-%m-%d %H:%M} UTC: {race.how}", file=sys.stderr)
    if args.workers:
        shown = shown_names(data, names, args.anonymize)
        frames = []
        for effect in effects:
            rows = effect.workers.copy()
            rows.insert(0, "worker", rows["worker_id"].map(shown))
            rows.insert(0, "race_at", effect.race.at)
            frames.append(rows.drop(columns=["worker_id"]) if args.anonymize else rows)
        print(format_table(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(), args.format))
    elif args.format == "table":
        for effect in effects:
            print(effect.headline)
            pace, active = effect.pace, effect.active
            print(f"  labels per active hour: {_known(pace.before, '{:.1f}')} in the {args.window_days} days before, "
                  f"{_known(pace.after, '{:.1f}')} after ({pace.days_before} and {pace.days_after} days with answers)")
            print(f"  share of the team's workers active a day: {_known(active.before, '{:.0%}')} before, "
                  f"{_known(active.after, '{:.0%}')} after")
    else:
        print(format_table(summary_rows(effects), args.format))
    print(f"{CAVEAT} Interval: the days resampled (bootstrap, seed {args.seed}); at least {MIN_DAYS} days with "
          "answers on each side are needed for any claim.", file=sys.stderr)
    return 0


def _known(value: float, text: str) -> str:
    return "unknown" if pd.isna(value) else text.format(value)
