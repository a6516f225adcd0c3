"""The certificates REST API (see docs/rest-api.md); thin routers over the service layer."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.adapters import orm
from certificates.adapters.metrics import refresh_bulk_jobs_running
from certificates.bootstrap import Container, build_container
from certificates.domain.certificate import CertificateStatus
from certificates.domain.recipients import RecipientError, parse_recipient
from certificates.service_layer import bulk, handlers, templates
from certificates.service_layer.issuing import Actor, CourseInfo, issue_certificate, load_course
from lms_shared.auth import Principal
from lms_shared.errors import BadInput, Forbidden, NotFound
from lms_shared.web import CurrentUser, install_common

SERVICE = "certificates"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    container = await build_container()
    app.state.container = container
    app.state.verifier = container.runtime.verifier
    app.state.readiness_checks.update(container.readiness_checks())
    container.start_consumers()
    container.runtime.spawn("bulk-jobs-gauge", lambda stop: refresh_bulk_jobs_running(container.runtime.sessions, stop))
    try:
        yield
    finally:
        await container.stop()


app = FastAPI(title="Kentbilim certificates", version="1", lifespan=lifespan)
install_common(app, SERVICE)
router = APIRouter()


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with _container(request).runtime.sessions() as session, session.begin():
        yield session


ContainerDep = Annotated[Container, Depends(_container)]
# scope="function": commit before the response is sent, so a client never reads ahead of its own write.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


def _actor(user: Principal) -> Actor:
    return Actor(user.sub, user.name)


def _require_admin(user: Principal, what: str) -> None:
    if not user.is_admin:
        raise Forbidden(f"Only admins can {what}.")


def _parse_id(value: str, what: str = "certificate") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise NotFound(f"There is no {what} {value!r}.") from exc


def certificate_json(container: Container, row: Any, *, with_pdf: bool) -> dict[str, Any]:
    """The Certificate of the REST contract (field names as in schema.graphql)."""
    body = {
        "id": str(row.id),
        "code": row.code,
        "learnerId": row.learner_id,
        "learnerName": row.learner_name,
        "courseId": row.course_id,
        "courseTitle": row.course_title,
        "courseVersion": row.course_version,
        "issuedAt": row.issued_at.isoformat(),
        "status": row.status,
        "revokedAt": row.revoked_at.isoformat() if row.revoked_at else None,
        "revocationReason": row.revocation_reason,
        "pdfUrl": None,
        "credential": row.credential,
        "credentialJwt": row.credential_jws,
        "verifyUrl": container.issuer.verify_url(row.code),
        "language": row.lang,
        "org": row.org,
        "municipality": row.municipality,
        "bulkJobId": str(row.bulk_job_id) if row.bulk_job_id else None,
    }
    if with_pdf:
        body["pdfUrl"] = container.store.presigned_pdf_url(row.pdf_key, f"certificate-{row.code}.pdf")
    return body


async def _can_see(session: AsyncSession, user: Principal, row: Any) -> bool:
    if user.is_admin or (row.learner_id is not None and row.learner_id == user.sub):
        return True
    course = await load_course(session, row.course_id)
    return course is not None and course.is_trainer(user.sub)


# --- certificates -------------------------------------------------------------------------------


class RecipientIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    learnerId: str | None = None
    name: str = ""
    email: str | None = None
    org: str | None = None
    municipality: str | None = None
    locale: str | None = None


class IssueIn(BaseModel):
    courseId: str = Field(min_length=1, max_length=64)
    recipient: RecipientIn


class RevokeIn(BaseModel):
    reason: str = ""


@router.get("/v1/certificates/mine")
async def my_certificates(user: CurrentUser, session: SessionDep, container: ContainerDep) -> dict[str, Any]:
    """The caller's certificates, newest first, with a download link each."""
    c = orm.certificate.c
    rows = await session.execute(select(orm.certificate).where(c.learner_id == user.sub).order_by(c.issued_at.desc()))
    return {"nodes": [certificate_json(container, r, with_pdf=True) for r in rows]}


