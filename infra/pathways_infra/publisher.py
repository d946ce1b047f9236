"""Pipelined JetStream publishing that always settles: every publish gets an ack or an error.

nats-py's ``publish_async`` raises a rejected publish's error inside its reply callback instead of
setting it on the future, which then never completes (nats-py 2.16). A relay must learn of every
rejection, so it publishes with core ``publish`` and a reply subject of its own, and settles each
future from the reply: a PubAck, an API error, or "no responders" when no stream takes the subject.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription


class PublishError(RuntimeError):
    """JetStream refused a message (its reason is the server's), or never answered."""


@dataclass(frozen=True)
class Ack:
    stream: str
    sequence: int
    duplicate: bool
    count: int = 1


@dataclass(frozen=True)
class Outgoing:
    subject: str
    payload: bytes
    headers: dict[str, str]
    encoded_headers: bytes = b""  # header lines encoded ahead of time ("Key: value\r\n"...)


def header_lines(headers: dict[str, str]) -> bytes:
    return "".join([f"{key}: {value}\r\n" for key, value in headers.items()]).encode()


def encode_headers(message: Outgoing) -> bytes:
    return b"NATS/1.0\r\n" + message.encoded_headers + header_lines(message.headers) + b"\r\n"


async def _all_acks(futures: list[asyncio.Future[Ack]], ack_timeout: float) -> list[Ack]:
    try:
        async with asyncio.timeout(ack_timeout):
            return list(await asyncio.gather(*futures))
    except TimeoutError:
        raise PublishError(f"JetStream did not acknowledge within {ack_timeout:.0f}s") from None
    finally:
        for future in futures:
            if not future.done():
                future.cancel()


class PipelinedPublisher:
    def __init__(self, nc: NatsClient) -> None:
        self._nc = nc
        self._prefix = ""
        self._tokens = itertools.count()
        self._pending: dict[str, asyncio.Future[Ack]] = {}
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._prefix = self._nc.new_inbox()
        self._subscription = await self._nc.subscribe(f"{self._prefix}.*", cb=self._on_reply)

    async def close(self) -> None:
        if self._subscription is not None:
            await self._subscription.unsubscribe()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(PublishError("publisher closed before the server answered"))
        self._pending.clear()

    async def send_batches(
        self, batches: Sequence[Sequence[Outgoing]], *, ack_timeout: float = 30.0
    ) -> asyncio.Future[list[Ack]]:
        """Send batches in order now; the returned future gives one ack per batch, or the first error.

        A batch of more than one message must be an atomic batch (``Nats-Batch-*`` headers): JetStream
        then stores all of it or none of it, and answers only its commit, the last message.
        """
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[Ack]] = []
        for batch in batches:
            token = str(next(self._tokens))
            future: asyncio.Future[Ack] = loop.create_future()
            self._pending[token] = future
            futures.append(future)
            for message in batch[:-1]:
                await self._send(message, "")
            await self._send(batch[-1], f"{self._prefix}.{token}")
        await self._flush()
        return asyncio.ensure_future(_all_acks(futures, ack_timeout))

    async def _send(self, message: Outgoing, reply: str) -> None:
        send_command = getattr(self._nc, "_send_command", None)
        if send_command is None:  # a nats-py without the internals below: the slower public path
            await self._nc.publish(message.subject, message.payload, reply=reply, headers=message.headers)
            return
        # nats-py re-validates and re-encodes every header of every message with a regex and
        # str.translate; that was most of the relay's time. Our header values are known to be
        # single-line ASCII (see pathways_contracts.envelope), so the frame is built directly.
        header = encode_headers(message)
        size = len(header) + len(message.payload)
        subject = f"{message.subject} {reply}" if reply else message.subject
        frame = f"HPUB {subject} {len(header)} {size}\r\n".encode() + header + message.payload + b"\r\n"
        await send_command(frame)

    async def _flush(self) -> None:
        flush_pending = getattr(self._nc, "_flush_pending", None)
        if flush_pending is not None:
            await flush_pending()

    async def _on_reply(self, msg: Msg) -> None:
        future = self._pending.pop(msg.subject.rsplit(".", 1)[1], None)
        if future is None or future.done():
            return
        if msg.headers and msg.headers.get("Status") == "503":
            future.set_exception(PublishError("no stream takes this subject (503 no responders)"))
            return
        try:
            reply = json.loads(msg.data)
        except ValueError:
            future.set_exception(PublishError(f"unreadable reply from JetStream: {msg.data[:200]!r}"))
            return
        if "error" in reply:
            error = reply["error"]
            future.set_exception(PublishError(f"{error.get('description')} (code {error.get('err_code')})"))
            return
        future.set_result(
            Ack(
                stream=reply["stream"],
                sequence=int(reply["seq"]),
                duplicate=bool(reply.get("duplicate")),
                count=int(reply.get("count", 1)),
            )
        )
