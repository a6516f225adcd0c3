"""How failures become GraphQL errors a person can act on.

Services answer ``{"error": {"code", "message"}}``; :mod:`gateway.clients` raises those as
:class:`lms_shared.errors.DomainError`, and :class:`ErrorShaping` puts the code into
``extensions.code``. Anything unexpected is logged with its stack trace and shown to the caller only
as a generic message: never a stack trace, an exception's text, or an internal URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from graphql import GraphQLError
from graphql.error import GraphQLError as CoreGraphQLError
from starlette.responses import Response
from strawberry.extensions import SchemaExtension

from lms_shared.errors import CODE_BY_STATUS, DomainError, ErrorCode, Unavailable
from lms_shared.logging import get_logger

log = get_logger(__name__)

CAPABILITY = {
    "courses": "Courses",
    "progress": "Progress tracking",
    "certificates": "Certificates",
    "notifications": "Notifications",
    "redis": "This feature",
}
UNEXPECTED_MESSAGE = "Something went wrong on our side; try again in a minute."
GRAPHQL_RESPONSE = "application/graphql-response+json"
# /graphql answers these methods; everything else is a 405 that says so.
GRAPHQL_METHODS = "GET, POST"


class RateLimited(DomainError):
    """Too many requests; ``retry_after`` seconds until the window resets."""

    code = ErrorCode.RATE_LIMITED

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, details={"retryAfter": retry_after})
        self.retry_after = retry_after


def unavailable(service: str) -> Unavailable:
    """The error for a service that is down or too slow, naming what the user cannot do now."""
    what = CAPABILITY.get(service, "This part of the platform")
    verb = "is" if what in ("Progress tracking", "This feature", "This part of the platform") else "are"
    return Unavailable(f"{what} {verb} unavailable right now; try again in a minute.")


def shape_error(error: GraphQLError) -> GraphQLError:
    """The error as the caller sees it: a domain code and message, or a masked unexpected failure."""
    original = error.original_error
    if original is None:
        # graphql-core's own messages are meant for the client: syntax and validation errors (no path)
        # are the caller's to fix; a path means execution broke a promise (e.g. null for a non-null).
        if error.extensions and "code" in error.extensions:
            return error
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "UNAVAILABLE" if error.path else "BAD_USER_INPUT"},
        )
    if isinstance(original, DomainError):
        extensions: dict[str, Any] = {"code": str(original.code)}
        if isinstance(original.details, dict):
            extensions.update({k: v for k, v in original.details.items() if k != "code"})
        return GraphQLError(original.message, nodes=error.nodes, path=error.path, extensions=extensions)
    if isinstance(original, CoreGraphQLError):
        # Permission classes and argument coercion raise GraphQL errors with their own extensions.
        ext = dict(original.extensions or {})
        ext.setdefault("code", "BAD_USER_INPUT")
        return GraphQLError(original.message, nodes=error.nodes, path=error.path, extensions=ext)
    log.error("graphql.unexpected_error", path=error.path, error=repr(original), exc_info=original)
    return GraphQLError(
        UNEXPECTED_MESSAGE, nodes=error.nodes, path=error.path, extensions={"code": str(ErrorCode.UNAVAILABLE)}
    )


class ErrorShaping(SchemaExtension):
    """Rewrites every error of a result with :func:`shape_error` (runs after execution)."""

    def on_operation(self) -> Iterator[None]:
        yield
        ec = self.execution_context
        if ec.result is not None and ec.result.errors:
            ec.result.errors = [shape_error(e) for e in ec.result.errors]
        elif ec.pre_execution_errors:
            ec.pre_execution_errors = [shape_error(e) for e in ec.pre_execution_errors]


# Strawberry's and Starlette's reasons, said so a client's author knows what to send instead.
_CLEARER = {
    "Batching is not enabled": "Send one operation per request: a JSON array (batching) is not accepted.",
    "Unsupported content type": "Send the operation as JSON with 'Content-Type: application/json' (or use GET).",
    "Unable to parse request body as JSON": "The request body is not valid JSON (UTF-8).",
    "No GraphQL query found in the request": 'The request has no "query": send {"query": "{ viewer { id } }"}.',
    "Method Not Allowed": "This address does not accept that HTTP method; see the Allow header.",
}


def protocol_error(status: int, message: str, accept: str = "", headers: dict[str, str] | None = None) -> Response:
    """A request refused before GraphQL could run it (bad JSON, wrong method, no query …), as GraphQL.

    The body is a GraphQL response with one error and ``extensions.code``, in the media type the
    client accepts (``application/graphql-response+json`` or ``application/json``), with the HTTP
    status the GraphQL-over-HTTP spec gives (400, 404, 405 with ``Allow``, 413 …).
    """
    code = CODE_BY_STATUS.get(status, ErrorCode.BAD_USER_INPUT)
    message = _CLEARER.get(message, message)
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": str(code)}}]})
    media = GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else "application/json"
    return Response(body, status_code=status, media_type=media, headers=headers)
