"""What a share link carries, and when it dies (issue 9, defect 11), on moto's S3 server.

A presigned link holds the access key ID and a signature (and, with temporary credentials, the
session token), never the secret key; with temporary credentials it stops working when they
expire, and whoever shares it is told so, with the time when it is known.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from core import aws
from core.notify import OutboxNotifier
from core.race.share import link_caveat, save_race, send_race, share_link, shared
from core.storage import open_location

KEY_ID, SECRET, TOKEN = "AKIAEXAMPLEKEYID0001", "secret-that-must-stay-home", "session-token-from-sso"
VIDEO = b"\x00\x00\x00\x18ftypmp42 one small race"


@pytest.fixture
def credentials(moto_settings, monkeypatch):
    """`credentials(token=None, expires=None)`: the standard chain's environment credentials."""

    def use(token: str | None = None, expires: str | None = None):
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        for name, value in (("AWS_SESSION_TOKEN", token), ("AWS_CREDENTIAL_EXPIRATION", expires)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        aws._session.cache_clear()
        aws.client.cache_clear()
        aws.client("s3", moto_settings).create_bucket(Bucket="gc-races")
        location = open_location("s3://gc-races/team-a/", moto_settings)
        uri, _ = save_race(location, VIDEO, "mp4", date(2026, 3, 16))
        link = share_link(location, uri, 3600)
        with urllib.request.urlopen(link, timeout=30) as response:  # the link works: moto checks it
            assert response.read() == VIDEO
        return location, parse_qs(urlsplit(link).query), link

    yield use
    aws._session.cache_clear()
    aws.client.cache_clear()


def test_long_term_keys_a_link_carries_the_key_id_and_no_secret_and_no_warning(credentials):
    location, query, link = credentials()
    assert query["X-Amz-Credential"][0].startswith(f"{KEY_ID}/")
    assert "X-Amz-Signature" in query and "X-Amz-Security-Token" not in query
    assert SECRET not in link
    assert link_caveat(location) is None


def test_temporary_credentials_the_link_carries_the_token_and_the_page_warns_with_the_time(credentials):
    location, query, link = credentials(TOKEN, "2030-01-02T03:04:05Z")
    assert query["X-Amz-Security-Token"] == [TOKEN] and SECRET not in link
    caveat = link_caveat(location)
    assert "temporary AWS credentials" in caveat and "stops working" in caveat
    assert "2030-01-02 03:04 UTC" in caveat


def test_temporary_credentials_without_a_known_expiry_still_warn(credentials):
    location, query, _ = credentials(TOKEN)
    assert query["X-Amz-Security-Token"] == [TOKEN]
    caveat = link_caveat(location)
    assert "stops working when they expire," in caveat and "UTC" not in caveat


def test_a_folder_has_no_link_and_nothing_to_warn(tmp_path):
    location = open_location(str(tmp_path))
    uri, _ = save_race(location, VIDEO, "mp4", date(2026, 3, 16))
    assert share_link(location, uri, 3600) is None and link_caveat(location) is None


def test_the_shared_race_carries_the_link_and_its_caveat_into_the_message(credentials, tmp_path):
    # One way for the Race page and the race command: the link is what the team is sent, with the caveat.
    location, _, _ = credentials(TOKEN, "2030-01-02T03:04:05Z")
    uri, existed = save_race(location, VIDEO, "mp4", date(2026, 3, 16))
    share = shared(location, uri, 3600)
    assert existed and share.uri == uri and share.where == share.link and "2030-01-02 03:04 UTC" in share.caveat
    with urllib.request.urlopen(share.link, timeout=30) as response:
        assert response.read() == VIDEO
    outbox = OutboxNotifier(tmp_path)
    send_race(outbox, outbox.topics()[0], "Birds race", pd.DataFrame(), share.where)
    (sent,) = (tmp_path / "labeling-team-updates").glob("*.json")
    assert share.link in json.loads(sent.read_text())["Message"] and SECRET not in sent.read_text()
