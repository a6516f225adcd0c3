"""The RDFC-1.0 fast path is byte-identical to pyld's general canonicalisation, or defers to it.

The reference is :func:`rdfc.pyld_canonical_nquads` (pyld's URDNA2015/RDFC-1.0 on the document
itself). Each check runs a fresh :class:`rdfc.Canonicaliser` and also asserts that the fast path
was actually taken, so a fast path that always fell back could not pass unnoticed.
"""

from __future__ import annotations

import copy
import random
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.adapters import rdfc
from certificates.adapters.status_list import build_status_list_credential

from . import rdfc_samples as samples

pytestmark = pytest.mark.unit


def reference(document: dict[str, Any]) -> str:
    return rdfc.pyld_canonical_nquads(document)


def test_thousands_of_varied_credentials_and_proof_configurations_match_pyld_byte_for_byte() -> None:
    rng = random.Random(20261201)
    fast = rdfc.Canonicaliser()
    documents = []
    for _ in range(1200):
        credential = samples.credential(rng)
        documents += [credential, samples.proof_configuration(rng, credential)]
    mismatches = []
    for document in documents:
        expected = reference(document)
        if fast.canonical_nquads(document) != expected:
            mismatches.append(document)
    assert not mismatches, f"{len(mismatches)} differ from pyld, first: {mismatches[0]!r}"
    # Shapes: credential with/without status, learner id and language, and the proof configuration;
    # a few more variants for IRI-looking names and titles equal to the name.
    assert fast.learned < 60, fast.learned
    assert fast.fast_hits >= 0.95 * len(documents), (fast.fast_hits, fast.learned, fast.fallbacks)


def test_every_script_and_every_odd_character_alone_and_combined() -> None:
    rng = random.Random(7)
    fast = rdfc.Canonicaliser()
    base = samples.credential(rng, course=1)
    base["credentialSubject"].pop("id", None)
    fast.canonical_nquads(base)  # learn the shape once
    texts = [*samples.SPECIALS, *(alphabet[:40] for alphabet in samples.SCRIPTS.values()), *samples.TEXT_CONTROLS]
    texts += [a + b for a in samples.SPECIALS for b in samples.SPECIALS[:12]]
    texts += ["x" * 5000, "", " ", "  leading and trailing  "]
    for text in texts:
        document = copy.deepcopy(base)
        document["credentialSubject"]["name"] = text
        document["credentialSubject"]["identifier"][0]["identityHash"] = text
        document["credentialSubject"]["achievement"]["description"] = text + "\n" + text
        assert fast.canonical_nquads(document) == reference(document), repr(text)
    assert fast.fallbacks == 0
    assert fast.fast_hits >= len(texts) - 2  # "" and one-off groupings may be learned, never wrong


_NAME_CHARACTERS = st.characters(
    codec="utf-8",
    exclude_categories=["Cs"],
    exclude_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17"
    "\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f",
)
_SHARED = rdfc.Canonicaliser()
_SHARED_BASE = samples.credential(random.Random(11), course=2)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    learner=st.text(_NAME_CHARACTERS, max_size=60),
    title=st.text(_NAME_CHARACTERS, min_size=1, max_size=40),
    code=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='<>"{}|\\^`'), max_size=20),
    index=st.integers(min_value=0, max_value=131_071),
)
def test_any_unicode_name_title_and_code(learner: str, title: str, code: str, index: int) -> None:
    document = copy.deepcopy(_SHARED_BASE)
    subject = document["credentialSubject"]
    subject["name"] = subject["identifier"][0]["identityHash"] = learner
    subject["achievement"]["name"] = document["name"] = title
    document["id"] = f"https://certs.example.org/verify/{code}"
    if "credentialStatus" in document:
        document["credentialStatus"]["statusListIndex"] = str(index)
    assert _SHARED.canonical_nquads(document) == reference(document)


def test_the_status_list_credential_matches_and_is_fast() -> None:
    from datetime import UTC, datetime

    fast = rdfc.Canonicaliser()
    rng = random.Random(3)
    for _ in range(40):
        revoked = rng.sample(range(131_072), rng.randint(0, 50))
        document = build_status_list_credential(
            list_url=f"https://certs.example.org/status-lists/{rng.randint(0, 9)}",
            issuer_id="did:web:certs.example.org",
            revoked=revoked,
            valid_from=datetime.fromtimestamp(rng.randint(0, 2_000_000_000), UTC),
            ttl_ms=60_000,
        )
        assert fast.canonical_nquads(document) == reference(document)
    assert fast.fast_hits >= 38


