"""``POST /v1/enrollments/{enrollmentId}/lessons/{lessonId}/complete`` without the framework.

The route is declared in ``api.py`` as usual (OpenAPI, tests, the same answers), but a completion
never reaches FastAPI's router: this ASGI middleware, the innermost of the app, matches the path
itself and answers. Routing over every route of the service, solving the dependencies, building a
``Request`` and the response object took about a third of a completion's CPU in the service (see
the README, "Where the time goes"), more than the group commit below it.

It does what the declared route does, in the same order, with the same code where it matters:

* authentication: ``lms_shared.auth.bearer_from_header`` and the app's (cached) token verifier, as
  the ``CurrentUser`` dependency does, with the same UNAUTHENTICATED message when there is no token;
* the handler: ``CompletionGroups.complete`` (group commit, ``completions.py``), whose answer is
  ``learning.complete_lesson``'s, so every authorization rule of the service layer applies;
* the answer: ``EnrollmentOut`` as JSON, 200; a ``DomainError`` answers
  ``lms_shared.web.error_response`` (the service's error format); anything else propagates to the
  app's server-error handler (the same 500 answer as any route).

The middlewares of ``lms_shared.web.install_common`` sit outside it, so request ids, the log line,
the metrics (``scope["route"]`` is set to the declared route, so the label is the same) and the
control-character check apply as before. Any other method on the path goes to the router (405).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from lms_shared.auth import bearer_from_header
from lms_shared.errors import DomainError, Unauthenticated
from lms_shared.web import error_response
from progress.entrypoints.schemas import EnrollmentOut

ROUTE_PATH = "/v1/enrollments/{enrollment_id}/lessons/{lesson_id}/complete"
# Starlette's ``str`` path parameters: one or more characters other than '/', of the decoded path.
_PATH = re.compile(r"/v1/enrollments/([^/]+)/lessons/([^/]+)/complete")
_JSON = (b"content-type", b"application/json")


class FastCompleteLesson:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        match = _PATH.fullmatch(scope["path"])
        if match is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = self._route or self._find_route(scope)
        state = scope["app"].state
        try:
            token = bearer_from_header(_header(scope, b"authorization"))
            if token is None:
                raise Unauthenticated("Sign in first: this needs an 'Authorization: Bearer <token>' header.")
            principal = await state.verifier.verify(token)
            details = await state.completions.complete(principal, match[1], match[2])
        except DomainError as exc:
            await error_response(exc.code, exc.message, exc.details)(scope, receive, send)
            return
        body = EnrollmentOut.of(details).model_dump_json().encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(body)).encode()), _JSON],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _find_route(self, scope: Scope) -> Any:
        self._route = next(r for r in scope["app"].routes if getattr(r, "path", None) == ROUTE_PATH)
        return self._route


def _header(scope: Scope, name: bytes) -> str | None:
    """The first header called ``name`` (lower case), as Starlette's ``request.headers.get`` answers it."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None
