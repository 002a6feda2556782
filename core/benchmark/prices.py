"""What a benchmark charges a job for (docs/ground-truth.md §9), and the instance time auto-labeling adds.

Known from the reference: Ground Truth's fee of $0.08 per labeled object, human- or machine-labeled
(§9), the public crowd's PublicWorkforceTaskPrice per worker per task (§6, §9; private teams pay no
per-task fee), and the instance types auto-labeling trains and infers on (§4).

Assumed, and therefore editable: the hourly prices of those instances (approximate us-east-1
on-demand list prices; the reference has none: check the SageMaker pricing page of your region) and
the instance hours each auto-labeling round takes (the service reports neither in the job's output).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from ..launch.cost import SERVICE_FEE_USD


@dataclass(frozen=True)
class Instances:
    train: str
    infer: str


# Training and inference instances of each auto-labeling algorithm (§4, §7 algorithm names).
INSTANCES: dict[str, Instances] = {
    "image-classification": Instances("ml.p3.2xlarge", "ml.c5.xlarge"),
    "object-detection": Instances("ml.p3.2xlarge", "ml.c5.4xlarge"),
    "text-classification": Instances("ml.c5.2xlarge", "ml.m4.xlarge"),
    "semantic-segmentation": Instances("ml.p3.2xlarge", "ml.p3.2xlarge"),
}

# ASSUMPTION (not in the reference): approximate SageMaker on-demand USD per hour in us-east-1.
ON_DEMAND_USD_PER_HOUR: dict[str, Decimal] = {
    "ml.p3.2xlarge": Decimal("3.825"),
    "ml.c5.xlarge": Decimal("0.204"),
    "ml.c5.2xlarge": Decimal("0.408"),
    "ml.c5.4xlarge": Decimal("0.816"),
    "ml.m4.xlarge": Decimal("0.24"),
}

# ASSUMPTION: billed instance hours per auto-labeling round (one training job, one batch transform).
TRAIN_HOURS_PER_ROUND = Decimal("0.25")
INFER_HOURS_PER_ROUND = Decimal("0.25")


def _decimal(value) -> Decimal | None:
    return None if value is None else value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class Prices:
    """Prices a benchmark uses, in USD. `train_per_hour` / `infer_per_hour` None: the on-demand price
    of the job's algorithm's instance (ON_DEMAND_USD_PER_HOUR). Floats and strings are taken as Decimals."""

    service_fee: Decimal = SERVICE_FEE_USD  # per labeled object, human or machine (§9)
    train_per_hour: Decimal | None = None
    infer_per_hour: Decimal | None = None
    train_hours_per_round: Decimal = TRAIN_HOURS_PER_ROUND
    infer_hours_per_round: Decimal = INFER_HOURS_PER_ROUND

    def __post_init__(self):
        for f in fields(self):
            object.__setattr__(self, f.name, _decimal(getattr(self, f.name)))

    def hourly(self, algorithm: str | None) -> tuple[Decimal, Decimal]:
        """(training, inference) USD per hour for a job auto-labeling with `algorithm`."""
        kind = INSTANCES.get(algorithm or "")
        train = self.train_per_hour if self.train_per_hour is not None else (
            ON_DEMAND_USD_PER_HOUR[kind.train] if kind else Decimal(0))
        infer = self.infer_per_hour if self.infer_per_hour is not None else (
            ON_DEMAND_USD_PER_HOUR[kind.infer] if kind else Decimal(0))
        return train, infer

    def per_round(self, algorithm: str | None) -> Decimal:
        """Estimated instance cost of one auto-labeling round: training plus inference."""
        train, infer = self.hourly(algorithm)
        return train * self.train_hours_per_round + infer * self.infer_hours_per_round

    def assumptions(self, algorithm: str | None) -> list[str]:
        """The assumed numbers behind the instance estimate, in plain words."""
        kind = INSTANCES.get(algorithm or "")
        train, infer = self.hourly(algorithm)
        where = f"{kind.train} / {kind.infer}" if kind else "training / inference instances"
        edited = self.train_per_hour is not None or self.infer_per_hour is not None
        return [f"instance time estimated at {self.train_hours_per_round} h training + {self.infer_hours_per_round} h "
                f"inference per auto-labeling round on {where} at ${train}/h and ${infer}/h "
                f"({'as given' if edited else 'assumed us-east-1 on-demand prices'}; editable)"]


DEFAULT_PRICES = Prices()