@router.get("/v1/certificates")
async def list_certificates(
    user: CurrentUser,
    session: SessionDep,
    container: ContainerDep,
    ids: str | None = None,
    courseId: str | None = None,
    first: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """Certificates by ids and/or course: admins see all, trainers those of their courses."""
    c = orm.certificate.c
    query = select(orm.certificate)
    if ids:
        parsed = []
        for raw in ids.split(","):
            try:
                parsed.append(uuid.UUID(raw.strip()))
            except ValueError:
                continue
        query = query.where(c.id.in_(parsed))
    if courseId:
        query = query.where(c.course_id == courseId)
    if not ids and not courseId:
        raise BadInput("Filter by ids or courseId.")
    if not user.is_admin and courseId:
        course = await load_course(session, courseId)
        if course is None or not course.is_trainer(user.sub):
            raise Forbidden("Only the course's trainers and admins can list its certificates.")
    rows = (await session.execute(query.order_by(c.issued_at.desc()).limit(first))).all()
    courses: dict[str, CourseInfo | None] = {}
    nodes = []
    for r in rows:
        if not user.is_admin and r.learner_id != user.sub:
            if r.course_id not in courses:
                courses[r.course_id] = await load_course(session, r.course_id)
            course = courses[r.course_id]
            if course is None or not course.is_trainer(user.sub):
                continue
        nodes.append(certificate_json(container, r, with_pdf=True))
    return {"nodes": nodes}


@router.get("/v1/certificates/{cert_id}")
async def get_certificate(
    cert_id: str, user: CurrentUser, session: SessionDep, container: ContainerDep
) -> dict[str, Any]:
    """One certificate: its holder, the course's trainers and admins."""
    row = (await session.execute(select(orm.certificate).where(orm.certificate.c.id == _parse_id(cert_id)))).first()
    if row is None:
        raise NotFound(f"There is no certificate {cert_id!r}.")
    if not await _can_see(session, user, row):
        raise Forbidden("Only the holder, the course's trainers and admins can see this certificate.")
    return certificate_json(container, row, with_pdf=True)


@router.post("/v1/certificates")
async def create_certificate(
    body: IssueIn, user: CurrentUser, session: SessionDep, container: ContainerDep, response: Response
) -> dict[str, Any]:
    """issueCertificate: an admin issues one certificate (idempotent per recipient and course)."""
    _require_admin(user, "issue certificates")
    course = await load_course(session, body.courseId)
    if course is None:
        raise NotFound(f"The course {body.courseId!r} is not known to the certificates service; publish it first.")
    try:
        recipient = parse_recipient(body.recipient.model_dump(), "recipient")
    except RecipientError as exc:
        raise BadInput(str(exc)) from exc
    template = await container.templates.get(session, course.template_id)
    row, created = await issue_certificate(
        session, container.issuer, course, template, recipient, _actor(user), "single"
    )
    response.status_code = 201 if created else 200
    return certificate_json(container, row, with_pdf=True)


@router.post("/v1/certificates/{cert_id}/revoke")
async def revoke(
    cert_id: str, body: RevokeIn, user: CurrentUser, session: SessionDep, container: ContainerDep
) -> dict[str, Any]:
    """revokeCertificate: takes effect at once on the verify endpoint and in the status list."""
    _require_admin(user, "revoke certificates")
    row = await handlers.revoke_certificate(session, container.signer, _parse_id(cert_id), body.reason, _actor(user))
    return certificate_json(container, row, with_pdf=True)


# --- verification (public) --------------------------------------------------------------------


@router.get("/v1/verify/{code}")
async def verify(code: str, session: SessionDep, container: ContainerDep) -> dict[str, Any]:
    """Public: every field printed on the certificate, and whether it is still valid.

    An unknown or mistyped code is an answer (``valid: false``), not an error.
    """
    row = await handlers.find_by_code(session, code)
    if row is None:
        return {
            "code": code[:64],
            "valid": False,
            "status": None,
            "learnerName": None,
            "courseTitle": None,
            "issuedAt": None,
            "issuer": None,
            "revokedAt": None,
            "revocationReason": None,
            "credential": None,
        }
    printed = dict(row.printed or {})
    return {
        "code": row.code,
        "valid": row.status == CertificateStatus.VALID,
        "status": row.status,
        "learnerName": row.learner_name,
        "courseTitle": row.course_title,
        "courseVersion": row.course_version,
        "issuedAt": row.issued_at.isoformat(),
        "issuer": row.issuer_name,
        "signatories": printed.get("signatories", []),
        "language": row.lang,
        "verifyUrl": container.issuer.verify_url(row.code),
        "revokedAt": row.revoked_at.isoformat() if row.revoked_at else None,
        "revocationReason": row.revocation_reason,
        "credential": row.credential,
    }


# --- issuer keys and status lists (public) ------------------------------------------------------


@router.get("/.well-known/did.json")
async def did_document(container: ContainerDep) -> dict[str, Any]:
    """The issuer's DID document (did:web), with its Ed25519 public key."""
    return container.signer.did_document()


@router.get("/.well-known/jwks.json")
async def jwks(container: ContainerDep) -> dict[str, Any]:
    """The issuer's public key as a JSON Web Key Set."""
    return container.signer.jwks()


@router.get("/v1/status-lists/{list_number}")
async def status_list(list_number: int, session: SessionDep, container: ContainerDep) -> Response:
    """A signed BitstringStatusListCredential (VC-JWT); revocations show here at once."""
    jwt = await handlers.get_status_list(session, container.signer, list_number)
    return Response(jwt, media_type="application/vc+jwt", headers={"Cache-Control": "no-cache"})


# --- bulk jobs ----------------------------------------------------------------------------------


class BulkIn(BaseModel):
    courseId: str = Field(min_length=1, max_length=64)
    allEligible: bool = False
    recipients: list[dict[str, Any]] | None = None


@router.post("/v1/bulk-jobs", status_code=201)
async def start_bulk(body: BulkIn, user: CurrentUser, session: SessionDep, container: ContainerDep) -> dict[str, Any]:
    """startBulkIssue: plan the job now, issue in the background on the workers."""
    _require_admin(user, "start bulk issue jobs")
    job_id = await bulk.start_bulk_issue(
        session,
        body.courseId,
        all_eligible=body.allEligible,
        recipients=body.recipients,
        actor=_actor(user),
        max_recipients=container.settings.bulk_max_recipients,
        chunk_size=container.settings.bulk_chunk_size,
    )
    return bulk.job_json(await bulk.get_job(session, job_id), await bulk.job_failures(session, job_id))


@router.get("/v1/bulk-jobs")
async def list_bulk(
    user: CurrentUser,
    session: SessionDep,
    courseId: str | None = None,
) -> dict[str, Any]:
    _require_admin(user, "see bulk issue jobs")
    j = orm.bulk_job.c
    query = select(orm.bulk_job).order_by(j.created_at.desc()).limit(200)
    if courseId:
        query = query.where(j.course_id == courseId)
    return {"nodes": [bulk.job_json(r) for r in await session.execute(query)]}


@router.get("/v1/bulk-jobs/{job_id}")
async def get_bulk(job_id: str, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """bulkIssueJob: counters, and the failures collected so far."""
    _require_admin(user, "see bulk issue jobs")
    jid = _parse_id(job_id, "bulk issue job")
    return bulk.job_json(await bulk.get_job(session, jid), await bulk.job_failures(session, jid))


@router.post("/v1/bulk-jobs/{job_id}/cancel")
async def cancel_bulk(job_id: str, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    _require_admin(user, "cancel bulk issue jobs")
    jid = _parse_id(job_id, "bulk issue job")
    await bulk.cancel_bulk_job(session, jid, _actor(user))
    return bulk.job_json(await bulk.get_job(session, jid), await bulk.job_failures(session, jid))


# --- templates ----------------------------------------------------------------------------------


@router.get("/v1/templates")
async def list_templates(user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    _require_admin(user, "see certificate templates")
    return {"nodes": await templates.list_templates(session)}


@router.get("/v1/templates/{template_id}")
async def get_template(template_id: str, user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    _require_admin(user, "see certificate templates")
    return await templates.get_template_json(session, template_id)


@router.put("/v1/templates/{template_id}")
async def put_template(
    template_id: str, body: dict[str, Any], user: CurrentUser, session: SessionDep, container: ContainerDep
) -> dict[str, Any]:
    """Create or replace a template (texts per language, colours, signatories, logos)."""
    _require_admin(user, "edit certificate templates")
    saved = await templates.save_template(session, template_id, body, user.sub, container.save_image)
    await session.execute(
        orm.audit_log.insert().values(
            actor_sub=user.sub, actor_name=user.name, action="template_update", template_id=template_id
        )
    )
    return saved


app.include_router(router)
