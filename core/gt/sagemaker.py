"""The labeling service on SageMaker itself, through boto3 (docs/ground-truth.md §6).

Requests and responses pass through in botocore's shapes. Every failure becomes a ServiceError
with the service's error code and message (never request credentials or signatures).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
)

from ..aws import AwsSettings, client
from .rules import validate_create_request
from .service import Job, JobSummary, ServiceError

# Failures of reaching AWS at all: shown by their class name as the code (service.UNREACHABLE lists them).
_UNREACHABLE = (NoCredentialsError, PartialCredentialsError, NoRegionError, ProfileNotFound,
                ConnectionError, HTTPClientError)
COGNITO_PAGE = 60  # ListUsers returns at most 60 users a call (Appendix B)


@contextmanager
def _as_service_errors(action: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise ServiceError(error.get("Code") or "ClientError", error.get("Message") or f"{action} failed") from exc
    except ParamValidationError as exc:
        raise ServiceError("ValidationException", f"{action}: {exc}") from exc
    except _UNREACHABLE as exc:
        raise ServiceError(type(exc).__name__, f"{action}: {exc}") from exc


def _without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


class SageMakerService:
    """LabelingService over boto3. `sagemaker_client` replaces the shared client (tests use a
    Stubber on it); otherwise the client comes from core.aws on first use."""

    def __init__(self, settings: AwsSettings = AwsSettings(), *, sagemaker_client: Any = None):
        self.settings = settings
        self._client = sagemaker_client

    @property
    def sagemaker(self):
        if self._client is None:
            with _as_service_errors("connect to SageMaker"):
                self._client = client("sagemaker", self.settings)
        return self._client

    def create_labeling_job(self, request: dict[str, Any]) -> str:
        problems = validate_create_request(request)
        if problems:
            raise ServiceError("ValidationException", "; ".join(str(p) for p in problems))
        with _as_service_errors("create_labeling_job"):
            return self.sagemaker.create_labeling_job(**request)["LabelingJobArn"]

    def describe_labeling_job(self, name: str) -> Job:
        with _as_service_errors("describe_labeling_job"):
            return _without_metadata(self.sagemaker.describe_labeling_job(LabelingJobName=name))

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
        filters = {
            "NameContains": name_contains,
            "StatusEquals": status,
            "CreationTimeAfter": created_after,
            "CreationTimeBefore": created_before,
            "SortBy": sort_by,
            "SortOrder": sort_order,
        }
        params = {k: v for k, v in filters.items() if v is not None}
        return self._all_pages("list_labeling_jobs", "LabelingJobSummaryList", **params)

    def stop_labeling_job(self, name: str) -> None:
        with _as_service_errors("stop_labeling_job"):
            self.sagemaker.stop_labeling_job(LabelingJobName=name)

    def list_workteams(self) -> list[dict[str, Any]]:
        return self._all_pages("list_workteams", "Workteams")

    def describe_workteam(self, name: str) -> dict[str, Any]:
        with _as_service_errors("describe_workteam"):
            return self.sagemaker.describe_workteam(WorkteamName=name)["Workteam"]

    def list_users(self, user_pool_id: str) -> list[dict[str, Any]]:
        """All users of the pool, 60 a page. The pool id `<region>_<id>` names its region."""
        region, sep, _ = user_pool_id.partition("_")
        if not sep or not region:
            raise ServiceError("ValidationException", f"user pool id {user_pool_id!r} is not <region>_<id>")
        users: list[dict[str, Any]] = []
        with _as_service_errors(f"list_users of {user_pool_id}"):
            idp = client("cognito-idp", AwsSettings(self.settings.profile, region, self.settings.endpoint_url))
            pages = idp.get_paginator("list_users").paginate(
                UserPoolId=user_pool_id, PaginationConfig={"PageSize": COGNITO_PAGE}
            )
            for page in pages:
                users.extend(page.get("Users", []))
        return users

    def _all_pages(self, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        with _as_service_errors(operation):
            for page in self.sagemaker.get_paginator(operation).paginate(**params):
                out.extend(page.get(key, []))
        return out
