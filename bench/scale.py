"""Benchmark: per-worker metrics over 10k to 1M answers of Ground Truth output in a local folder.

Run by hand from the repository root:
    python bench/scale.py [--sizes 10k,100k,1m] [--data DIR] [--json OUT] [--page] [--no-touch] [--rounds 3]

For each size it makes (or reuses, under --data) synthetic private-workforce output in the real
layout (bench/gen_output.py), reads it untimed before each run that reads the files, so every run
finds them in the OS file cache, then runs each of these in a fresh child process:
  (a) ours, cold:  python -m core workers DIR --format csv, with a new empty GC_CACHE_DIR;
  (b) ours, warm:  the same command with the same GC_CACHE_DIR, nothing changed (the kept report is
      printed: core/ingest/results.py);
  (b2) ours, warm, report computed: the same, with the kept reports removed first (the answers stay
      cached), so the report is computed again from them;
  (c) ours, 1% touched: the same again after 1% of the response files were rewritten with another
      label (put back afterwards);
  (d) AWS's loop, as the "worker analysis" notebook (amazon-sagemaker-examples, private workforce)
      does it: glob, json.load per file, a record per answer, one DataFrame, group by worker;
  (e) the parse floor: read + orjson.loads every response file, count answers per worker in a dict.
Each child's CPU (user+sys, its own children included: os.wait4), wall time and peak RSS are
reported, with CPU µs per answer and the ratio to the floor. (a), (d) and (e), which the goals
compare, are run --rounds times each, in turn, after one untimed run each, and reported by their
medians with the range: on a shared VM one run of the same command varies by a tenth or more. With
--page, the Workers page of the largest size is opened in Chromium on a warm cache, timed from goto
to the worker grid: twice by a new visitor (nothing cached in the browser), then by a returning one
(its scripts cached); then the returning visitor opens it and the same table alone
(bench/grid_alone.py), in turn, five times each.
This is a measurement, not a test: it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gen_output  # bench/ is this script's folder, so on sys.path

REPO = Path(__file__).resolve().parents[1]
RUNS = {"cold": "(a) ours cold", "warm": "(b) ours warm", "recomputed": "(b2) ours warm, report computed",
        "touched": "(c) ours 1% touched",
        "aws": "(d) AWS loop", "floor": "(e) parse floor"}
# No AWS configuration of this machine reaches a child: the folder is read in the demo workspace.
ISOLATED = {"AWS_CONFIG_FILE": "/nonexistent/aws-config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-creds",
            "AWS_EC2_METADATA_DISABLED": "true", "GC_WORKSPACE": "demo"}


# --- what the children run ----------------------------------------------------------------------


def response_files(root: str) -> list[str]:
    return [os.path.join(d, f) for d, _, files in os.walk(root) if "/worker-response/" in d + "/"
            for f in files if f.endswith(".json")]


def aws_loop(root: str) -> int:
    """The notebook's way, with time spent and label kept too: one record per answer, then pandas."""
    import glob

    import pandas as pd

    records = []
    for file in glob.glob(f"{root}/**/*.json", recursive=True):
        with open(file) as json_file:
            data = json.load(json_file)
            for answer in data["answers"]:
                records.append([answer["workerId"], answer["submissionTime"], answer.get("timeSpentInSeconds"),
                                answer["answerContent"]["crowd-image-classifier"]["label"]])
    df = pd.DataFrame(records, columns=["workerId", "submissionTime", "timeSpentInSeconds", "label"])
    per_worker = df.groupby("workerId").agg(labels=("label", "count"), mean_time=("timeSpentInSeconds", "mean"))
    per_worker.to_csv(os.devnull)
    return int(per_worker["labels"].sum())


def parse_floor(root: str) -> int:
    """What no reader can beat by much: read and parse every response, count per worker."""
    import orjson

    counts: dict[str, int] = {}
    for path in response_files(root):
        with open(path, "rb") as f:
            for answer in orjson.loads(f.read())["answers"]:
                counts[answer["workerId"]] = counts.get(answer["workerId"], 0) + 1
    return sum(counts.values())


