"""Plan an input manifest from the objects under a prefix or folder: pick, filter, sample, split.

Nothing is written here: `plan_manifest` returns the lines and the count at every step, for a
preview; `write.write_parts` writes them. Lines are (docs/ground-truth.md §6, input manifest facts):
- images and other files: `{"source-ref": "s3://bucket/key"}`, one per object;
- text: `{"source": "<text>"}`, one per line of a text file or row of a CSV/JSON-lines file.

Sampling and splitting are seeded and stable: lines are ordered by the SHA-256 of the seed and the
line's source, so a seed gives the same sample and parts on any machine and Python version, and a
line's place does not depend on which other objects happen to be listed.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import GroundControlError
from ..gt.errors import BadFile, Skipped
from ..gt.manifest import read_manifest
from ..storage import Fetcher, Location, ObjectInfo, StoreError, open_location
from .limits import IMAGE_EXTENSIONS, MAX_IMAGE_BYTES, MAX_OBJECTS, MAX_VALUE_CHARS
from .rows import row_items, text_items

OpenUri = Callable[[str], Location]
Progress = Callable[[int, int], None]

KINDS = ("images", "files", "text", "rows")
DEFAULT_EXTENSIONS = {
    "images": IMAGE_EXTENSIONS,
    "files": (),  # any: video clips, text files by reference, custom tasks
    "text": ("txt",),
    "rows": ("csv", "tsv", "jsonl", "ndjson"),
}
REFERENCE_KINDS = ("images", "files")  # one source-ref line per object; the others give source lines

# What each count means, in pipeline order (a count appears only where the kind has that step).
COUNT_LABELS = {
    "listed": "objects listed",
    "macos_metadata": "macOS ._ metadata files left out",
    "of_kind": "of the kind (by extension)",
    "excluded_by_pattern": "left out by include/exclude patterns",
    "too_large": "over the size cap",
    "empty": "empty objects",
    "unreadable_files": "files that could not be read",
    "items": "text items read",
    "bad_rows": "bad rows (skipped, listed)",
    "too_long": f"texts over {MAX_VALUE_CHARS:,} characters",
    "duplicates": "duplicate texts (first kept)",
    "already_in_manifests": "already in the chosen manifests",
    "selected": "selected",
    "gold_offered": "gold objects in the gold file",
    "gold_already": "gold objects already in the manifest (not added twice)",
    "gold_mixed": "gold lines mixed in (tagged)",
    "lines": "lines in the manifest",
}


class ManifestError(GroundControlError, ValueError):
    """The manifest cannot be planned as asked; the message is safe to show to a user."""


@dataclass(frozen=True)
class ManifestSpec:
    kind: str = "images"  # images | files | text | rows (see the module docstring)
    extensions: tuple[str, ...] | None = None  # None: the kind's default; (): any extension
    include: tuple[str, ...] = ()  # globs on the key below the prefix; any one must match
    exclude: tuple[str, ...] = ()  # globs; a key matching one is left out
    max_bytes: int | None = None  # None: the kind's default (40 MB for images, §6); 0: no cap
    column: str | None = None  # rows: CSV column or JSON key with the text (rows.py)
    csv_header: bool = True
    exclude_manifests: tuple[str, ...] = ()  # URIs: drop objects whose source is already in one
    sample: int | None = None  # keep N lines, chosen by the seed
    seed: int = 0
    split: int | None = None  # K parts of sizes differing by at most 1

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ManifestError(f"unknown kind {self.kind!r}: choose one of {', '.join(KINDS)}")
        for name in ("sample", "split"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ManifestError(f"{name} must be at least 1, not {value}")
        if self.max_bytes is not None and self.max_bytes < 0:
            raise ManifestError(f"the size cap must be 0 (none) or more, not {self.max_bytes}")
        if self.extensions is not None:
            object.__setattr__(self, "extensions", tuple(e.lower().lstrip(".") for e in self.extensions if e))
        for name in ("include", "exclude", "exclude_manifests"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def wanted_extensions(self) -> tuple[str, ...]:
        return DEFAULT_EXTENSIONS[self.kind] if self.extensions is None else self.extensions

    @property
    def size_cap(self) -> int | None:
        if self.kind not in REFERENCE_KINDS:
            return None
        if self.max_bytes is None:
            return MAX_IMAGE_BYTES if self.kind == "images" else None
        return self.max_bytes or None


@dataclass
class ManifestPlan:
    source_uri: str
    spec: ManifestSpec
    lines: list[dict]  # every line to write, in key (then line) order
    parts: list[list[dict]]  # `lines` split in spec.split parts; [lines] when not split
    counts: dict[str, int]  # keys of COUNT_LABELS, in pipeline order
    too_large: list[tuple[str, int]] = field(default_factory=list)  # (uri, bytes)
    skipped: list[Skipped] = field(default_factory=list)  # objects and rows left out, and why
    warnings: list[str] = field(default_factory=list)

    def count_rows(self) -> list[tuple[str, int]]:
        """(what, count) in pipeline order, for a table; the macOS row only when there were some."""
        return [(COUNT_LABELS[key], n) for key, n in self.counts.items() if n or key != "macos_metadata"]


@dataclass(frozen=True)
class _Candidate:
    line: dict
    source: str
    uri: str  # the object it came from, for notes
    at: int = 0  # and the line in it (text and rows)


def _extension(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _relative(location: Location, key: str) -> str:
    prefix = location.prefix
    if key == prefix:  # SOURCE names a single object
        return key.rsplit("/", 1)[-1]
    return key[len(prefix):].lstrip("/")


def _listed(location: Location, skipped: list[Skipped]) -> list[ObjectInfo]:
    """Every object under the location, as a folder: `images` holds images/a.png, not images-old/b.png.
    What the store lists but cannot read (a FIFO in a folder) goes to `skipped`."""
    prefix = location.prefix

    def inside(key: str) -> bool:
        return not prefix or prefix.endswith("/") or key == prefix or key.startswith(prefix + "/")

    def on_skip(key: str, reason: str) -> None:
        if inside(key):
            skipped.append(Skipped(location.store.uri_of(key), reason))

    infos = [i for i in location.store.list(prefix, on_skip) if not i.key.endswith("/")]  # "folder/" markers
    return sorted((i for i in infos if inside(i.key)), key=lambda i: i.key)


def is_appledouble(key: str) -> bool:
    """`._name`: the resource fork macOS writes beside a file on a drive that is not its own. It
    carries the original's name and extension, but it is metadata, never the data."""
    return key.rsplit("/", 1)[-1].startswith("._")


