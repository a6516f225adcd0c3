"""Looking certificates up: the public verification by code, and who may see which certificate."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final

from certificates.domain.certificate import CertificateStatus, IssuedCertificate
from certificates.domain.codes import code_search_prefixes, normalize_code
from certificates.domain.course import CourseInfo
from certificates.domain.search import MAX_NAME_QUERY, MAX_PAGE
from certificates.service_layer.data_integrity import credential_with_proof
from certificates.service_layer.ports import CertificatePage, CertificateSearch, Ports
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.auth import Principal
from lms_shared.errors import BadInput, Forbidden, NotFound
from lms_shared.text import search_words


async def verify_code(uow: CertificatesUnitOfWork, code: str) -> IssuedCertificate | None:
    """The certificate with this code, typed any way a person types it; None if there is none.

    Public: an unknown or mistyped code is an answer, not an error.
    """
    canonical = normalize_code(code)
    if canonical is None:
        return None
    return await uow.certificates.by_code(canonical)


async def issuer_names(uow: CertificatesUnitOfWork, ports: Ports, cert: IssuedCertificate) -> dict[str, str]:
    """The issuer's name in every language its template has, for a verify page in the reader's
    language; the certificate's own language keeps the name exactly as printed."""
    try:
        template = await ports.templates.as_printed(uow, cert.template_id, cert.printed)
        names = dict(template.issuer_names)
    except ValueError:  # TemplateError: the variant it names cannot be rebuilt; the printed name stands
        names = {}
    names[cert.lang] = cert.issuer_name
    return names


VC_JWT: Final = "vc+jwt"
DATA_INTEGRITY: Final = "eddsa-rdfc-2022"


def proof_checks(ports: Ports, cert: IssuedCertificate) -> list[dict[str, Any]]:
    """Each proof the certificate carries, checked against the issuer's published keys (current and
    retired): the VC-JWT's signature, and the Data Integrity proof of the document we serve.

    What the verification page shows; an outside verifier repeats the same checks with its own code.
    """
    served = credential_with_proof(ports, cert)
    return [
        {"format": VC_JWT, "verified": ports.signer.verify_jwt(cert.credential_jws)},
        {"format": DATA_INTEGRITY, "verified": ports.signer.verify_data_integrity(served)},
    ]


async def my_certificates(uow: CertificatesUnitOfWork, user: Principal) -> list[IssuedCertificate]:
    """The caller's certificates, newest first."""
    return await uow.certificates.of_learner(user.sub)


async def get_certificate(uow: CertificatesUnitOfWork, user: Principal, cert_id: uuid.UUID) -> IssuedCertificate:
    """One certificate, for its holder, the course's trainers and admins."""
    cert = await uow.certificates.get(cert_id)
    if cert is None:
        raise NotFound(f"There is no certificate {str(cert_id)!r}.")
    if not await _can_see(uow, user, cert):
        raise Forbidden(
            "Only the holder, the course's trainers, the learner's country admin and admins can see this certificate."
        )
    return cert


async def find_certificates(
    uow: CertificatesUnitOfWork,
    user: Principal,
    ids: Sequence[uuid.UUID] | None,
    course_id: str | None,
    limit: int,
) -> list[IssuedCertificate]:
    """Certificates by ids and/or course: admins see all, trainers those of their courses, learners their own."""
    if ids is None and not course_id:
        raise BadInput("Filter by ids or courseId.")
    org: str | None = None  # a country admin who trains no course listed: their state's certificates
    if not user.is_admin and course_id:
        course = await uow.courses.get(course_id)
        if course is None or not course.is_trainer(user.sub):
            if not user.is_country_admin:
                raise Forbidden("Only the course's trainers, country admins and admins can list its certificates.")
            org = user.org
    found = await uow.certificates.find(ids, course_id, limit, org=org)
    courses: dict[str, CourseInfo | None] = {}
    visible = []
    for cert in found:
        if not user.is_admin and cert.learner_id != user.sub and not user.can_administer_org(cert.org):
            if cert.course_id not in courses:
                courses[cert.course_id] = await uow.courses.get(cert.course_id)
            course = courses[cert.course_id]
            if course is None or not course.is_trainer(user.sub):
                continue
        visible.append(cert)
    return visible


async def _can_see(uow: CertificatesUnitOfWork, user: Principal, cert: IssuedCertificate) -> bool:
    if user.is_admin or (cert.learner_id is not None and cert.learner_id == user.sub):
        return True
    if user.can_administer_org(cert.org):  # a country admin: their state's certificates
        return True
    course = await uow.courses.get(cert.course_id)
    return course is not None and course.is_trainer(user.sub)


async def search_certificates(
    uow: CertificatesUnitOfWork,
    user: Principal,
    *,
    code: str | None = None,
    name: str | None = None,
    course_id: str | None = None,
    status: str | None = None,
    first: int = 50,
    after: str | None = None,
) -> CertificatePage:
    """Certificates across courses, newest first, paged: for admins (all) and country admins (their state).

    Every filter given must match (AND): ``code`` whole or its start, typed any way a person types
    it; ``name`` every word of it in the holder's name, Turkic-aware (``Eliyev``/``Aliyev`` find
    ``Əliyev``); ``course_id``; ``status``. Trainers and learners are refused (FORBIDDEN): a trainer
    lists their course's certificates with :func:`find_certificates`.
    """
    org = user.country_scope()  # FORBIDDEN for anyone but admins and country admins
    if not 1 <= first <= MAX_PAGE:
        raise BadInput(f"first must be between 1 and {MAX_PAGE}, not {first}.")
    prefixes: list[str] = []
    if code is not None and code.strip():
        found = code_search_prefixes(code)
        if found is None:
            raise BadInput(
                f"{code.strip()[:40]!r} is not (the start of) a certificate code: codes look like KB-7QX4-M9PA-K3TD "
                "and have no 0, O, 1 or I."
            )
        prefixes = found
    words: list[str] = []
    if name is not None:
        if len(name) > MAX_NAME_QUERY:
            raise BadInput(f"The name to search for is longer than {MAX_NAME_QUERY} characters.")
        words = search_words(name)
    wanted: CertificateStatus | None = None
    if status:
        try:
            wanted = CertificateStatus(status)
        except ValueError as exc:
            raise BadInput(f"status must be VALID or REVOKED, not {status[:20]!r}.") from exc
    query = CertificateSearch(code_prefixes=prefixes, words=words, course_id=course_id or None, status=wanted, org=org)
    return await uow.certificates.search(query, first, after or None)
