"""Every service route's OpenAPI lists the statuses it can answer (issue 13, finding 16).

Read from the routes' own signatures, independently of lms_shared.openapi's rules: a route taking
the signed-in caller (CurrentUser) documents 401 and 403 (409 too when it changes something), a
route with a path parameter 404, every route 422 (validation and control characters) with the shared
error body.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest
from fastapi import FastAPI

from lms_shared.openapi import api_routes
from lms_shared.web import CurrentUser

pytestmark = pytest.mark.unit

SERVICES = ("courses", "progress", "certificates", "notifications")
ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}


def _app(service: str) -> FastAPI:
    app: FastAPI = importlib.import_module(f"{service}.entrypoints.api").app
    return app


def _operations(service: str) -> list[tuple[str, str, Any, dict[str, Any]]]:
    app = _app(service)
    spec = app.openapi()
    out = []
    for path, route in api_routes(app.routes):
        if not route.include_in_schema:
            continue
        for method in sorted(route.methods or ()):
            out.append((method, path, route, spec["paths"][path][method.lower()]["responses"]))
    return out


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_documents_the_statuses_it_can_answer(service: str) -> None:
    operations = _operations(service)
    assert len(operations) >= 9
    missing: list[str] = []
    signed_in = 0
    for method, path, route, responses in operations:
        params = inspect.signature(route.endpoint).parameters.values()
        expected = {"422"}
        if any(p.annotation in (CurrentUser, "CurrentUser") for p in params):
            expected |= {"401", "403"}
            signed_in += 1
            if method in ("POST", "PUT", "PATCH", "DELETE"):
                expected.add("409")
        if "{" in path:
            expected.add("404")
        for status in sorted(expected - set(responses)):
            missing.append(f"{method} {path}: {status}")
        for status in expected:
            if status in responses:
                assert responses[status].get("content") == ERROR_BODY, (method, path, status)
    assert missing == []
    assert signed_in >= 5, "the signature check must see the signed-in routes"
    print(f"{service}: {len(operations)} operations, every error status documented")


@pytest.mark.parametrize("service", SERVICES)
def test_the_error_body_is_the_one_the_services_send(service: str) -> None:
    schemas = _app(service).openapi()["components"]["schemas"]
    assert set(schemas["ErrorBody"]["properties"]) == {"error"}
    assert {"code", "message", "details"} <= set(schemas["ErrorDetail"]["properties"])
    assert "HTTPValidationError" not in schemas