CHILDREN = {"aws": aws_loop, "floor": parse_floor}


# --- measuring a child --------------------------------------------------------------------------


def run_child(cmd: list[str], env: dict[str, str], log: Path) -> dict:
    """Run `cmd`; its CPU (with its children), wall time, peak RSS and the stderr lines that say
    how many files were parsed. Raises if it fails."""
    with open(log, "w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err)
        _, status, ru = os.wait4(proc.pid, 0)  # the child's rusage, its reaped children included
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{text[-2000:]}")
    said = [line.strip() for line in text.splitlines()
            if "parsed" in line or "new or changed" in line or line.startswith("answers ")]
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "user_s": ru.ru_utime, "sys_s": ru.ru_stime, "wall_s": wall,
            "rss_mb": ru.ru_maxrss / 1024, "stderr": said}


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GC_"))}
    return env | ISOLATED | extra


def ours(root: Path, cache: Path, demo: Path, log: Path) -> dict:
    cmd = [sys.executable, "-m", "core", "workers", str(root), "--format", "csv", "--verbose"]
    return run_child(cmd, child_env(GC_CACHE_DIR=str(cache), GC_DEMO_DIR=str(demo)), log)


def theirs(kind: str, root: Path, log: Path) -> dict:
    return run_child([sys.executable, __file__, "--child", kind, str(root)], child_env(), log)


def touch_one_percent(root: Path) -> dict[str, bytes]:
    """Rewrite every 100th response file with another label in its first answer; returns the
    originals, to put back."""
    originals = {}
    for path in sorted(response_files(str(root)))[::100]:
        with open(path, "rb") as f:
            originals[path] = before = f.read()
        at = before.index(b'"label":"') + 9
        old = before[at:before.index(b'"', at)].decode()
        new = gen_output.LABELS[(gen_output.LABELS.index(old) + 1) % len(gen_output.LABELS)]
        with open(path, "wb") as f:
            f.write(before[:at] + new.encode() + before[at + len(old):])
    return originals


def put_back(originals: dict[str, bytes]) -> None:
    for path, data in originals.items():
        with open(path, "wb") as f:
            f.write(data)


def read_all(root: Path) -> float:
    """Read every file once (untimed), so no run pays for the disk and each finds the same OS cache."""
    t0 = time.perf_counter()
    for d, _, files in os.walk(root):
        for f in files:
            with open(os.path.join(d, f), "rb") as fh:
                fh.read()
    return time.perf_counter() - t0


COMPARED = ("cold", "aws", "floor")  # the runs the goals compare: each taken `rounds` times, in turn


