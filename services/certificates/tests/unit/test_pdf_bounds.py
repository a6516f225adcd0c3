"""Rendering is bounded: layout linear in the text's length, length caps on every printed field, a deadline.

Issue 13, finding 14: a 1,000-character title took 61 ms and a 4,000-character one 965 ms, because
choosing the two-line break measured both halves anew at every space. The work is counted here
(characters passed through the width measurement), which is deterministic, rather than timed.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from certificates.adapters.pdf import CertificateRenderer, shaping
from certificates.adapters.pdf.shaping import RenderTimeoutError
from certificates.domain.certificate import (
    MAX_COURSE_TITLE_LENGTH,
    PRINTED_FIELD_LIMITS,
    PrintedFieldTooLong,
    course_title_problem,
)
from certificates.domain.model import CertificateDocument
from certificates.domain.recipients import MAX_NAME_LENGTH, ReasonCode
from certificates.domain.templates import default_template
from certificates.service_layer.issuing import Actor, IssueCertificate, issue_certificate
from lms_shared.errors import BadInput

from .fakes import FakeUnitOfWork, course, fake_ports

pytestmark = pytest.mark.unit

CODE = "KB-7QX4-M9PA-K3TD"
WORDS = ("Participatory", "budgeting", "for", "municipal", "officials", "and", "citizens")


def long_text(length: int) -> str:
    """Words and spaces, ``length`` characters: many candidate line breaks, as a real long title has."""
    text = ""
    index = 0
    while len(text) < length:
        text += WORDS[index % len(WORDS)] + " "
        index += 1
    return text[:length].rstrip() + "x" * (length - len(text[:length].rstrip()))


def document(*, name: str = "Rəşad Əliyev", title: str = "Participatory budgeting") -> CertificateDocument:
    return CertificateDocument(
        code=CODE,
        learner_name=name,
        course_title=title,
        issued_at=datetime(2025, 3, 12, 9, 30, tzinfo=UTC),
        verify_url=f"https://kentbilim.example.org/verify/{CODE}",
        course_version=3,
        issuer_name=default_template().issuer_name("en"),
    )


@pytest.fixture(scope="module")
def renderer() -> CertificateRenderer:
    return CertificateRenderer()


@pytest.fixture(scope="module")
def unbounded() -> CertificateRenderer:
    """A renderer without length caps, to measure how layout work grows with the length."""
    return CertificateRenderer(limits={})


@pytest.fixture
def measured(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the characters every width measurement of a face walks over."""
    counted: list[int] = []
    for name in ("width", "prefix_units"):
        original = getattr(shaping.FontFace, name, None)
        if original is None:
            continue

        def counting(self: Any, text: str, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            counted.append(len(text))
            return _original(self, text, *args, **kwargs)

        monkeypatch.setattr(shaping.FontFace, name, counting)
    return counted


def test_layout_work_grows_linearly_with_the_title(unbounded: CertificateRenderer, measured: list[int]) -> None:
    template = default_template()
    work = {}
    for length in (1_000, 4_000):
        measured.clear()
        unbounded.render(document(title=long_text(length)), template, "en")
        work[length] = sum(measured)
    # Linear layout: 4x the characters, about 4x the measuring (the name, date, URL add a constant).
    # The quadratic break search measured about 16x as much.
    assert work[4_000] <= 5 * work[1_000], work


def test_the_two_line_break_is_the_same_as_measuring_each_half() -> None:
    from certificates.adapters.pdf.fonts import load_base_faces

    face = load_base_faces().semibold
    # Narrow boxes force the two-line path; "AV" and "To" are kerned pairs next to the spaces.
    for text, width in (
        ("AV To", 20.0),
        ("Participatory Budgeting for Municipal Officials", 300.0),
        (long_text(900), 640.0),
    ):
        fitted = shaping.fit(text, face, max_width=width, max_size=22, min_size=15, max_lines=2, two_line_max_size=18)
        breaks = [i for i, ch in enumerate(text) if ch == " "]
        expected = min(breaks, key=lambda i: max(face.width(text[:i], 1.0), face.width(text[i + 1 :], 1.0)))
        assert fitted.lines == (text[:expected], text[expected + 1 :]), text[:40]


def test_fields_over_their_caps_are_refused_before_layout(renderer: CertificateRenderer) -> None:
    template = default_template()
    at_cap = renderer.render(
        document(name="N" * MAX_NAME_LENGTH, title=long_text(MAX_COURSE_TITLE_LENGTH)), template, "en"
    )
    assert at_cap.startswith(b"%PDF-")
    with pytest.raises(PrintedFieldTooLong) as title:
        renderer.render(document(title=long_text(100_000)), template, "en")
    assert title.value.field == "course_title" and title.value.reason_code == ReasonCode.FIELD_TOO_LONG
    assert str(title.value) == "the course title is 100000 characters long; the limit is 300"
    with pytest.raises(PrintedFieldTooLong) as name:
        renderer.render(document(name="N" * (MAX_NAME_LENGTH + 1)), template, "en")
    assert name.value.reason_code == ReasonCode.NAME_TOO_LONG and name.value.limit == 200
    assert set(PRINTED_FIELD_LIMITS) == {
        "learner_name",
        "course_title",
        "issuer_name",
        "code",
        "verify_url",
        "event_venue",  # a participation certificate's venue (test_participation.py)
    }


def test_a_render_past_its_time_limit_fails_the_same_way_every_time() -> None:
    stopped = CertificateRenderer(time_limit=0.0)
    for _ in range(2):
        with pytest.raises(RenderTimeoutError, match="rendering took longer than 0 s and was stopped"):
            stopped.render(document(), default_template(), "en")
    assert issubclass(RenderTimeoutError, ValueError), "the issuing path reports ValueErrors as 'could not be printed'"


async def test_an_admin_issue_for_a_course_with_an_overlong_title_is_refused_with_the_cap(
    renderer: CertificateRenderer,
) -> None:
    uow = FakeUnitOfWork()
    ports = dataclasses.replace(fake_ports(), renderer=renderer)
    overlong = course("c-long", titles={"en": long_text(4_000)}, languages=["en"], default_language="en")
    uow.tables.courses[overlong.id] = overlong
    uow.work.courses[overlong.id] = overlong
    command = IssueCertificate(overlong.id, {"name": "Rəşad Əliyev", "email": "r@ex.az"})
    with pytest.raises(BadInput) as refused:  # BadInput is the REST 422 BAD_USER_INPUT
        await issue_certificate(uow, Actor("admin-1", "Aida Admin"), command, ports)
    assert "the course title in 'en' is 4000 characters long; certificates print at most 300" in refused.value.message
    assert not uow.tables.certificates and uow.commits == 0
    assert course_title_problem(overlong.titles) == (
        "the course title in 'en' is 4000 characters long; certificates print at most 300"
    )
    with pytest.raises(BadInput, match="name is 201 characters long; the limit is 200"):
        await issue_certificate(
            uow, Actor("admin-1", "Aida Admin"), IssueCertificate(overlong.id, {"name": "N" * 201}), ports
        )