def _matches(relative: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(relative, p) for p in patterns)


def stable_order(sources: list[str], seed: int, salt: str) -> list[int]:
    """Indexes of `sources` ordered by SHA-256 of (salt, seed, source): seeded, portable, stable."""
    def digest(i: int) -> bytes:
        return hashlib.sha256(f"{salt}\0{seed}\0{sources[i]}".encode()).digest()

    return sorted(range(len(sources)), key=digest)


def sample_indexes(sources: list[str], n: int | None, seed: int) -> list[int]:
    """The indexes of the `n` lines kept (all when n is None or not smaller), in their order."""
    if n is None or n >= len(sources):
        return list(range(len(sources)))
    return sorted(stable_order(sources, seed, "sample")[:n])


def split_indexes(sources: list[str], k: int, seed: int) -> list[list[int]]:
    """`k` parts covering every index once, sizes differing by at most 1: a seeded shuffle cut in
    contiguous runs, each part then back in line order."""
    order = stable_order(sources, seed, "split")
    size, extra = divmod(len(order), k)
    parts, start = [], 0
    for i in range(k):
        end = start + size + (1 if i < extra else 0)
        parts.append(sorted(order[start:end]))
        start = end
    return parts


def known_sources(uris: tuple[str, ...], open_uri: OpenUri) -> tuple[set[str], list[Skipped]]:
    """Every source-ref and source in the manifests at `uris`. A manifest that cannot be read is an
    error: planning on without it would send its objects to be labeled again."""
    sources: set[str] = set()
    notes: list[Skipped] = []
    for uri in uris:
        try:
            data = open_uri(uri).read()
        except StoreError as exc:
            raise ManifestError(f"cannot read the manifest to exclude: {exc}") from exc
        if not data.strip():
            continue
        try:
            manifest = read_manifest(data)
        except BadFile as exc:
            raise ManifestError(f"cannot read the manifest to exclude {uri}: {exc}") from exc
        sources.update(s for s in manifest.sources if isinstance(s, str))
        notes.extend(Skipped(uri, f"{note}: its object, if any, is not excluded") for note in manifest.notes)
    return sources, notes


def _text_candidates(location: Location, infos: list[ObjectInfo], spec: ManifestSpec, counts: dict[str, int],
                     skipped: list[Skipped], progress: Progress | None) -> list[_Candidate]:
    store = location.store
    fetched = Fetcher(store).fetch(infos, progress)
    out: list[_Candidate] = []
    for info in infos:
        uri = store.uri_of(info.key)
        data = fetched[info.key]
        if isinstance(data, StoreError):
            counts["unreadable_files"] += 1
            skipped.append(Skipped(uri, str(data)))
            continue
        if spec.kind == "text":
            items, bad = text_items(data)
        else:
            items, bad = row_items(info.key, data, spec.column, header=spec.csv_header)
        for row in bad:
            if row.line == 0:
                counts["unreadable_files"] += 1
                skipped.append(Skipped(uri, row.reason))
            else:
                counts["bad_rows"] += 1
                skipped.append(Skipped(uri, f"line {row.line}: {row.reason}"))
        counts["items"] += len(items)
        for item in items:
            if len(item.text) > MAX_VALUE_CHARS:
                counts["too_long"] += 1
                skipped.append(Skipped(uri, f"line {item.line}: {len(item.text):,} characters, over the "
                                            f"{MAX_VALUE_CHARS:,} a value may have"))
                continue
            out.append(_Candidate({"source": item.text}, item.text, uri, item.line))
    return out


