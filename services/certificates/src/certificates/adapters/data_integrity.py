"""Data Integrity proofs, cryptosuite ``eddsa-rdfc-2022`` (W3C Data Integrity EdDSA Cryptosuites v1.0).

Every certificate's Open Badges 3.0 credential exists twice: as a VC-JWT (``signing.py``) and,
for the wallets and verifiers built on JSON-LD (the Learner Credential Wallet, VerifierPlus,
``@digitalbazaar/vc``), as the same credential with an embedded ``DataIntegrityProof``.

Creating a proof (spec sections 3.2.1 to 3.2.6):

1. the proof configuration is the proof without ``proofValue``, with the document's
   ``@context``; ``created`` is an XML Schema date-time, ``proofPurpose`` ``assertionMethod``;
2. both the unsecured document and the proof configuration are canonicalised with RDFC-1.0
   (:func:`certificates.adapters.rdfc.canonical_nquads`, offline contexts only);
3. the signed bytes are ``SHA-256(canonical proof configuration) || SHA-256(canonical document)``
   (64 bytes), signed with Ed25519;
4. ``proofValue`` is the signature in multibase base58btc (``z…``).

The verification method is the issuer key as a ``Multikey``: its id is the DID plus ``#`` and the
key's ``publicKeyMultibase`` (``z6Mk…``: base58btc of the ed25519-pub multicodec prefix
``0xed 0x01`` and the 32 raw bytes), and the DID document lists it beside the JsonWebKey form
the VC-JWT's ``kid`` names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates.adapters import rdfc

PROOF_TYPE: Final = "DataIntegrityProof"
CRYPTOSUITE: Final = "eddsa-rdfc-2022"
PROOF_PURPOSE: Final = "assertionMethod"
ED25519_PUB_MULTICODEC: Final = b"\xed\x01"

_B58_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX: Final = {char: value for value, char in enumerate(_B58_ALPHABET)}


class DataIntegrityError(ValueError):
    """A proof is missing, malformed, not ours, or does not verify; the message says which."""


class PublicKeyLike(Protocol):
    @property
    def public_raw(self) -> bytes: ...


# --- multibase base58btc and Multikey ------------------------------------------------------------


def base58btc_encode(data: bytes) -> str:
    """Bitcoin base58 (no check digits); each leading zero byte becomes ``1``."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(_B58_ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        value = _B58_INDEX.get(char)
        if value is None:
            raise ValueError(f"{char!r} is not a base58btc character")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_decode(value: str) -> bytes:
    """The bytes of a base58btc multibase string (``z…``); ValueError for any other base."""
    if not value.startswith("z"):
        raise ValueError("expected a base58btc multibase value (starting with 'z')")
    return base58btc_decode(value[1:])


def public_key_multibase(public_raw: bytes) -> str:
    """An Ed25519 public key as Multikey ``publicKeyMultibase`` (``z6Mk…``)."""
    if len(public_raw) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, got {len(public_raw)}")
    return "z" + base58btc_encode(ED25519_PUB_MULTICODEC + public_raw)


def public_key_from_multibase(value: str) -> bytes:
    """The 32 raw bytes of an Ed25519 Multikey ``publicKeyMultibase``."""
    data = multibase_decode(value)
    if data[:2] != ED25519_PUB_MULTICODEC or len(data) != 34:
        raise ValueError("not an Ed25519 Multikey (multicodec 0xed01 and 32 bytes)")
    return data[2:]


def multikey_id(did: str, public_raw: bytes) -> str:
    """The verification method id of a key's Multikey form: ``<did>#z6Mk…``."""
    return f"{did}#{public_key_multibase(public_raw)}"


def multikey_method(did: str, public_raw: bytes) -> dict[str, str]:
    """A ``Multikey`` verification method for the DID document."""
    return {
        "id": multikey_id(did, public_raw),
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": public_key_multibase(public_raw),
    }


