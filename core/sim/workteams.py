"""The simulated service's workforce as SageMaker and Cognito show it (work teams, the user pool's
users), and the truth its workers answer from. A mixin of SimulatedService (core.sim.service),
which sets the attributes used here."""

from __future__ import annotations

import random
import string
from typing import Any

from ..gt.service import ServiceError
from .clock import from_ms, to_ms
from .state import _ALNUM, STATE_VERSION, _read_json, _validation, _write_json
from .workforce import Worker, make_team

WORKFORCE_SIZE = 16


class WorkteamsMixin:
    """Work teams, Cognito users and truth of SimulatedService."""

    def _new_workforce(self, seed: int, region: str, account: str) -> dict:
        rng = random.Random(f"{seed}/workforce")
        workers = make_team(seed, WORKFORCE_SIZE, region)
        created = to_ms(self.clock.now())
        n = len(workers)
        return {
            "version": STATE_VERSION, "seed": seed, "region": region, "account": account, "created_ms": created,
            "user_pool": f"{region}_" + "".join(rng.choice(_ALNUM) for _ in range(9)),
            "client_id": "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(26)),
            "subdomain": "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(10)),
            "workers": [w.to_json() for w in workers],
            "teams": [
                {"name": "labeling-team", "description": "Everyone who labels images", "members": list(range(n - 2))},
                {"name": "box-team", "description": "Workers trained for bounding boxes",
                 "members": list(range(n // 2, n))},
            ],
        }

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool}"

    def team_arn(self, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:workteam/private-crowd/{name}"

    def _workteam(self, team: dict) -> dict:
        created = from_ms(self.created_ms)
        return {
            "WorkteamName": team["name"],
            "MemberDefinitions": [{"CognitoMemberDefinition": {
                "UserPool": self.user_pool, "UserGroup": team["name"], "ClientId": self.client_id}}],
            "WorkteamArn": self.team_arn(team["name"]),
            "WorkforceArn": f"arn:aws:sagemaker:{self.region}:{self.account}:workforce/default",
            "ProductListingIds": [],
            "Description": team["description"],
            "SubDomain": f"{self.subdomain}.labeling.{self.region}.sagemaker.aws",
            "CreateDate": created,
            "LastUpdatedDate": created,
            "NotificationConfiguration": {},
        }

    def list_workteams(self) -> list[dict[str, Any]]:
        return [self._workteam(t) for t in sorted(self.teams, key=lambda t: t["name"])]

    def describe_workteam(self, name: str) -> dict[str, Any]:
        for team in self.teams:
            if team["name"] == name:
                return self._workteam(team)
        raise _validation(f"Workteam {name} does not exist.")

    def team_members(self, name: str) -> list[Worker]:
        team = next((t for t in self.teams if t["name"] == name), None)
        if team is None:
            raise _validation(f"Workteam {name} does not exist.")
        return [self.workers[i] for i in team["members"]]

    def list_users(self, user_pool_id: str) -> list[dict[str, Any]]:
        """Cognito ListUsers' `Users` (Username is the sub, as for users invited by email)."""
        if user_pool_id != self.user_pool:
            raise ServiceError("ResourceNotFoundException", f"User pool {user_pool_id} does not exist.")
        created = from_ms(self.created_ms)
        return [{
            "Username": w.sub,
            "Attributes": [{"Name": "sub", "Value": w.sub}, {"Name": "email_verified", "Value": "true"},
                           {"Name": "name", "Value": w.name}, {"Name": "email", "Value": w.email}],
            "UserCreateDate": created,
            "UserLastModifiedDate": created,
            "Enabled": True,
            "UserStatus": "CONFIRMED",
        } for w in self.workers]

    # --- truth --------------------------------------------------------------------------------------

    def truth(self) -> dict[str, dict]:
        if self._truth is None:
            self._truth = _read_json(self.state_dir / "truth.json") or {}
        return self._truth

    def register_truth(self, truth: dict[str, dict]) -> None:
        """What the objects at these URIs really show: simulated workers answer from it."""
        with self._lock:
            merged = {**self.truth(), **truth}
            self._truth = dict(sorted(merged.items()))
            _write_json(self.state_dir / "truth.json", self._truth, compact=True)
