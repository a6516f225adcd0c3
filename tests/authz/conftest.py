"""The matrix's world, built once per session on the shared ``stack`` (root conftest.py)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.authz.world import World, build_world, make_world


@pytest.fixture(scope="session")
def authz_world(stack_env: dict[str, str]) -> World:
    world = make_world(stack_env["LMS_JWT_SECRET"], stack_env)

    async def build() -> None:
        async with httpx.AsyncClient(timeout=60) as http:
            await build_world(http, world)

    asyncio.run(build())
    return world
