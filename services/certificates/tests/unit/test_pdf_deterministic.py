"""The same certificate renders to the same bytes in every process, on every day.

A PDF is stored and its hash may be quoted; re-rendering it (a retry after a crash, a second
worker, next week's re-issue of the same document) must give the identical file. What used to
differ between processes: the embedded font program's ``head.modified`` (fontTools stamps the
time of ``save``). The file's dates come from the certificate's ``issued_at`` and its identifier
from its code, never from the clock or a random source.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.unit

# Runs in a fresh interpreter: builds the fonts from scratch, renders four certificates (one that
# needs an extended face for a Vietnamese letter, two with fallback fonts shaped by HarfBuzz and
# subset per document: Arabic with Latin, and Chinese), prints their SHA-256.
_RENDER = textwrap.dedent(
    """
    import hashlib
    from datetime import UTC, datetime

    from certificates.adapters.pdf import CertificateRenderer
    from certificates.domain.model import CertificateDocument
    from certificates.domain.templates import default_template

    renderer = CertificateRenderer()
    template = default_template()
    for name in ("Rəşad Əliyev", "Nguyễn Thị Minh Khai", "Ahmed محمد الحسن", "王小明"):
        doc = CertificateDocument(
            code="KB-7QX4-M9PA-K3TD",
            learner_name=name,
            course_title="Participatory Budgeting for Municipal Officials",
            issued_at=datetime(2025, 3, 12, 9, 30, tzinfo=UTC),
            verify_url="https://kentbilim.example.org/verify/KB-7QX4-M9PA-K3TD",
            course_version=3,
            issuer_name=template.issuer_name("en"),
        )
        print(hashlib.sha256(renderer.render(doc, template, "en")).hexdigest())
    """
)


def _render_in_fresh_process(hash_seed: str, fake_time: str | None) -> list[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    env.pop("SOURCE_DATE_EPOCH", None)
    code = _RENDER
    if fake_time is not None:
        # Another wall clock, as on another day: only what reads the clock would change.
        code = f"import time\n_real = time.time\ntime.time = lambda: _real() + {fake_time}\n" + code
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_two_processes_render_identical_bytes() -> None:
    first = _render_in_fresh_process("1", None)
    # A different hash seed (set and dict-of-str order) and a clock 40 days later.
    second = _render_in_fresh_process("2", str(40 * 86_400))
    assert len(first) == 4
    assert first == second


def test_the_file_carries_the_issue_date_not_the_render_date() -> None:
    from datetime import UTC, datetime

    from certificates.adapters.pdf import CertificateRenderer
    from certificates.domain.model import CertificateDocument
    from certificates.domain.templates import default_template

    template = default_template()
    doc = CertificateDocument(
        code="KB-7QX4-M9PA-K3TD",
        learner_name="Rəşad Əliyev",
        course_title="Participatory Budgeting",
        issued_at=datetime(2025, 3, 12, 9, 30, tzinfo=UTC),
        verify_url="https://kentbilim.example.org/verify/KB-7QX4-M9PA-K3TD",
        course_version=3,
        issuer_name=template.issuer_name("en"),
    )
    pdf = CertificateRenderer().render(doc, template, "en")
    assert b"/CreationDate (D:20250312093000Z)" in pdf and b"/ModDate (D:20250312093000Z)" in pdf
    file_id = hashlib.sha256(f"{doc.code}|{doc.issued_at.isoformat()}".encode()).hexdigest()[:32].upper()
    assert f"/ID [<{file_id}> <{file_id}>]".encode() in pdf
