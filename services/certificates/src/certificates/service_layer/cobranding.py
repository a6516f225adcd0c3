"""National co-branding of certificates (issue 14, item 5): a member state's variant of a template.

Admins set a state's variant with ``PUT /v1/templates/{id}/variants/{org}``. The JSON shape::

    {"partnerNames": {"en": "State Committee on Urban Planning and Architecture",
                      "az": "Şəhərsalma və Arxitektura üzrə Dövlət Komitəsi"},
     "partnerLogo": "<base64 PNG/JPEG>" | null,
     "signatories": [{"name": "…", "titles": {"en": "…"}, "names": {"az": "…"},
                      "signatureImage": "<base64 PNG/JPEG>" | null}]}

Every save is a new version (``template_variant``, never updated); the images are stored under
``templates/{id}/variants/{org}/…`` by content hash and never deleted, so an old version still prints.
At issuance the certificate's ``org`` picks the variant (:meth:`CertificateTemplate.for_org`), and the
certificate keeps ``printed.partner = {org, version, digest, name}``. A certificate without it (issued
for another state, or before the variant existed) re-renders without a partner.

Preview (``POST …/variants/{org}/preview``): a sample certificate with the stored variant, or with a
draft sent in the body, watermarked ``PREVIEW``; nothing is stored, signed or issued.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from certificates.domain.cobranding import Partner, check_org, cobranded, for_preview
from certificates.domain.model import CertificateDocument
from certificates.domain.templates import MAX_SIGNATORY_SLOTS, CertificateTemplate, Signatory, TemplateError
from certificates.service_layer.ports import AuditEntry, StoredVariant
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.auth import Principal
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Conflict, Forbidden, NotFound

if TYPE_CHECKING:
    from certificates.service_layer.issuing import Actor
    from certificates.service_layer.ports import Ports

log = logging.getLogger(__name__)

ImageLoader = Callable[[str], Awaitable[bytes]]
_BODY_KEYS: Final = frozenset({"partnerNames", "partnerLogo", "signatories", "keepLogo"})
_SIGNATORY_KEYS: Final = frozenset({"name", "titles", "names", "signatureImage", "keepSignatureImage"})
_CACHE_LIMIT: Final = 256
SAMPLE_LEARNER: Final = "Sample Learner"
SAMPLE_COURSE: Final = "Sample course"
PREVIEW_CODE: Final = "PREVIEW"


# --- who ------------------------------------------------------------------------------------------


def authorize_preview(user: Principal, org: str) -> None:
    """Admins preview any state's variant; a country admin only their own state's; others FORBIDDEN."""
    if user.is_admin:
        return
    if user.is_country_admin:
        if user.org == org:
            return
        raise Forbidden(f"A country admin for {user.org} previews only {user.org}'s certificates, not {org}'s.")
    raise Forbidden("Only admins and country admins can preview certificate variants.")


# --- parsing and building ---------------------------------------------------------------------------


def _org(value: str) -> str:
    try:
        return check_org(value)
    except TemplateError as exc:
        raise BadInput(str(exc)) from exc


def _decode_image(what: str, value: Any) -> bytes:
    if not isinstance(value, str):
        raise BadInput(f"{what} must be a base64-encoded PNG or JPEG image")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadInput(f"{what} is not valid base64") from exc


def parse_variant(template_id: str, org: str, body: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The admin's JSON as stored (image keys instead of images) and the images by key; BadInput if malformed."""
    if not isinstance(body, Mapping):
        raise BadInput("The variant must be a JSON object with partnerNames, partnerLogo and signatories.")
    unknown = sorted(set(body) - _BODY_KEYS)
    if unknown:
        allowed = ", ".join(sorted(_BODY_KEYS))
        raise BadInput(f"The variant has unknown fields: {', '.join(unknown)} (allowed: {allowed}).")
    images: dict[str, bytes] = {}

    def keep(kind: str, data: bytes) -> str:
        key = f"templates/{template_id}/variants/{org}/{kind}-{hashlib.sha256(data).hexdigest()[:16]}"
        images[key] = data
        return key

    names = body.get("partnerNames")
    if not isinstance(names, Mapping) or not names:
        raise BadInput("partnerNames is required: the partner's name per language, including 'en'.")
    stored: dict[str, Any] = {"partnerNames": dict(names), "logoKey": None, "signatories": []}
    if body.get("partnerLogo") is not None:
        stored["logoKey"] = keep("logo", _decode_image("partnerLogo", body["partnerLogo"]))
    signatories = body.get("signatories") or []
    if not isinstance(signatories, list):
        raise BadInput("signatories must be a list")
    for i, s in enumerate(signatories):
        if not isinstance(s, Mapping):
            raise BadInput(f"signatories[{i}] must be an object with name and titles")
        extra = sorted(set(s) - _SIGNATORY_KEYS)
        if extra:
            raise BadInput(f"signatories[{i}] has unknown fields: {', '.join(extra)}")
        entry: dict[str, Any] = {"name": s.get("name"), "titles": s.get("titles") or {}, "names": s.get("names") or {}}
        if s.get("signatureImage"):
            image = _decode_image(f"signatories[{i}].signatureImage", s["signatureImage"])
            entry["signatureImageKey"] = keep("signature", image)
        stored["signatories"].append(entry)
    return stored, images


