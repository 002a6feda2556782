"""Manifest bytes and conditional writes: an existing manifest is never replaced unless asked."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..storage import Location, ObjectExists


def manifest_bytes(lines: Iterable[dict]) -> bytes:
    """JSON lines as Ground Truth reads them: UTF-8, one compact object per line, each ending in \\n."""
    return "".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines).encode()


def part_keys(key: str, parts: int) -> list[str]:
    """`key` itself for one part; else `<stem>-part<i>-of-<K><suffix>` beside it, i = 1..K
    (`batch.manifest` -> `batch-part1-of-2.manifest`, `batch-part2-of-2.manifest`)."""
    if parts <= 1:
        return [key]
    folder, slash, name = key.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    else:
        suffix = "." + suffix
    return [f"{folder}{slash}{stem}-part{i}-of-{parts}{suffix}" for i in range(1, parts + 1)]


def write_manifest(location: Location, data: bytes, *, overwrite: bool = False) -> str:
    """Write `data` at the location's key; ObjectExists if something is there and not `overwrite`."""
    if not location.prefix or location.prefix.endswith("/"):
        raise ValueError(f"{location.uri} is a folder: name the manifest file")
    location.store.put(location.prefix, data, overwrite=overwrite)
    return location.store.uri_of(location.prefix)


def write_parts(location: Location, parts: list[list[dict]], *, overwrite: bool = False) -> list[str]:
    """Write each part at `part_keys(location.prefix, len(parts))`. Without `overwrite`, nothing is
    written when any target exists (ObjectExists names them); each put is conditional as well."""
    store = location.store
    keys = part_keys(location.prefix, len(parts))
    if not overwrite:
        taken = [store.uri_of(key) for key in keys if store.exists(key)]
        if taken:
            raise ObjectExists(f"{', '.join(taken)} already exist{'s' if len(taken) == 1 else ''}")
    return [write_manifest(Location(store, key), manifest_bytes(lines), overwrite=overwrite)
            for key, lines in zip(keys, parts, strict=True)]
