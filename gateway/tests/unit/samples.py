"""Sample JSON in the services' shapes (docs/rest-api.md), for the scripted services of the unit tests."""

from __future__ import annotations

from typing import Any


def sample_course(course_id: str, version: int = 1, status: str = "PUBLISHED", lessons: int = 3) -> dict[str, Any]:
    return {
        "id": course_id,
        "slug": f"slug-{course_id}",
        "titles": [{"lang": "az", "text": f"Kurs {course_id}"}, {"lang": "kk", "text": f"Курс {course_id}"}],
        "summaries": [],
        "languages": ["az", "kk"],
        "defaultLanguage": "az",
        "topics": ["housing"],
        "status": status,
        "version": version,
        "isDraft": False,
        "ownerId": "trainer-1",
        "coOwnerIds": [],
        "certificatePolicy": {"autoIssue": True, "templateId": None},
        "modules": [
            {
                "id": f"{course_id}-m1",
                "position": 1,
                "titles": [{"lang": "az", "text": "Giriş"}],
                "lessons": [
                    {
                        "id": f"{course_id}-l{i}",
                        "position": i,
                        "kind": "TEXT",
                        "titles": [{"lang": "az", "text": f"Dərs {i}"}, {"lang": "ru", "text": f"Урок {i}"}],
                        "bodies": [{"lang": "az", "text": "Mətn"}],
                        "durationMinutes": 10,
                        "required": True,
                        "material": None,
                        "quiz": None,
                    }
                    for i in range(1, lessons + 1)
                ],
            }
        ],
    }


def sample_enrollment(
    course_id: str, learner: str = "u1", version: int = 1, cert_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": f"e-{course_id}",
        "courseId": course_id,
        "learnerId": learner,
        "learnerName": "Rəşad Əliyev",
        "courseVersion": version,
        "status": "COMPLETED" if cert_id else "ACTIVE",
        "progressPercent": 100.0 if cert_id else 33.3,
        "enrolledAt": "2026-11-01T09:00:00+00:00",
        "completedAt": "2026-11-02T09:00:00+00:00" if cert_id else None,
        "lessons": [
            {
                "lessonId": f"{course_id}-l1",
                "status": "COMPLETED",
                "completedAt": "2026-11-01T10:00:00+00:00",
                "bestScore": None,
                "attempts": 0,
            }
        ],
        "resumeLessonId": None if cert_id else f"{course_id}-l2",
        "certificate": {
            "id": cert_id,
            "code": f"CODE{cert_id}",
            "status": "VALID",
            "issuedAt": "2026-11-02T09:00:00+00:00",
        }
        if cert_id
        else None,
    }


def sample_certificate(cert_id: str, course_id: str, learner: str = "u1") -> dict[str, Any]:
    return {
        "id": cert_id,
        "code": f"CODE{cert_id}",
        "learnerId": learner,
        "learnerName": "Rəşad Əliyev",
        "courseId": course_id,
        "courseTitle": f"Kurs {course_id}",
        "courseVersion": 1,
        "issuedAt": "2026-11-02T09:00:00+00:00",
        "status": "VALID",
        "revokedAt": None,
        "revocationReason": None,
        "pdfUrl": "https://s3.example/cert.pdf",
        "credential": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
        "credentialDataIntegrity": {
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"},
        },
        "kind": "COMPLETION",
        "verifyUrl": f"https://kentbilim.example/verify/CODE{cert_id}",
        "linkedInUrl": "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&certId=CODE",
    }
