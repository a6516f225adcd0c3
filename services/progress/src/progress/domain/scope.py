"""A country admin's scope in progress (issue 14): the learners of one member state.

What a learner's member state is, as progress knows it: the ``org`` of the learner's own sign-in,
stored with every enrolment they made themselves (``via = self``); otherwise the cohort row's
``org``. A country admin (token role ``country_admin``, state in its ``org`` claim) enrols cohorts
of their own state's learners only:

- a member whose row names another state, or who enrolled themselves somewhere under another
  state's (or no) sign-in ``org``, is refused, with the reason, and the others are enrolled;
- a member whose row has no ``org`` (and whom progress knows no state of) is enrolled as a learner
  of the country admin's state: the ministry lists its own officials, and the enrolment records
  the state it was made for, so the state's figures include them.

Case is not significant in a row's ``org`` (``az`` is ``AZ``); tokens' ``org`` claims are upper case.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from lms_shared.i18n import ascii_upper
from progress.domain.model import CohortFailure, CohortMember


def cohort_in_country(
    members: Sequence[CohortMember], country: str, signed_in_org: Mapping[str, str | None]
) -> tuple[list[CohortMember], list[CohortFailure]]:
    """The members a country admin for ``country`` may enrol, and a failure per member refused.

    ``signed_in_org``: for the members progress has seen sign in (self-enrolment), the ``org`` of
    their own token (None when it had none).
    """
    accepted: list[CohortMember] = []
    failures: list[CohortFailure] = []
    for m in members:
        row_org = ascii_upper(m.org) if m.org else None
        if row_org is not None and row_org != country:
            failures.append(
                CohortFailure(
                    m.learner_id,
                    f"org {m.org} is another member state; a country admin for {country} enrols {country}'s "
                    "learners only.",
                )
            )
            continue
        if m.learner_id in signed_in_org and signed_in_org[m.learner_id] != country:
            own = signed_in_org[m.learner_id]
            of = f"of {own}" if own else "without a member state"
            failures.append(
                CohortFailure(
                    m.learner_id,
                    f"this learner signed in as a learner {of}; a country admin for {country} enrols "
                    f"{country}'s learners only.",
                )
            )
            continue
        accepted.append(dataclasses.replace(m, org=country))
    return accepted, failures
