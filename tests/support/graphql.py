"""The one GraphQL-over-HTTP test client: unit tests (the gateway app in process), integration and
end-to-end tests (the live gateway) all send their documents through :class:`GraphQLClient`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


class GraphQLError(AssertionError):
    """The answer had ``errors``; ``codes`` are their ``extensions.code`` values."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors

    @property
    def codes(self) -> set[str]:
        return error_codes({"errors": self.errors})


def error_codes(body: Mapping[str, Any]) -> set[str]:
    """The ``extensions.code`` of every error in a GraphQL response body."""
    return {(e.get("extensions") or {}).get("code", "") for e in body.get("errors") or []}


def _bearer_headers(token: str | None, headers: Mapping[str, str] | None) -> dict[str, str]:
    out: dict[str, str] = {"Authorization": f"Bearer {token}"} if token else {}
    out.update(headers or {})
    return out


def _data_or_raise(body: dict[str, Any]) -> dict[str, Any]:
    if body.get("errors"):
        raise GraphQLError(body["errors"])
    data: dict[str, Any] = body["data"]
    return data


class GraphQLClient:
    """POSTs GraphQL documents to ``{base_url}/graphql`` as one caller (``token``, or anonymous).

    ``transport`` lets unit tests call the ASGI app in process (``httpx.ASGITransport``). Every method
    takes the document's variables as keyword arguments; ``token=`` and ``headers=`` override the
    caller for one request.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.token = token
        self.http = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout)

    def _headers(self, token: str | None, headers: Mapping[str, str] | None) -> dict[str, str]:
        return _bearer_headers(token if token is not None else self.token, headers)

    async def post(
        self, query: str, *, token: str | None = None, headers: Mapping[str, str] | None = None, **variables: Any
    ) -> httpx.Response:
        """The HTTP response itself, for tests about status codes and headers."""
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self._headers(token, headers)
        )

    async def raw(
        self, query: str, *, token: str | None = None, headers: Mapping[str, str] | None = None, **variables: Any
    ) -> dict[str, Any]:
        """The whole response body: ``data`` and ``errors`` as the gateway sent them."""
        body: dict[str, Any] = (await self.post(query, token=token, headers=headers, **variables)).json()
        return body

    async def q(
        self, query: str, *, token: str | None = None, headers: Mapping[str, str] | None = None, **variables: Any
    ) -> dict[str, Any]:
        """``data``; raises :class:`GraphQLError` when the answer has errors."""
        return _data_or_raise(await self.raw(query, token=token, headers=headers, **variables))

    async def codes(self, query: str, **variables: Any) -> set[str]:
        """The error codes of the answer (empty when it has none)."""
        return error_codes(await self.raw(query, **variables))

    async def aclose(self) -> None:
        await self.http.aclose()


class SyncGraphQLClient:
    """The same client for synchronous tests (Playwright's sync API): the same requests and errors."""

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 30.0) -> None:
        self.token = token
        self.base_url = base_url
        self.timeout = timeout

    def raw(self, query: str, *, token: str | None = None, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.base_url}/graphql",
            json={"query": query, "variables": variables},
            headers=_bearer_headers(token if token is not None else self.token, None),
            timeout=self.timeout,
        )
        body: dict[str, Any] = response.json()
        return body

    def q(self, query: str, *, token: str | None = None, **variables: Any) -> dict[str, Any]:
        return _data_or_raise(self.raw(query, token=token, **variables))


async def eventually(fn: Callable[[], Awaitable[T | None]], timeout: float = 30.0, every: float = 0.25) -> T:
    """The first truthy result of ``fn`` within ``timeout`` seconds (events are asynchronous).

    GraphQL and HTTP errors count as "not yet"; on timeout the last result or error is reported.
    """
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = await fn()
            if last:
                return last
        except (GraphQLError, httpx.HTTPError) as exc:
            last = exc
        await asyncio.sleep(every)
    raise AssertionError(f"not reached within {timeout} s (last: {last!r})")
