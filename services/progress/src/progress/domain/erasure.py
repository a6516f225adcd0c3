"""Erasure of a learner on request (issue 14, item 6): the record, the pseudonym, the reason's rules."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

MAX_REASON_CHARS = 500
PSEUDONYM_PREFIX = "Erased learner"


@dataclass(frozen=True, slots=True)
class Erasure:
    """An erased learner: what replaced their name, who asked, when, and why."""

    learner_id: str
    pseudonym: str
    org: str | None
    reason: str | None
    requested_by: str
    erased_at: datetime


def new_pseudonym() -> str:
    """A random stand-in for the name: carries nothing of the person (not a hash of their id)."""
    return f"{PSEUDONYM_PREFIX} {secrets.token_hex(4)}"


def clean_reason(reason: object) -> str | None:
    """The stated reason, trimmed; None when there is none. Raises ValueError for a bad one."""
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise ValueError("The reason must be text.")
    text = reason.strip()
    if not text:
        return None
    if len(text) > MAX_REASON_CHARS:
        raise ValueError(f"The reason is longer than {MAX_REASON_CHARS} characters.")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise ValueError("The reason contains control characters.")
    return text
