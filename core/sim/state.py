"""What the simulated service's parts share: its state files (atomic JSON) and their version, the
error a rejected request raises, the alphabet of the ids it makes up."""

from __future__ import annotations

import json
import os
import string
import threading
from pathlib import Path
from typing import Any

from ..gt.service import ServiceError

STATE_VERSION = 1
_ALNUM = string.ascii_letters + string.digits


def _write_json(path: Path, value: Any, compact: bool = False) -> None:
    """Atomic write; `compact` for big files (json's indenting encoder is pure Python, slow)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}.{threading.get_ident()}")
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")) if compact else \
        json.dumps(value, ensure_ascii=False, indent=1)
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def _validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)
