"""Fixtures for the independent-verifier tests: our issuer, built from the service's own signing code.

The credentials under test come from the certificates service's signer (``VcJwtSigner``, the object
the API and the workers sign with), or, in ``test_issued_certificate_live.py``, from the running
service itself. What checks them is never ours: see ``verifiers.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from certificates.adapters.credentials import VcJwtSigner
from certificates.adapters.signing import IssuerKey, IssuerPublicKey
from certificates.service_layer.ports import CredentialFacts, SignedCredential
from tests.interop.verifiers import VerifierSetupError, _node

PUBLIC_URL = "https://certificates.example.org"
NAME = "Aibek Ömürbekov"


@pytest.fixture(scope="session", autouse=True)
def verifiers_installed() -> None:
    """Fail at once, with the command to run, if Node or the pinned npm packages are missing."""
    try:
        _node()
    except VerifierSetupError as exc:
        pytest.fail(str(exc), pytrace=False)


def make_signer(key: IssuerKey | None = None, retired: tuple[IssuerPublicKey, ...] = ()) -> VcJwtSigner:
    return VcJwtSigner(key or IssuerKey.generate(), PUBLIC_URL, retired)


def make_facts(*, name: str = NAME, slot: int = 4242, lang: str = "ky") -> CredentialFacts:
    code = uuid.uuid4().hex[:10].upper()
    return CredentialFacts(
        certificate_id=uuid.uuid4(),
        code=code,
        learner_name=name,
        learner_id=None,
        course_id="course-participatory-budgeting",
        course_title="Катышуучулук бюджет",
        course_version=3,
        lang=lang,
        issued_at=datetime(2026, 5, 14, 9, 30, tzinfo=UTC),
        issuer_name="Kentbilim",
        verify_url=f"{PUBLIC_URL}/verify/{code}",
        status_list_index=slot,
        course_summary="How a municipality lets its residents decide part of the budget.",
    )


@pytest.fixture
def signer() -> VcJwtSigner:
    return make_signer()


@pytest.fixture
def issue(signer: VcJwtSigner) -> Callable[..., SignedCredential]:
    """``issue(name=..., slot=...)``: a certificate's credentials (VC-JWT and Data Integrity)."""

    def sign(**facts: Any) -> SignedCredential:
        signed = signer.sign(make_facts(**facts))
        assert signed.data_integrity is not None, "the signer made no Data Integrity credential"
        return signed

    return sign
