"""The routes' dependencies: the container, a unit of work per request, the ports, and the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from lms_shared.web import CurrentUser
from progress.bootstrap import Container
from progress.entrypoints.completions import CompletionGroups
from progress.service_layer.ports import CourseVersionCache
from progress.service_layer.unit_of_work import ProgressUnitOfWork

__all__ = ["CompletionsDep", "ContainerDep", "CurrentUser", "UowDep", "VersionsDep"]

# Every dependency here is ``async`` on purpose: FastAPI runs a plain ``def`` dependency in a worker
# thread, which cost ~4 % of a lesson completion's CPU for an attribute lookup.


async def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def _uow(request: Request) -> AsyncIterator[ProgressUnitOfWork]:
    # Straight from the request rather than through ContainerDep: one dependency less to solve per call.
    async with request.app.state.container.uow() as uow:
        yield uow


async def _versions(request: Request) -> CourseVersionCache:
    versions: CourseVersionCache = request.app.state.container.versions
    return versions


async def _completions(request: Request) -> CompletionGroups:
    completions: CompletionGroups = request.app.state.completions
    return completions


ContainerDep = Annotated[Container, Depends(_container)]
CompletionsDep = Annotated[CompletionGroups, Depends(_completions)]
# scope="function": the unit of work is left (rolled back unless the handler committed) as soon as the
# route returns, before the response is sent. With the default ("request") FastAPI runs the code after
# ``yield`` once the client already has its answer, so the connection would be held longer and a
# failure there could not reach the client.
UowDep = Annotated[ProgressUnitOfWork, Depends(_uow, scope="function")]
VersionsDep = Annotated[CourseVersionCache, Depends(_versions)]
