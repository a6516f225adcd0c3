"""Sharing a certificate outside the platform: LinkedIn's "add to profile" link.

LinkedIn's Add to Profile program takes a plain link (no API key, no OAuth): the member opens it
while signed in to LinkedIn and gets the "Add license or certification" form filled in. The
parameters are ``startTask=CERTIFICATION_NAME``, ``name`` (the certification), ``organizationName``
(the issuer, when the organisation has no LinkedIn page id), ``issueYear``/``issueMonth``,
``certUrl`` (where anyone can check it: our public verification page) and ``certId`` (the code a
recruiter can type in on that page).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from urllib.parse import urlencode

LINKEDIN_ADD_TO_PROFILE: Final = "https://www.linkedin.com/profile/add"


def linkedin_add_to_profile_url(
    *, course_title: str, issuer_name: str, issued_at: datetime, code: str, verify_url: str
) -> str:
    """The link that opens LinkedIn's certification form filled in with this certificate.

    Every value is percent-encoded as UTF-8 (LinkedIn shows Cyrillic and ə as given); the link
    carries nothing the public verification page does not already show, and no personal data
    beyond what the holder chooses to publish by opening it.
    """
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": course_title,
        "organizationName": issuer_name,
        "issueYear": str(issued_at.year),
        "issueMonth": str(issued_at.month),
        "certUrl": verify_url,
        "certId": code,
    }
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(params)}"
