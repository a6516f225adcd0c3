"""The issuer's Ed25519 key, its did:web identity, and Open Badges 3.0 credentials signed as JWTs.

Every certificate also exists as an Open Badges 3.0 ``OpenBadgeCredential`` (a W3C Verifiable
Credential, data model 2.0) that anyone can check without us: an employer's HR system, a
ministry's registry, a learner's wallet.

Two proofs of the same credential
---------------------------------
* VC-JOSE-COSE (``application/vc+jwt``, this module): a compact JWS that any JOSE library in any
  language (PyJWT, jose, nimbus, go-jose...) checks with the public key from our JWKS or DID
  document; the Ed25519 signature covers exactly the bytes in the token.
* Data Integrity (``eddsa-rdfc-2022``, ``data_integrity.py``, issue 17): the same credential with
  an embedded ``DataIntegrityProof``, for the wallets and verifiers built on JSON-LD (the
  Learner Credential Wallet, VerifierPlus, ``@digitalbazaar/vc``). It needs RDFC-1.0
  canonicalisation with the contexts resolved, which is why they are vendored
  (``jsonld_contexts.py``) and why every term of the credential must be defined by them.
* Both are conformant securing mechanisms for VC 2.0 and Open Badges 3.0.

Token shape, following VC-JOSE-COSE: protected header ``{"alg": "EdDSA", "typ": "vc+jwt",
"cty": "vc", "kid": "<did>#<thumbprint>"}``; the payload is the credential itself (no ``vc``
claim, which that specification forbids), plus ``iss`` set to ``issuer.id`` so generic JWT
tooling can route the token without conflicting with the credential (the VC 2.0 context defines
``iss``; tokens issued before issue 17 also carried ``jti``, which no context defines, so JSON-LD
processors in safe mode refused them). ``kid`` is a DID URL naming a verification method in our
did:web document, so a verifier can resolve the key from the issuer's identifier alone. As JSON (for example in an
API response) the token is wrapped the way VC 2.0 embeds enveloped credentials:
``{"@context": "https://www.w3.org/ns/credentials/v2", "id": "data:application/vc+jwt,<jws>",
"type": "EnvelopedVerifiableCredential"}``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates.adapters.data_integrity import add_proof, multikey_id, multikey_method

VC_CONTEXT_V2: Final = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT_V3: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC_JWT_MEDIA_TYPE: Final = "application/vc+jwt"
JWS_TYP: Final = "vc+jwt"
JWS_CTY: Final = "vc"
JWS_ALG: Final = "EdDSA"

_DID_CONTEXTS: Final = (
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/suites/jws-2020/v1",
    "https://w3id.org/security/multikey/v1",
)
_ENVELOPE_PREFIX: Final = f"data:{VC_JWT_MEDIA_TYPE},"


class CredentialVerificationError(ValueError):
    """A credential JWT is malformed, not ours, or its signature does not verify."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_bytes(value: Mapping[str, Any]) -> bytes:
    # Compact and UTF-8 (not \u-escaped): the signed bytes are what verifiers decode, and
    # readable names make tokens easier to debug.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _thumbprint(public_raw: bytes) -> str:
    """RFC 7638 JWK thumbprint of an Ed25519 public key: our ``kid``."""
    return _b64url(hashlib.sha256(_json_bytes({"crv": "Ed25519", "kty": "OKP", "x": _b64url(public_raw)})).digest())


def _public_jwk(public_raw: bytes, key_id: str) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(public_raw), "kid": key_id, "alg": JWS_ALG, "use": "sig"}


