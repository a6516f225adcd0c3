"""Only someone seen signed in as a trainer (or admin) can become a co-owner (issue 13, finding 11a).

Courses has no user directory; it records every id it sees with the trainer or admin role in a
verified token (``known_trainer``), and refuses any other co-owner with a message that says what to do.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.support.tokens import auth

pytestmark = pytest.mark.e2e

TEXTS = [{"lang": "az", "text": "Şəhər büdcəsi"}]


async def test_a_learner_or_a_stranger_is_refused_as_co_owner_and_a_trainer_is_not(
    stack_env: dict[str, str], token_for: Any
) -> None:
    courses = stack_env["LMS_COURSES_URL"]
    tag = uuid.uuid4().hex[:8]
    owner = auth(token_for(f"owner-{tag}", "Aygün Məmmədova", ["trainer"]))
    async with httpx.AsyncClient(timeout=10, base_url=courses) as http:
        for sub, roles in (
            (f"learner-{tag}", ["learner"]),
            (f"trainer-{tag}", ["trainer"]),
            (f"admin-{tag}", ["admin"]),
        ):
            r = await http.get("/v1/courses", headers=auth(token_for(sub, "Test User", roles)))
            assert r.status_code == 200
        r = await http.post(
            "/v1/courses", headers=owner, json={"slug": f"co-{tag}", "titles": TEXTS, "defaultLanguage": "az"}
        )
        cid = r.json()["id"]

        for refused in (f"learner-{tag}", f"never-signed-in-{tag}"):
            r = await http.post(f"/v1/courses/{cid}/co-owners", headers=owner, json={"trainerId": refused})
            assert r.status_code == 409, r.text
            error = r.json()["error"]
            assert error["code"] == "CONFLICT"
            assert "has not signed in as a trainer yet" in error["message"], error

        for accepted in (f"trainer-{tag}", f"admin-{tag}"):
            r = await http.post(f"/v1/courses/{cid}/co-owners", headers=owner, json={"trainerId": accepted})
            assert r.status_code == 200, r.text
        assert r.json()["coOwnerIds"] == [f"trainer-{tag}", f"admin-{tag}"]