def test_a_changed_shape_is_canonicalised_by_pyld_and_learned_again() -> None:
    rng = random.Random(5)
    fast = rdfc.Canonicaliser()
    first = samples.credential(rng, course=3)
    first["credentialSubject"].pop("id", None)
    assert fast.canonical_nquads(first) == reference(first)
    assert (fast.learned, fast.fast_hits) == (1, 0)

    again = copy.deepcopy(first)
    again["credentialSubject"]["name"] = again["credentialSubject"]["identifier"][0]["identityHash"] = "Другое Имя"
    assert fast.canonical_nquads(again) == reference(again)
    assert (fast.learned, fast.fast_hits) == (1, 1)

    changed: list[dict[str, Any]] = []
    extra = copy.deepcopy(first)
    extra["credentialSubject"]["achievement"]["creditsAvailable"] = 2.5  # a new property
    changed.append(extra)
    typed = copy.deepcopy(first)
    typed["type"] = ["VerifiableCredential", "AchievementCredential"]  # a different type
    changed.append(typed)
    with_id = copy.deepcopy(first)
    with_id["credentialSubject"]["id"] = "did:example:learner"  # the subject is no longer a blank node
    changed.append(with_id)
    two = copy.deepcopy(first)
    two["credentialSubject"]["identifier"].append(  # a second identity object: more blank nodes
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "Second"}
    )
    changed.append(two)
    for number, document in enumerate(changed, start=2):
        assert fast.canonical_nquads(document) == reference(document)
        assert (fast.learned, fast.fast_hits) == (number, 1), number


def test_values_that_do_not_fit_the_template_go_to_pyld() -> None:
    rng = random.Random(9)
    fast = rdfc.Canonicaliser()
    first = samples.credential(rng, course=4)
    first["credentialSubject"].pop("id", None)
    first["id"] = "https://certs.example.org/verify/AAAA"
    fast.canonical_nquads(first)
    learned = fast.learned

    # The credential id as a URN instead of https: another scheme, so another variant is learned.
    urn = copy.deepcopy(first)
    urn["id"] = "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"
    assert fast.canonical_nquads(urn) == reference(urn)
    assert fast.learned == learned + 1

    # An id with a space is not an absolute IRI for pyld (dropped): never substituted.
    spaced = copy.deepcopy(first)
    spaced["id"] = "https://certs.example.org/verify/A A"
    assert fast.canonical_nquads(spaced) == reference(spaced)

    # The learner named like the course: the grouping of equal strings differs.
    same = copy.deepcopy(first)
    same["credentialSubject"]["name"] = same["credentialSubject"]["identifier"][0]["identityHash"] = same["name"]
    assert fast.canonical_nquads(same) == reference(same)

    # Two identity objects with the same content: equal first-degree hashes, which only the
    # n-degree step of RDFC-1.0 can order. The fast path must defer, and pyld decides.
    twins = copy.deepcopy(first)
    identity = {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "A"}
    twins["credentialSubject"]["identifier"] = [dict(identity), {**identity, "identityHash": "B"}]
    fast.canonical_nquads(twins)  # learn this shape with distinct values
    twins["credentialSubject"]["identifier"][1]["identityHash"] = "B2"
    hits = fast.fast_hits
    assert fast.canonical_nquads(twins) == reference(twins)
    assert fast.fast_hits == hits + 1
    identical = copy.deepcopy(twins)
    identical["credentialSubject"]["identifier"][1]["identityHash"] = "A"
    assert fast.canonical_nquads(identical) == reference(identical)
    assert fast.fast_hits == hits + 1  # not fast: a new grouping (A twice) is learned or deferred