def build_partner(org: str, version: int, data: Mapping[str, Any], images: Mapping[str, bytes]) -> Partner:
    """A :class:`Partner` from stored JSON; ``images`` maps stored keys to bytes. Raises TemplateError."""
    signatories = tuple(
        Signatory(
            name=s.get("name") or "",
            titles=s.get("titles") or {},
            names=s.get("names") or {},
            signature_image=images[s["signatureImageKey"]] if s.get("signatureImageKey") else None,
        )
        for s in data.get("signatories") or []
    )
    logo_key = data.get("logoKey")
    return Partner(
        org=org,
        version=version,
        names=data.get("partnerNames") or {},
        logo=images[logo_key] if logo_key else None,
        signatories=signatories,
    )


def _checked_partner(org: str, version: int, data: Mapping[str, Any], images: Mapping[str, bytes]) -> Partner:
    try:
        return build_partner(org, version, data, images)
    except TemplateError as exc:
        raise BadInput(f"The {org} variant is not valid: {exc}") from exc
    except TypeError as exc:
        raise BadInput(f"The {org} variant has a field of the wrong type: {exc}") from exc


def variant_json(variant: StoredVariant) -> dict[str, Any]:
    data = variant.data or {}
    return {
        "templateId": variant.template_id,
        "org": variant.org,
        "version": variant.version,
        "digest": variant.digest,
        "partnerNames": data.get("partnerNames") or {},
        "hasLogo": bool(data.get("logoKey")),
        "signatories": [
            {
                "name": s.get("name"),
                "titles": s.get("titles"),
                "names": s.get("names"),
                "hasSignatureImage": bool(s.get("signatureImageKey")),
            }
            for s in data.get("signatories") or []
        ],
        "createdAt": variant.created_at.isoformat(),
        "createdBy": variant.created_by,
    }


def signatory_problem(template_signatories: int, variants: list[StoredVariant]) -> str | None:
    """Why a template with this many signatories cannot hold one of its variants' partners, or None."""
    for v in variants:
        extra = len((v.data or {}).get("signatories") or [])
        if template_signatories + extra > MAX_SIGNATORY_SLOTS:
            return (
                f"the {v.org} variant adds {extra} partner signatories to the template's {template_signatories}; "
                f"a co-branded certificate prints at most {MAX_SIGNATORY_SLOTS} (change or remove the variant first)"
            )
    return None


# --- use cases --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SaveVariant:
    template_id: str
    org: str
    body: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PreviewVariant:
    template_id: str
    org: str
    draft: Mapping[str, Any] | None = None
    """A variant not stored yet (the PUT body); None: the state's stored variant, if any."""
    lang: str = "en"


async def _require_template(uow: CertificatesUnitOfWork, template_id: str) -> None:
    if template_id != "default" and await uow.templates.get(template_id) is None:
        raise NotFound(f"There is no certificate template {template_id!r}.")


async def _base(uow: CertificatesUnitOfWork, ports: Ports, template_id: str) -> CertificateTemplate:
    """The template without its states' variants."""
    template = await ports.templates.get(uow, template_id)
    return dataclasses.replace(template, variants={}) if template.variants else template


