"""The development mailbox: the local SMTP server's ``.eml`` files, listed and opened (``/dev/mailbox``).

Development only (the launcher sets ``LMS_NOTIFICATIONS_DEV_MAILBOX``; it is refused in production).
The page is a developer's tool in English, like the launcher's output. An email's HTML is served on
its own URL with ``Content-Security-Policy: sandbox`` and shown in a sandboxed frame, so a message
can run no script and reach no cookie of the page around it.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path

import jinja2

_NAME = re.compile(r"^[0-9A-Za-z._-]+\.eml$")

_ENV = jinja2.Environment(autoescape=True)

_LIST = _ENV.from_string("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Development mailbox</title>
<meta name="robots" content="noindex">
<style>body{font-family:'Noto Sans',Arial,sans-serif;margin:24px;color:#1f2328}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #d0d7de}
a:focus-visible{outline:3px solid #0b5cad}</style></head>
<body><h1>Development mailbox</h1>
<p>{{ count }} messages received by the local SMTP server (newest first){% if duplicates %},
and {{ duplicates }} resent copies with a Message-ID already here (in duplicates/){% endif %}.
Development only.</p>
<table><thead><tr><th>Date</th><th>To</th><th>Subject</th><th>Language</th></tr></thead><tbody>
{% for m in messages %}<tr><td>{{ m.date }}</td><td>{{ m.to }}</td>
<td><a href="/dev/mailbox/{{ m.name }}">{{ m.subject or "(no subject)" }}</a></td><td>{{ m.lang }}</td></tr>
{% endfor %}</tbody></table></body></html>
""")

_ONE = _ENV.from_string("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ m.subject }}</title>
<meta name="robots" content="noindex">
<style>body{font-family:'Noto Sans',Arial,sans-serif;margin:24px;color:#1f2328}
dt{font-weight:bold}dd{margin:0 0 8px 0}pre{white-space:pre-wrap;background:#f6f8fa;padding:12px}
iframe{width:100%;height:640px;border:1px solid #d0d7de}</style></head>
<body><p><a href="/dev/mailbox">&larr; All messages</a> · <a href="/dev/mailbox/{{ m.name }}/raw">Raw</a></p>
<h1>{{ m.subject }}</h1>
<dl>{% for k, v in m.headers %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl>
<h2>HTML</h2>
<iframe title="HTML part" sandbox src="/dev/mailbox/{{ m.name }}/html"></iframe>
<h2>Plain text</h2>
<pre>{{ m.text }}</pre>
</body></html>
""")

SHOWN_HEADERS = (
    "Date",
    "From",
    "To",
    "Subject",
    "Message-ID",
    "Content-Language",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "X-Envelope-To",
)


@dataclass(frozen=True)
class StoredMessage:
    name: str
    date: str
    to: str
    subject: str
    lang: str
    headers: list[tuple[str, str]]
    text: str
    html: str
    raw: bytes


class DevMailbox:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _parse(self, path: Path) -> StoredMessage:
        raw = path.read_bytes()
        msg = message_from_bytes(raw, policy=default_policy)
        assert isinstance(msg, EmailMessage)
        text = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        date = str(msg.get("Date") or "")
        with contextlib.suppress(TypeError, ValueError):
            date = parsedate_to_datetime(date).isoformat(sep=" ", timespec="seconds")
        return StoredMessage(
            name=path.name,
            date=date,
            to=str(msg.get("To") or ""),
            subject=str(msg.get("Subject") or ""),
            lang=str(msg.get("Content-Language") or ""),
            headers=[(h, str(msg.get(h))) for h in SHOWN_HEADERS if msg.get(h) is not None],
            text=text.get_content() if isinstance(text, EmailMessage) else "",
            html=html.get_content() if isinstance(html, EmailMessage) else "",
            raw=raw,
        )

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted((p.name for p in self.folder.glob("*.eml")), reverse=True)

    def get(self, name: str) -> StoredMessage | None:
        if not _NAME.match(name):
            return None
        path = self.folder / name
        return self._parse(path) if path.is_file() else None

    def list_page(self, limit: int = 500) -> str:
        names = self.names()
        duplicates = len(list((self.folder / "duplicates").glob("*.eml"))) if self.folder.is_dir() else 0
        messages = [self._parse(self.folder / n) for n in names[:limit]]
        return _LIST.render(messages=messages, count=len(names), duplicates=duplicates)

    def message_page(self, message: StoredMessage) -> str:
        return _ONE.render(m=message)