class IssuerPublicKey:
    """The public half of an issuer key: what the DID document and the JWKS publish.

    Retired keys exist only in this form: they sign nothing any more, but every credential they
    signed must keep verifying, so their public keys stay published for good.
    """

    __slots__ = ("_public_raw", "key_id")

    def __init__(self, public_raw: bytes) -> None:
        if len(public_raw) != 32:
            raise ValueError(f"an Ed25519 public key is 32 bytes, got {len(public_raw)}")
        self._public_raw = public_raw
        self.key_id: str = _thumbprint(public_raw)

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> IssuerPublicKey:
        """A public JWK (RFC 8037: ``kty`` OKP, ``crv`` Ed25519, ``x``), e.g. copied from our JWKS.

        A ``kid``, if present, must name the key's thumbprint, bare or as a DID URL fragment
        (``…#<thumbprint>``, as our JWKS publishes it): that is what every credential we signed
        names, so any other value would publish a key no credential points at.
        """
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise ValueError(f"expected kty OKP and crv Ed25519, got {jwk.get('kty')!r} and {jwk.get('crv')!r}")
        if "d" in jwk:
            raise ValueError("it contains the private part 'd'; give only the public key (kty, crv, x)")
        x = jwk.get("x")
        if not isinstance(x, str):
            raise ValueError("'x' (the base64url public key) is missing")
        try:
            raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
        except ValueError:
            raise ValueError("'x' is not base64url") from None
        key = cls(raw)
        if "kid" in jwk and str(jwk["kid"]).rpartition("#")[2] != key.key_id:
            raise ValueError(f"its kid {jwk['kid']!r} is not the key's thumbprint {key.key_id!r}")
        return key

    @classmethod
    def from_pem(cls, text: str | bytes, *, allow_private: bool = False) -> IssuerPublicKey:
        """A ``PUBLIC KEY`` PEM (SPKI); with ``allow_private``, the public half of a private PEM."""
        data = text.encode("ascii") if isinstance(text, str) else text
        data = data.strip() + b"\n"
        if b"PRIVATE KEY" in data:
            if not allow_private:
                raise ValueError("it is a private key; give the public key (openssl pkey -pubout)")
            return IssuerKey.from_pem(data).public
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"not a readable PEM public key: {exc}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"issuer keys are Ed25519, got {type(key).__name__}")
        return cls(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))

    @property
    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK (RFC 8037), with ``kid``, ``alg`` and ``use``."""
        return _public_jwk(self._public_raw, self.key_id)

    @property
    def public_raw(self) -> bytes:
        return self._public_raw


class IssuerKey:
    """The Ed25519 key certificates are signed with.

    Development loads or creates a PEM file (:meth:`load_or_generate`); production reads the
    PEM from a secret (:meth:`from_pem`). ``key_id`` is the RFC 7638 JWK thumbprint, so it
    changes exactly when the key does.
    """

    __slots__ = ("_private", "_public_raw", "key_id")

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self._public_raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_id: str = _thumbprint(self._public_raw)

    @classmethod
    def generate(cls) -> IssuerKey:
        """A fresh random key."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, text: str | bytes) -> IssuerKey:
        """Load an unencrypted PKCS#8 PEM Ed25519 private key (e.g. from a secret env var)."""
        data = text.encode("ascii") if isinstance(text, str) else text
        if b"\n" not in data and b"\\n" in data:
            # Secrets passed through .env files or CI variables often arrive with escaped newlines.
            data = data.replace(b"\\n", b"\n")
        try:
            key = serialization.load_pem_private_key(data.strip() + b"\n", password=None)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"not a readable unencrypted PEM private key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"issuer key must be Ed25519, got {type(key).__name__}")
        return cls(key)

    @classmethod
    def load_or_generate(cls, path: str | Path) -> IssuerKey:
        """Load the PEM at ``path``, creating it (mode 0600) on first use.

        Creation is atomic: the key is written to a private temporary file and hard-linked
        into place, so two processes starting together end up with the same key and nobody
        ever reads a half-written file.
        """
        target = Path(path)
        if target.exists():
            return cls.from_pem(target.read_bytes())
        target.parent.mkdir(parents=True, exist_ok=True)
        key = cls.generate()
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".issuer-key-")
        try:
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(key.private_pem())
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, target)
            except FileExistsError:
                return cls.from_pem(target.read_bytes())  # another process won the race
        finally:
            os.unlink(temporary)
        return key

    def private_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM."""
        return self._private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The public half, as a ``cryptography`` object."""
        return self._private.public_key()

    @property
    def public(self) -> IssuerPublicKey:
        """The public half, as it is published."""
        return IssuerPublicKey(self._public_raw)

    @property
    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK (RFC 8037), with ``kid``, ``alg`` and ``use``."""
        return _public_jwk(self._public_raw, self.key_id)

    def sign_jws(self, payload: Mapping[str, Any], header: Mapping[str, Any]) -> str:
        """A compact JWS over ``payload``; ``alg`` is always EdDSA, whatever ``header`` says."""
        protected = {"alg": JWS_ALG, **{name: value for name, value in header.items() if name != "alg"}}
        signing_input = f"{_b64url(_json_bytes(protected))}.{_b64url(_json_bytes(payload))}"
        signature = self._private.sign(signing_input.encode("ascii"))
        return f"{signing_input}.{_b64url(signature)}"

    def sign_credential(self, credential: Mapping[str, Any], *, verification_method: str) -> str:
        """Secure a VC 2.0 credential as a ``vc+jwt`` (VC-JOSE-COSE).

        ``verification_method`` is the DID URL of this key (see :func:`verification_method_id`).
        """
        issuer = credential.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
        payload = dict(credential)
        if isinstance(issuer_id, str):
            payload["iss"] = issuer_id  # defined by the VC 2.0 context (jose#iss), so JSON-LD keeps it
        # No ``jti``: the claims set *is* the JSON-LD credential, and neither the VC 2.0 nor the
        # Open Badges 3.0.3 context defines ``jti``, so a safe-mode JSON-LD processor would drop it
        # ("Dropping property jti") and refuse the credential. ``id`` identifies the credential.
        return self.sign_jws(payload, {"kid": verification_method, "typ": JWS_TYP, "cty": JWS_CTY})

    @property
    def public_raw(self) -> bytes:
        return self._public_raw

    def multikey_id(self, did: str) -> str:
        """The DID URL of this key's ``Multikey`` verification method (Data Integrity proofs)."""
        return multikey_id(did, self._public_raw)

    def add_data_integrity_proof(
        self, document: Mapping[str, Any], *, verification_method: str, created: datetime
    ) -> dict[str, Any]:
        """A copy of a JSON-LD credential with an ``eddsa-rdfc-2022`` proof by this key."""
        return add_proof(document, self._private, verification_method=verification_method, created=created)


