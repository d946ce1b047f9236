"""Pipelined JetStream publishing that always settles: every publish gets an ack or an error.

nats-py's ``publish_async`` raises a rejected publish's error inside its reply callback instead of
setting it on the future, which then never completes (nats-py 2.16). A relay must learn of every
rejection, so it publishes with core ``publish`` and a reply subject of its own, and settles each
future from the reply: a PubAck, an API error, or "no responders" when no stream takes the subject.
With ``duplicates_fail``, a duplicate is an error too: its message was not stored, the stream
holding another with its id (for a sender that sends each id once, one someone else published).
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


@dataclass(frozen=True)
class Acks:
    """JetStream's answer to messages sent together: how many it acknowledged, and the last ack."""

    count: int
    last: Ack


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


@dataclass
class _Group:
    """Messages sent with one reply subject: JetStream answers each, in order."""

    size: int
    future: asyncio.Future[Acks]
    answered: int = 0


class PipelinedPublisher:
    def __init__(self, nc: NatsClient, *, duplicates_fail: bool = False) -> None:
        self._nc = nc
        self._duplicates_fail = duplicates_fail
        self._prefix = ""
        self._tokens = itertools.count()
        self._pending: dict[str, _Group] = {}
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._prefix = self._nc.new_inbox()
        self._subscription = await self._nc.subscribe(f"{self._prefix}.*", cb=self._on_reply)

    async def close(self) -> None:
        if self._subscription is not None:
            await self._subscription.unsubscribe()
        for group in self._pending.values():
            if not group.future.done():
                group.future.set_exception(PublishError("publisher closed before the server answered"))
        self._pending.clear()

    async def send_each(self, messages: Sequence[Outgoing], *, ack_timeout: float = 30.0) -> asyncio.Future[Acks]:
        """Send the (one or more) messages in order now, each a publish of its own; the returned
        future gives their acks once every one is in, or the first error."""
        if not messages:
            raise ValueError("nothing to send")
        token = str(next(self._tokens))
        group = _Group(len(messages), asyncio.get_running_loop().create_future())
        self._pending[token] = group
        reply = f"{self._prefix}.{token}"
        for message in messages:
            await self._send(message, reply)
        await self._flush()
        return asyncio.ensure_future(self._answer(token, group, ack_timeout))

    async def _answer(self, token: str, group: _Group, ack_timeout: float) -> Acks:
        try:
            async with asyncio.timeout(ack_timeout):
                return await group.future
        except TimeoutError:
            raise PublishError(f"JetStream did not acknowledge within {ack_timeout:.0f}s") from None
        finally:
            self._pending.pop(token, None)

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
        frame = f"HPUB {message.subject} {reply} {len(header)} {size}\r\n".encode() + header + message.payload + b"\r\n"
        await send_command(frame)

    async def _flush(self) -> None:
        flush_pending = getattr(self._nc, "_flush_pending", None)
        if flush_pending is not None:
            await flush_pending()

    async def _on_reply(self, msg: Msg) -> None:
        token = msg.subject.rsplit(".", 1)[1]
        group = self._pending.get(token)
        if group is None or group.future.done():
            return
        group.answered += 1
        last = group.answered == group.size
        # Only the last ack's sequence is needed; the others are read only if they are not plain acks.
        if not (last or msg.headers or msg.data[:1] != b"{" or b'"error"' in msg.data or self._failing_duplicate(msg)):
            return
        del self._pending[token]
        try:
            ack = _ack_in(msg)
            if ack.duplicate and self._duplicates_fail:
                raise PublishError(f"the stream holds this message id already, at sequence {ack.sequence} (duplicate)")
        except PublishError as error:
            group.future.set_exception(error)
            return
        group.future.set_result(Acks(count=group.size, last=ack))

    def _failing_duplicate(self, msg: Msg) -> bool:
        return self._duplicates_fail and b'"duplicate"' in msg.data


def _ack_in(msg: Msg) -> Ack:
    if msg.headers and msg.headers.get("Status") == "503":
        raise PublishError("no stream takes this subject (503 no responders)")
    try:
        reply = json.loads(msg.data)
    except ValueError:
        raise PublishError(f"unreadable reply from JetStream: {msg.data[:200]!r}") from None
    if "error" in reply:
        error = reply["error"]
        raise PublishError(f"{error.get('description')} (code {error.get('err_code')})")
    return Ack(stream=reply["stream"], sequence=int(reply["seq"]), duplicate=bool(reply.get("duplicate")))
