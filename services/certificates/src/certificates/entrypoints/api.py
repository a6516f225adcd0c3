"""The certificates REST API (see docs/rest-api.md): thin routes, one handler each, in a unit of work."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from certificates import bootstrap
from certificates.domain.bulk import ItemStatus
from certificates.entrypoints.consumers import build_consumers
from certificates.entrypoints.deps import (
    ContainerDep,
    CurrentUser,
    UowDep,
    actor_of,
    require_admin,
    require_certifier,
)
from certificates.entrypoints.schemas import (
    BulkJobCreate,
    CertificateCreate,
    CertificateRevoke,
    PrintBatchCreate,
    certificate_json,
    dry_run_json,
    job_json,
    print_batch_json,
    row_page_json,
    verification_json,
)
from certificates.service_layer import (
    bulk,
    cobranding,
    data_integrity,
    erasure,
    issuing,
    printing,
    revocation,
    templates,
    verification,
)
from certificates.service_layer.ports import AutoIssueFailure
from lms_shared.errors import NotFound
from lms_shared.idempotency import StoredResponse, run_idempotent
from lms_shared.openapi import document_error_statuses
from lms_shared.web import IdempotencyKey, install_common, stored_response

SERVICE = "certificates"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    container = await bootstrap.build()
    app.state.container = container
    app.state.verifier = container.runtime.verifier
    app.state.readiness_checks.update(container.readiness_checks())
    for consumer in build_consumers(container):
        container.runtime.spawn(consumer.durable, consumer.run)
    container.start_api_background()
    try:
        yield
    finally:
        await container.stop()


app = FastAPI(title="Kentbilim certificates", version="1", lifespan=lifespan)
# Bulk lists refuse a row with a control character by itself (INVALID_CHARACTERS, with its number).
install_common(app, SERVICE, own_text_checks=frozenset({"/v1/bulk-jobs"}))
document_error_statuses(app)  # every status each route can answer, in /openapi.json
router = APIRouter()


def _parse_id(value: str, what: str = "certificate") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise NotFound(f"There is no {what} {value!r}.") from exc


# --- certificates -------------------------------------------------------------------------------


@router.get("/v1/certificates/mine")
async def my_certificates(user: CurrentUser, uow: UowDep, container: ContainerDep) -> dict[str, Any]:
    """The caller's certificates, newest first, with a download link each."""
    found = await verification.my_certificates(uow, user)
    return {"nodes": [certificate_json(container.ports, c, with_pdf=True) for c in found]}