def median_run(runs: list[dict]) -> dict:
    """The run of median CPU, with the range of all of them (`cpu_min_s`, `cpu_max_s`, `cpu_all_s`)."""
    ranked = sorted(runs, key=lambda r: r["cpu_s"])
    cpus = [r["cpu_s"] for r in runs]
    return ranked[(len(ranked) - 1) // 2] | {"cpu_min_s": min(cpus), "cpu_max_s": max(cpus), "cpu_all_s": cpus}


def measure_size(root: Path, answers: int, work: Path, touch: bool, rounds: int = 1) -> dict[str, dict]:
    cache, demo = work / "cache", work / "demo"  # demo: never built, a local folder needs none
    # Each run that reads the files finds them in the OS cache again: a VM's page-cache reclaim
    # (DAMON) had evicted part of them within minutes, and the run after it paid for the disk. Even
    # so a shared VM's runs vary by a tenth or more, so the three compared runs go in turn, `rounds`
    # times, and each is reported by its median. Before them, each runs once untimed: whichever ran
    # first after the first reading of the files met the disk anyway (ours at 1M: 156,686 waits for
    # it, 18-22 s of CPU, where the runs after waited 2,000-9,000 times and took 13-15 s).
    taken: dict[str, list[dict]] = {kind: [] for kind in COMPARED}
    # A new cache each round; the first timed round's is the warm runs' below.
    caches = [work / "cache-untimed", cache] + [work / f"cache-{n}" for n in range(1, rounds)]
    for n, round_cache in enumerate(caches):
        for kind in COMPARED:
            primed = read_all(root)
            if kind == "cold":
                run = ours(root, round_cache, demo, work / "cold.log")
            else:
                run = theirs(kind, root, work / f"{kind}.log")
            if n > 0:
                taken[kind].append(run | {"primed_s": primed})
    runs = {kind: median_run(taken[kind]) for kind in COMPARED}
    runs["warm"] = ours(root, cache, demo, work / "warm.log")
    shutil.rmtree(cache / "results")  # the answers stay cached; the report is computed from them again
    runs["recomputed"] = ours(root, cache, demo, work / "recomputed.log")
    if touch:
        originals = touch_one_percent(root)
        try:
            primed = read_all(root)
            runs["touched"] = ours(root, cache, demo, work / "touched.log") | {"primed_s": primed}
            runs["touched"]["files_touched"] = len(originals)
        finally:
            put_back(originals)
    for kind in ("aws", "floor"):  # the children say how many answers they counted
        for run in taken[kind]:
            counted = [int(s.split()[1]) for s in run.pop("stderr") if s.startswith("answers ")]
            if counted != [answers]:
                raise RuntimeError(f"({kind}) counted {counted} answers, expected {answers}")
        runs[kind].pop("stderr")
    floor = runs["floor"]["cpu_s"]
    for r in runs.values():
        r["cpu_us_per_answer"] = r["cpu_s"] / answers * 1e6
        r["x_floor"] = r["cpu_s"] / floor
    return {kind: runs[kind] for kind in RUNS if kind in runs}


# --- the report ---------------------------------------------------------------------------------


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 platform.processor())
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "load_avg_at_start": os.getloadavg()[0]}


def table(results: dict, kinds: list[str], cell) -> list[str]:
    lines = ["| size | " + " | ".join(RUNS[k] for k in kinds) + " |", "|---" * (len(kinds) + 1) + "|"]
    for label, r in results.items():
        lines.append(f"| {label} | " + " | ".join(cell(r["runs"][k]) if k in r["runs"] else "–" for k in kinds) + " |")
    return lines


def _spread(run: dict) -> str:
    """The range of a run taken several times, after its median."""
    return f" ({run['cpu_min_s']:.2f}–{run['cpu_max_s']:.2f})" if len(run.get("cpu_all_s", ())) > 1 else ""


def report(figures: dict) -> str:
    m, results = figures["machine"], figures["sizes"]
    kinds = [k for k in RUNS if any(k in r["runs"] for r in results.values())]
    out = [f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']} (load average {m['load_avg_at_start']:.2f} "
           "at start). Each figure one fresh child process; CPU = user+sys, children included. (a), (d) and (e) "
           f"were run {figures.get('rounds', 1)} time(s) each, in turn, after one untimed run each: the median, "
           "and the range in brackets.",
           f"Start-up of ours alone (`python -m core workers --help`): {figures['startup']['cpu_s']:.2f} s CPU, "
           f"{figures['startup']['wall_s']:.2f} s wall, {figures['startup']['rss_mb']:.0f} MB.", ""]
    for label, r in results.items():
        gen = f"generated in {r['generated_s']:.1f} s" if r["generated_s"] is not None else "reused"
        out.append(f"- {label}: {r['answers']:,} answers in {r['files']:,} files, {r['jobs']} jobs, "
                   f"{r['workers']} workers ({gen}; read once untimed in {r['primed_s']:.1f} s)")
    out += ["", "CPU seconds · µs per answer · × the parse floor", ""]
    out += table(results, kinds, lambda x: f"{x['cpu_s']:.2f} s{_spread(x)} · {x['cpu_us_per_answer']:.0f} µs · "
                                           f"{x['x_floor']:.2f}×")
    out += ["", "Wall seconds · peak RSS", ""]
    out += table(results, kinds, lambda x: f"{x['wall_s']:.2f} s · {x['rss_mb']:.0f} MB")
    said = [f"- {label} {RUNS[k]}: {'; '.join(r['runs'][k]['stderr'])}" for label, r in results.items()
            for k in ("cold", "warm", "recomputed", "touched") if r["runs"].get(k, {}).get("stderr")]
    out += ["", "What `workers` said on stderr about files parsed:", *(said or ["- nothing (no such line yet)"])]
    if "page" in figures:
        from page_time import page_lines

        out += page_lines(figures["page"])
    return "\n".join(out)


