"""A certificate of participation's credential, checked by verifiers that are not ours (issue 15, item 4).

It says participation honestly (``achievementType`` ``ext:Participation``, the extension form Open
Badges 3.0's schema allows, since its vocabulary has no term for attending an event; the criteria
name the attendance, the days and the venue) and still verifies: ``@digitalbazaar/vc`` with
``eddsa-rdfc-2022`` and the status list, ``jose`` for the VC-JWT, and 1EdTech's schema in Ajv and
Python ``jsonschema``. Changing the type back to a completion's breaks the proof.
"""

from __future__ import annotations

import copy
import dataclasses
from datetime import date

from certificates.adapters.credentials import VcJwtSigner
from certificates.domain.participation import PrintedEvent
from tests.interop.conftest import make_facts
from tests.interop.test_verifiers import both_checks
from tests.interop.verifiers import jwt_payload, node_checks, schema_errors

VENUES = ("Бакинский конгресс-центр", 'Hall "A" \\ Level 2', "Bakı Konqres Mərkəzi")


def test_a_participation_credential_says_so_and_verifies_in_both_forms_and_the_schema(signer: VcJwtSigner) -> None:
    signed = []
    for venue in VENUES:
        event = PrintedEvent(date(2027, 5, 12), date(2027, 5, 13), "Asia/Baku", venue)
        facts = dataclasses.replace(make_facts(lang="ru"), kind="PARTICIPATION", event=event, course_summary=None)
        signed.append(signer.sign(facts))
    documents = [s.data_integrity for s in signed if s.data_integrity is not None]
    assert len(documents) == len(VENUES)
    achievement = documents[0]["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "ext:Participation"
    assert achievement["description"] == "Participation in the event Катышуучулук бюджет."
    assert achievement["criteria"]["narrative"] == (
        "Took part in the event: attended every required session (12–13 May 2027, Asia/Baku, Бакинский конгресс-центр)."
    )

    di, jwts = both_checks(
        signer, documents, [s.jws for s in signed], status_list=signer.sign_status_list_data_integrity(0, [])
    )
    for result in [*di, *jwts]:
        assert result["ok"], result["error"]
    assert all(r["status"] == {"verified": True, "revoked": False, "purposes": ["revocation"]} for r in di)

    forms = [*documents, *(jwt_payload(s.jws) for s in signed)]
    for document in forms:
        assert schema_errors(document) == []
    for result in node_checks([{"kind": "schema", "document": d} for d in forms]):
        assert result["ok"], result["error"]

    # Passing it off as a completion (the type changed back) is refused by the proof.
    forged = copy.deepcopy(documents[0])
    forged["credentialSubject"]["achievement"]["achievementType"] = "Certificate"
    (refused,), _ = both_checks(signer, [forged], [], status_list=signer.sign_status_list_data_integrity(0, []))
    assert not refused["ok"] and "Invalid signature" in refused["error"], refused["error"]


def test_an_online_event_without_a_venue_and_without_sessions(signer: VcJwtSigner) -> None:
    online = PrintedEvent(date(2027, 4, 30), date(2027, 5, 2), "Asia/Almaty", None)
    no_sessions = dataclasses.replace(make_facts(), kind="PARTICIPATION", event=None)
    with_days = dataclasses.replace(make_facts(), kind="PARTICIPATION", event=online)
    narratives = []
    for facts in (with_days, no_sessions):
        credential = signer.sign(facts).data_integrity
        assert credential is not None and schema_errors(credential) == []
        narratives.append(credential["credentialSubject"]["achievement"]["criteria"]["narrative"])
    assert narratives == [
        "Took part in the event: attended every required session (30 April – 2 May 2027, Asia/Almaty).",
        "Took part in the event: attended every required session.",
    ]
