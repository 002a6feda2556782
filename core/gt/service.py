"""The labeling-service interface: what the app asks of SageMaker Ground Truth.

Requests and responses are plain dicts in botocore's shapes (docs/ground-truth.md §6), so the boto3
implementation passes them through and the simulator (core.sim) produces the same shapes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from ..errors import GroundControlError

Job = dict[str, Any]  # describe_labeling_job's response shape
JobSummary = dict[str, Any]  # one item of list_labeling_jobs' LabelingJobSummaryList

# LabelingJobStatus (docs/ground-truth.md §6).
ACTIVE = ("Initializing", "InProgress", "Stopping")
FINISHED = ("Completed", "Failed", "Stopped")
WORKING = ("Initializing", "InProgress")  # labels still come in: only these can have an ETA
# A job that has not finished after 30 days expires (docs/ground-truth.md Appendix B).
EXPIRY_DAYS = 30


# Codes of the ServiceErrors that mean AWS was not reached at all (no credentials, region, profile or
# network): botocore's exception names, which core.gt.sagemaker gives as the code.
UNREACHABLE = ("NoCredentialsError", "PartialCredentialsError", "NoRegionError", "ProfileNotFound",
               "ConnectionError", "HTTPClientError", "EndpointConnectionError")


class ServiceError(GroundControlError):
    """An error the service returned, with its code (ValidationException, ResourceInUse,
    ResourceNotFound, ResourceLimitExceeded, ...) and a message safe to show."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def unreachable(self) -> bool:
        """AWS could not be reached: the set-up (profile, credentials, region, network) is at fault."""
        return self.code in UNREACHABLE


class LabelingService(Protocol):
    def create_labeling_job(self, request: dict[str, Any]) -> str:
        """Start a job from a create_labeling_job request; returns its ARN."""
        ...

    def describe_labeling_job(self, name: str) -> Job: ...

    def list_labeling_jobs(
        self,
        *,
        name_contains: str | None = None,
        status: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        sort_by: str = "CreationTime",
        sort_order: str = "Descending",
    ) -> list[JobSummary]:
        """Every job (all pages) matching the filters, sorted."""
        ...

    def stop_labeling_job(self, name: str) -> None: ...

    def list_workteams(self) -> list[dict[str, Any]]:
        """Private work teams of the account (list_workteams' `Workteams`, all pages)."""
        ...

    def describe_workteam(self, name: str) -> dict[str, Any]:
        """describe_workteam's `Workteam`."""
        ...

    def list_users(self, user_pool_id: str) -> list[dict[str, Any]]:
        """Cognito users of a work team's pool (list_users' `Users`, all pages)."""
        ...
