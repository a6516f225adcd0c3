"""The event wiring of a service as its ``build_consumers`` makes it, for unit tests on fakes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

from lms_shared.inbox import EventConsumer, Handler


def wiring(
    build_consumers: Callable[[Any], Iterable[EventConsumer]], uow: Any, **container: Any
) -> dict[str, tuple[str, Any, Handler]]:
    """Event type -> (durable, payload class, handler), exactly as ``entrypoints/consumers.py`` wires them.

    ``uow`` is the fake unit-of-work factory; other container attributes (``ports`` …) come as keywords.
    """
    fake = SimpleNamespace(
        runtime=SimpleNamespace(js=object()),
        uow=uow,
        inbox=None,
        settings=SimpleNamespace(max_deliveries=5),
        **container,
    )
    return {
        event_type: (consumer.durable, payload_cls, handler)
        for consumer in build_consumers(fake)
        for event_type, (payload_cls, handler) in consumer.routes.items()
    }
