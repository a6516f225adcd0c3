"""LMS_NATS_USER / LMS_NATS_PASSWORD / LMS_NATS_PASSWORDS (issue 13, 11c): which login a process uses."""

from __future__ import annotations

import pytest

from lms_shared.settings import Settings

pytestmark = pytest.mark.unit


def test_without_a_user_no_credentials_are_passed_and_the_url_keeps_its_own() -> None:
    settings = Settings(nats_url="nats://admin:secret@127.0.0.1:4222")
    assert settings.nats_auth() == {}
    assert settings.nats_url == "nats://admin:secret@127.0.0.1:4222"


def test_the_password_comes_from_lms_nats_password_before_the_map() -> None:
    both = Settings(nats_user="courses", nats_password="own", nats_passwords={"courses": "mapped"})
    assert both.nats_auth() == {"user": "courses", "password": "own"}
    mapped = Settings(nats_user="courses", nats_passwords={"courses": "mapped", "progress": "other"})
    assert mapped.nats_auth() == {"user": "courses", "password": "mapped"}


def test_a_user_drops_the_credentials_of_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    # What a role of the local stack sees: the admin URL shared by every child, and its own user.
    monkeypatch.setenv("LMS_NATS_URL", "nats://admin:secret@127.0.0.1:4222,nats://admin:secret@[::1]:4223")
    monkeypatch.setenv("LMS_NATS_USER", "gateway")
    monkeypatch.setenv("LMS_NATS_PASSWORDS", '{"gateway": "g"}')
    settings = Settings()
    assert settings.nats_url == "nats://127.0.0.1:4222,nats://[::1]:4223"
    assert settings.nats_auth() == {"user": "gateway", "password": "g"}
