"""National co-branding (issue 14, item 5) on the real stack: Postgres, S3, the service's REST API.

An admin sets an AZ variant of a template; certificates of an AZ and a KZ learner of a course using
it are issued; only the AZ PDF (fetched from the object store) carries the partner. The preview route
returns a watermarked PDF and writes nothing.
"""

from __future__ import annotations

import base64
import io
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from PIL import Image
from pypdf import PdfReader

from lms_shared.events.catalogue import CoursePublishedV1

pytestmark = pytest.mark.integration

PARTNER_AZ = "Şəhərsalma və Arxitektura üzrə Dövlət Komitəsi"
PARTNER_EN = "State Committee on Urban Planning and Architecture"


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), (150, 20, 20)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


async def _counts(db: asyncpg.Pool, template_id: str) -> tuple[int, int, int]:
    variants = await db.fetchval("SELECT count(*) FROM template_variant WHERE template_id = $1", template_id)
    certificates = await db.fetchval("SELECT count(*) FROM certificate")
    audit = await db.fetchval("SELECT count(*) FROM audit_log")
    return int(variants), int(certificates), int(audit)


async def test_an_az_variant_brands_az_certificates_only_and_the_preview_stores_nothing(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    token_for: Callable[..., str],
    db: asyncpg.Pool,
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    template_id = f"cobrand-{uuid.uuid4().hex[:6]}"
    saved = await certs.put(f"/v1/templates/{template_id}", json={"colours": {"primary": "#003366"}}, headers=admin)
    assert saved.status_code == 200, saved.text
    variant: dict[str, Any] = {
        "partnerNames": {"en": PARTNER_EN, "az": PARTNER_AZ},
        "partnerLogo": _png(),
        "signatories": [{"name": "Anar Quliyev", "titles": {"en": "Chairman", "az": "Sədr"}}],
    }
    url = f"/v1/templates/{template_id}/variants/AZ"
    ca_az = {"Authorization": f"Bearer {token_for('ca-az-cb', 'Nigar Babayeva', ['country_admin'], org='AZ')}"}
    ca_kz = {"Authorization": f"Bearer {token_for('ca-kz-cb', 'Dana Omarova', ['country_admin'], org='KZ')}"}
    assert (await certs.put(url, json=variant, headers=ca_az)).status_code == 403
    bad = await certs.put(url, json={**variant, "partnerLogo": base64.b64encode(b"GIF89a").decode()}, headers=admin)
    assert bad.status_code == 422 and "neither a PNG nor a JPEG" in bad.json()["error"]["message"]
    put = await certs.put(url, json=variant, headers=admin)
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 1 and put.json()["hasLogo"] is True
    listed = (await certs.get(f"/v1/templates/{template_id}/variants", headers=admin)).json()["nodes"]
    assert [v["org"] for v in listed] == ["AZ"]

    course = await published_course(auto_issue=False, template_id=template_id)
    issued = {}
    for org in ("AZ", "KZ"):
        recipient = {"name": f"Learner {org}", "learnerId": f"l-{org}-{uuid.uuid4().hex[:6]}", "org": org}
        r = await certs.post(
            "/v1/certificates", json={"courseId": course.course_id, "recipient": recipient}, headers=admin
        )
        assert r.status_code == 201, r.text
        issued[org] = r.json()
    az_text = _text(httpx.get(issued["AZ"]["pdfUrl"], timeout=30).content)
    kz_text = _text(httpx.get(issued["KZ"]["pdfUrl"], timeout=30).content)
    assert PARTNER_AZ in az_text and "Anar Quliyev" in az_text
    assert PARTNER_AZ not in kz_text and PARTNER_EN not in kz_text and "Anar Quliyev" not in kz_text
    az_verify = (await certs.get(f"/v1/verify/{issued['AZ']['code']}")).json()
    assert az_verify["partner"] == PARTNER_AZ and az_verify["issuer"] != PARTNER_AZ
    assert (await certs.get(f"/v1/verify/{issued['KZ']['code']}")).json()["partner"] is None
    printed = await db.fetchval(
        "SELECT printed->'partner'->>'version' FROM certificate WHERE code = $1", issued["AZ"]["code"]
    )
    assert printed == "1"

    before = await _counts(db, template_id)
    preview = await certs.post(f"{url}/preview?lang=az", headers=ca_az)
    assert preview.status_code == 200, preview.text
    assert preview.headers["content-type"] == "application/pdf"
    text = _text(preview.content)
    assert "PREVIEW" in text and PARTNER_AZ in text
    draft = await certs.post(f"{url}/preview", json={**variant, "partnerNames": {"en": "Draft partner"}}, headers=admin)
    assert draft.status_code == 200 and "Draft partner" in _text(draft.content)
    assert (await certs.post(f"{url}/preview", headers=ca_kz)).status_code == 403
    assert await _counts(db, template_id) == before, "a preview stored something"

    removed = await certs.delete(url, headers=admin)
    assert removed.status_code == 200 and removed.json()["version"] == 2
    assert (await certs.get(url, headers=admin)).status_code == 404
    # A removed variant is no longer listed, and its removal is stored as SQL NULL (not JSON null).
    assert (await certs.get(f"/v1/templates/{template_id}/variants", headers=admin)).json()["nodes"] == []
    stored = await db.fetchval(
        "SELECT data IS NULL FROM template_variant WHERE template_id = $1 AND version = 2", template_id
    )
    assert stored is True
    recipient = {"name": "Learner AZ later", "learnerId": f"l-az2-{uuid.uuid4().hex[:6]}", "org": "AZ"}
    later = await certs.post(
        "/v1/certificates", json={"courseId": course.course_id, "recipient": recipient}, headers=admin
    )
    assert later.status_code == 201, later.text
    assert PARTNER_AZ not in _text(httpx.get(later.json()["pdfUrl"], timeout=30).content)
