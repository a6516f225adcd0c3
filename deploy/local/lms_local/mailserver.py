"""The local stack's SMTP server (aiosmtpd): every message it accepts becomes one ``.eml`` file.

``python -m lms_local.mailserver --port 12525 --dir <data>/mail`` listens on 127.0.0.1 only. A message
is stored as ``<dir>/<stamp>-<hash of its Message-ID>.eml`` (the envelope sender and recipients on
top as ``X-Envelope-From``/``X-Envelope-To``), written to a temporary name and renamed, so a reader
never sees half a file. Like the large mailbox providers, a second message with a Message-ID already
stored is not shown twice: it goes to ``<dir>/duplicates/`` instead, so that a resend is visible
(and countable by tests) without doubling the mailbox.

Recipients in the reserved ``.invalid`` top-level domain (RFC 2606) are refused with
``550 5.1.1``: the way to see a permanent rejection in development and tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import re
import signal
import time
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

REJECTED_DOMAIN_SUFFIX = ".invalid"
DUPLICATES = "duplicates"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


def header_message_id(data: bytes) -> str | None:
    """The Message-ID of a raw message, read from its header block only (no full parse per message)."""
    head = re.split(rb"\r?\n\r?\n", data, maxsplit=1)[0]
    found = _MESSAGE_ID.search(head)
    return b" ".join(found.group(1).split()).decode("ascii", "replace") if found else None


def message_key(message_id: str | None, data: bytes) -> str:
    """Hex digest naming a message: of its Message-ID, or of its bytes when it has none."""
    source = message_id.strip().encode() if message_id else data
    return hashlib.sha256(source).hexdigest()[:32]


class MailboxHandler:
    """aiosmtpd handler: refuse ``*.invalid`` recipients, store the rest as files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / DUPLICATES).mkdir(exist_ok=True)
        self._seq = 0
        # Message-ID digests already stored (so a duplicate check needs no directory scan).
        self._known = {p.stem.rpartition("-")[2] for p in self.folder.glob("*.eml")}

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        domain = address.rpartition("@")[2].rstrip(">").lower()
        if domain.endswith(REJECTED_DOMAIN_SUFFIX) or domain == REJECTED_DOMAIN_SUFFIX.lstrip("."):
            return f"550 5.1.1 <{address}>: mailbox unavailable (the .invalid domain is refused by the dev server)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        key = message_key(header_message_id(data), data)
        self._seq += 1
        stamp = f"{time.time_ns()}-{os.getpid()}-{self._seq:06d}"
        duplicate = key in self._known
        target_dir = self.folder / DUPLICATES if duplicate else self.folder
        name = f"{stamp}-{key}.eml"
        top = (
            f"X-Envelope-From: <{envelope.mail_from or ''}>\r\n"
            f"X-Envelope-To: {', '.join(f'<{r}>' for r in envelope.rcpt_tos)}\r\n"
        ).encode()
        tmp = target_dir / f".{name}.tmp"
        tmp.write_bytes(top + data)
        tmp.replace(target_dir / name)
        self._known.add(key)
        return f"250 2.0.0 OK: stored as {_SAFE.sub('_', name)}"


async def serve(host: str, port: int, folder: Path) -> None:
    handler = MailboxHandler(folder)
    loop = asyncio.get_running_loop()

    def factory() -> SMTP:
        # 8 MB like a common relay; no AUTH (loopback only); SMTPUTF8 for names in any script.
        return SMTP(handler, data_size_limit=8 * 1024 * 1024, enable_SMTPUTF8=True, hostname="localhost")

    server = await loop.create_server(factory, host=host, port=port, reuse_address=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"mailserver listening on {host}:{port}, storing into {folder}", flush=True)
    async with server:
        await stop.wait()
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), timeout=3)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lms_local.mailserver", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True, help="folder the .eml files go into")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port, args.dir.resolve()))


def read_messages(folder: Path, *, duplicates: bool = False) -> list[dict[str, Any]]:
    """The stored messages, oldest first, parsed (for tests and tools): path, headers, text, html."""
    from email import message_from_bytes

    where = folder / DUPLICATES if duplicates else folder
    out: list[dict[str, Any]] = []
    for path in sorted(where.glob("*.eml")):
        msg = message_from_bytes(path.read_bytes(), policy=default_policy)
        text = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        out.append(
            {
                "path": path,
                "message": msg,
                "message_id": str(msg.get("Message-ID") or ""),
                "to": str(msg.get("To") or ""),
                "subject": str(msg.get("Subject") or ""),
                "text": text.get_content() if text is not None else "",
                "html": html.get_content() if html is not None else "",
            }
        )
    return out


if __name__ == "__main__":
    main()
