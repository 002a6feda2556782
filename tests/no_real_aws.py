"""No test ever reaches a real AWS account: the one place that says how a test is cut off from the
machine's AWS set-up (variables, profiles, credentials files, instance metadata).

In this process, through the `fake_aws` and `moto_settings` fixtures (tests/conftest.py), and in a
subprocess (`python -m core ...`, the Streamlit app) through `subprocess_env()`.
"""

from __future__ import annotations

import os

import pytest

# No profile or credentials file is read, and no instance-metadata lookup hangs off EC2.
ISOLATED = {
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}
# What moto and botocore's Stubber accept; signs requests that never leave the machine.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


def subprocess_env(*, credentials: bool = False, region: str | None = None, **extra: str) -> dict[str, str]:
    """This process's environment without any AWS_* variable, ISOLATED, dummy credentials and a region
    when asked, then `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(ISOLATED)
    if credentials:
        env.update(DUMMY_CREDENTIALS)
    if region:
        env["AWS_DEFAULT_REGION"] = region
    env.update(extra)
    return env


def use(mp: pytest.MonkeyPatch, region: str = "us-east-1") -> None:
    """In this process (undone with `mp`): no AWS_* variable of the machine, ISOLATED, dummy
    credentials, `region`, and no session or client that core.aws cached before."""
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        mp.delenv(name)
    for name, value in {**ISOLATED, **DUMMY_CREDENTIALS, "AWS_DEFAULT_REGION": region}.items():
        mp.setenv(name, value)
    forget_clients()


def forget_clients() -> None:
    """core.aws caches sessions and clients: one made under other variables must not be reused."""
    from core import aws

    aws._session.cache_clear()
    aws.client.cache_clear()
