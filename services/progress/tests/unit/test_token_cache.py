"""The per-process token cache: same principal for the same token, never past the token's expiry."""

from __future__ import annotations

import time

import jwt
import pytest

from lms_shared.auth import Principal
from lms_shared.errors import Unauthenticated
from progress.entrypoints.token_cache import CachedTokenVerifier

SECRET = "unit-test-secret-that-is-long-enough-for-hs256"


class CountingVerifier:
    """Stands in for the shared TokenVerifier (tested in lms_shared): checks HS256, counts calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.now = time.time()

    async def verify(self, token: str) -> Principal:
        self.calls += 1
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
        except jwt.PyJWTError as exc:
            raise Unauthenticated("The bearer token is invalid.") from exc
        if claims["exp"] <= self.now:
            raise Unauthenticated("The token has expired; sign in again.")
        return Principal.from_claims(claims, token)


def make_token(sub: str, exp: float) -> str:
    return jwt.encode({"sub": sub, "exp": int(exp), "roles": ["learner"]}, SECRET, algorithm="HS256")


@pytest.fixture
def inner() -> CountingVerifier:
    return CountingVerifier()


async def test_a_token_is_verified_once_then_served_from_the_cache(inner: CountingVerifier) -> None:
    cache = CachedTokenVerifier(inner, clock=lambda: inner.now)
    token = make_token("ayla", inner.now + 600)
    first = await cache.verify(token)
    again = await cache.verify(token)
    assert again == first and again.sub == "ayla"
    assert inner.calls == 1


async def test_an_expired_token_is_not_served_from_the_cache(inner: CountingVerifier) -> None:
    cache = CachedTokenVerifier(inner, clock=lambda: inner.now)
    token = make_token("ayla", inner.now + 60)
    await cache.verify(token)
    inner.now += 61  # the token expired while cached
    with pytest.raises(Unauthenticated, match="expired"):
        await cache.verify(token)
    assert inner.calls == 2


async def test_invalid_tokens_are_refused_every_time_and_not_remembered(inner: CountingVerifier) -> None:
    cache = CachedTokenVerifier(inner, clock=lambda: inner.now)
    forged = jwt.encode({"sub": "mallory", "exp": int(inner.now + 600)}, "another-secret-of-enough-length!", "HS256")
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await cache.verify(forged)
    assert inner.calls == 2


async def test_the_least_recently_used_token_is_evicted_beyond_capacity(inner: CountingVerifier) -> None:
    cache = CachedTokenVerifier(inner, capacity=2, clock=lambda: inner.now)
    a, b, c = (make_token(s, inner.now + 600) for s in ("a", "b", "c"))
    await cache.verify(a)
    await cache.verify(b)
    await cache.verify(a)  # a is now the most recently used
    await cache.verify(c)  # evicts b
    calls = inner.calls
    await cache.verify(a)
    assert inner.calls == calls
    await cache.verify(b)
    assert inner.calls == calls + 1
