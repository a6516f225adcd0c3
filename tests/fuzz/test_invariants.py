"""The fuzzing's oracle itself: what it must flag and what it must let through."""

from __future__ import annotations

import pytest

from tests.fuzz.invariants import graphql_problems, rest_problems

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (500, '{"error":{"code":"INTERNAL","message":"Something went wrong"}}'),
        (503, "upstream down"),
        (422, 'Traceback (most recent call last):\n  File "/app/x.py", line 3'),
        (404, '{"error":{"message":"no course at http://127.0.0.1:28159/v1/courses/x"}}'),
        (400, "connect to postgresql+asyncpg://postgres@db/courses failed"),
        (409, "nats://127.0.0.1:4222 refused"),
        (422, "asyncpg.exceptions.CharacterNotInRepertoireError: invalid byte sequence"),
        (400, "KeyError: 'F0'"),
    ],
)
def test_server_errors_and_leaks_are_flagged(status: int, text: str) -> None:
    assert rest_problems(status, text)


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (200, '{"uploadUrl": "http://127.0.0.1:20302/materials"}'),  # a success may carry public URLs
        (404, '{"error":{"code":"NOT_FOUND","message":"There is no course with id x."}}'),
        (422, '{"error":{"code":"BAD_USER_INPUT","message":"Value error, control characters are not allowed"}}'),
    ],
)
def test_ordinary_refusals_pass(status: int, text: str) -> None:
    assert rest_problems(status, text) == []


def test_graphql_errors_need_a_code_and_no_server_failure() -> None:
    ok = {"data": None, "errors": [{"message": "Sign in first.", "extensions": {"code": "UNAUTHENTICATED"}}]}
    assert graphql_problems(200, ok, "") == []
    assert graphql_problems(200, {"errors": [{"message": "x"}]}, "")  # no extensions.code
    masked = {"errors": [{"message": "Something went wrong", "extensions": {"code": "UNAVAILABLE"}}]}
    assert graphql_problems(200, masked, "")
    leak = {"errors": [{"message": "TypeError: 'NoneType'", "extensions": {"code": "BAD_USER_INPUT"}}]}
    assert graphql_problems(200, leak, "")
    assert graphql_problems(405, None, "Method Not Allowed")  # a protocol error without a GraphQL body
