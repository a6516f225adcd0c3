"""The routes' dependencies: the container, a unit of work per request, and the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from lms_shared.web import CurrentUser
from notifications.bootstrap import Container
from notifications.service_layer.unit_of_work import NotificationsUnitOfWork

__all__ = ["ContainerDep", "CurrentUser", "UowDep"]


async def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def _uow(request: Request) -> AsyncIterator[NotificationsUnitOfWork]:
    async with request.app.state.container.uow() as uow:
        yield uow


ContainerDep = Annotated[Container, Depends(_container)]
# scope="function": the unit of work is left (rolled back unless the handler committed) as soon as
# the route returns, before the response is sent (see progress's deps.py).
UowDep = Annotated[NotificationsUnitOfWork, Depends(_uow, scope="function")]
