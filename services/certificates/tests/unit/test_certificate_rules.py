"""Derived codes, revocation reasons and status-list positions."""

from __future__ import annotations

import uuid

import pytest

from certificates.adapters.credentials import LIST_SIZE, bit_position
from certificates.domain.certificate import RevocationError, clean_revocation_reason, derive_code
from certificates.domain.codes import normalize_code

pytestmark = pytest.mark.unit


def test_derived_codes_are_valid_stable_and_keyed() -> None:
    cert = uuid.uuid4()
    code = derive_code(cert, b"secret-1")
    assert normalize_code(code) == code
    assert normalize_code(code.lower()) == code
    assert derive_code(cert, b"secret-1") == code
    assert derive_code(cert, b"secret-2") != code
    assert derive_code(uuid.uuid4(), b"secret-1") != code


def test_derived_codes_do_not_collide_in_a_large_batch() -> None:
    codes = {derive_code(uuid.uuid4(), b"k") for _ in range(20_000)}
    assert len(codes) == 20_000


def test_revocation_reason_is_required_and_bounded() -> None:
    assert clean_revocation_reason("  wrong   person ") == "wrong person"
    for bad in ("", "   ", None, 42):
        with pytest.raises(RevocationError):
            clean_revocation_reason(bad)
    with pytest.raises(RevocationError, match="501 characters"):
        clean_revocation_reason("x" * 501)


def test_status_positions_are_a_permutation_not_the_issue_order() -> None:
    positions = [bit_position(slot) for slot in range(LIST_SIZE)]
    assert sorted(positions) == list(range(LIST_SIZE))
    assert positions[:3] != [0, 1, 2]
    assert bit_position(LIST_SIZE + 7) == bit_position(7)