def _drop_duplicates(candidates: list[_Candidate], counts: dict[str, int],
                     skipped: list[Skipped]) -> list[_Candidate]:
    first: dict[str, _Candidate] = {}
    kept = []
    for c in candidates:
        if c.source in first:
            counts["duplicates"] += 1
            seen = first[c.source]
            skipped.append(Skipped(c.uri, f"line {c.at}: same text as {seen.uri} line {seen.at}"))
            continue
        first[c.source] = c
        kept.append(c)
    return kept


def plan_manifest(location: Location, spec: ManifestSpec, open_uri: OpenUri | None = None,
                  progress: Progress | None = None) -> ManifestPlan:
    """The manifest `spec` asks for from the objects under `location`. `open_uri` opens the
    manifests to exclude (default: S3 or local paths); `progress(done, total)` follows the reading
    of text and rows files. StoreError if the location cannot be listed."""
    open_uri = open_uri or open_location
    text_kind = spec.kind not in REFERENCE_KINDS
    counts = dict.fromkeys(["listed", "macos_metadata", "of_kind", "excluded_by_pattern"], 0)
    counts.update(dict.fromkeys(["unreadable_files", "items", "bad_rows", "too_long", "duplicates"] if text_kind
                                else ["too_large", "empty"], 0))
    counts.update(dict.fromkeys(["already_in_manifests", "selected", "lines"], 0))
    plan = ManifestPlan(location.uri, spec, [], [[]], counts)
    store, wanted, cap = location.store, spec.wanted_extensions, spec.size_cap

    infos = _listed(location, plan.skipped)
    counts["listed"] = len(infos)
    for info in [i for i in infos if is_appledouble(i.key)]:
        plan.skipped.append(Skipped(store.uri_of(info.key), "macOS AppleDouble file (._*): metadata, not data"))
    infos = [i for i in infos if not is_appledouble(i.key)]
    counts["macos_metadata"] = counts["listed"] - len(infos)
    infos = [i for i in infos if not wanted or _extension(i.key) in wanted]
    counts["of_kind"] = len(infos)
    kept = []
    for info in infos:
        relative = _relative(location, info.key)
        if (spec.include and not _matches(relative, spec.include)) or _matches(relative, spec.exclude):
            counts["excluded_by_pattern"] += 1
        elif text_kind:
            kept.append(info)
        elif cap is not None and info.size > cap:
            counts["too_large"] += 1
            plan.too_large.append((store.uri_of(info.key), info.size))
            plan.skipped.append(Skipped(store.uri_of(info.key), f"{info.size:,} bytes, over the size cap of {cap:,}"
                                        + (" (Ground Truth refuses images over 40 MB)" if
                                           cap == MAX_IMAGE_BYTES else "")))
        elif info.size == 0:
            counts["empty"] += 1
            plan.skipped.append(Skipped(store.uri_of(info.key), "empty object: nothing to label"))
        else:
            kept.append(info)

    if text_kind:
        candidates = _text_candidates(location, kept, spec, counts, plan.skipped, progress)
        candidates = _drop_duplicates(candidates, counts, plan.skipped)
    else:
        candidates = [_Candidate({"source-ref": uri}, uri, uri) for uri in (store.uri_of(i.key) for i in kept)]

    if spec.exclude_manifests:
        known, notes = known_sources(spec.exclude_manifests, open_uri)
        plan.skipped.extend(notes)
        before = len(candidates)
        candidates = [c for c in candidates if c.source not in known]
        counts["already_in_manifests"] = before - len(candidates)
    counts["selected"] = len(candidates)

    sources = [c.source for c in candidates]
    chosen = sample_indexes(sources, spec.sample, spec.seed)
    plan.lines = [candidates[i].line for i in chosen]
    counts["lines"] = len(plan.lines)
    if spec.split and spec.split > 1:
        if spec.split > len(plan.lines):
            raise ManifestError(f"cannot split {len(plan.lines):,} line(s) into {spec.split} parts")
        chosen_sources = [sources[i] for i in chosen]
        plan.parts = [[plan.lines[i] for i in part] for part in split_indexes(chosen_sources, spec.split, spec.seed)]
    else:
        plan.parts = [plan.lines]
    largest = max(len(part) for part in plan.parts)
    if largest > MAX_OBJECTS:
        plan.warnings.append(f"{largest:,} lines in one manifest: a labeling job takes at most {MAX_OBJECTS:,} "
                             "objects (20,000 for semantic segmentation); sample or split it")
    return plan
