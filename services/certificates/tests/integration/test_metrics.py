"""Prometheus metrics on the real processes: the API's /metrics and a worker's own endpoint."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from lms_shared.events.catalogue import CoursePublishedV1

from .conftest import issue_in_bulk, own_admin, publish_course_to, restart_roles, wait_for

pytestmark = pytest.mark.integration


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text exposition, keyed by name and sorted labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(scraped: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_api_metrics_count_an_admin_issue_after_its_commit(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    before = samples((await certs.get("/metrics")).text)
    recipient = {"name": "Nurlan Metrics", "email": f"{uuid.uuid4().hex}@example.org"}
    body = {"courseId": course.course_id, "recipient": recipient}
    first = await certs.post("/v1/certificates", json=body, headers=admin)
    assert first.status_code == 201, first.text
    again = await certs.post("/v1/certificates", json=body, headers=admin)
    assert again.status_code == 200  # already held: nothing new, nothing counted

    after = samples((await certs.get("/metrics")).text)
    issued = "lms_certificates_issued_total"
    assert value(after, issued, mode="single") - value(before, issued, mode="single") == 1
    # One render + sign + upload was timed (the second call found the certificate it already had).
    timed = "lms_certificate_issue_duration_seconds_count"
    assert value(after, timed) - value(before, timed) == 1
    assert ("lms_bulk_jobs_running", ()) in after


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_worker_serves_its_metrics_on_the_configured_port(own_stack: Any, own_client: httpx.AsyncClient) -> None:
    base = free_port()
    restart_roles(own_stack, ["certificates-worker"], {"LMS_WORKER_METRICS_PORT": str(base)})
    # Replica 0 listens on the base port itself (replica N on base + N).
    url = f"http://{own_stack.env['LMS_HOST']}:{base}/metrics"
    async with httpx.AsyncClient(timeout=10) as http:

        async def scrape() -> Any:
            try:
                return samples((await http.get(url)).text)
            except httpx.TransportError:
                return None

        before = await wait_for(scrape, timeout=30)
        headers = own_admin(own_stack)
        course = await publish_course_to(own_stack, auto_issue=False)
        job = await issue_in_bulk(own_client, headers, course.course_id, ["Ainura One", "Bolat Two", "Dana Three"])
        assert job["issued"] == 3
        after = await scrape()

    issued = "lms_certificates_issued_total"
    assert value(after, issued, mode="bulk") - value(before, issued, mode="bulk") == 3
    finished = "lms_bulk_jobs_finished_total"
    assert value(after, finished, status="COMPLETED") - value(before, finished, status="COMPLETED") == 1
    timed = "lms_certificate_issue_duration_seconds_count"
    assert value(after, timed) - value(before, timed) == 3

    # The API process refreshes the running-jobs gauge from the database every few seconds; once it
    # has caught up with the finished job, none is left.
    async def no_job_running() -> bool:
        api = samples((await own_client.get("/metrics")).text)
        return value(api, "lms_bulk_jobs_running") == 0

    assert await wait_for(no_job_running, timeout=30)
