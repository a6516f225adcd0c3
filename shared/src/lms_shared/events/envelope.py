"""The event envelope every message on ``LMS_EVENTS`` carries.

``id`` doubles as the JetStream ``Nats-Msg-Id`` (publisher de-duplication) and as the consumer's inbox
key (``processed_event``), so a re-sent event never has a second effect.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

from lms_shared.db import utcnow


class Envelope(BaseModel):
    """One event as it travels: metadata plus the typed payload in ``data``."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    minor_version: int = 0
    source: str
    time: datetime = Field(default_factory=utcnow)
    subject_key: str
    data: dict[str, Any]

    @property
    def subject(self) -> str:
        """The NATS subject: the event type itself (``lms.<service>.<entity>.<verb>.v<major>``)."""
        return self.type

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        return cls.model_validate(orjson.loads(raw))
