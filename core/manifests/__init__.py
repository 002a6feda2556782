"""Input manifests: build one from a prefix or folder (build), check any manifest (validate), write
without clobbering (write). The Manifests page and `python -m core manifest|validate` use these.
"""

from __future__ import annotations

from .build import (
    COUNT_LABELS,
    DEFAULT_EXTENSIONS,
    KINDS,
    ManifestError,
    ManifestPlan,
    ManifestSpec,
    plan_manifest,
    sample_indexes,
    split_indexes,
)
from .limits import IMAGE_EXTENSIONS, MAX_IMAGE_BYTES, MAX_LINE_CHARS, MAX_OBJECTS, MAX_VALUE_CHARS, max_objects
from .validate import PROBLEM_KINDS, AttributeSummary, LineProblem, ValidationReport, validate_manifest
from .write import manifest_bytes, part_keys, write_manifest, write_parts

__all__ = [
    "COUNT_LABELS", "DEFAULT_EXTENSIONS", "IMAGE_EXTENSIONS", "KINDS", "MAX_IMAGE_BYTES", "MAX_LINE_CHARS",
    "MAX_OBJECTS", "MAX_VALUE_CHARS", "PROBLEM_KINDS", "AttributeSummary", "ManifestError", "ManifestPlan",
    "ManifestSpec", "LineProblem", "ValidationReport", "manifest_bytes", "max_objects", "part_keys", "plan_manifest",
    "sample_indexes", "split_indexes", "validate_manifest", "write_manifest", "write_parts",
]
