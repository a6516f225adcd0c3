"""Property-based fuzzing of every service's OpenAPI and of the gateway's GraphQL (issue 13).

``LMS_FUZZ_EXAMPLES`` is the number of generated requests per target (a service or the GraphQL API,
as one role), spread over its operations: 200 in ``make test`` (well under a minute per target), e.g.
5000 in ``make fuzz``. Hypothesis keeps no example database: every run draws new inputs.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, Phase, settings

from tests.support.tokens import make_token

EXAMPLES = int(os.environ.get("LMS_FUZZ_EXAMPLES", "200"))
FUZZ_ROLES = ("admin", "learner")


def per_operation(operations: int) -> int:
    """Examples per operation and role, so that a target gets about EXAMPLES requests per role."""
    return max(4, math.ceil(EXAMPLES / max(operations, 1)))


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.generate],  # no shrinking: the failing input is reported as it was sent
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )


@pytest.fixture(scope="session")
def fresh_token(jwt_secret: str) -> Callable[[str], str]:
    """A token of ``role`` for a new user each call: the gateway's per-user rate limit never trips."""

    def make(role: str) -> str:
        return make_token(
            jwt_secret, sub=f"fuzz-{role}-{uuid.uuid4().hex[:10]}", name=f"Fuzz {role}", roles=[role], org="AZ"
        )

    return make
