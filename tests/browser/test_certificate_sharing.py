"""The learner shares a certificate: the credential as JSON, a QR code for a wallet, LinkedIn; and
the public verification page says which proofs the certificate carries and that they verify
(issue 17, items 4 and 6)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.browser.support import Api, assert_accessible, complete_course, publish_course, screenshot, uid, wait_until


def _certified(api: Any, title: str) -> dict[str, Any]:
    learner: Api = api("learner")
    course = publish_course(api("trainer"), title, learner=learner)

    def enrol() -> Any:
        try:
            return learner.q("""mutation($c: ID!) { enroll(courseId: $c) { id } }""", c=course.id)["enroll"]
        except AssertionError:
            return None

    enrollment = wait_until(enrol, timeout=60, interval=1)
    complete_course(learner, course, enrollment["id"])

    def issued() -> dict[str, Any] | None:
        certs = learner.q("""query { myCertificates { code courseTitle verifyUrl } }""")["myCertificates"]
        # The title as printed: in the learner's language (the course has one in az too).
        return next((c for c in certs if title in c["courseTitle"]), None)

    found: dict[str, Any] = wait_until(issued, timeout=90, interval=2)
    return found


@pytest.mark.parametrize("lang", ["en", "kk"])
def test_learner_downloads_the_credential_shares_it_and_anyone_sees_its_proofs(
    open_page: Any, api: Any, gateway_url: str, lang: str
) -> None:
    title = f"Shared certificate {uid('share')}"
    cert = _certified(api, title)
    page = open_page("learner", lang=lang)
    page.goto("/certificates")
    card = page.locator(".certificate-card", has_text=title)
    card.wait_for()

    # The credential as JSON: the same Open Badges credential with its embedded Data Integrity proof.
    with page.expect_download() as download:
        card.get_by_test_id("download-credential").click()
    assert download.value.suggested_filename == f"credential-{cert['code']}.json"
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert document["proof"]["type"] == "DataIntegrityProof"
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["credentialSubject"]["name"] == "Rəşad Əliyev"

    # The wallet QR code points at the public copy of exactly that document.
    card.locator("details.wallet summary").click()
    card.locator("details.wallet .qr svg").wait_for()
    public = httpx.get(f"{gateway_url}/credentials/{cert['code']}", timeout=30)
    assert public.status_code == 200 and public.headers["access-control-allow-origin"] == "*"
    assert public.json() == document

    # LinkedIn's "add to profile" link names the course, the code and the verification page.
    linkedin = card.locator("a[href^='https://www.linkedin.com/profile/add']")
    params = parse_qs(urlsplit(linkedin.get_attribute("href") or "").query)
    assert params["name"] == [cert["courseTitle"]] and params["certId"] == [cert["code"]]
    assert params["certUrl"] == [cert["verifyUrl"]]
    assert linkedin.get_attribute("rel") == "noopener noreferrer"
    screenshot(page, f"sharing-01-certificate-{lang}")
    assert_accessible(page, "my certificates with sharing")

    # Anyone: the verification page lists both proofs, each checked by the issuer's service.
    public_page = open_page(None, lang=lang)
    public_page.goto(f"/verify/{cert['code']}")
    proofs = public_page.get_by_test_id("proofs")
    proofs.wait_for()
    states = {li.get_attribute("data-format"): li.get_attribute("data-verified") for li in proofs.locator("li").all()}
    assert states == {"vc+jwt": "true", "eddsa-rdfc-2022": "true"}
    assert "Data Integrity (eddsa-rdfc-2022)" in proofs.inner_text()
    screenshot(public_page, f"sharing-02-verify-proofs-{lang}")
    assert_accessible(public_page, "the verification page with proofs")
    assert page.js_errors == [] and public_page.js_errors == []
