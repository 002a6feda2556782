"""What readers raise and what the app reports for files it had to skip."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import GroundControlError


class BadFile(GroundControlError, ValueError):
    """The file is not what its place in the layout promises; the message says why."""


@dataclass(frozen=True)
class Skipped:
    """A file (or part of one) left out of the results, and why. Shown to users, never dropped."""

    uri: str
    reason: str

