"""A country admin's scope in certificates (issue 14): the learners of one member state.

A country admin (token role ``country_admin``, member state in its ``org`` claim) issues,
bulk-issues and revokes certificates of their own state's learners only. What a learner's state
is, as certificates knows it:

- for a learner who completed the course, the ``org`` of their own sign-in, carried by
  ``course.completed`` (the ``completion`` row): a row naming that learner cannot move them to
  another state, and a learner who signed in without an ``org`` belongs to no state (refused);
- otherwise the recipient row's ``org``. A row of another state is refused (``OTHER_STATE``); a row
  without ``org`` is taken as the country admin's own state, and the certificate records that
  state (the country admin certifies for their state, and the record says so);
- for a certificate already issued, its stored ``org``: revoking one of another state, or one
  without a state, is FORBIDDEN.

``country`` is None for admins and the system (automatic issue): no country limit.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from certificates.domain.recipients import ReasonCode, Recipient, RecipientError


class _Unknown:
    """No completion of the learner is known here (the caller has no better fact than the row)."""

    __slots__ = ()


UNKNOWN: Final = _Unknown()
KnownOrg = str | None | _Unknown


def scoped_recipient(recipient: Recipient, country: str | None, learner_org: KnownOrg = UNKNOWN) -> Recipient:
    """``recipient`` as a country admin for ``country`` may certify them; raises :class:`RecipientError`.

    ``learner_org`` is the state the learner's own sign-in gave (their completion of the course),
    or :data:`UNKNOWN`. Returns the recipient with ``org`` filled in when the row had none.
    """
    if country is None:
        return recipient
    if not isinstance(learner_org, _Unknown) and learner_org != country:
        of = f"of {learner_org}" if learner_org else "without a member state"
        raise RecipientError(
            ReasonCode.OTHER_STATE,
            f"learner {recipient.learner_id} is {of} (from their own sign-in); "
            f"a country admin for {country} certifies {country}'s learners only",
        )
    if recipient.org is not None and recipient.org != country:
        raise RecipientError(
            ReasonCode.OTHER_STATE,
            f"org {recipient.org} is another member state; a country admin for {country} certifies "
            f"{country}'s learners only",
        )
    if recipient.org is None:
        return dataclasses.replace(recipient, org=country)
    return recipient


def may_revoke(certificate_org: str | None, country: str | None) -> bool:
    """Whether an actor limited to ``country`` (None: no limit) may revoke a certificate of ``certificate_org``."""
    return country is None or (certificate_org is not None and certificate_org == country)