def check_disk(data: Path, sizes: dict[str, int]) -> None:
    """Each response file takes about two 4 KiB blocks (its folder and itself): stop before filling the disk."""
    missing = [a for label, a in sizes.items() if not (data / f"{label}.json").is_file()]
    need = sum(a / 3 * 8192 for a in missing) * 1.2
    existing = data if data.exists() else data.parent
    free = shutil.disk_usage(existing).free
    print(f"{existing}: {free / 2**30:.1f} GiB free, about {need / 2**30:.1f} GiB to generate", flush=True)
    if need > free:
        raise SystemExit(f"not enough free disk under {existing} for {', '.join(sizes)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10k,100k,1m", help="answers per dataset (default 10k,100k,1m)")
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "gc-scale",
                    help="where the generated output is kept and reused (default /tmp/gc-scale)")
    ap.add_argument("--json", type=Path, metavar="OUT", help="also save the figures as JSON")
    ap.add_argument("--page", action="store_true", help="also time the Workers page at the largest size")
    ap.add_argument("--page-timeout", type=float, default=1800, help="seconds to wait for the page (default 1800)")
    ap.add_argument("--no-touch", action="store_true", help="skip (c), the refresh after 1%% of files changed")
    ap.add_argument("--rounds", type=int, default=3,
                    help="times (a), (d) and (e) are run, in turn, after one untimed run each; each is reported by its "
                         "median (default 3)")
    ap.add_argument("--child", nargs=2, metavar=("KIND", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, root = args.child
        print(f"answers {CHILDREN[kind](root)}", file=sys.stderr)
        return 0

    sizes = {s.strip().lower(): parse_size(s) for s in args.sizes.split(",") if s.strip()}
    check_disk(args.data, sizes)
    figures: dict = {"machine": machine(), "rounds": args.rounds, "sizes": {}}
    # The project's bytecode, written once as an install's first run writes it: a machine that runs
    # Python with PYTHONDONTWRITEBYTECODE would otherwise compile it again in every child.
    compileall.compile_dir(REPO / "core", quiet=1)
    with tempfile.TemporaryDirectory(prefix="gc-scale-") as work:  # what every run of ours pays first
        figures["startup"] = run_child([sys.executable, "-m", "core", "workers", "--help"], child_env(),
                                       Path(work) / "help.log")
    for label, answers in sizes.items():
        root = args.data / label
        info, took = gen_output.ensure(root, answers)
        print(f"{label}: {info['files']:,} files " + (f"generated in {took:.1f} s" if took else "reused"), flush=True)
        entry = info | {"generated_s": took, "primed_s": read_all(root)}
        with tempfile.TemporaryDirectory(prefix=f"gc-scale-{label}-") as work:
            entry["runs"] = measure_size(root, answers, Path(work), touch=not args.no_touch, rounds=args.rounds)
        figures["sizes"][label] = entry
        print(f"{label}: " + ", ".join(f"{k} {r['cpu_s']:.1f} s CPU" for k, r in entry["runs"].items()), flush=True)
        save(args.json, figures)  # figures so far: the page or a larger size may take long
    if args.page:
        label = max(sizes, key=sizes.get)
        from page_time import measure_page

        with tempfile.TemporaryDirectory(prefix="gc-scale-page-") as work:
            figures["page"] = {"size": label, **measure_page(args.data / label, Path(work), args.page_timeout)}
    save(args.json, figures)
    print()
    print(report(figures))
    return 0


def save(path: Path | None, figures: dict) -> None:
    if path:
        path.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
