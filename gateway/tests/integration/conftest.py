"""Fixtures for gateway tests against the real stack (the root ``stack`` fixture starts everything)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.support.graphql import GraphQLClient


@pytest.fixture(scope="session")
def gateway_url(stack_env: dict[str, str]) -> str:
    return f"http://127.0.0.1:{stack_env['LMS_GATEWAY_PORT']}"


@pytest.fixture
async def client_for(gateway_url: str, token_for: Any) -> AsyncIterator[Callable[..., GraphQLClient]]:
    """``client_for(sub, roles, **claims)`` -> a GraphQL client signed in as that user."""
    made: list[GraphQLClient] = []

    def make(sub: str | None = None, roles: list[str] | None = None, **claims: Any) -> GraphQLClient:
        token = token_for(sub, claims.pop("name", "Rəşad Əliyev"), roles or ["learner"], **claims) if sub else None
        c = GraphQLClient(gateway_url, token)
        made.append(c)
        return c

    yield make
    for c in made:
        await c.aclose()
