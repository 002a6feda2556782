"""A team that receives a race and works faster after it: the answer times of the simulated
workforce (core.sim.workforce: each worker's shifts, days off, absences, speed and pauses), for
checking core.race_effect against a known effect.

The work queue never runs dry (a team with more work than hands, where pace is the workers' own):
each worker answers one task after another through every working session. From `race_at` on, the
time from one answer to the next is divided by `lift` (1.25: a quarter more labels an hour), and
with `skip_before`, each working day before the race is skipped with that chance on top of the
worker's usual absences (fewer workers active a day until races began). `lift=1` and no
`skip_before` is the same team with no change. Only times are made, not output files:
a fortnight of continuous work is hundreds of thousands of answers, which the job simulator
(core.sim.engine) would write as files a test cannot afford.
"""

from __future__ import annotations

import random
from datetime import datetime

import pandas as pd

from .clock import from_ms, to_ms
from .workforce import DAY_MS, MINUTE_MS, Schedule, make_team, pause_ms, task_ms

TASK = "ImageMultiClass"


def team_answer_times(seed: int, start: datetime, days: int, race_at: datetime, lift: float = 1.0,
                      workers: int = 8, skip_before: float = 0.0) -> pd.DataFrame:
    """worker_id, acceptance_time, submission_time (UTC) of every answer from `start` for `days`,
    in time order per worker; deterministic in its arguments."""
    team = make_team(seed, workers)
    begin, end, race = to_ms(start), to_ms(start) + days * DAY_MS, to_ms(race_at)
    rows = []
    for worker in team:
        schedule = Schedule(worker, seed)
        rng = random.Random(f"{seed}/race-team/{worker.index}/{lift}/{skip_before}")
        first_day = (begin + worker.utc_offset_min * MINUTE_MS) // DAY_MS - 1
        for day in range(first_day, first_day + days + 2):
            sessions = schedule.day_sessions(day)
            if sessions and sessions[0][0] < race and rng.random() < skip_before:
                continue
            for s, e in sessions:
                t = max(s, begin)
                while t < min(e, end):
                    step = task_ms(worker, TASK, rng)
                    gap = pause_ms(rng)
                    if t >= race:
                        step, gap = int(step / lift), int(gap / lift)
                    if t + step >= end:
                        break
                    rows.append((worker.worker_id, t, t + step))
                    t += step + gap
    frame = pd.DataFrame(rows, columns=["worker_id", "accept_ms", "submit_ms"])
    return pd.DataFrame({
        "worker_id": frame["worker_id"],
        "acceptance_time": pd.to_datetime(frame["accept_ms"], unit="ms", utc=True),
        "submission_time": pd.to_datetime(frame["submit_ms"], unit="ms", utc=True),
    })


def race_time(start: datetime, day: int, hour: int = 7) -> datetime:
    """The race's time: `day` days after `start`'s midnight, at `hour` UTC (a morning e-mail)."""
    midnight = to_ms(start) // DAY_MS * DAY_MS
    return from_ms(midnight + day * DAY_MS + hour * 3_600_000)
