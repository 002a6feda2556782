"""Worker-response files read in bulk: a block of files parsed by Arrow's JSON reader at once, and
made the answers table's columns with no Python object per answer.

Reading each file with orjson, each answer into a tuple and then into Arrow values was most of a
cold read's parsing; a block of 8,192 files read so costs a third less (bench/scale.py). It is the
same reading, only for files where that is certain; any other goes to the per-file reader
(core.gt.responses), which says what is wrong with it. A file is read here only if
- its bytes pass `plain` (one object on one line, not too deeply nested) and its block `clean`
  (no null, no carriage return; else each file is checked);
- Arrow reads its block (else the block is halved until the failing file is alone): a value of
  another type than the others', a duplicate key, bytes that are not UTF-8, two objects in a file;
- and every answer in it is whole: a worker id, times in Ground Truth's form (docs/ground-truth.md
  §2), a plausible time spent, an answerContent object: nothing the per-file reader would note.
tests/unit/test_bulk_responses.py checks that both readings give the same tables.
"""

from __future__ import annotations

import io
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from ..gt.jsonio import MAX_DEPTH
from ..gt.layout import KeyKind
from ..gt.responses import MAX_ANSWER_SECONDS

BLOCK = 8192  # files parsed at once: about 10 MB of JSON

_IDENTITY = pa.struct([("identityProviderType", pa.string()), ("issuer", pa.string()), ("sub", pa.string())])
_ANSWER = pa.struct([
    ("workerId", pa.string()), ("acceptanceTime", pa.string()), ("submissionTime", pa.string()),
    ("timeSpentInSeconds", pa.float64()), ("workerMetadata", pa.struct([("identityData", _IDENTITY)])),
])  # answerContent is left to Arrow to infer: its keys are the task's element names
_SCHEMA = pa.schema([("answers", pa.list_(_ANSWER))])
_OPTIONS = pj.ParseOptions(explicit_schema=_SCHEMA, unexpected_field_behavior="infer")
# Ground Truth's times (docs/ground-truth.md §2): UTC, whole seconds or milliseconds (microseconds too).
_TIME = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$"
_SHORT = 4_000  # bytes: a file this short cannot nest past 2,000 levels


class Plain(NamedTuple):
    """A worker-response file's bytes, to be read with its block."""

    data: bytes


class Parsed(NamedTuple):
    """A block's files as the answers table's columns, and which files were read whole."""

    answers: pa.Table  # rows in file order; columns as core.ingest.rows.SCHEMAS["answers"] (without key, job)
    starts: np.ndarray  # per file, its first row; one more at the end
    whole: np.ndarray  # per file, bool


def plain(data: bytes) -> bool:
    """Whether this file can go with its block: one object on one line (Arrow reads a line an
    object), and none that could nest deep enough to crash Arrow's reader (it did past about 8,000
    levels): a file of at most _SHORT bytes cannot nest past 2,000, a longer one is counted. Nesting
    past the per-file reader's limit fails the block (parse_block); so does what else the two read
    differently, or the answer's checks."""
    return (data[:1] == b"{" and b"\n" not in data
            and (len(data) <= _SHORT or data.count(b"[") + data.count(b"{") <= MAX_DEPTH))


def clean(data: bytes) -> bool:
    """Whether Arrow's JSON reader reads these bytes (files that passed `plain`, joined by line
    breaks) as orjson reads each: no carriage return and no null (Arrow cannot tell a null from a
    key left out). Checked on a whole block at once: the search for "null" in each file on its own
    cost more than the search in the block."""
    return b"\r" not in data and not has_null(data)


_NULL = np.frombuffer(b"null", np.uint32)[0]  # the word as one 4-byte number, in this machine's order
# Below this many bytes the plain search is cheaper than numpy's fixed cost (one 1.7 KB file:
# 1.2 µs against 9 µs; even at about 25 KB): a block with a null checks each of its files alone.
_NUMPY_FROM = 32_768


def has_null(data: bytes) -> bool:
    """Whether `null` is anywhere in these bytes. A long buffer (a block, a manifest) is compared
    4 bytes at a time at each of the 4 offsets, in numpy: less than half the CPU of `b"null" in
    data` over JSON (2.4 ms against 5.6 ms for a block of 10 MB), whose many n's slow a plain search
    down."""
    if len(data) < _NUMPY_FROM:
        return b"null" in data
    for offset in range(4):
        count = (len(data) - offset) // 4
        if count > 0 and (np.frombuffer(data, np.uint32, count, offset) == _NULL).any():
            return True
    return False