# --- proofs --------------------------------------------------------------------------------------


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("proof timestamps must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hash_data(document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    canonical_config = rdfc.canonical_nquads(proof_config)
    canonical_document = rdfc.canonical_nquads(document)
    return (
        hashlib.sha256(canonical_config.encode("utf-8")).digest()
        + hashlib.sha256(canonical_document.encode("utf-8")).digest()
    )


def add_proof(
    document: Mapping[str, Any], private_key: Ed25519PrivateKey, *, verification_method: str, created: datetime
) -> dict[str, Any]:
    """A copy of ``document`` with an ``eddsa-rdfc-2022`` ``DataIntegrityProof`` (``proof``)."""
    if "proof" in document:
        raise ValueError("the document already has a proof")
    if "@context" not in document:
        raise ValueError("a JSON-LD document needs an @context")
    # A deep copy (the result must not share dicts with the caller's document); through orjson
    # because copy.deepcopy was a quarter of the proof's cost in bulk issuance.
    unsecured = orjson.loads(orjson.dumps(document))
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": _utc(created),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    signature = private_key.sign(_hash_data(unsecured, {"@context": unsecured["@context"], **proof}))
    return {**unsecured, "proof": {**proof, "proofValue": "z" + base58btc_encode(signature)}}


def _raw_key(key: PublicKeyLike | bytes) -> bytes:
    return key if isinstance(key, bytes) else key.public_raw


def check_proof(document: Mapping[str, Any], public_keys: Iterable[PublicKeyLike | bytes]) -> str:
    """Verify the document's ``eddsa-rdfc-2022`` proof; returns the verification method id.

    ``public_keys``: the issuer keys to accept (e.g. the current and retired ones). The key is
    found by the Multikey fragment of the proof's ``verificationMethod``. Raises
    :class:`DataIntegrityError` naming what is wrong. Validity dates and status are the caller's.
    """
    proof = document.get("proof")
    if isinstance(proof, list):
        if len(proof) != 1:
            raise DataIntegrityError(f"expected one proof, found {len(proof)}")
        proof = proof[0]
    if not isinstance(proof, Mapping):
        raise DataIntegrityError("the document has no proof")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise DataIntegrityError(
            f"expected a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}, "
            f"got {proof.get('type')!r} / {proof.get('cryptosuite')!r}"
        )
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        raise DataIntegrityError(f"expected proofPurpose {PROOF_PURPOSE}, got {proof.get('proofPurpose')!r}")
    method = proof.get("verificationMethod")
    value = proof.get("proofValue")
    if not isinstance(method, str) or "#" not in method:
        raise DataIntegrityError("the proof's verificationMethod is not a DID URL")
    if not isinstance(value, str):
        raise DataIntegrityError("the proof has no proofValue")
    try:
        wanted = public_key_from_multibase(method.rsplit("#", 1)[1])
        signature = multibase_decode(value)
    except ValueError as exc:
        raise DataIntegrityError(f"malformed proof: {exc}") from None
    if wanted not in {_raw_key(key) for key in public_keys}:
        raise DataIntegrityError(f"the proof names {method}, which is not one of the issuer's keys")
    unsecured = {name: item for name, item in document.items() if name != "proof"}
    config = {name: item for name, item in proof.items() if name != "proofValue"}
    config["@context"] = document.get("@context")
    try:
        hash_data = _hash_data(unsecured, config)
    except rdfc.CanonicalisationError as exc:
        raise DataIntegrityError(str(exc)) from None
    try:
        Ed25519PublicKey.from_public_bytes(wanted).verify(signature, hash_data)
    except InvalidSignature:
        raise DataIntegrityError("the Data Integrity signature does not verify") from None
    return method


def verify_data_integrity(credential: Mapping[str, Any], public_keys: Iterable[PublicKeyLike | bytes]) -> bool:
    """Whether ``credential`` carries an ``eddsa-rdfc-2022`` proof by one of ``public_keys`` that verifies."""
    try:
        check_proof(credential, list(public_keys))
    except DataIntegrityError:
        return False
    return True
