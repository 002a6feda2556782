"""Config fields in the words the Launch page uses for them, for messages people read.

Problems name config fields (`job_name`, `labels[2]`, `tags['team']`) so that the command line
and tests can match them; a page shows `field_title(field)` instead.
"""

from __future__ import annotations

import re

TITLES = {
    "job_name": "Job name", "task_type": "Task type", "manifest": "Input manifest", "output": "Output path",
    "role": "IAM role", "workteam": "Work team", "labels": "Labels", "label_category_uri": "Label category file",
    "label_attribute": "Label attribute name", "region": "Region", "title": "Task title",
    "description": "Task description", "keywords": "Task keywords", "short_instructions": "Short instructions",
    "full_instructions": "Full instructions", "workers_per_object": "Workers per object",
    "task_time_limit_s": "Task time limit", "task_availability_s": "Task availability",
    "max_concurrent_tasks": "Max concurrent tasks", "auto_labeling": "Auto-labeling",
    "pretrained_model": "Pre-trained model", "public_price_usd": "Price per task and worker",
    "ui_template": "Worker template", "audit_attribute": "Attribute to check", "annotation_type": "Annotation type",
    "tags": "Tags", "max_human_labeled": "Most objects labeled by people",
    "max_percent_labeled": "Most of the data set labeled (%)", "content_classifiers": "Content classifiers",
    "config": "Settings", "request": "Request", "job": "Job", "workspace": "Workspace",
}
_INDEXED = re.compile(r"^(?P<name>\w+)\[(?P<index>.+)\](?P<rest>.*)$")


def field_title(field: str) -> str:
    """`labels[2]` -> "Labels (item 3)", `tags['team']` -> "Tags ('team')", `job_name` -> "Job name";
    a request path (`HumanTaskConfig.TaskTimeLimitInSeconds`) stays as the API names it."""
    m = _INDEXED.match(field)
    if m and m["name"] in TITLES:
        index = m["index"]
        where = f"item {int(index) + 1}" if index.isdigit() else index
        return f"{TITLES[m['name']]} ({where}){m['rest']}"
    return TITLES.get(field, field)