async def save_variant(uow: CertificatesUnitOfWork, actor: Actor, command: SaveVariant, ports: Ports) -> dict[str, Any]:
    """Validate a state's variant, store its images and a new version; returns the stored version's JSON.

    Saving the same content again stores nothing new and returns the current version.
    """
    org = _org(command.org)
    await _require_template(uow, command.template_id)
    latest = await uow.variants.latest(command.template_id, org)
    body = await _with_kept_images(command.body, latest, ports)
    stored, images = parse_variant(command.template_id, org, body)
    version = (latest.version if latest else 0) + 1
    partner = _checked_partner(org, version, stored, images)
    try:
        cobranded(await _base(uow, ports, command.template_id), partner)
    except TemplateError as exc:
        raise BadInput(f"The {org} variant does not fit the template: {exc}") from exc
    if latest is not None and latest.data is not None and latest.digest == partner.digest:
        return variant_json(latest)
    for key, data in images.items():
        await ports.images.save_image(key, data)
    variant = StoredVariant(command.template_id, org, version, stored, partner.digest, utcnow(), actor.sub)
    if not await uow.variants.add(variant):
        raise Conflict(f"The {org} variant of {command.template_id!r} was changed at the same time; send it again.")
    await uow.audit.add(
        AuditEntry(
            actor_sub=actor.sub,
            actor_name=actor.name,
            action="template_variant_update",
            template_id=command.template_id,
            details={"org": org, "version": version, "digest": partner.digest},
        )
    )
    await uow.commit()
    return variant_json(variant)


async def _with_kept_images(body: Mapping[str, Any], latest: StoredVariant | None, ports: Ports) -> Mapping[str, Any]:
    """The body with the current version's images where it asks to keep them (an edit that changes a title).

    ``keepLogo: true`` keeps the current logo when no new ``partnerLogo`` is sent;
    ``signatories[i].keepSignatureImage: true`` keeps the current version's signature at the same position.
    """
    if not isinstance(body, Mapping):
        return body
    data = (latest.data if latest is not None else None) or {}
    out = {k: v for k, v in body.items() if k != "keepLogo"}
    if body.get("keepLogo") is True and out.get("partnerLogo") is None and data.get("logoKey"):
        out["partnerLogo"] = base64.b64encode(await ports.images.load_image(data["logoKey"])).decode("ascii")
    current = data.get("signatories") or []
    signatories = body.get("signatories")
    if isinstance(signatories, list):
        kept: list[Any] = []
        for i, sig in enumerate(signatories):
            if not isinstance(sig, Mapping):
                kept.append(sig)
                continue
            entry = {k: v for k, v in sig.items() if k != "keepSignatureImage"}
            previous = current[i] if i < len(current) else {}
            keep = sig.get("keepSignatureImage") is True and not entry.get("signatureImage")
            if keep and previous.get("signatureImageKey"):
                image = await ports.images.load_image(previous["signatureImageKey"])
                entry["signatureImage"] = base64.b64encode(image).decode("ascii")
            kept.append(entry)
        out["signatories"] = kept
    return out


async def remove_variant(uow: CertificatesUnitOfWork, actor: Actor, template_id: str, org: str) -> dict[str, Any]:
    """Stop co-branding new certificates of ``org``; issued ones keep (and re-render with) their version."""
    org = _org(org)
    latest = await uow.variants.latest(template_id, org)
    if latest is None or latest.data is None:
        raise NotFound(f"The template {template_id!r} has no variant for {org}.")
    version = latest.version + 1
    if not await uow.variants.add(StoredVariant(template_id, org, version, None, None, utcnow(), actor.sub)):
        raise Conflict(f"The {org} variant of {template_id!r} was changed at the same time; try again.")
    await uow.audit.add(
        AuditEntry(
            actor_sub=actor.sub,
            actor_name=actor.name,
            action="template_variant_remove",
            template_id=template_id,
            details={"org": org, "version": version},
        )
    )
    await uow.commit()
    return {"templateId": template_id, "org": org, "removed": True, "version": version}


async def list_variants(uow: CertificatesUnitOfWork, template_id: str) -> list[dict[str, Any]]:
    await _require_template(uow, template_id)
    return [variant_json(v) for v in await uow.variants.current(template_id)]


async def get_variant(uow: CertificatesUnitOfWork, template_id: str, org: str) -> dict[str, Any]:
    org = _org(org)
    latest = await uow.variants.latest(template_id, org)
    if latest is None or latest.data is None:
        raise NotFound(f"The template {template_id!r} has no variant for {org}.")
    return variant_json(latest)


