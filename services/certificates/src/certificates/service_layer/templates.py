"""Certificate templates as data: stored in the database, logos and signature images in S3.

Admins edit templates through ``PUT /v1/templates/{id}``. The JSON shape (camelCase, like the rest
of the API)::

    {"texts": {"en": {"headline": …, "certifiesThat": …, "hasCompleted": …, "issuedOn": …,
                      "verifyAt": …, "certificateCode": …, "courseVersion": …}, "kk": {…}},
     "issuerNames": {"en": "…", "kk": "…"},
     "colours": {"primary": "#1D3557", "accent": …, "text": …, "muted": …, "background": …},
     "signatories": [{"name": "…", "titles": {"en": "…"}, "names": {"kk": "…"},
                      "signatureImage": "<base64 PNG/JPEG>" | null}],
     "logos": ["<base64 PNG/JPEG>", …]}

Languages missing from ``texts`` fall back to the built-in wording, so an admin may change only
the issuer's name. Images go to the object store (``templates/{id}/…``); the row keeps their keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from certificates.domain.templates import (
    CertificateColours,
    CertificateTemplate,
    CertificateTexts,
    Signatory,
    TemplateError,
    default_template,
)
from certificates.service_layer.cobranding import VariantCache, signatory_problem
from certificates.service_layer.ports import AuditEntry, StoredTemplate
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, NotFound

if TYPE_CHECKING:
    from certificates.service_layer.issuing import Actor
    from certificates.service_layer.ports import Ports

_TEXT_FIELDS = {
    "headline": "headline",
    "certifiesThat": "certifies_that",
    "hasCompleted": "has_completed",
    "issuedOn": "issued_on",
    "verifyAt": "verify_at",
    "certificateCode": "certificate_code",
    "courseVersion": "course_version",
}

ImageLoader = Callable[[str], Awaitable[bytes]]


def _decode_image(what: str, value: Any) -> bytes:
    if not isinstance(value, str):
        raise BadInput(f"{what} must be a base64-encoded PNG or JPEG image")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadInput(f"{what} is not valid base64") from exc


def build_template(template_id: str, data: dict[str, Any], images: dict[str, bytes]) -> CertificateTemplate:
    """A :class:`CertificateTemplate` from stored JSON; ``images`` maps stored keys to bytes."""
    base = default_template()
    texts: dict[str, CertificateTexts] = dict(base.texts)
    for lang, value in (data.get("texts") or {}).items():
        if not isinstance(value, dict):
            raise TemplateError(f"texts[{lang!r}] must be an object with {', '.join(_TEXT_FIELDS)}")
        fallback = texts.get(lang) or base.texts["en"]
        kwargs = {py: value.get(js, getattr(fallback, py)) for js, py in _TEXT_FIELDS.items()}
        texts[lang] = CertificateTexts(**kwargs)
    # An organisation's own names replace the built-in ones entirely: merging would print the
    # platform's name on the languages the admin did not translate.
    issuer_names = dict(data.get("issuerNames") or {}) or dict(base.issuer_names)
    colours = CertificateColours(**{k: v for k, v in (data.get("colours") or {}).items()})
    signatories = tuple(
        Signatory(
            name=s.get("name", ""),
            titles=s.get("titles") or {},
            names=s.get("names") or {},
            signature_image=images.get(s["signatureImageKey"]) if s.get("signatureImageKey") else None,
        )
        for s in data.get("signatories") or []
    )
    logos = tuple(images[k] for k in data.get("logoKeys") or [])
    return CertificateTemplate(
        id=template_id, texts=texts, issuer_names=issuer_names, colours=colours, signatories=signatories, logos=logos
    )


@dataclass(frozen=True, slots=True)
class SaveTemplate:
    """Create or replace a template: the admin's JSON (see the module doc)."""

    template_id: str
    body: Mapping[str, Any]


