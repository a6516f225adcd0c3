"""A small GraphQL-over-HTTP client for end-to-end tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


class GraphQLError(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors

    @property
    def codes(self) -> set[str]:
        return {(e.get("extensions") or {}).get("code", "") for e in self.errors}


class GraphQLClient:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=base_url, headers=headers, timeout=timeout)

    def raw(self, query: str, **variables: Any) -> dict[str, Any]:
        r = self.http.post("/graphql", json={"query": query, "variables": variables})
        body: dict[str, Any] = r.json()
        return body

    def q(self, query: str, **variables: Any) -> dict[str, Any]:
        body = self.raw(query, **variables)
        if body.get("errors"):
            raise GraphQLError(body["errors"])
        data: dict[str, Any] = body["data"]
        return data

    def codes(self, query: str, **variables: Any) -> set[str]:
        return {(e.get("extensions") or {}).get("code", "") for e in self.raw(query, **variables).get("errors") or []}


def eventually(fn: Callable[[], T | None], timeout: float = 30.0, every: float = 0.25) -> T:
    """Poll until ``fn`` returns something truthy (events are asynchronous); fail with the last value."""
    end = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < end:
        try:
            last = fn()
        except GraphQLError:
            last = None
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"not reached within {timeout}s (last: {last!r})")