def parse_block(joined: bytes, files: int) -> Parsed | None:
    """The answers of `files` files joined by line breaks (each passed `plain` and `clean`), or None
    when Arrow cannot read them as one (a file that only the per-file reader can tell what is wrong
    with)."""
    try:
        table = pj.read_json(io.BytesIO(joined), parse_options=_OPTIONS,
                             read_options=pj.ReadOptions(block_size=1 << 26))
    except (pa.ArrowException, ValueError):  # ValueError: bytes that are not UTF-8, as decoding says
        return None
    if table.num_rows != files or depth(table.schema) >= MAX_DEPTH:
        return None  # two objects in a file, one the reader skipped, or one nested past the careful reader's limit
    answers = table["answers"].combine_chunks()
    try:
        answers.validate(full=True)  # Arrow's reader lets bytes that are not UTF-8 into its text
        return _columns(answers)
    except pa.ArrowInvalid:  # that, or a time of the right form that is no date (a 30 February)
        return None


def depth(value: pa.DataType | pa.Schema) -> int:
    """How deep a value of this type nests, as the per-file reader counts levels (an object is 1, a
    row of a schema too)."""
    if isinstance(value, pa.Schema):
        return 1 + max((depth(f.type) for f in value), default=0)
    if pa.types.is_struct(value):
        return 1 + max((depth(value.field(i).type) for i in range(value.num_fields)), default=0)
    if pa.types.is_list(value) or pa.types.is_large_list(value):
        return 1 + depth(value.value_type)
    return 0


def _columns(answers: pa.ListArray) -> Parsed:
    offsets = answers.offsets.to_numpy()
    items = answers.values.slice(offsets[0], offsets[-1] - offsets[0])  # every file's answers, in order
    offsets = offsets - offsets[0]
    files = np.repeat(np.arange(len(answers)), np.diff(offsets))
    get = _getter(items)
    accepted_text, submitted_text = get("acceptanceTime"), get("submissionTime")
    accepted_ok, submitted_ok = pc.match_substring_regex(accepted_text, _TIME), pc.match_substring_regex(
        submitted_text, _TIME)  # once each: the times and the checks both need it
    accepted, submitted = _times(accepted_text, accepted_ok), _times(submitted_text, submitted_ok)
    spent, source, elapsed_ok = _time_spent(get("timeSpentInSeconds"), accepted, submitted)
    content = get("answerContent") if "answerContent" in _names(items) else None
    if content is not None and not pa.types.is_struct(content.type):
        content = None  # no answer has an answerContent object: a note each
    keys, which = _keys(content, len(items))
    whole = _whole(items, keys, elapsed_ok, accepted_ok, submitted_ok)
    whole = answers.is_valid().to_numpy(zero_copy_only=False) & _all_per_file(whole, files, len(answers))
    identity = pc.struct_field(get("workerMetadata"), "identityData")
    task, label = _task_and_label(content, keys, which)
    code = pa.dictionary(pa.int32(), pa.string())
    columns = {
        "worker_id": get("workerId").dictionary_encode(),
        "sub": pc.struct_field(identity, "sub").dictionary_encode(),
        "issuer": pc.struct_field(identity, "issuer").dictionary_encode(),
        "provider": pc.struct_field(identity, "identityProviderType").dictionary_encode(),
        "acceptance_time": accepted, "submission_time": submitted, "time_spent_s": spent,
        "time_source": source.cast(code), "task": task.cast(code), "label": label.cast(code),
        "answer": pa.array(np.arange(len(items)) - offsets[files], pa.int64()),
    }
    return Parsed(pa.table(columns), offsets, whole)


def _getter(items: pa.StructArray):
    """A field of every answer, null where the answer is (a struct's own field ignores that)."""
    return lambda name: pc.struct_field(items, name)


def _names(items: pa.StructArray) -> list[str]:
    return [items.type.field(i).name for i in range(items.type.num_fields)]


def _all_per_file(ok: np.ndarray, files: np.ndarray, count: int) -> np.ndarray:
    """Per file, whether every one of its answers is `ok` (a file with no answers is)."""
    bad = np.zeros(count, bool)
    bad[files[~ok]] = True
    return ~bad


