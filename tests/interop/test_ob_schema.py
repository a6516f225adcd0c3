"""Each credential we issue is an Open Badges 3.0 ``AchievementCredential`` by 1EdTech's JSON Schema.

The schema is 1EdTech's published file (``$id``
https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json),
vendored byte for byte in ``schemas/`` and pinned by its SHA-256. Two validators, neither ours: the
Python ``jsonschema`` package (draft 2019-09, as the file's ``$schema`` says) and, under Node, Ajv's
2019-09 validator with ajv-formats, which is how the Digital Credentials Consortium's verifier-core
(VerifierPlus) checks Open Badges. Both forms are checked: the VC-JWT's claims set and the Data
Integrity credential (with its ``proof``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

from certificates.service_layer.ports import SignedCredential
from tests.interop.verifiers import (
    SCHEMA_FILE,
    SCHEMA_SHA256,
    SCHEMA_URL,
    jwt_payload,
    node_checks,
    schema_errors,
    schema_sha256,
)

Issue = Callable[..., SignedCredential]

NAMES = ("Aibek Ömürbekov", 'O\'Brien "Junior" \\ Test', "Գայանե Հակոբյան", "محمد الأحمد")


def test_the_vendored_schema_is_the_pinned_file() -> None:
    assert schema_sha256() == SCHEMA_SHA256
    schema = json.loads(SCHEMA_FILE.read_bytes())
    assert schema["$id"] == SCHEMA_URL
    assert schema["$schema"] == "https://json-schema.org/draft/2019-09/schema#"
    assert "AchievementSubject" in schema["$defs"]


def test_both_forms_of_a_certificate_are_achievement_credentials(issue: Issue) -> None:
    documents = []
    for name in NAMES:
        signed = issue(name=name)
        assert signed.data_integrity is not None
        documents += [jwt_payload(signed.jws), signed.data_integrity]
    for document in documents:
        assert schema_errors(document) == []
    for result in node_checks([{"kind": "schema", "document": d} for d in documents]):
        assert result["ok"], result["error"]


def test_the_schema_check_can_fail(issue: Issue) -> None:
    """What the schema refuses: each broken variant of a valid credential, in both validators."""
    signed = issue()
    assert signed.data_integrity is not None
    good = signed.data_integrity

    no_achievement = copy.deepcopy(good)
    del no_achievement["credentialSubject"]["achievement"]
    unknown_identity_type = copy.deepcopy(good)
    unknown_identity_type["credentialSubject"]["identifier"][0]["identityType"] = "nickname"
    vc_one_context = copy.deepcopy(good)
    vc_one_context["@context"] = ["https://www.w3.org/2018/credentials/v1", good["@context"][1]]
    no_valid_from = copy.deepcopy(good)
    del no_valid_from["validFrom"]
    not_an_open_badge = copy.deepcopy(good)
    not_an_open_badge["type"] = ["VerifiableCredential"]
    variants = [no_achievement, unknown_identity_type, vc_one_context, no_valid_from, not_an_open_badge]

    for variant in variants:
        assert schema_errors(variant), variant
    assert any("achievement" in e for e in schema_errors(no_achievement))
    assert any("validFrom" in e for e in schema_errors(no_valid_from))
    # Formats are checked by Ajv (ajv-formats); the Python package checks date-time only when the
    # optional rfc3339-validator is installed, which we do not need.
    not_a_date_time = copy.deepcopy(good)
    not_a_date_time["validFrom"] = "14 May 2026"
    results = node_checks([{"kind": "schema", "document": v} for v in [*variants, not_a_date_time]])
    for variant, result in zip([*variants, not_a_date_time], results, strict=True):
        assert not result["ok"], variant
        assert result["errors"], result
    assert any("validFrom" in e and "date-time" in e for e in results[-1]["errors"]), results[-1]