def verify_credential_jwt(token: str, public_jwk: Mapping[str, Any]) -> dict[str, Any]:
    """Check a ``vc+jwt`` signature against ``public_jwk`` and return the credential.

    Verifies the header (EdDSA, ``typ`` vc+jwt) and the signature with PyJWT; it does not
    judge validity dates or revocation, which the caller decides with the status list.
    Raises :class:`CredentialVerificationError`.
    """
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != JWS_ALG or header.get("typ") != JWS_TYP:
            raise CredentialVerificationError(
                f"expected alg {JWS_ALG} and typ {JWS_TYP}, got {header.get('alg')} and {header.get('typ')}"
            )
        key = jwt.PyJWK(dict(public_jwk), algorithm=JWS_ALG)
        payload: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[JWS_ALG],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False},
        )
    except jwt.PyJWTError as exc:
        raise CredentialVerificationError(str(exc)) from None
    if "vc" in payload:
        raise CredentialVerificationError("a vc+jwt must carry the credential itself, not a 'vc' claim")
    return payload


def token_payload(token: str) -> dict[str, Any]:
    """The payload of a compact JWS, decoded but NOT verified (for tokens we signed and stored)."""
    try:
        body = token.split(".")[1]
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (IndexError, ValueError) as exc:
        raise CredentialVerificationError(f"not a compact JWS: {exc}") from None
    if not isinstance(payload, dict):
        raise CredentialVerificationError("the JWS payload is not a JSON object")
    return payload


def envelope_credential(token: str) -> dict[str, str]:
    """The JSON form of a JWT-secured credential, as VC 2.0 embeds enveloped credentials."""
    return {"@context": VC_CONTEXT_V2, "id": f"{_ENVELOPE_PREFIX}{token}", "type": "EnvelopedVerifiableCredential"}


def token_from_envelope(envelope: Mapping[str, Any]) -> str:
    """The compact JWS inside an ``EnvelopedVerifiableCredential``; ValueError if it is not one."""
    kind = envelope.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    identifier = envelope.get("id")
    if "EnvelopedVerifiableCredential" not in kinds or not isinstance(identifier, str):
        raise ValueError("not an EnvelopedVerifiableCredential")
    if not identifier.startswith(_ENVELOPE_PREFIX):
        raise ValueError(f"enveloped credential id must start with {_ENVELOPE_PREFIX!r}")
    return identifier[len(_ENVELOPE_PREFIX) :]


def decode_enveloped_credential(envelope: Mapping[str, Any], public_jwk: Mapping[str, Any]) -> dict[str, Any]:
    """Unwrap an enveloped credential and verify it: the credential dictionary."""
    return verify_credential_jwt(token_from_envelope(envelope), public_jwk)


# --- identity: did:web, DID document, JWKS -------------------------------------------------------


