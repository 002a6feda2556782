"""A load of a local folder in which nothing changed since the cache was saved: which files it must
still look at, found in Arrow without a Python object per file.

A full load makes an ObjectInfo, a classification and a cache look-up for every one of a million
answers' 333,000 files (five of the page's seconds), only to find each unchanged. When the folder's
listing is the one the cache was saved with, and every Ground Truth file in it is in the cache (none
failed to be fetched last time), the load's result is the saved one; what it still reads are the
output manifests (they name the jobs and their task types), the files recorded as bad (reported
again) and the files whose parse kept more than rows (notes, masks, texts, gold). Those are few.

What a cached file's rows depend on besides its bytes (its job and that job's task type) comes from
the manifests, unchanged here; a change in how keys are classified or jobs named comes with a new
cache FORMAT (core.annotations.cache), so a cache of older code is never read this way.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from ..gt.layout import KeyKind, classify, is_apple_double
from ..storage import ObjectInfo
from ..storage.scan import SPECIAL, Listing, in_walk_order
from .cache import Stored

_READ = ("manifest", "response")


@dataclass
class Unchanged:
    manifests: list[ObjectInfo]  # every output manifest, in the listing's walk order
    responses: list[ObjectInfo]  # the worker responses with more than rows (or bad), in walk order
    kinds: dict[str, KeyKind]  # the classification of each of those
    files: int  # Ground Truth files in the cache: all the listing has
    listed: pa.Table  # the listing's regular files (core.storage.scan.FILES)


def unchanged_files(old: Stored, listing: Listing) -> Unchanged | None:
    """The files a load of `listing` must read from the cache `old` saved with that same listing,
    or None when a full load is needed (a Ground Truth file listed and not in the cache)."""
    files = old.files
    if files.num_rows == 0:
        return None
    listed = listing.files.filter(pc.not_equal(listing.files["size"], SPECIAL))
    cached = pc.is_in(listed["key"], value_set=files["key"])
    if pc.sum(cached).as_py() != files.num_rows:
        return None  # a cached file that is no longer listed: never so when nothing changed
    for key in pc.filter(listed["key"], pc.invert(cached)).to_pylist():  # files Ground Truth did not write
        kind = None if is_apple_double(key) else classify(key)
        if kind is not None and kind.kind in _READ:
            return None  # its fetch failed last time: a full load tries it again
    with_extras = pc.is_in(files["key"], value_set=pc.unique(old.extras["key"]))
    named_jobs = pc.fill_null(pc.greater(pc.list_value_length(files["jobs"]), 0), False)
    wanted = pc.or_(pc.or_(pc.is_valid(files["bad"]), with_extras),
                    pc.or_(named_jobs, pc.ends_with(files["key"], "output.manifest")))
    keys = pc.filter(files["key"], wanted)
    infos = in_walk_order(Listing(listing.prefix, listing.folders,
                                  listed.filter(pc.is_in(listed["key"], value_set=keys))))
    kinds = {i.key: kind for i in infos if (kind := classify(i.key)) is not None}
    return Unchanged([i for i in infos if i.key in kinds and kinds[i.key].kind == "manifest"],
                     [i for i in infos if i.key in kinds and kinds[i.key].kind == "response"], kinds, files.num_rows,
                     listed)
