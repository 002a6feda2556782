"""Benchmark labeling jobs: objects, human and machine labels, duration, cost and accuracy, side by
side, per iteration, and in one sentence (docs/ground-truth.md §4, §6, §8, §9).

    run       JobRun and load_job: a job's description and output files, read once (the only I/O);
              validation_curve reads the model's validation record where one exists
    measures  job_metrics (one row), iterations (per-iteration labels and cost), compare (one row per
              job); counts are cross-checked between LabelCounters and the files
    prices    Prices: the service fee, worker prices and the editable instance-time assumptions
    verdict   verdict and verdict_pair: the plain-words outcome of a pre-trained model benchmark (§8)
    report    summary_table, findings, benchmark_document: the comparison as text and JSON
    experiment  the pre-trained model experiment (AWS's walkthrough, §8), step by step on any workspace,
              and the guided one on the simulator (core.benchmark.experiment; imported on its own)
"""

from .measures import COLUMNS, ITERATION_COLUMNS, LABELS, accuracy, compare, file_counts, iterations, job_metrics
from .prices import DEFAULT_PRICES, INSTANCES, ON_DEMAND_USD_PER_HOUR, Prices
from .report import Finding, benchmark_document, findings, summary_table
from .run import CURVE_COLUMNS, JobRun, load_job, read_run, validation_curve
from .verdict import verdict, verdict_pair

__all__ = [
    "COLUMNS", "CURVE_COLUMNS", "DEFAULT_PRICES", "INSTANCES", "ITERATION_COLUMNS", "LABELS", "ON_DEMAND_USD_PER_HOUR",
    "Finding", "JobRun", "Prices", "accuracy", "compare", "file_counts", "iterations", "job_metrics",
    "benchmark_document", "findings", "load_job", "read_run", "summary_table", "validation_curve", "verdict",
    "verdict_pair",
]