async def save_template(
    uow: CertificatesUnitOfWork, actor: Actor, command: SaveTemplate, ports: Ports
) -> dict[str, Any]:
    """Validate an admin's template, store its images, upsert the row; returns the stored JSON."""
    template_id, body = command.template_id, command.body
    images: dict[str, bytes] = {}
    stored: dict[str, Any] = {
        "texts": body.get("texts") or {},
        "issuerNames": body.get("issuerNames") or {},
        "colours": body.get("colours") or {},
        "signatories": [],
        "logoKeys": [],
    }
    for i, raw in enumerate(body.get("logos") or []):
        data = _decode_image(f"logos[{i}]", raw)
        key = f"templates/{template_id}/logo-{hashlib.sha256(data).hexdigest()[:16]}"
        images[key] = data
        stored["logoKeys"].append(key)
    for i, s in enumerate(body.get("signatories") or []):
        if not isinstance(s, dict):
            raise BadInput(f"signatories[{i}] must be an object with name and titles")
        entry = {"name": s.get("name"), "titles": s.get("titles") or {}, "names": s.get("names") or {}}
        if s.get("signatureImage"):
            data = _decode_image(f"signatories[{i}].signatureImage", s["signatureImage"])
            key = f"templates/{template_id}/signature-{hashlib.sha256(data).hexdigest()[:16]}"
            images[key] = data
            entry["signatureImageKey"] = key
        stored["signatories"].append(entry)
    try:
        build_template(template_id, stored, images)
    except TemplateError as exc:
        raise BadInput(f"The template is not valid: {exc}") from exc
    except TypeError as exc:
        raise BadInput(f"The template has an unknown field: {exc}") from exc
    problem = signatory_problem(len(stored["signatories"]), await uow.variants.current(template_id))
    if problem is not None:
        raise BadInput(f"The template is not valid: {problem}.")
    for key, data in images.items():
        await ports.images.save_image(key, data)
    now = utcnow()
    await uow.templates.save(StoredTemplate(template_id, stored, now, actor.sub))
    await uow.audit.add(
        AuditEntry(actor_sub=actor.sub, actor_name=actor.name, action="template_update", template_id=template_id)
    )
    await uow.commit()
    return template_json(template_id, stored, now)


def template_json(template_id: str, data: dict[str, Any], updated_at: Any) -> dict[str, Any]:
    return {
        "id": template_id,
        "texts": data.get("texts") or {},
        "issuerNames": data.get("issuerNames") or {},
        "colours": data.get("colours") or {},
        "signatories": [
            {
                "name": s.get("name"),
                "titles": s.get("titles"),
                "names": s.get("names"),
                "hasSignatureImage": bool(s.get("signatureImageKey")),
            }
            for s in data.get("signatories") or []
        ],
        "logoCount": len(data.get("logoKeys") or []),
        "updatedAt": updated_at.isoformat() if updated_at else None,
    }


@dataclass
class _Cached:
    updated_at: Any
    template: CertificateTemplate


class TemplateProvider:
    """Templates for issuing, cached per process and re-read when their row changes.

    A bulk worker asks once per chunk: the check is one primary-key read; images are fetched from
    the object store only when the template changed.
    """

    def __init__(self, load_image: ImageLoader) -> None:
        self._load_image = load_image
        self._cache: dict[str, _Cached] = {}
        self._variants = VariantCache(load_image)

    async def get(self, uow: CertificatesUnitOfWork, template_id: str | None) -> CertificateTemplate:
        """The template of that id; ``None`` or an unknown id means the "default" template.

        With the member states' current variants attached (co-branding): ``template.for_org(org)``
        is what a certificate for a learner of ``org`` is printed with.
        """
        return await self._variants.attach(uow, await self._base(uow, template_id))

    async def as_printed(
        self, uow: CertificatesUnitOfWork, template_id: str | None, printed: Mapping[str, Any]
    ) -> CertificateTemplate:
        """The template an issued certificate was printed with (the variant version it recorded, or none)."""
        return await self._variants.as_printed(uow, await self._base(uow, template_id), printed)

    async def _base(self, uow: CertificatesUnitOfWork, template_id: str | None) -> CertificateTemplate:
        wanted = template_id or "default"
        row = await uow.templates.get(wanted)
        if row is None and wanted != "default":
            row = await uow.templates.get("default")
        if row is None:
            return default_template()
        cached = self._cache.get(row.id)
        if cached is not None and cached.updated_at == row.updated_at:
            return cached.template
        data = dict(row.data)
        keys = list(data.get("logoKeys") or []) + [
            s["signatureImageKey"] for s in data.get("signatories") or [] if s.get("signatureImageKey")
        ]
        images = {k: await self._load_image(k) for k in keys}
        template = build_template(row.id, data, images)
        self._cache[row.id] = _Cached(row.updated_at, template)
        return template


async def get_template(uow: CertificatesUnitOfWork, template_id: str) -> dict[str, Any]:
    row = await uow.templates.get(template_id)
    if row is None:
        if template_id == "default":
            return template_json("default", {}, None)
        raise NotFound(f"There is no certificate template {template_id!r}.")
    return template_json(row.id, dict(row.data), row.updated_at)


async def list_templates(uow: CertificatesUnitOfWork) -> list[dict[str, Any]]:
    return [template_json(r.id, dict(r.data), r.updated_at) for r in await uow.templates.all()]
