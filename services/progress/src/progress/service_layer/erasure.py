"""A learner's data (issue 14, item 6): export everything progress holds, and erase the learner.

progress owns the erasure: :func:`erase_learner` records the request in ``erased_learner``,
pseudonymises progress's own rows and stages ``lms.progress.learner.erased.v1``, all in one
transaction, so the event leaves through the outbox even if NATS is down at the time. Every other
service applies the event through its inbox. docs/privacy.md describes the whole of it.

Who may: admins, and the country admin of the learner's member state (every ``org`` progress has
recorded for the learner must be theirs); anyone else is refused.
"""

from __future__ import annotations

from typing import Any

from lms_shared.auth import Principal
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Forbidden, NotFound
from lms_shared.events.catalogue import LearnerErasedV1
from lms_shared.i18n import ascii_upper
from lms_shared.text import fold_search
from progress.domain.erasure import Erasure, clean_reason, new_pseudonym
from progress.service_layer.unit_of_work import ProgressUnitOfWork

MAX_LEARNER_ID = 255


def _check_id(learner_id: str) -> str:
    learner_id = learner_id.strip()
    if not learner_id or len(learner_id) > MAX_LEARNER_ID:
        raise BadInput(f"A learner id is 1 to {MAX_LEARNER_ID} characters.")
    return learner_id


def _authorize(user: Principal, orgs: list[str | None]) -> str | None:
    """Raise FORBIDDEN unless the caller administers every state recorded; the learner's state."""
    if not user.is_admin and not user.is_country_admin:
        raise Forbidden("Only admins and the learner's country admin may export or erase a learner's data.")
    states = sorted({ascii_upper(o) for o in orgs if o}, key=str)
    if any(o is None for o in orgs) or not states:
        user.require_org(None)  # a learner without a member state: admins only
    for state in states:
        user.require_org(state)
    return states[0] if len(states) == 1 else (",".join(states) if states else None)


def erasure_json(erasure: Erasure) -> dict[str, Any]:
    return {
        "learnerId": erasure.learner_id,
        "pseudonym": erasure.pseudonym,
        "org": erasure.org,
        "reason": erasure.reason,
        "requestedBy": erasure.requested_by,
        "erasedAt": erasure.erased_at.isoformat(),
    }


async def erase_learner(
    uow: ProgressUnitOfWork, user: Principal, learner_id: str, reason: object
) -> tuple[Erasure, bool]:
    """Erase a learner; ``(erasure, True)`` the first time, ``(the stored erasure, False)`` after.

    Asking again changes nothing and publishes nothing: the first request's event is in the outbox
    and reaches every service however long NATS or a service is down.
    """
    learner_id = _check_id(learner_id)
    try:
        why = clean_reason(reason)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    existing = await uow.erasures.get(learner_id)
    if existing is not None:
        stored_orgs: list[str | None] = list(existing.org.split(",")) if existing.org else [None]
        _authorize(user, stored_orgs)
        return existing, False
    orgs = await uow.erasures.orgs_of(learner_id)
    if orgs is None:
        raise NotFound(f"progress holds nothing about learner {learner_id!r}.")
    org = _authorize(user, orgs)
    erasure = Erasure(learner_id, new_pseudonym(), org, why, user.sub, utcnow())
    if not await uow.erasures.record(erasure):
        # Another request erased the learner in the meantime: theirs stands.
        await uow.rollback()
        stored = await uow.erasures.get(learner_id)
        assert stored is not None
        return stored, False
    await uow.erasures.pseudonymise(learner_id, erasure.pseudonym, fold_search(erasure.pseudonym)[:300])
    uow.publish(
        LearnerErasedV1(
            learner_id=learner_id,
            pseudonym=erasure.pseudonym,
            org=org,
            reason=why,
            requested_by=user.sub,
            erased_at=erasure.erased_at,
        )
    )
    await uow.commit()
    return erasure, True


async def export_learner(uow: ProgressUnitOfWork, user: Principal, learner_id: str) -> dict[str, Any]:
    """Everything progress holds about the learner, as JSON."""
    learner_id = _check_id(learner_id)
    existing = await uow.erasures.get(learner_id)
    orgs = await uow.erasures.orgs_of(learner_id)
    if orgs is None and existing is None:
        raise NotFound(f"progress holds nothing about learner {learner_id!r}.")
    recorded = list(orgs or [])
    if existing is not None and not recorded:
        recorded = list(existing.org.split(",")) if existing.org else [None]
    org = _authorize(user, recorded)
    data = await uow.erasures.export(learner_id)
    return {
        "service": "progress",
        "learnerId": learner_id,
        "org": org,
        "erasure": erasure_json(existing) if existing is not None else None,
        **data,
    }


async def recorded_name(uow: ProgressUnitOfWork, learner_id: str | None, name: str) -> str:
    """The name to store for a learner named by an event: the pseudonym once they are erased."""
    if learner_id is None:
        return name
    erased = await uow.erasures.get(learner_id)
    return erased.pseudonym if erased is not None else name
