"""The guard of a stream: parks messages on subjects no contract knows, so an operator sees them.

Consumers filter on the subjects they handle, so such a message would reach none of them and sit
unseen. Reading the whole stream to find the rare stray one made the server deliver, and each
owning service parse, every event a second time (a third of all deliveries under the demo load).
Instead the guard asks the server every few seconds which subjects hold messages (stream info
with a subject filter: one request, answered from the stream's subject index), and reads only an
unknown subject, through a durable consumer of its own filtered on it. Parked messages an operator
replays to the guard come back on its replay consumer; one still unknown is parked again, its new
entry superseding the old one, and one a contract now knows stays unresolved (no consumer will see
it) for an operator to settle. A replay whose entry an operator discarded after sending it is
neither: the discard stands.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import Callable, Sequence

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from pathways_contracts.registry import BY_SUBJECT, REPLAY_STREAM, UnknownSubjectError
from pathways_infra.consumer import (
    MessageRejectedError,
    discarded_after_sent,
    log_replay_not_taken,
    original_subject,
    park,
    replay_consumer_name,
)
from pathways_infra.waiting import wait_until

log = logging.getLogger(__name__)

DRAIN_BATCH = 256
DRAIN_WAIT_SECONDS = 0.5


class StreamGuard:
    def __init__(
        self, *, name: str, stream: str, subjects: str, js: Callable[[], JetStreamContext], poll_seconds: float
    ) -> None:
        self.name = name
        self.stream = stream
        self.subjects = subjects
        self._js = js
        self._poll_seconds = poll_seconds
        self.processed = 0
        self.parked = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep until ``stop`` is set; a failed sweep (server away) is tried again at the next."""
        while not stop.is_set():
            try:
                await self.sweep()
            except (nats.errors.Error, TimeoutError) as error:
                log.warning("guard %s: sweep of %s failed (%r); trying again", self.name, self.stream, error)
            await wait_until(stop, timeout=self._poll_seconds)

    async def sweep(self) -> None:
        """Park every message on an unknown subject not parked yet, and every replay sent to the guard."""
        for subject in await self.unknown_subjects():
            await self._drain(self.stream, self._config(f"{self.name}-{_short_hash(subject)}", subject))
        await self._drain(REPLAY_STREAM, self._config(replay_consumer_name(self.name), f"replay.{self.name}.>"))

    async def unknown_subjects(self) -> list[str]:
        info = await self._js().stream_info(self.stream, subjects_filter=self.subjects)
        return sorted(subject for subject in info.state.subjects or {} if subject not in BY_SUBJECT)

    async def handle(self, messages: Sequence[Msg]) -> None:
        for msg in messages:
            subject = original_subject(msg)
            if (discard := await discarded_after_sent(self._js(), msg)) is not None:
                log_replay_not_taken(self.name, msg, discard)
            elif subject not in BY_SUBJECT:
                await park(self._js(), self.name, msg, MessageRejectedError(str(UnknownSubjectError(subject))))
                self.parked += 1
            else:
                # Not "applied": nobody applied it. A consumer taking the subject now starts from where
                # it is and never sees this message; the entry stays for the operator to settle.
                log.warning(
                    "guard %s: replayed message on %s, a subject a contract now knows; the guard has nothing "
                    "to do with it and no consumer will see it: its DLQ entry stays unresolved (discard it "
                    "with a reason once settled)", self.name, subject,
                )  # fmt: skip
        if messages:
            await messages[-1].ack_sync()  # acknowledges the whole batch (AckPolicy.ALL)
        self.processed += len(messages)

    async def _drain(self, stream: str, config: ConsumerConfig) -> None:
        js = self._js()
        durable = config.durable_name or ""
        await js.add_consumer(stream, config=config)  # creates it, or finds it as it was
        info = await js.consumer_info(stream, durable)
        if not info.num_pending and not info.num_ack_pending:
            return
        subscription = await js.pull_subscribe_bind(durable, stream=stream)
        try:
            while True:
                try:
                    batch = await subscription.fetch(DRAIN_BATCH, timeout=DRAIN_WAIT_SECONDS)
                except nats.errors.TimeoutError:
                    return
                await self.handle(batch)
        finally:
            await subscription.unsubscribe()

    @staticmethod
    def _config(durable: str, subject: str) -> ConsumerConfig:
        return ConsumerConfig(
            name=durable,
            durable_name=durable,
            filter_subject=subject,
            ack_policy=AckPolicy.ALL,
            deliver_policy=DeliverPolicy.ALL,
            max_deliver=-1,
            ack_wait=30,
        )


async def retire_full_stream_guard(js: JetStreamContext, stream: str, name: str) -> None:
    """Earlier versions' guard read the whole stream through a durable consumer named like the guard;
    left behind, the server would keep every message pending for it."""
    with contextlib.suppress(NotFoundError):
        await js.delete_consumer(stream, name)


def _short_hash(subject: str) -> str:
    return f"{zlib.crc32(subject.encode()):08x}"