def test_colliding_first_degree_hashes_defer_to_pyld() -> None:
    base = samples.credential(random.Random(4), course=5)

    def subject(friend: str) -> dict[str, Any]:
        identity = {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": friend}
        # (With this name the colliding hash sorts after the unique ones, so that a fast path
        # that ignored the collision could reproduce the learning document and pass the
        # template's self-check; only other values then show the wrong labelling.)
        return {"type": ["AchievementSubject"], "name": "twin7", "identifier": [identity]}

    def twins(first: str, second: str) -> dict[str, Any]:
        # Two blank-node subjects that look alike to the first-degree hash (same name, one
        # blank-node identity each); only their identities tell them apart, which is the
        # n-degree step's work. Which of the two is labelled first depends on those values.
        return {**base, "credentialSubject": [subject(first), subject(second)]}

    # Learn from either order, several times (blank nodes are numbered in the order of the marker
    # document's output, which depends on the random markers; a wrong labelling of the learning
    # document itself would be caught by the template's self-check), then canonicalise both orders
    # of other values.
    pairs = [("q", "p"), ("p", "q"), ("a", "z"), ("z", "a"), ("Ωmega", "Alpha"), ("Alpha", "Ωmega")]
    for first in [("p", "q"), ("q", "p")] * 8:
        fast = rdfc.Canonicaliser()
        assert fast.canonical_nquads(twins(*first)) == reference(twins(*first))
        for pair in pairs:
            assert fast.canonical_nquads(twins(*pair)) == reference(twins(*pair)), pair
        assert (fast.learned, fast.fast_hits, fast.fallbacks) == (1, 0, len(pairs))


def test_text_that_rdfc_implementations_escape_differently_is_refused() -> None:
    rng = random.Random(1)
    document = samples.credential(rng)
    for character in ("\x08", "\x0c", "\x0b", "\x00", "\x1f", "\x7f"):
        bad = copy.deepcopy(document)
        bad["credentialSubject"]["name"] = f"Ann{character}a"
        with pytest.raises(rdfc.CanonicalisationError, match=f"U\\+{ord(character):04X}"):
            rdfc.canonical_nquads(bad)
    surrogate = copy.deepcopy(document)
    surrogate["name"] = "x\ud800"
    with pytest.raises(rdfc.CanonicalisationError, match="surrogate"):
        rdfc.canonical_nquads(surrogate)


def test_unknown_contexts_and_invalid_documents_are_clear_errors() -> None:
    with pytest.raises(rdfc.CanonicalisationError, match="not one of the contexts we hold"):
        rdfc.canonical_nquads({"@context": "https://example.org/unknown-context", "name": "x"})
    with pytest.raises(rdfc.CanonicalisationError, match="@context must be an object"):
        rdfc.canonical_nquads({"@context": 5, "name": "x"})
    with pytest.raises(rdfc.CanonicalisationError, match='"@id" value must be a string'):
        rdfc.canonical_nquads({"@context": ["https://www.w3.org/ns/credentials/v2"], "@id": 5})
    with pytest.raises(rdfc.CanonicalisationError, match="not a JSON value"):
        rdfc.canonical_nquads({"@context": ["https://www.w3.org/ns/credentials/v2"], "name": {1, 2}})
    with pytest.raises(rdfc.CanonicalisationError, match="JSON object"):
        rdfc.canonical_nquads([1, 2])  # type: ignore[arg-type]


def test_escaping_is_pylds() -> None:
    from pyld.nquads import escape

    for text in [*samples.SPECIALS, *samples.TEXT_CONTROLS, 'a\\"b\\\\n\t\r\n"']:
        assert rdfc.escape_literal(text) == escape(text)


def test_the_fast_path_is_much_faster_than_pyld() -> None:
    from datetime import UTC, datetime

    from certificates.adapters.signing import build_open_badge_credential

    rng = random.Random(2)
    fast = rdfc.Canonicaliser()
    documents = [
        build_open_badge_credential(
            credential_id=f"https://certs.example.org/verify/C{number}",
            issuer_id="did:web:certs.example.org",
            issuer_name="Kentbilim",
            learner_name=samples.name(rng),
            achievement_id="https://certs.example.org/courses/c/versions/1",
            course_title="Course",
            description="About the course",
            criteria="Completed",
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
            language="en",
        )
        for number in range(300)
    ]
    fast.canonical_nquads(documents[0])
    started = time.process_time()
    for document in documents:
        fast.canonical_nquads(document)
    fast_seconds = time.process_time() - started
    started = time.process_time()
    for document in documents[:60]:
        reference(document)
    pyld_seconds = (time.process_time() - started) * len(documents) / 60
    # Typically 50-80x; 5x leaves room for a noisy machine and still catches a fast path that fell back.
    assert pyld_seconds > 5 * fast_seconds, (pyld_seconds, fast_seconds)
    assert fast.fast_hits >= 295