def _keys(content: pa.StructArray | None, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Per answer, how many keys its answerContent has (no value is null: `plain` saw to it; none
    without an object) and which one it is when it has one (else -1)."""
    keys, which = np.zeros(count, np.int64), np.full(count, -1)
    for i in range(content.type.num_fields if content is not None else 0):
        present = pc.struct_field(content, i).is_valid().to_numpy(zero_copy_only=False)
        keys += present
        which[present] = i
    which[keys != 1] = -1
    return keys, which


def _whole(items: pa.StructArray, keys: np.ndarray, elapsed_ok: pa.Array, accepted_ok: pa.Array,
           submitted_ok: pa.Array) -> np.ndarray:
    """Per answer, whether the per-file reader would take it as it is, with no note (`*_ok`: the
    times in Ground Truth's form)."""
    get = _getter(items)
    spent, accepted = get("timeSpentInSeconds"), get("acceptanceTime")
    checks = [
        pc.is_valid(items),
        pc.greater(pc.utf8_length(get("workerId")), 0),
        submitted_ok,
        pc.or_kleene(pc.is_null(accepted), accepted_ok),
        # given: plausible; not given: acceptance to submission plausible, or no acceptance time
        pc.if_else(pc.is_valid(spent), pc.and_(pc.greater_equal(spent, 0), pc.less_equal(spent, MAX_ANSWER_SECONDS)),
                   pc.or_kleene(pc.is_null(accepted), elapsed_ok)),
        pa.array(keys > 0),  # an answerContent object with a key ({} has its own reading)
    ]
    ok = checks[0]
    for check in checks[1:]:
        ok = pc.and_kleene(ok, check)
    return ok.fill_null(False).to_numpy(zero_copy_only=False)


def _times(text: pa.Array, ok: pa.Array) -> pa.Array:
    """Ground Truth's times (`ok`: the text is in its form) as UTC instants; any other text is left
    out here (its answer is not whole, and is read by the per-file reader)."""
    return pc.if_else(ok, text, pa.scalar(None, pa.string())).cast(pa.timestamp("us", tz="UTC"))


def _time_spent(spent: pa.Array, accepted: pa.Array, submitted: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(seconds, source, whether acceptance to submission is plausible): timeSpentInSeconds where
    given ("active"), else acceptance to submission ("elapsed"), as the per-file reader's _time_spent."""
    micros = pc.subtract(submitted.cast(pa.int64()), accepted.cast(pa.int64()))
    elapsed = pc.divide(micros.cast(pa.float64()), 1e6)  # as timedelta.total_seconds: microseconds / 10**6
    elapsed_ok = pc.and_(pc.greater_equal(elapsed, 0), pc.less_equal(elapsed, MAX_ANSWER_SECONDS))
    given = pc.is_valid(spent)
    seconds = pc.if_else(given, spent, elapsed)
    source = pc.if_else(given, "active", pc.if_else(pc.is_valid(elapsed), "elapsed", pa.scalar(None, pa.string())))
    return seconds, source, elapsed_ok


def _task_and_label(content: pa.StructArray | None, keys: np.ndarray, which: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """(element name, label): the one key of an answerContent and its string `label`, as the
    per-file reader's _classification_label; none of either when there are several keys."""
    label = pa.nulls(len(keys), pa.string())
    if content is None:
        return label, label
    names = pa.array([content.type.field(i).name for i in range(content.type.num_fields)], pa.string())
    task = names.take(pa.array(which, mask=which < 0))
    for i in range(content.type.num_fields):
        value = pc.struct_field(content, i)
        if pa.types.is_struct(value.type) and value.type.get_field_index("label") >= 0 \
                and pa.types.is_string(value.type.field("label").type):
            label = pc.if_else(pa.array(which == i), pc.struct_field(value, "label"), label)
    return task, label


def file_columns(kinds: list[KeyKind], keys: list[str], jobs: list[str], starts: np.ndarray) -> dict[str, pa.Array]:
    """The columns each answer takes from its file: key, job, iteration and object id."""
    rows = np.repeat(np.arange(len(keys)), np.diff(starts))
    at = pa.array(rows, pa.int64())
    return {
        "key": pa.array(keys, pa.large_string()).take(at),
        "job": pa.array(jobs, pa.string()).dictionary_encode().take(at),
        "iteration": pa.array([k.iteration for k in kinds], pa.int64()).take(at),
        "object_id": pa.array([k.object_id for k in kinds], pa.large_string()).take(at),
    }