@router.get("/v1/certificates")
async def list_certificates(
    user: CurrentUser,
    uow: UowDep,
    container: ContainerDep,
    ids: str | None = None,
    courseId: str | None = None,
    first: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """Certificates by ids and/or course: admins see all, trainers those of their courses."""
    parsed: list[uuid.UUID] | None = None
    if ids:
        parsed = []
        for raw in ids.split(","):
            try:
                parsed.append(uuid.UUID(raw.strip()))
            except ValueError:
                continue
    found = await verification.find_certificates(uow, user, parsed, courseId, first)
    return {"nodes": [certificate_json(container.ports, c, with_pdf=True) for c in found]}


@router.get("/v1/certificates/search")
async def search_certificates(
    user: CurrentUser,
    uow: UowDep,
    container: ContainerDep,
    code: str | None = None,
    name: str | None = None,
    courseId: str | None = None,
    status: str | None = None,
    first: int = 50,
    after: str | None = None,
) -> dict[str, Any]:
    """Certificates across courses by code (or its start), holder name (Turkic-aware), course and status,
    newest first, paged with an opaque cursor: admins see all, country admins their state's."""
    page = await verification.search_certificates(
        uow, user, code=code, name=name, course_id=courseId, status=status, first=first, after=after
    )
    return {
        "nodes": [certificate_json(container.ports, c, with_pdf=True) for c in page.nodes],
        "totalCount": page.total_count,
        "pageInfo": {"endCursor": page.end_cursor, "hasNextPage": page.has_next_page},
    }


@router.get("/v1/certificates/{cert_id}")
async def get_certificate(cert_id: str, user: CurrentUser, uow: UowDep, container: ContainerDep) -> dict[str, Any]:
    """One certificate: its holder, the course's trainers and admins."""
    cert = await verification.get_certificate(uow, user, _parse_id(cert_id))
    return certificate_json(container.ports, cert, with_pdf=True)


@router.post("/v1/certificates")
async def create_certificate(
    body: CertificateCreate, user: CurrentUser, uow: UowDep, container: ContainerDep, response: Response
) -> dict[str, Any]:
    """issueCertificate: an admin (or a country admin, for their state's learners) issues one certificate.

    Idempotent per recipient and course.
    """
    require_certifier(user, "issue certificates")
    command = issuing.IssueCertificate(body.courseId, body.recipient.fields())
    cert, created = await issuing.issue_certificate(uow, actor_of(user), command, container.ports)
    response.status_code = 201 if created else 200
    return certificate_json(container.ports, cert, with_pdf=True)


@router.post("/v1/certificates/{cert_id}/revoke")
async def revoke(
    cert_id: str, body: CertificateRevoke, user: CurrentUser, uow: UowDep, container: ContainerDep
) -> dict[str, Any]:
    """revokeCertificate: takes effect at once on the verify endpoint and in the status list."""
    require_certifier(user, "revoke certificates")
    command = revocation.RevokeCertificate(_parse_id(cert_id), body.reason)
    cert = await revocation.revoke_certificate(uow, actor_of(user), command, container.ports)
    return certificate_json(container.ports, cert, with_pdf=True)


@router.get("/v1/learners/{learner_id}/export")
async def export_learner(learner_id: str, user: CurrentUser, uow: UowDep, container: ContainerDep) -> dict[str, Any]:
    """Everything certificates holds about one learner (admins; the learner's country admin)."""
    return await erasure.export_learner(uow, user, learner_id, container.ports)


# --- verification (public) --------------------------------------------------------------------


@router.get("/v1/verify/{code}")
async def verify(code: str, uow: UowDep, container: ContainerDep) -> dict[str, Any]:
    """Public: every field printed on the certificate, and whether it is still valid.

    An unknown or mistyped code is an answer (``valid: false``), not an error.
    """
    cert = await verification.verify_code(uow, code)
    names = await verification.issuer_names(uow, container.ports, cert) if cert is not None else {}
    return verification_json(container.ports, code, cert, issuer_names=names)


# --- issuer keys and status lists (public) ------------------------------------------------------


# Public documents that browser-based DID resolvers and verifiers fetch from other origins: readable
# by any page, GET only, never with credentials (the gateway, their public URL, sends the same).
PUBLIC_CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET"}
JWT_FORMS = ("application/vc+jwt", "application/jwt")
JSON_LD_FORMS = ("application/ld+json", "application/vc", "application/vc+ld+json", "application/json")


def preferred_form(accept: str | None, offered: tuple[str, ...]) -> str | None:
    """The media type of ``offered`` the Accept header prefers (q values, then order); None for ``*/*`` or none."""
    best: tuple[float, int, str] | None = None
    for position, item in enumerate((accept or "").split(",")):
        kind, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        kind = kind.lower()
        if kind in offered and quality > 0 and (best is None or (quality, -position) > (best[0], -best[1])):
            best = (quality, position, kind)
    return best[2] if best else None


def _public_json(document: dict[str, Any], media_type: str, cache: str = "no-cache") -> Response:
    return JSONResponse(document, media_type=media_type, headers={"Cache-Control": cache, **PUBLIC_CORS})


@router.get("/.well-known/did.json")
async def did_document(container: ContainerDep) -> Response:
    """The issuer's DID document (did:web): each key as JsonWebKey2020 (VC-JWT) and Multikey (Data Integrity)."""
    return _public_json(container.ports.signer.did_document(), "application/json", "public, max-age=300")


@router.get("/.well-known/jwks.json")
async def jwks(container: ContainerDep) -> Response:
    """The issuer's public key as a JSON Web Key Set."""
    return _public_json(container.ports.signer.jwks(), "application/json", "public, max-age=300")


@router.get("/v1/status-lists/{list_number}")
async def status_list(list_number: int, request: Request, uow: UowDep, container: ContainerDep) -> Response:
    """A signed BitstringStatusListCredential; revocations show here at once.

    VC-JWT by default (and for ``Accept: application/vc+jwt``); JSON-LD with an ``eddsa-rdfc-2022``
    proof for ``Accept: application/ld+json``, ``application/vc`` or ``application/json``, which is
    what Data Integrity verifiers' document loaders ask for.
    """
    form = preferred_form(request.headers.get("accept"), JWT_FORMS + JSON_LD_FORMS)
    if form in JSON_LD_FORMS:
        proved = await revocation.get_status_list_data_integrity(uow, list_number, container.ports)
        return _public_json(proved, form)
    jwt = await revocation.get_status_list(uow, list_number, container.ports)
    return Response(jwt, media_type="application/vc+jwt", headers={"Cache-Control": "no-cache", **PUBLIC_CORS})


@router.get("/v1/credentials/{code}")
async def public_credential(code: str, request: Request, uow: UowDep, container: ContainerDep) -> Response:
    """Public, like /v1/verify: the certificate's Open Badges credential with its Data Integrity proof.

    For wallets (the QR code on the learner's page) and JSON-LD verifiers; the VC-JWT form is
    ``credentialJwt`` of the certificate. ``application/ld+json`` unless Accept asks for another
    JSON-LD media type.
    """
    form = preferred_form(request.headers.get("accept"), JSON_LD_FORMS) or "application/ld+json"
    return _public_json(await data_integrity.public_credential(uow, container.ports, code), form)


@router.get("/v1/contexts/{name}")
async def jsonld_context(name: str) -> Response:
    """A JSON-LD context our credentials use, from our vendored copy (byte for byte)."""
    body = bootstrap.jsonld_context(name)
    if body is None:
        raise NotFound(f"There is no JSON-LD context {name!r} here.")
    return Response(
        body, media_type="application/ld+json", headers={"Cache-Control": "public, max-age=86400", **PUBLIC_CORS}
    )


# --- bulk jobs ----------------------------------------------------------------------------------


@router.post("/v1/bulk-jobs", status_code=201)
async def start_bulk(
    body: BulkJobCreate,
    user: CurrentUser,
    uow: UowDep,
    container: ContainerDep,
    dryRun: bool = False,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """startBulkIssue: plan the job now, issue in the background on the workers; or only preview it.

    A retry with the same Idempotency-Key (a gateway timeout, a lost answer) returns the first job
    instead of starting a second one: the key is stored with the job, in its transaction.
    """
    require_certifier(user, "start bulk issue jobs")
    if dryRun:
        plan = await bulk.dry_run_bulk_issue(uow, actor_of(user), body.command(), container.ports)
        return JSONResponse(jsonable_encoder(dry_run_json(plan)), status_code=200)

    async def start() -> StoredResponse:
        job = await bulk.start_bulk_issue(uow, actor_of(user), body.command(), container.ports)
        job, failures = await bulk.get_job(uow, job.id)  # the caller's own job
        return StoredResponse(201, jsonable_encoder(job_json(job, failures)))

    payload = body.model_dump(mode="json")
    return stored_response(await run_idempotent(uow, user.sub, key, "POST /v1/bulk-jobs", payload, start))


@router.get("/v1/bulk-jobs")
async def list_bulk(user: CurrentUser, uow: UowDep, courseId: str | None = None) -> dict[str, Any]:
    require_certifier(user, "see bulk issue jobs")
    return {"nodes": [job_json(j) for j in await bulk.list_jobs(uow, courseId, actor_of(user))]}


@router.get("/v1/bulk-jobs/{job_id}")
async def get_bulk(job_id: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    """bulkIssueJob: counters, and the rows to look at (refused, skipped, failed) so far."""
    require_certifier(user, "see bulk issue jobs")
    job, failures = await bulk.get_job(uow, _parse_id(job_id, "bulk issue job"), actor_of(user))
    return job_json(job, failures)


@router.get("/v1/bulk-jobs/{job_id}/rows")
async def bulk_rows(
    job_id: str,
    user: CurrentUser,
    uow: UowDep,
    outcome: ItemStatus | None = None,
    first: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: str | None = None,
) -> dict[str, Any]:
    """BulkIssueJob.rows: every input row of a job and its outcome, in input order."""
    require_certifier(user, "see bulk issue jobs")
    page = await bulk.job_rows(uow, _parse_id(job_id, "bulk issue job"), outcome, first, after, actor_of(user))
    return row_page_json(page)


@router.post("/v1/bulk-jobs/{job_id}/cancel")
async def cancel_bulk(job_id: str, user: CurrentUser, uow: UowDep, container: ContainerDep) -> dict[str, Any]:
    require_certifier(user, "cancel bulk issue jobs")
    jid = _parse_id(job_id, "bulk issue job")
    await bulk.cancel_bulk_job(uow, actor_of(user), jid, container.ports)
    job, failures = await bulk.get_job(uow, jid)
    return job_json(job, failures)


# --- automatic issue that failed ------------------------------------------------------------------


class AutoIssueRetry(BaseModel):
    """retryAutoIssue: the name to print instead of the one that failed (optional)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=1000)


def auto_issue_failure_json(f: AutoIssueFailure) -> dict[str, Any]:
    r = f.recipient
    return {
        "id": str(f.id),
        "courseId": f.course_id,
        "learnerId": r.learner_id,
        "name": r.name,
        "email": r.email,
        "org": r.org,
        "municipality": r.municipality,
        "enrollmentId": r.enrollment_id,
        "reasonCode": f.reason_code,
        "reason": f.reason,
        "attempts": f.attempts,
        "firstFailedAt": f.first_failed_at.isoformat(),
        "lastFailedAt": f.last_failed_at.isoformat(),
        "resolvedAt": f.resolved_at.isoformat() if f.resolved_at else None,
        "resolvedBy": f.resolved_by,
        "certificateId": str(f.certificate_id) if f.certificate_id else None,
    }


@router.get("/v1/auto-issue-failures")
async def list_auto_issue_failures(
    user: CurrentUser,
    uow: UowDep,
    courseId: str | None = None,
    includeResolved: bool = False,
    first: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """Completions that could not be certified automatically: admins, and the course's trainers."""
    found = await issuing.list_auto_issue_failures(uow, user, courseId, include_resolved=includeResolved, limit=first)
    return {"nodes": [auto_issue_failure_json(f) for f in found]}


@router.post("/v1/auto-issue-failures/{failure_id}/retry")
async def retry_auto_issue(
    failure_id: str, body: AutoIssueRetry, user: CurrentUser, uow: UowDep, container: ContainerDep, response: Response
) -> dict[str, Any]:
    """retryAutoIssue: issue the failed certificate again (idempotent: a second retry returns the same one)."""
    command = issuing.RetryAutoIssue(_parse_id(failure_id, "automatic-issue failure"), body.name)
    cert, created = await issuing.retry_auto_issue(uow, user, command, container.ports)
    response.status_code = 201 if created else 200
    return certificate_json(container.ports, cert, with_pdf=True)


# --- templates ----------------------------------------------------------------------------------


@router.get("/v1/templates")
async def list_templates(user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    require_admin(user, "see certificate templates")
    return {"nodes": await templates.list_templates(uow)}


@router.get("/v1/templates/{template_id}")
async def get_template(template_id: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    require_admin(user, "see certificate templates")
    return await templates.get_template(uow, template_id)


@router.put("/v1/templates/{template_id}")
async def put_template(
    template_id: str, body: dict[str, Any], user: CurrentUser, uow: UowDep, container: ContainerDep
) -> dict[str, Any]:
    """Create or replace a template (texts per language, colours, signatories, logos)."""
    require_admin(user, "edit certificate templates")
    command = templates.SaveTemplate(template_id, body)
    return await templates.save_template(uow, actor_of(user), command, container.ports)


# --- national co-branding: a member state's variant of a template (issue 14, item 5) ------------------


@router.get("/v1/templates/{template_id}/variants")
async def list_template_variants(template_id: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    require_admin(user, "see certificate template variants")
    return {"nodes": await cobranding.list_variants(uow, template_id)}


@router.get("/v1/templates/{template_id}/variants/{org}")
async def get_template_variant(template_id: str, org: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    require_admin(user, "see certificate template variants")
    return await cobranding.get_variant(uow, template_id, org)


@router.put("/v1/templates/{template_id}/variants/{org}")
async def put_template_variant(
    template_id: str, org: str, body: dict[str, Any], user: CurrentUser, uow: UowDep, container: ContainerDep
) -> dict[str, Any]:
    """Set a state's co-branding (partner names, logo, signatories): a new version of the variant."""
    require_admin(user, "edit certificate template variants")
    command = cobranding.SaveVariant(template_id, org, body)
    return await cobranding.save_variant(uow, actor_of(user), command, container.ports)


@router.delete("/v1/templates/{template_id}/variants/{org}")
async def delete_template_variant(template_id: str, org: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    require_admin(user, "edit certificate template variants")
    return await cobranding.remove_variant(uow, actor_of(user), template_id, org)


@router.post("/v1/templates/{template_id}/variants/{org}/preview")
async def preview_template_variant(
    template_id: str,
    org: str,
    user: CurrentUser,
    uow: UowDep,
    container: ContainerDep,
    body: dict[str, Any] | None = None,
    lang: Annotated[str, Query(pattern="^[a-z]{2,3}$")] = "en",
) -> Response:
    """A sample certificate for that state (the stored variant, or the draft in the body), marked PREVIEW.

    Admins, and the state's own country admin; nothing is stored, signed or issued.
    """
    command = cobranding.PreviewVariant(template_id, org, body or None, lang)
    pdf = await cobranding.preview_variant(uow, user, command, container.ports)
    return Response(pdf, media_type="application/pdf", headers={"Cache-Control": "no-store"})


# --- print batches (issue 17, item 7) --------------------------------------------------------------


@router.post("/v1/print-batches", status_code=201)
async def start_print_batch(
    body: PrintBatchCreate, user: CurrentUser, uow: UowDep, container: ContainerDep, key: IdempotencyKey = None
) -> JSONResponse:
    """startPrintBatch: choose and order the certificates now; a worker writes the file in the background."""
    command = body.command()
    command = dataclasses.replace(command, selection=printing.authorize_print(user, command.selection))

    async def start() -> StoredResponse:
        limit = container.settings.print_batch_max_certificates
        batch = await printing.start_print_batch(uow, actor_of(user), command, container.ports, limit=limit)
        return StoredResponse(201, jsonable_encoder(print_batch_json(batch)))

    payload = body.model_dump(mode="json")
    return stored_response(await run_idempotent(uow, user.sub, key, "POST /v1/print-batches", payload, start))


@router.get("/v1/print-batches/{batch_id}")
async def get_print_batch(batch_id: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    """printBatch: status and progress (``done`` of ``total``), the reason of a parked one."""
    return print_batch_json(await printing.get_print_batch(uow, user, _parse_id(batch_id, "print batch")))


@router.get("/v1/print-batches/{batch_id}/download")
async def print_batch_download(
    batch_id: str, user: CurrentUser, uow: UowDep, container: ContainerDep
) -> dict[str, Any]:
    """A fresh presigned link to a COMPLETED batch's file, valid for a few minutes."""
    batch = await printing.get_print_batch(uow, user, _parse_id(batch_id, "print batch"))
    url = printing.download_url(batch, container.ports)
    return {"url": url, "expiresInSeconds": printing.DOWNLOAD_LINK_SECONDS, "fileName": printing.download_name(batch)}


@router.post("/v1/print-batches/{batch_id}/retry")
async def retry_print_batch(batch_id: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    """retryPrintBatch: a FAILED (parked) batch back in the queue."""
    batch = await printing.retry_print_batch(uow, user, _parse_id(batch_id, "print batch"))
    return print_batch_json(batch)


app.include_router(router)
