"""Tables as text: what the CLI prints and the pages offer to download (CSV, JSON, a plain table)."""

from __future__ import annotations

import re

import pandas as pd

# C0 and C1 control characters and DEL: a NUL in a worker ID, an ESC that would recolour a terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with each control character written as \\xNN, so none reaches a file or a terminal
    raw, and two IDs that differ only by one stay different."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def printable_frame(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with `printable` applied to every text value (other values untouched)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: printable(v) if isinstance(v, str) else v)
    return out


def format_table(df: pd.DataFrame, fmt: str) -> str:
    """Unknown values print as empty cells (CSV, table) or null (JSON), never as 0. Every format
    escapes control characters the same way (see `printable`)."""
    df = printable_frame(df)
    floats = {c: 4 for c in df.columns if pd.api.types.is_float_dtype(df[c])}
    if fmt == "json":
        return df.round(floats).to_json(orient="records", date_format="iso", indent=2)
    if fmt == "csv":
        return df.round(floats).to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    if df.empty:  # the column names, not pandas' "Empty DataFrame"
        return "  ".join(map(str, df.columns))
    shown = df.copy()
    if "worker_id" in shown and (shown["worker_id"].isna() | (shown["worker_id"] == shown["worker"])).all():
        shown = shown.drop(columns="worker_id")  # no names resolved: the id is already shown
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
        elif pd.api.types.is_datetime64_any_dtype(shown[col]):
            shown[col] = shown[col].dt.strftime("%Y-%m-%d %H:%M")
        elif isinstance(shown[col].dtype, pd.api.extensions.ExtensionDtype):
            shown[col] = shown[col].astype(object)  # a nullable count (Int64) takes no "" for its unknowns
    return shown.fillna("").to_string(index=False)
