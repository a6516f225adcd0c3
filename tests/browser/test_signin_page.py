"""The development sign-in page: pick a demo user and land on that role's pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.support import assert_accessible, screenshot


def test_demo_sign_in_as_trainer_then_admin(open_page: Any, gateway_url: str) -> None:
    config = httpx.get(f"{gateway_url}/auth/config", timeout=10)
    if not config.headers.get("content-type", "").startswith("application/json"):
        pytest.skip("the gateway does not mount gateway.devauth.router yet (GET /auth/config serves the web client)")
    assert config.json()["mode"] == "development"

    page = open_page(None)
    page.goto("/teach")
    page.get_by_role("heading", level=1, name="Sign in").wait_for()  # a protected page asks to sign in
    screenshot(page, "signin-01-demo-users")
    assert_accessible(page, "the sign-in page")
    page.get_by_role("button", name="Aygün Məmmədova").click()
    page.get_by_role("heading", level=1, name="My courses").wait_for()  # back where the user wanted to go
    assert page.get_by_role("link", name="Teaching").count() == 1

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Full name").fill("Gülnara Sadıqova")
    page.get_by_label("Administrator").check()
    page.get_by_label("Learner").uncheck()
    page.get_by_label("Country (ISO code)").fill("KG")
    page.get_by_role("button", name="Sign in", exact=True).last.click()
    page.get_by_role("heading", level=1, name="Bulk issuance of certificates").wait_for()
    screenshot(page, "signin-02-custom-admin")
    assert not page.js_errors, page.js_errors
