"""Issuer key rotation on a real stack of its own: credentials signed before it keep verifying.

The stack is separate from the suite's (``own_stack``) because rotating restarts the certificates
roles with a different key, which the other tests must not see. Three keys, two rotations:

* key A is the development key the service generates in ``{LMS_DATA_DIR}/keys/``;
* rotation 1, the development procedure: A's file is moved to ``keys/retired/`` and the roles are
  restarted, which generates key B;
* rotation 2, the production procedure: ``LMS_ISSUER_PRIVATE_KEY`` = C and
  ``LMS_ISSUER_RETIRED_KEYS`` = B's public JWK, taken from the JWKS the service published.

Each key signs one certificate (single issue through the API, or a bulk job through the worker).
After the last rotation every credential is checked the way an outside verifier would: the ``kid``
in its JWS header picks the key from the published JWKS, and PyNaCl checks the signature.
"""

from __future__ import annotations

import base64
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from nacl.signing import VerifyKey

from certificates.adapters.data_integrity import check_proof, public_key_from_multibase
from certificates.adapters.signing import IssuerKey

from .conftest import issue_in_bulk, own_admin, publish_course_to, restart_roles

pytestmark = pytest.mark.integration

SIGNING_ROLES = ("certificates", "certificates-worker")


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def header_of(token: str) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(b64url_decode(token.split(".")[0]))
    return header


def verify_with_published_key(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """What an outside verifier does: the header's kid picks the JWK, libsodium checks the signature."""
    kid = header_of(token)["kid"]
    did, _, thumbprint = kid.partition("#")
    assert did.startswith("did:web:") and thumbprint, kid
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == kid]  # the JWKS kid is the DID URL itself
    header_b64, payload_b64, signature_b64 = token.split(".")
    signed = f"{header_b64}.{payload_b64}".encode("ascii")
    VerifyKey(b64url_decode(jwk["x"])).verify(signed, b64url_decode(signature_b64))
    payload: dict[str, Any] = json.loads(b64url_decode(payload_b64))
    return payload


async def published_kids(client: httpx.AsyncClient) -> list[str]:
    jwks = (await client.get("/.well-known/jwks.json")).json()
    did = (await client.get("/.well-known/did.json")).json()["id"]
    # Each kid is the key's DID URL, the kid of the VC-JWT headers it signed: did:web:…#<thumbprint>.
    assert all(k["kid"].startswith(f"{did}#") for k in jwks["keys"]), jwks
    return [k["kid"].rpartition("#")[2] for k in jwks["keys"]]


async def issue_single(client: httpx.AsyncClient, headers: dict[str, str], course_id: str, name: str) -> Any:
    r = await client.post(
        "/v1/certificates",
        json={"courseId": course_id, "recipient": {"name": name, "email": f"{uuid.uuid4().hex}@example.org"}},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def issue_bulk(client: httpx.AsyncClient, headers: dict[str, str], course_id: str, name: str) -> Any:
    job = await issue_in_bulk(client, headers, course_id, [name])
    listed = (await client.get("/v1/certificates", params={"courseId": course_id}, headers=headers)).json()
    (cert,) = [c for c in listed["nodes"] if c["bulkJobId"] == job["id"]]
    return cert


async def test_rotated_keys_keep_old_credentials_verifiable(own_stack: Any, own_client: httpx.AsyncClient) -> None:
    env = own_stack.env
    client, headers = own_client, own_admin(own_stack)
    course = await publish_course_to(own_stack, auto_issue=False)

    # Key A: the development key, generated in the data folder.
    (kid_a,) = await published_kids(client)
    cert_a = await issue_single(client, headers, course.course_id, "Aibek Key-A")
    list_a = (await client.get("/v1/status-lists/0")).text
    assert header_of(list_a)["kid"].endswith(f"#{kid_a}")

    # Rotation 1, development: move A's file among the retired keys; the restart generates B.
    keys_dir = Path(env["LMS_DATA_DIR"]) / "keys"
    (keys_dir / "retired").mkdir()
    shutil.move(keys_dir / "issuer-ed25519.pem", keys_dir / "retired" / "issuer-a.pem")
    restart_roles(own_stack, SIGNING_ROLES)
    kid_b, retired_a = await published_kids(client)
    assert retired_a == kid_a and kid_b != kid_a
    cert_b = await issue_bulk(client, headers, course.course_id, "Bakyt Key-B")  # signed by the worker

    # Rotation 2, production: C from LMS_ISSUER_PRIVATE_KEY; B's public JWK copied from the JWKS.
    jwks_before = (await client.get("/.well-known/jwks.json")).json()
    (jwk_b,) = [k for k in jwks_before["keys"] if k["kid"].endswith(f"#{kid_b}")]
    key_c = IssuerKey.generate()
    restart_roles(
        own_stack,
        SIGNING_ROLES,
        {
            "LMS_ISSUER_PRIVATE_KEY": key_c.private_pem().decode("ascii"),
            "LMS_ISSUER_RETIRED_KEYS": json.dumps([jwk_b]),
        },
    )
    assert await published_kids(client) == [key_c.key_id, kid_b, kid_a]
    cert_c = await issue_single(client, headers, course.course_id, "Cholpon Key-C")

    jwks = (await client.get("/.well-known/jwks.json")).json()
    did = (await client.get("/.well-known/did.json")).json()
    methods = {m["id"]: m["publicKeyJwk"]["x"] for m in did["verificationMethod"] if m["type"] == "JsonWebKey2020"}
    multikeys = {
        m["id"]: public_key_from_multibase(m["publicKeyMultibase"])
        for m in did["verificationMethod"]
        if m["type"] == "Multikey"
    }
    assert set(did["assertionMethod"]) == set(methods) | set(multikeys)
    assert len(multikeys) == len(methods) == 3
    for cert, kid in ((cert_a, kid_a), (cert_b, kid_b), (cert_c, key_c.key_id)):
        token = cert["credentialJwt"]
        header = header_of(token)
        assert header["kid"] == f"{did['id']}#{kid}", cert["learnerName"]
        # The DID document names the same key as the JWKS.
        assert methods[header["kid"]] == next(k["x"] for k in jwks["keys"] if k["kid"] == header["kid"])
        payload = verify_with_published_key(token, jwks)
        assert payload["credentialSubject"]["name"] == cert["learnerName"]
        # The Data Integrity proof made with that key verifies with its Multikey, retired or not.
        proved = cert["credentialDataIntegrity"]
        assert check_proof(proved, multikeys.values()) == proved["proof"]["verificationMethod"]
        assert multikeys[proved["proof"]["verificationMethod"]] == b64url_decode(methods[header["kid"]])
        verified = (await client.get(f"/v1/verify/{cert['code']}")).json()
        assert verified["valid"] is True and verified["learnerName"] == cert["learnerName"]

    # The status list signed with A before the rotations is re-signed with C on its next read.
    list_now = (await client.get("/v1/status-lists/0")).text
    assert header_of(list_now)["kid"] == f"{did['id']}#{key_c.key_id}"
    verify_with_published_key(list_now, jwks)
