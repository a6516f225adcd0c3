"""The routes' dependencies: the container, a unit of work per request, and the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from courses.bootstrap import Container
from courses.service_layer.unit_of_work import CoursesUnitOfWork
from lms_shared.web import CurrentUser, OptionalUser

__all__ = ["ContainerDep", "CurrentUser", "OptionalUser", "UowDep"]


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(_container)]


async def _uow(container: ContainerDep) -> AsyncIterator[CoursesUnitOfWork]:
    async with container.uow() as uow:
        yield uow


# scope="function": the unit of work is left (rolled back unless the handler committed) as soon as the
# route returns, before the response is sent, so its connection goes back to the pool at once.
UowDep = Annotated[CoursesUnitOfWork, Depends(_uow, scope="function")]
