"""A learner's data in courses (issue 14, item 6): what it holds about one person, for the export.

courses keeps no name and no contact data of anyone: only ids (the token's ``sub``) in enrolments
(who may download materials), the trainers seen, and courses' owners. So a learner's erasure
(``lms.progress.learner.erased.v1``) has nothing to pseudonymise here, and courses does not consume
it; docs/privacy.md says so. courses records no member state either, so it cannot check a country
admin's scope: its export answers admins only (a country admin's export carries progress's and
certificates' parts, which hold the same enrolments with their state).
"""

from __future__ import annotations

from typing import Any

from courses.service_layer.unit_of_work import CoursesUnitOfWork
from lms_shared.auth import Principal
from lms_shared.errors import BadInput, Forbidden


async def export_learner(uow: CoursesUnitOfWork, user: Principal, learner_id: str) -> dict[str, Any]:
    learner_id = learner_id.strip()
    if not learner_id or len(learner_id) > 255:
        raise BadInput("A learner id is 1 to 255 characters.")
    if not user.is_admin:
        raise Forbidden("Only admins may export what courses holds about a person (it records no member state).")
    return {"service": "courses", "learnerId": learner_id, **await uow.learner_data.export(learner_id)}
