"""The one place where the progress service's real adapters are wired together."""

from __future__ import annotations

from dataclasses import dataclass

from lms_shared.runtime import Runtime
from lms_shared.settings import Settings
from progress.adapters.repository import CourseCatalog
from progress.config import ProgressSettings
from progress.entrypoints.consumers import build_consumers

SERVICE = "progress"


@dataclass
class Container:
    runtime: Runtime
    catalog: CourseCatalog
    config: ProgressSettings


async def start(settings: Settings, config: ProgressSettings) -> Container:
    """Connect to Postgres and NATS and start the event consumers in the background."""
    runtime = Runtime(SERVICE, settings)
    await runtime.start()
    assert runtime.js is not None
    for consumer in build_consumers(runtime.js, runtime.sessions, settings.max_deliveries):
        runtime.spawn(consumer.durable, consumer.run)
    return Container(runtime=runtime, catalog=CourseCatalog(), config=config)