async def preview_variant(uow: CertificatesUnitOfWork, user: Principal, command: PreviewVariant, ports: Ports) -> bytes:
    """A sample certificate for ``org`` as a PDF, watermarked: nothing is stored, signed or issued."""
    org = _org(command.org)
    authorize_preview(user, org)
    await _require_template(uow, command.template_id)
    template = await ports.templates.get(uow, command.template_id)
    if command.draft is not None:
        draft = await _with_kept_images(command.draft, await uow.variants.latest(command.template_id, org), ports)
        stored, images = parse_variant(command.template_id, org, draft)
        partner = _checked_partner(org, 0, stored, images)
        try:
            chosen = cobranded(await _base(uow, ports, command.template_id), partner)
        except TemplateError as exc:
            raise BadInput(f"The {org} variant does not fit the template: {exc}") from exc
    else:
        chosen = template.for_org(org)
    preview = for_preview(chosen)
    lang = command.lang
    now = datetime.now(UTC).replace(microsecond=0)
    document = CertificateDocument(
        code=PREVIEW_CODE,
        learner_name=SAMPLE_LEARNER,
        course_title=SAMPLE_COURSE,
        issued_at=now,
        verify_url=ports.verify_url(PREVIEW_CODE),
        course_version=1,
        issuer_name=preview.issuer_name(lang),
    )
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(ports.executor, ports.renderer.render, document, preview, lang)
    except ValueError as exc:
        raise BadInput(f"The {org} variant could not be printed: {exc}") from exc


# --- the variants of a template, for issuing and re-rendering -----------------------------------------


class VariantCache:
    """States' variants attached to templates, for :class:`~certificates.service_layer.templates.TemplateProvider`.

    Stored versions never change, so a partner is loaded (its images fetched) once per process and
    version; each :meth:`attach` costs one query for the newest versions.
    """

    def __init__(self, load_image: ImageLoader) -> None:
        self._load_image = load_image
        self._partners: dict[tuple[str, str, int], Partner] = {}
        self._attached: dict[tuple[str, tuple[tuple[str, int], ...]], CertificateTemplate] = {}

    async def partner(self, variant: StoredVariant) -> Partner:
        key = (variant.template_id, variant.org, variant.version)
        cached = self._partners.get(key)
        if cached is not None:
            return cached
        data = variant.data or {}
        keys = [k for k in [data.get("logoKey")] if k] + [
            s["signatureImageKey"] for s in data.get("signatories") or [] if s.get("signatureImageKey")
        ]
        images = {k: await self._load_image(k) for k in keys}
        partner = build_partner(variant.org, variant.version, data, images)
        if variant.digest is not None and partner.digest != variant.digest:
            raise TemplateError(f"the {variant.org} variant version {variant.version} does not match its digest")
        if len(self._partners) >= _CACHE_LIMIT:
            self._partners.clear()
        self._partners[key] = partner
        return partner

    async def attach(self, uow: CertificatesUnitOfWork, template: CertificateTemplate) -> CertificateTemplate:
        """``template`` with its states' current variants (:meth:`CertificateTemplate.for_org`)."""
        current = await uow.variants.current(template.id)
        if not current:
            return template
        key = (template.fingerprint, tuple((v.org, v.version) for v in current))
        attached = self._attached.get(key)
        if attached is not None:
            return attached
        variants: dict[str, CertificateTemplate] = {}
        for v in current:
            try:
                variants[v.org] = cobranded(template, await self.partner(v))
            except TemplateError as exc:
                # Saving a template refuses this; a race could still get here. Print without the partner.
                log.warning("certificates.variant_unusable %s v%s: %s", v.org, v.version, exc)
        attached = dataclasses.replace(template, variants=variants)
        if len(self._attached) >= _CACHE_LIMIT:
            self._attached.clear()
        self._attached[key] = attached
        return attached

    async def as_printed(
        self, uow: CertificatesUnitOfWork, template: CertificateTemplate, printed: Mapping[str, Any]
    ) -> CertificateTemplate:
        """The template an issued certificate was printed with: the variant version it records, or none."""
        base = dataclasses.replace(template, variants={}) if template.variants else template
        stamp = printed.get("partner")
        if not stamp:
            return base
        stored = await uow.variants.version(template.id, str(stamp["org"]), int(stamp["version"]))
        if stored is None or stored.data is None:
            raise TemplateError(f"the {stamp['org']} variant version {stamp['version']} it was printed with is gone")
        return cobranded(base, await self.partner(stored))