def did_web_for(base_url: str) -> str:
    """The did:web identifier of a public base URL.

    ``http://127.0.0.1:8000`` → ``did:web:127.0.0.1%3A8000``;
    ``https://certs.example.org/kentbilim/`` → ``did:web:certs.example.org:kentbilim``.
    """
    parts = urlsplit(base_url)
    if not parts.hostname:
        raise ValueError(f"not an absolute URL: {base_url!r}")
    host = parts.hostname.lower()  # host names are ASCII (IDNA); lower() is safe here
    if parts.port is not None:
        host = f"{host}%3A{parts.port}"
    segments = [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return ":".join(["did", "web", host, *segments])


def did_document_path(base_url: str) -> str:
    """Where did:web resolution fetches the DID document, relative to the host."""
    path = urlsplit(base_url).path.strip("/")
    return f"/{path}/did.json" if path else "/.well-known/did.json"


def verification_method_id(did: str, key: IssuerKey | IssuerPublicKey) -> str:
    """The DID URL naming ``key`` in the DID document; used as the JWS ``kid``."""
    return f"{did}#{key.key_id}"


def build_did_document(base_url: str, keys: Sequence[IssuerKey | IssuerPublicKey]) -> dict[str, Any]:
    """The did:web DID document listing ``keys`` (current first, then retired ones still valid).

    Each key is listed twice: as ``JsonWebKey2020`` under its JWK thumbprint (the ``kid`` of our
    VC-JWTs, unchanged since the first credential) and as ``Multikey`` under its
    ``publicKeyMultibase`` (the ``verificationMethod`` of our Data Integrity proofs).
    """
    did = did_web_for(base_url)
    methods: list[dict[str, Any]] = []
    for key in keys:
        methods.append(
            {
                "id": verification_method_id(did, key),
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": {name: value for name, value in key.public_jwk.items() if name in ("kty", "crv", "x")},
            }
        )
        methods.append(multikey_method(did, key.public_raw))
    ids = [method["id"] for method in methods]
    return {
        "@context": list(_DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


def build_jwks(keys: Sequence[IssuerKey | IssuerPublicKey], did: str | None = None) -> dict[str, list[dict[str, str]]]:
    """A JWK Set (RFC 7517) of the public keys, for verifiers that prefer plain JOSE.

    With ``did``, each key's ``kid`` is its DID URL (``did:web:…#<thumbprint>``), exactly the ``kid``
    in the header of every VC-JWT it signed, so a JWKS client that matches ``kid`` exactly (as
    jose's ``createLocalJWKSet`` does) finds it.
    """
    if did is None:
        return {"keys": [key.public_jwk for key in keys]}
    return {"keys": [{**key.public_jwk, "kid": verification_method_id(did, key)} for key in keys]}


# --- the credential ------------------------------------------------------------------------------


def vc_timestamp(moment: datetime) -> str:
    """A VC date-time (XML Schema ``dateTimeStamp``) in UTC to the second: ``2025-03-12T10:00:00Z``."""
    if moment.tzinfo is None:
        raise ValueError("credential timestamps must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_open_badge_credential(
    *,
    credential_id: str,
    issuer_id: str,
    issuer_name: str,
    learner_name: str,
    achievement_id: str,
    course_title: str,
    description: str,
    criteria: str,
    valid_from: datetime,
    credential_status: Mapping[str, Any] | None = None,
    learner_id: str | None = None,
    language: str | None = None,
    achievement_type: str = "Certificate",
) -> dict[str, Any]:
    """An Open Badges 3.0 ``OpenBadgeCredential`` (VC data model 2.0), unsigned.

    ``credential_id`` should be a URL or URN unique to the certificate (e.g. its verification
    page); ``achievement_id`` identifies the course version. The learner is named both with
    ``name`` and with an Open Badges ``IdentityObject`` of type ``name``, because the learner
    usually has no DID or e-mail to identify them by. ``credential_status`` is a Bitstring
    Status List entry (see :func:`certificates.adapters.status_list.status_list_entry`).
    """
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "name": learner_name,
        "identifier": [
            {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": learner_name}
        ],
        "achievement": {
            "id": achievement_id,
            "type": ["Achievement"],
            "achievementType": achievement_type,
            "name": course_title,
            "description": description,
            "criteria": {"narrative": criteria},
        },
    }
    if learner_id is not None:
        subject["id"] = learner_id
    if language is not None:
        subject["achievement"]["inLanguage"] = language
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT_V2, OB_CONTEXT_V3],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": course_title,
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": issuer_name},
        "validFrom": vc_timestamp(valid_from),
        "credentialSubject": subject,
    }
    if credential_status is not None:
        credential["credentialStatus"] = dict(credential_status)
    return credential
