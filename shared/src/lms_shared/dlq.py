"""``python -m lms_shared.dlq list|replay|delete``: page through, replay and remove dead letters.

Dead letters have their own stream, ``LMS_DLQ`` (subjects ``dlq.<consumer>.<event type>``), kept for
a year and never discarded silently: when it is full a consumer cannot park a letter, so the message
stays on ``LMS_EVENTS`` and is retried instead of being lost. Each letter carries the reason, the
consumer and the original subject in its headers.

Replay re-publishes the original envelope on its original subject under a fresh ``Nats-Msg-Id``
(so JetStream does not drop it as a duplicate) and then deletes the letter. A crash in between
replays it once more on the next run; the consumers' inboxes make that harmless, because the
envelope id is unchanged.

Letters parked by the first release live on ``lms.dlq.<consumer>`` in ``LMS_EVENTS``; they are listed
and replayed too (``stream`` says where each one lives).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from lms_shared.jetstream import DLQ_STREAM, DLQ_SUBJECT_PREFIX, EVENTS_STREAM, LEGACY_DLQ_PREFIX, connect
from lms_shared.settings import get_settings


@dataclass
class DeadLetter:
    stream: str
    seq: int
    consumer: str
    original_subject: str
    reason: str
    deliveries: str
    parked_at: datetime | None
    data: bytes


@dataclass(frozen=True)
class LetterFilter:
    """Which letters to act on; every field left None matches all."""

    consumer: str | None = None
    event_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    seq: int | None = None

    def subject(self) -> str:
        consumer = self.consumer or "*"
        return (
            f"{DLQ_SUBJECT_PREFIX}.{consumer}.{self.event_type}"
            if self.event_type
            else (f"{DLQ_SUBJECT_PREFIX}.{consumer}.>")
        )

    def matches(self, letter: DeadLetter) -> bool:
        if self.seq is not None and letter.seq != self.seq:
            return False
        if self.consumer and letter.consumer != self.consumer:
            return False
        if self.event_type and letter.original_subject != self.event_type:
            return False
        when = letter.parked_at
        if self.since and when and when < self.since:
            return False
        return not (self.until and when and when > self.until)


async def _letters_on(
    js: JetStreamContext, stream: str, subject: str, start_seq: int, since: datetime | None
) -> AsyncIterator[DeadLetter]:
    """Every letter on ``subject`` of ``stream`` from ``start_seq`` (or ``since``), oldest first."""
    if start_seq > 1:
        config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=start_seq)
    elif since is not None:
        config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_TIME, opt_start_time=since)
    else:
        config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
    config.ack_policy = AckPolicy.NONE
    config.inactive_threshold = 30
    try:
        sub = await js.pull_subscribe(subject, stream=stream, config=config)
    except Exception:  # noqa: BLE001 - the stream does not exist (yet): no letters there
        return
    try:
        while True:
            try:
                msgs = await sub.fetch(200, timeout=1.0)
            except TimeoutError:
                return
            for m in msgs:
                h = m.headers or {}
                parked = h.get("Lms-Dlq-Time")
                stored = m.metadata.timestamp if m.metadata else None
                yield DeadLetter(
                    stream=stream,
                    seq=m.metadata.sequence.stream if m.metadata else 0,
                    consumer=h.get("Lms-Dlq-Consumer", ""),
                    original_subject=h.get("Lms-Dlq-Original-Subject", ""),
                    reason=h.get("Lms-Dlq-Reason", ""),
                    deliveries=h.get("Lms-Dlq-Deliveries", ""),
                    parked_at=datetime.fromisoformat(parked) if parked else stored,
                    data=m.data,
                )
    finally:
        await sub.unsubscribe()


async def iter_dead_letters(
    js: JetStreamContext, where: LetterFilter | None = None, *, after_seq: int = 0
) -> AsyncIterator[DeadLetter]:
    """Every matching letter, the legacy ones first, then ``LMS_DLQ`` from ``after_seq`` on: no cap."""
    where = where or LetterFilter()
    legacy_subject = f"{LEGACY_DLQ_PREFIX}.{where.consumer}" if where.consumer else f"{LEGACY_DLQ_PREFIX}.>"
    if after_seq == 0:
        async for letter in _letters_on(js, EVENTS_STREAM, legacy_subject, 1, where.since):
            if where.matches(letter):
                yield letter
    async for letter in _letters_on(js, DLQ_STREAM, where.subject(), after_seq + 1, where.since):
        if where.matches(letter):
            yield letter


async def list_dead_letters(
    js: JetStreamContext, consumer: str | None = None, limit: int = 1000, *, after_seq: int = 0
) -> list[DeadLetter]:
    """One page of letters (``after_seq`` = the last sequence of the previous page)."""
    out: list[DeadLetter] = []
    async for letter in iter_dead_letters(js, LetterFilter(consumer=consumer), after_seq=after_seq):
        out.append(letter)
        if len(out) >= limit:
            break
    return out


async def replay(js: JetStreamContext, letter: DeadLetter, *, delete: bool = True) -> None:
    """Publish the letter's event again on its original subject, then remove the letter."""
    await js.publish(
        letter.original_subject,
        letter.data,
        headers={"Nats-Msg-Id": f"replay:{letter.stream}:{letter.seq}:{time.time_ns()}"},
    )
    if delete:
        await delete_letter(js, letter)


async def delete_letter(js: JetStreamContext, letter: DeadLetter) -> None:
    await js.delete_msg(letter.stream, letter.seq)


async def replay_matching(js: JetStreamContext, where: LetterFilter) -> int:
    """Replay (and delete) every letter that matches; returns how many."""
    letters = [letter async for letter in iter_dead_letters(js, where)]
    for letter in letters:
        await replay(js, letter)
    return len(letters)


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["list", "replay", "delete", "count"])
    parser.add_argument("--consumer", help="only letters of this durable consumer")
    parser.add_argument("--type", dest="event_type", help="only this event type (lms.progress.course.completed.v1)")
    parser.add_argument("--since", help="ISO time: parked at or after")
    parser.add_argument("--until", help="ISO time: parked at or before")
    parser.add_argument("--seq", type=int, help="only the letter with this stream sequence")
    parser.add_argument("--after", type=int, default=0, help="list: start after this LMS_DLQ sequence (paging)")
    parser.add_argument("--limit", type=int, default=100, help="list: letters per page (default 100)")
    args = parser.parse_args()
    where = LetterFilter(args.consumer, args.event_type, _when(args.since), _when(args.until), args.seq)

    async def run() -> None:
        nc, js = await connect(get_settings().nats_url, "dlq-cli")
        try:
            count = 0
            last = args.after
            async for d in iter_dead_letters(js, where, after_seq=args.after):
                count += 1
                if args.action == "list":
                    when = d.parked_at.isoformat() if d.parked_at else "-"
                    print(f"{d.stream}:{d.seq}\t{when}\t{d.consumer}\t{d.original_subject}\t{d.reason}")
                    last = d.seq if d.stream == DLQ_STREAM else last
                    if count >= args.limit:
                        print(f"-- more may follow: --after {last}")
                        break
                elif args.action == "replay":
                    await replay(js, d)
                    print(f"replayed {d.stream}:{d.seq} to {d.original_subject}")
                elif args.action == "delete":
                    await delete_letter(js, d)
                    print(f"deleted {d.stream}:{d.seq}")
            if args.action == "count" or count == 0:
                print(f"{count} dead letters" if count else "no dead letters")
        finally:
            await nc.drain()

    asyncio.run(run())


if __name__ == "__main__":
    main()
