"""A co-owner removed by the owner loses access in progress and certificates at once (issue 13, finding 7).

Progress and certificates used to learn a course's owners only from ``course.published``, so a
removed co-owner kept reading reports, enrolling cohorts and listing certificates until the next
publish. Courses now announces ``course.owners_changed`` in the transaction that changes the owners.
On the real stack (straight against each service's port): after the removal, and without any new
publish, every trainer route of the other two services answers 403 to the removed co-owner.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.support.graphql import eventually
from tests.support.tokens import auth

pytestmark = pytest.mark.e2e

TEXTS = [{"lang": "az", "text": "Şəhər büdcəsi"}]


class Caller:
    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http, self.headers = http, auth(token)

    async def ok(self, method: str, url: str, **kw: Any) -> Any:
        r = await self.http.request(method, url, headers=self.headers, **kw)
        assert r.status_code < 300, f"{method} {url}: {r.status_code} {r.text}"
        return r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text

    async def status(self, method: str, url: str, **kw: Any) -> int:
        return (await self.http.request(method, url, headers=self.headers, **kw)).status_code


def trainer_routes(env: dict[str, str], course_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every route of progress and certificates that only the course's trainers (and admins) may use."""
    progress, certificates = env["LMS_PROGRESS_URL"], env["LMS_CERTIFICATES_URL"]
    return [
        ("GET", f"{progress}/v1/courses/{course_id}/stats", {}),
        ("GET", f"{progress}/v1/courses/{course_id}/report.csv", {}),
        ("POST", f"{progress}/v1/courses/{course_id}/cohort", {"json": {"members": []}}),
        ("GET", f"{certificates}/v1/certificates", {"params": {"courseId": course_id}}),
        ("GET", f"{certificates}/v1/auto-issue-failures", {"params": {"courseId": course_id}}),
    ]


async def statuses(caller: Caller, routes: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
    return [await caller.status(method, url, **kw) for method, url, kw in routes]


async def test_a_removed_co_owner_loses_progress_and_certificates_at_once(
    stack_env: dict[str, str], token_for: Any
) -> None:
    courses = stack_env["LMS_COURSES_URL"]
    tag = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(timeout=10) as http:
        owner = Caller(http, token_for(f"owner-{tag}", "Aygün Məmmədova", ["trainer"]))
        co = Caller(http, token_for(f"co-{tag}", "Erlan Nurlanov", ["trainer"]))
        await co.ok("GET", f"{courses}/v1/courses")  # signed in once as a trainer: may become a co-owner

        course = await owner.ok(
            "POST", f"{courses}/v1/courses", json={"slug": f"owners-{tag}", "titles": TEXTS, "defaultLanguage": "az"}
        )
        cid = course["id"]
        module = await owner.ok("POST", f"{courses}/v1/courses/{cid}/modules", json={"titles": TEXTS})
        await owner.ok("POST", f"{courses}/v1/modules/{module['id']}/lessons", json={"kind": "TEXT", "titles": TEXTS})
        await owner.ok("POST", f"{courses}/v1/courses/{cid}/co-owners", json={"trainerId": f"co-{tag}"})
        await owner.ok("POST", f"{courses}/v1/courses/{cid}/publish")
        routes = trainer_routes(stack_env, cid)

        async def co_owner_admitted() -> bool:
            return all(s == 200 for s in await statuses(co, routes))

        await eventually(co_owner_admitted, timeout=30)  # course.published reached both services

        removed = await owner.ok("DELETE", f"{courses}/v1/courses/{cid}/co-owners/co-{tag}")
        assert removed["coOwnerIds"] == [] and removed["version"] == 1  # no new publish

        async def co_owner_refused() -> list[int] | None:
            found = await statuses(co, routes)
            return found if all(s == 403 for s in found) else None

        await eventually(co_owner_refused, timeout=10)
        assert all(s == 200 for s in await statuses(owner, routes)), "the owner keeps every right"

        # Publishing again (course.published carries the owners and their revision) changes nothing.
        await owner.ok("POST", f"{courses}/v1/courses/{cid}/publish")
        progress = stack_env["LMS_PROGRESS_URL"]

        async def progress_has_version_2() -> bool:
            learner = Caller(http, token_for(f"l-{uuid.uuid4().hex[:8]}", "Әлия Қасымқызы", ["learner"]))
            enrolment = await learner.ok("POST", f"{progress}/v1/enrollments", json={"courseId": cid})
            return bool(enrolment["courseVersion"] == 2)

        await eventually(progress_has_version_2, timeout=30)
        assert all(s == 403 for s in (await statuses(co, routes))[:3]), "progress kept the newer owners"
