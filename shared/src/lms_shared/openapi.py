"""Every status a service route can answer, in its OpenAPI document.

FastAPI documents only 200 and 422 by itself, while the routes also answer the error kinds of
:mod:`lms_shared.errors` (as ``{"error": {"code", "message", "details"}}``). :func:`document_error_statuses`
adds them to each operation from what the route is, when the document is first built (so routes
added later are covered too):

- every route: 422 (control characters in the path or query are refused at the edge, and parameters
  and bodies are validated) and 503 (a dependency is down);
- a route that reads the caller (``CurrentUser``): 401 and 403; one that may (``OptionalUser``): 401;
- a route with a path parameter (an id, a code): 404;
- a signed-in route that changes something (POST, PUT, PATCH, DELETE): 409 (state conflicts, a
  repeated ``Idempotency-Key`` still running).

A route can document more, or other descriptions, with ``responses=`` on its decorator; those win.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from lms_shared.errors import ErrorCode
from lms_shared.web import CurrentUser, OptionalUser


class ErrorDetail(BaseModel):
    code: ErrorCode = Field(description="What kind of error; the gateway passes it on as extensions.code.")
    message: str = Field(description="What is wrong and how to fix it, for a person.")
    details: Any | None = Field(default=None, description="Machine-readable particulars, when there are any.")


class ErrorBody(BaseModel):
    """The body of every error answer of every service."""

    error: ErrorDetail


DESCRIPTIONS: dict[int, str] = {
    401: "UNAUTHENTICATED: no bearer token, or one that is expired, badly signed or for someone else.",
    403: "FORBIDDEN: the caller's role or relation to the object does not allow this.",
    404: "NOT_FOUND: nothing has this id (or the caller may not know it exists).",
    409: "CONFLICT: the object's state does not allow this now (already done, archived, in progress).",
    422: "BAD_USER_INPUT: a parameter, the body or a control character in the address was refused.",
    503: "UNAVAILABLE: a dependency (database, message bus, object store) is down; try again.",
}
_MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PATH_PARAM = re.compile(r"{[^}]+}")


def _dependency(alias: Any) -> Callable[..., Any]:
    """The callable behind an ``Annotated[..., Depends(f)]`` alias."""
    depends = get_args(alias)[1]
    call: Callable[..., Any] = depends.dependency
    return call


_REQUIRED = _dependency(CurrentUser)
_OPTIONAL = _dependency(OptionalUser)


def _calls(dependant: Dependant) -> set[Any]:
    found: set[Any] = set()
    stack = [dependant]
    while stack:
        d = stack.pop()
        if d.call is not None:
            found.add(d.call)
        stack.extend(d.dependencies)
    return found


def statuses_of(route: APIRoute) -> list[int]:
    """The error statuses ``route`` can answer (see the module's docstring)."""
    calls = _calls(route.dependant)
    required = _REQUIRED in calls
    out = {422, 503}
    if required:
        out |= {401, 403}
        if _MUTATING & set(route.methods or ()):
            out.add(409)
    elif _OPTIONAL in calls:
        out.add(401)
    if _PATH_PARAM.search(route.path_format):
        out.add(404)
    return sorted(out)


def api_routes(routes: Iterable[Any]) -> Iterator[tuple[str, APIRoute]]:
    """(path, route) of every API route, those of included routers too (FastAPI keeps them as branches)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route.path_format, route
        elif hasattr(route, "effective_route_contexts"):
            for context in route.effective_route_contexts():
                original = getattr(context, "original_route", None)
                if isinstance(original, APIRoute):
                    path = getattr(context, "path", None)
                    yield (path if isinstance(path, str) and path else original.path_format), original


def document_error_statuses(app: FastAPI) -> None:
    """Make ``app.openapi()`` list every error status of every route, with :class:`ErrorBody`."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(body.pop("$defs", {}))
        schemas["ErrorBody"] = body
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        for path, route in api_routes(app.routes):
            if not route.include_in_schema:
                continue
            operations = schema.get("paths", {}).get(path, {})
            for method in route.methods or ():
                operation = operations.get(method.lower())
                if operation is None:
                    continue
                responses = operation.setdefault("responses", {})
                for status in statuses_of(route):
                    key = str(status)
                    if key == "422" and _is_fastapi_default_422(responses.get(key)):
                        del responses[key]  # our 422 is ErrorBody, not FastAPI's HTTPValidationError
                    responses.setdefault(key, {"description": DESCRIPTIONS[status], "content": ref})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _is_fastapi_default_422(response: Any) -> bool:
    if not isinstance(response, dict):
        return False
    content = response.get("content", {}).get("application/json", {})
    return bool(content.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"))


__all__ = ["DESCRIPTIONS", "ErrorBody", "ErrorDetail", "api_routes", "document_error_statuses", "statuses_of"]
