"""Annotations of every task type as one table: pure readers (bytes or dicts in, rows and notes out).

- model: the row shape (`Row`, `COLUMNS`), `Note`, `SeqRef`, `Annotations`, `to_frame`
- answers: worker-response files -> each worker's units
- manifest: output manifest lines (and consolidation-response content) -> consolidated units
- video: SeqLabel.json (video frames, 3D tracking) -> per-frame boxes and cuboids
- masks: segmentation PNG + colour map -> class areas in pixels
- audit: verification verdicts, feedback, adjustment status, the audited label
"""

from .answers import read_answers
from .manifest import read_line, read_output_manifest
from .masks import MaskAreas, color_map_of, mask_areas
from .model import COLUMNS, Annotations, Note, Row, SeqRef, flatten_attributes, to_frame
from .video import read_seq_label

__all__ = [
    "COLUMNS", "Annotations", "MaskAreas", "Note", "Row", "SeqRef", "color_map_of", "flatten_attributes",
    "mask_areas", "read_answers", "read_line", "read_output_manifest", "read_seq_label", "to_frame",
]
