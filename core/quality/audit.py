"""Verification (audit) jobs: how often a worker's labels pass the check of a later job."""

from __future__ import annotations

import numpy as np
import pandas as pd

PASS, FAIL = "pass", "fail"


def pass_rates(verdicts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pass rate per original worker and per label.

    verdicts: columns `original_worker`, `label`, `verdict` ('pass'/'fail' in any case, or True/False).
    A missing verdict (nobody checked that label) is left out; any other value is refused, naming it.
    Returns (by worker, by label), each with `checked`, `passed`, `pass_rate`, sorted by its key.
    """
    passed = _passed(verdicts["verdict"])
    checked = verdicts.assign(passed=passed)[passed.notna()]
    checked = checked.assign(passed=checked["passed"].astype(bool))
    return _rates(checked, "original_worker"), _rates(checked, "label")


def _passed(verdict: pd.Series) -> pd.Series:
    def one(v):
        if isinstance(v, bool | np.bool_):
            return v
        if v is None or (isinstance(v, float) and v != v):
            return None
        text = str(v).strip().lower()
        if text not in (PASS, FAIL):
            raise ValueError(f"verdict {v!r} is neither {PASS!r} nor {FAIL!r}")
        return text == PASS

    return pd.Series([one(v) for v in verdict], index=verdict.index, dtype=object)


def _rates(checked: pd.DataFrame, key: str) -> pd.DataFrame:
    out = checked.groupby(key, sort=True)["passed"].agg(checked="size", passed="sum").reset_index()
    out["passed"] = out["passed"].astype(int)
    out["pass_rate"] = out["passed"] / out["checked"]
    return out
