"""Emails per second from the notifications sender's SMTP adapter to the local SMTP server.

    .venv/bin/python bench/bench_notifications.py [--emails 1000] [--runs 3] [--pool 4]

Starts the local stack's SMTP server (``python -m lms_local.mailserver``, aiosmtpd, every message
an ``.eml`` file) in a temporary folder, then renders (templates, 7 languages), composes
(multipart/alternative, RFC 8058 headers) and sends ``--emails`` certificate emails through
``notifications.adapters.smtp.SmtpMailer`` as the sender loop does (``--pool`` messages in flight),
twice per run: over kept-alive connections (the service's way), and with one connection per message
(the reference, measured in the same run). Prints emails per second of each, their ratio, and the
median over ``--runs`` runs; checks that the server stored every message. Target: >= 200/s with reuse.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from notifications.adapters.smtp import SmtpConfig, SmtpMailer  # noqa: E402
from notifications.domain.email import compose, notification_message_id, sign_unsubscribe, unsubscribe_url  # noqa: E402
from notifications.domain.templates import EmailContent, EmailTemplates, Recipient  # noqa: E402

LANGS = ("en", "tr", "az", "kk", "ky", "uz", "ru")
TITLES = {
    "en": "Participatory budgeting",
    "az": "İştirakçı büdcə",
    "kk": "Қатысымдық бюджет",
    "ky": "Катышуучулук бюджет",
    "tr": "Katılımcı bütçe",
    "uz": "Ishtirokchi byudjet",
    "ru": "Партисипаторное бюджетирование",
}
PUBLIC = "http://127.0.0.1:8000"
SECRET = os.urandom(32)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                if s.recv(64).startswith(b"220"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the SMTP server did not answer on {port}")


async def send_all(port: int, n: int, pool: int, reuse: bool, tag: str) -> tuple[float, int]:
    templates = EmailTemplates(PUBLIC)
    mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, tls="none", pool_size=pool, reuse=reuse))
    gate = asyncio.Semaphore(pool)

    async def one(i: int) -> None:
        lang = LANGS[i % len(LANGS)]
        content = EmailContent(
            kind="CERTIFICATE_ISSUED",
            params={"code": f"KB-{i:06d}", "certificate_id": f"cert-{i}"},
            course_id="course-1",
            course_titles=TITLES,
        )
        link = unsubscribe_url(PUBLIC, sign_unsubscribe(SECRET, f"p{i}", "CERTIFICATE_ISSUED"))
        async with gate:
            rendered = templates.render(content, Recipient(f"p{i}", f"Learner {i}", lang), unsubscribe_url=link)
            msg = compose(
                rendered,
                from_address="no-reply@kentbilim.bench",
                from_name="Kentbilim",
                to_address=f"learner{i}@example.org",
                message_id=notification_message_id(f"{tag}-{i}", "kentbilim.bench"),
                unsubscribe_link=link,
                date=datetime.now(UTC),
            )
            await mailer.send(msg, sender="no-reply@kentbilim.bench", recipients=[f"learner{i}@example.org"])

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    elapsed = time.perf_counter() - t0
    opened = mailer.connections_opened
    await mailer.close()
    return n / elapsed, opened


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--emails", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pool", type=int, default=4)
    args = ap.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-mail-") as tmp:
        folder = Path(tmp) / "mail"
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "lms_local.mailserver", "--port", str(port), "--dir", str(folder)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_port(port)
            reused, fresh = [], []
            for run in range(args.runs):
                rate, opened = asyncio.run(send_all(port, args.emails, args.pool, True, f"reuse{run}"))
                reused.append(rate)
                ref, ref_opened = asyncio.run(send_all(port, args.emails, args.pool, False, f"fresh{run}"))
                fresh.append(ref)
                print(
                    f"run {run + 1}: reuse {rate:7.1f}/s ({opened} connections)   "
                    f"one connection per message {ref:7.1f}/s ({ref_opened} connections)   ratio {rate / ref:4.2f}"
                )
            import resource

            client_cpu = resource.getrusage(resource.RUSAGE_SELF)
            with open(f"/proc/{server.pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            server_cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            total = 2 * args.runs * args.emails
            print(
                f"CPU per email: client {1000 * (client_cpu.ru_utime + client_cpu.ru_stime) / total:.2f} ms, "
                f"SMTP server {1000 * server_cpu / total:.2f} ms (both runs; the machine's load decides the rest)"
            )
            stored = len(list(folder.glob("*.eml")))
            expected = 2 * args.runs * args.emails
            assert stored == expected, f"the server stored {stored} messages, {expected} were sent"
        finally:
            server.terminate()
            server.wait(10)
    med, ref_med = statistics.median(reused), statistics.median(fresh)
    print(
        f"emails/s with connection reuse (median of {args.runs}): {med:.1f}   "
        f"one connection per message: {ref_med:.1f}   ratio {med / ref_med:.2f}   "
        f"target >= 200/s: {'met' if med >= 200 else 'NOT met'}   ({args.emails} emails/run, {args.pool} in flight)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
