"""Email routes: one-click unsubscribe (public), parked deliveries (admins), the dev mailbox (development).

* ``GET  /v1/unsubscribe/{token}``: a confirmation page in the person's language (changes nothing).
* ``POST /v1/unsubscribe/{token}``: RFC 8058 one-click (body ``List-Unsubscribe=One-Click``) or the
  page's button: mutes the kind for email and answers a "done" page. No login: the link is signed.
  The gateway serves both at ``/unsubscribe/{token}``.
* ``GET  /v1/admin/email-deliveries?status=PARKED&first=50&after=``: deliveries by status (admins).
* ``POST /v1/admin/email-deliveries/{id}/replay``: a parked delivery back in the queue (admins).
* ``GET  /dev/mailbox``, ``/dev/mailbox/{name}``, ``…/html``, ``…/raw``: development only, else 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from lms_shared.db import utcnow
from lms_shared.errors import NotFound
from notifications.bootstrap import DevMailbox, EmailWiring
from notifications.entrypoints.deps import ContainerDep, CurrentUser, UowDep
from notifications.service_layer import delivery, unsubscribing
from notifications.service_layer.email_ports import DeliveryPage, DeliveryRecord

router = APIRouter()

_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never hand it to another site
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


class EmailDeliveryRead(BaseModel):
    id: str
    source: Literal["NOTIFICATION", "DIGEST"]
    notification_id: str | None
    recipient_id: str
    to_address: str
    status: str
    attempts: int
    last_error: str | None
    message_id: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, r: DeliveryRecord) -> EmailDeliveryRead:
        return cls.model_validate(r.__dict__)


class EmailDeliveryPageInfo(BaseModel):
    has_next_page: bool
    end_cursor: str | None


class EmailDeliveryPage(BaseModel):
    nodes: list[EmailDeliveryRead]
    page_info: EmailDeliveryPageInfo
    total_count: int

    @classmethod
    def of(cls, p: DeliveryPage) -> EmailDeliveryPage:
        return cls(
            nodes=[EmailDeliveryRead.of(r) for r in p.items],
            page_info=EmailDeliveryPageInfo(has_next_page=p.has_next_page, end_cursor=p.end_cursor),
            total_count=p.total_count,
        )


def _email(container: ContainerDep) -> EmailWiring:
    if container.email is None:
        raise NotFound("Email is not configured in this process.")
    return container.email


def _page(container: ContainerDep, view: unsubscribing.UnsubscribeView, state: str, lang: str | None) -> HTMLResponse:
    templates = _email(container).ports.templates
    shown = state if view.valid else "invalid"
    html = templates.unsubscribe_page(lang=lang or view.lang, kind=view.kind, state=shown)
    return HTMLResponse(html, status_code=200 if view.valid else 400, headers=_PAGE_HEADERS)


@router.get("/v1/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe_page(token: str, uow: UowDep, container: ContainerDep, lang: str | None = None) -> HTMLResponse:
    """The confirmation page of an unsubscribe link (public; nothing changes until the POST)."""
    view = await unsubscribing.inspect(uow, _email(container).unsubscribe_secret, token)
    return _page(container, view, "ask", lang)


@router.post("/v1/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe(token: str, uow: UowDep, container: ContainerDep, lang: str | None = None) -> HTMLResponse:
    """One-click unsubscribe (RFC 8058): mutes the link's kind of email for the person it names (public)."""
    view = await unsubscribing.unsubscribe(uow, _email(container).unsubscribe_secret, token)
    return _page(container, view, "done", lang)


@router.get("/v1/admin/email-deliveries", response_model=EmailDeliveryPage)
async def list_email_deliveries(
    user: CurrentUser,
    uow: UowDep,
    status: Literal["PARKED", "PENDING", "SENDING", "SENT", "FAILED"] = "PARKED",
    first: int = Query(default=50, ge=1, le=200),
    after: str | None = None,
) -> EmailDeliveryPage:
    """Email deliveries in a status, newest first (admins): by default the parked ones, with the server's answer."""
    page = await delivery.list_deliveries(uow, is_admin=user.is_admin, status=status, first=first, after=after)
    return EmailDeliveryPage.of(page)


@router.post("/v1/admin/email-deliveries/{delivery_id}/replay", response_model=EmailDeliveryRead)
async def replay_email_delivery(delivery_id: str, user: CurrentUser, uow: UowDep) -> EmailDeliveryRead:
    """Send a parked email again (admins); 409 unless it is PARKED."""
    return EmailDeliveryRead.of(
        await delivery.replay_delivery(uow, is_admin=user.is_admin, delivery_id=delivery_id, now=utcnow())
    )


# -- development mailbox ---------------------------------------------------------------------------


def _mailbox(container: ContainerDep) -> DevMailbox:
    mailbox = container.dev_mailbox()
    if mailbox is None:
        raise NotFound("The development mailbox is off (LMS_NOTIFICATIONS_DEV_MAILBOX, never in production).")
    return mailbox


@router.get("/dev/mailbox", response_class=HTMLResponse, include_in_schema=False)
async def dev_mailbox(container: ContainerDep) -> HTMLResponse:
    return HTMLResponse(_mailbox(container).list_page(), headers={"Cache-Control": "no-store"})


@router.get("/dev/mailbox/{name}", response_class=HTMLResponse, include_in_schema=False)
async def dev_mailbox_message(name: str, container: ContainerDep) -> HTMLResponse:
    box = _mailbox(container)
    message = box.get(name)
    if message is None:
        raise NotFound(f"No message {name} in the development mailbox.")
    return HTMLResponse(box.message_page(message), headers={"Cache-Control": "no-store"})


@router.get("/dev/mailbox/{name}/{part}", include_in_schema=False)
async def dev_mailbox_part(name: str, part: Literal["html", "raw"], container: ContainerDep) -> Response:
    message = _mailbox(container).get(name)
    if message is None:
        raise NotFound(f"No message {name} in the development mailbox.")
    if part == "html":
        # sandbox: the email's HTML runs no script and is its own origin (no cookies of ours).
        return HTMLResponse(message.html, headers={"Content-Security-Policy": "sandbox", "Cache-Control": "no-store"})
    return Response(message.raw, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-store"})
