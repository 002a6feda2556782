"""The one error base of Ground Control, and the one `Problem` a field can have.

Every error the core raises for a user to read derives from `GroundControlError`: its message is
safe to show, and `problems` says, field by field, what to fix. The command line prints it one way
(core.cli.main), the pages another (app_pages._shared.show_error).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    field: str  # dotted path or config key, e.g. "HumanTaskConfig.TaskKeywords[2]" or "job_name"
    message: str  # plain words, e.g. "must be 1 to 9 workers (got 10)"

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class GroundControlError(Exception):
    """An error a user can act on. Its message is safe to show; `problems` lists what to fix, by
    field (empty when the message says it all). Without a message, the problems are the message."""

    def __init__(self, *args, problems: Iterable[Problem] = ()):
        self.problems = list(problems)
        if not args and self.problems:
            args = ("; ".join(str(p) for p in self.problems),)
        super().__init__(*args)
