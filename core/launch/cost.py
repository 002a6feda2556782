"""What a job will cost, from the price facts of docs/ground-truth.md §9.

- Ground Truth's service fee: $0.08 per labeled object, human- and machine-labeled alike.
- The public crowd (Mechanical Turk) is paid PublicWorkforceTaskPrice per task, i.e. per worker
  per human-labeled object; private teams have no per-task fee; vendors bill through their
  AWS Marketplace listing (not known here).
- Tiered rates beyond 50,000 objects are UNCONFIRMED and the free tier (first 500 objects a month
  in the first two months) is ignored, so the estimate is an upper bound on the service fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..gt.tasks import TaskType

SERVICE_FEE_USD = Decimal("0.08")  # per labeled object, human or machine (§9)

# Allowed PublicWorkforceTaskPrice values in tenths of a cent (botocore's documentation, §9).
_ABOVE = tuple(120 * k for k in range(1, 11))  # 0.120 ... 1.200 in steps of 0.12
BOX_PRICES = (36, 48, 60, 72, *_ABOVE)
CLASSIFICATION_PRICES = (12, 24, *BOX_PRICES)
SEGMENTATION_PRICES = (840, 960, 1080, 1200)
# Which list applies: "bounding box", "semantic segmentation", "image/text classification and
# custom" (§9). Verification/adjustment jobs take their base task's list (UNCONFIRMED). No list is
# documented for NER or video classification, and video frame and 3D point cloud jobs cannot use
# the public crowd at all (AWS documentation of those task types): they get none.
PRICE_LISTS: dict[str, tuple[int, ...]] = {
    **dict.fromkeys(("BoundingBox", "VerificationBoundingBox", "AdjustmentBoundingBox"), BOX_PRICES),
    **dict.fromkeys(("SemanticSegmentation", "VerificationSemanticSegmentation", "AdjustmentSemanticSegmentation"),
                    SEGMENTATION_PRICES),
    **dict.fromkeys(("ImageMultiClass", "ImageMultiClassMultiLabel", "TextMultiClass", "TextMultiClassMultiLabel",
                     "PassThrough"), CLASSIFICATION_PRICES),
}


def allowed_prices(task: TaskType) -> tuple[Decimal, ...]:
    """The public-crowd prices (USD per task) the service accepts for this task; () if none."""
    return tuple(Decimal(t) / 1000 for t in PRICE_LISTS.get(task.name, ()))


def tenths_of_cent(price_usd: float | Decimal | str) -> int | None:
    """The price in tenths of a cent, or None when it is not a whole number of them."""
    tenths = Decimal(str(price_usd)) * 1000
    return int(tenths) if tenths == tenths.to_integral_value() else None


def amount_in_usd(price_usd: float | Decimal | str) -> dict[str, int]:
    """PublicWorkforceTaskPrice.AmountInUsd, e.g. 0.036 -> {Dollars: 0, Cents: 3, TenthFractionsOfACent: 6} (§6)."""
    tenths = tenths_of_cent(price_usd)
    if tenths is None:
        raise ValueError(f"${price_usd} is not a whole number of tenths of a cent")
    return {"Dollars": tenths // 1000, "Cents": tenths % 1000 // 10, "TenthFractionsOfACent": tenths % 10}


def price_of(amount: dict) -> Decimal:
    """The inverse of amount_in_usd."""
    return (Decimal(amount.get("Dollars", 0)) + Decimal(amount.get("Cents", 0)) / 100
            + Decimal(amount.get("TenthFractionsOfACent", 0)) / 1000)


def _usd(value: Decimal) -> str:
    return f"${value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


@dataclass(frozen=True)
class Cost:
    objects: int  # objects the job will send (each labeled once, by humans or the machine)
    human_objects: int
    machine_objects: int
    workers_per_object: int
    worker_price_usd: Decimal  # per task (one worker, one object); 0 for private teams
    service_fee_usd: Decimal
    worker_fee_usd: Decimal
    assumptions: tuple[str, ...]

    @property
    def total_usd(self) -> Decimal:
        return self.service_fee_usd + self.worker_fee_usd

    @property
    def per_object_usd(self) -> Decimal:
        return self.total_usd / self.objects if self.objects else Decimal(0)

    def lines(self) -> list[str]:
        """The estimate in plain words, one fact a line, then its assumptions."""
        out = [f"{self.objects:,} objects to label"]
        if self.machine_objects:
            out.append(f"  {self.human_objects:,} by workers, {self.machine_objects:,} by auto-labeling (expected)")
        out.append(f"Ground Truth fee: {self.objects:,} x ${SERVICE_FEE_USD} = {_usd(self.service_fee_usd)}")
        if self.worker_price_usd:
            out.append(f"Public workforce: {self.human_objects:,} x {self.workers_per_object} workers x "
                       f"${self.worker_price_usd} = {_usd(self.worker_fee_usd)}")
        out.append(f"Total: {_usd(self.total_usd)}")
        out += [f"- {a}" for a in self.assumptions]
        return out


def estimate_cost(task: TaskType, objects: int, workers_per_object: int, public_price: float | Decimal | None = None,
                  auto_labeling: bool = False, expected_machine_share: float | None = None, *,
                  workforce: str = "private") -> Cost:
    """The cost of labeling `objects` objects (§9). `public_price` applies to the public crowd only;
    `expected_machine_share` (0..1) is the part auto-labeling is expected to label (default 0: every
    object by workers, the most it can cost). `workforce` is public, private or vendor."""
    if objects < 0 or workers_per_object < 0:
        raise ValueError("objects and workers per object cannot be negative")
    share = expected_machine_share if auto_labeling and expected_machine_share is not None else 0.0
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"expected machine share must be between 0 and 1 (got {share})")
    machine = round(objects * share)
    human = objects - machine
    price = Decimal(str(public_price)) if public_price is not None and workforce == "public" else Decimal(0)
    assumptions = [
        "every object sent gets labeled; failed objects are not charged",
        "$0.08 per object at every volume (tiered rates beyond 50,000 objects are unconfirmed); free tier ignored",
    ]
    if auto_labeling and expected_machine_share is None:
        assumptions.append(f"auto-labeling ({task.algorithm}) may label part of the objects by machine: the "
                           "estimate counts every object as labeled by workers, the most it can cost")
    if workforce == "private":
        assumptions.append("private work team: no per-task worker fee (you pay your workers yourself)")
    elif workforce == "vendor":
        assumptions.append("vendor work team: the vendor's price (AWS Marketplace listing) is not included")
    elif not price:
        assumptions.append("public workforce without a task price: worker fees not included")
    return Cost(objects=objects, human_objects=human, machine_objects=machine, workers_per_object=workers_per_object,
                worker_price_usd=price, service_fee_usd=SERVICE_FEE_USD * objects,
                worker_fee_usd=price * workers_per_object * human, assumptions=tuple(assumptions))
