"""LinkedIn's "add to profile" link carries the certificate as LinkedIn's form expects it."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from certificates.domain.sharing import linkedin_add_to_profile_url


def test_link_fills_linkedins_certification_form() -> None:
    url = linkedin_add_to_profile_url(
        course_title="Şəhər idarəçiliyi & hesabatlılıq",
        issuer_name="UN-Habitat / Кентбилим",
        issued_at=datetime(2026, 3, 9, 23, 30, tzinfo=UTC),
        code="KB-7Q4M-X2PA",
        verify_url="https://kentbilim.example/verify/KB-7Q4M-X2PA",
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    params = parse_qs(parts.query, strict_parsing=True)
    assert params == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Şəhər idarəçiliyi & hesabatlılıq"],
        "organizationName": ["UN-Habitat / Кентбилим"],
        "issueYear": ["2026"],
        "issueMonth": ["3"],
        "certUrl": ["https://kentbilim.example/verify/KB-7Q4M-X2PA"],
        "certId": ["KB-7Q4M-X2PA"],
    }


def test_separators_in_values_cannot_add_parameters() -> None:
    url = linkedin_add_to_profile_url(
        course_title="A&startTask=EVIL#x",
        issuer_name="B?c=d",
        issued_at=datetime(2026, 12, 1, tzinfo=UTC),
        code="KB-AAAA-BBBB",
        verify_url="https://kentbilim.example/verify/KB-AAAA-BBBB",
    )
    query = urlsplit(url).query
    assert "#" not in url and query.count("startTask=") == 1
    params = parse_qs(query)
    assert params["name"] == ["A&startTask=EVIL#x"] and params["organizationName"] == ["B?c=d"]
