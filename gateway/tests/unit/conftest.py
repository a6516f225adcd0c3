from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.tokens import make_token

from .fakes import SECRET, Harness, make_harness


@pytest.fixture
async def gw() -> AsyncIterator[Harness]:
    h = make_harness()
    yield h
    await h.aclose()


@pytest.fixture
def tok() -> Any:
    def make(sub: str = "u1", roles: list[str] | None = None, **claims: Any) -> str:
        return make_token(SECRET, sub=sub, name=claims.pop("name", "Rəşad Əliyev"), roles=roles, **claims)

    return make
