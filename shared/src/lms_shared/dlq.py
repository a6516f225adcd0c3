"""``python -m lms_shared.dlq list|replay``: see and replay dead-lettered events.

Dead letters live on ``lms.dlq.<consumer>`` in ``LMS_EVENTS`` with the reason in their headers.
Replay re-publishes the original envelope on its original subject under a fresh ``Nats-Msg-Id`` (so
JetStream does not drop it as a duplicate); consumers that already applied it skip it by inbox.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from lms_shared.jetstream import DLQ_PREFIX, EVENTS_STREAM, connect
from lms_shared.settings import get_settings


@dataclass
class DeadLetter:
    seq: int
    consumer: str
    original_subject: str
    reason: str
    deliveries: str
    data: bytes


async def list_dead_letters(js: JetStreamContext, consumer: str | None = None, limit: int = 1000) -> list[DeadLetter]:
    subject = f"{DLQ_PREFIX}.{consumer}" if consumer else f"{DLQ_PREFIX}.>"
    sub = await js.pull_subscribe(
        subject,
        stream=EVENTS_STREAM,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=30),
    )
    out: list[DeadLetter] = []
    try:
        while len(out) < limit:
            try:
                msgs = await sub.fetch(min(100, limit - len(out)), timeout=1.0)
            except TimeoutError:
                break
            for m in msgs:
                h = m.headers or {}
                out.append(
                    DeadLetter(
                        seq=m.metadata.sequence.stream if m.metadata else 0,
                        consumer=h.get("Lms-Dlq-Consumer", ""),
                        original_subject=h.get("Lms-Dlq-Original-Subject", ""),
                        reason=h.get("Lms-Dlq-Reason", ""),
                        deliveries=h.get("Lms-Dlq-Deliveries", ""),
                        data=m.data,
                    )
                )
    finally:
        await sub.unsubscribe()
    return out


async def replay(js: JetStreamContext, letter: DeadLetter) -> None:
    await js.publish(
        letter.original_subject, letter.data, headers={"Nats-Msg-Id": f"replay:{letter.seq}:{time.time_ns()}"}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("--consumer")
    parser.add_argument("--seq", type=int, help="replay only this stream sequence")
    args = parser.parse_args()

    async def run() -> None:
        nc, js = await connect(get_settings().nats_url, "dlq-cli")
        try:
            letters = await list_dead_letters(js, args.consumer)
            for d in letters:
                if args.action == "list":
                    print(f"{d.seq}\t{d.consumer}\t{d.original_subject}\tdeliveries={d.deliveries}\t{d.reason}")
                elif args.seq in (None, d.seq):
                    await replay(js, d)
                    print(f"replayed {d.seq} to {d.original_subject}")
            if not letters:
                print("no dead letters")
        finally:
            await nc.drain()

    asyncio.run(run())


if __name__ == "__main__":
    main()
