"""core.annotations.model.derive: the readers' cheap stand-in for dataclasses.replace on a Row."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from core.annotations.model import WORKER, Row, derive


def test_derive_makes_the_row_replace_makes_and_leaves_the_template_alone():
    template = Row(job="j", object_id="7", source=WORKER, task_type="bounding-box", kind="", worker_id="w",
                   submitted=datetime(2024, 3, 12, tzinfo=UTC), feedback=("blurry",), attributes={"a": 1})
    changes = {"kind": "box", "unit": 2, "left": 1.5, "label": "cat", "attributes": {"b": 2}}
    assert derive(template, **changes) == replace(template, **changes)
    assert template.kind == "" and template.attributes == {"a": 1}


def test_derive_refuses_a_field_a_row_does_not_have():
    with pytest.raises(TypeError, match="no field 'colour'"):
        derive(Row(job="j", object_id="7", source=WORKER, task_type="ner", kind="span"), colour="#fff")
