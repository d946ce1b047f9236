"""JetStream streams: one per service (full history), plus the dead-letter, replay and resolution streams."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import nats
import nats.errors
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError, ServerError

from pathways_contracts.registry import DLQ_STREAM, REPLAY_STREAM, RESOLUTIONS_STREAM, STREAMS
from pathways_infra.resolutions import RESOLUTION_SUBJECT
from pathways_infra.waiting import wait_until

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_SECONDS = 120.0


def stream_configs(replicas: int) -> list[StreamConfig]:
    def config(name: str, subjects: list[str], description: str) -> StreamConfig:
        return StreamConfig(
            name=name,
            subjects=subjects,
            description=description,
            storage=StorageType.FILE,
            retention=RetentionPolicy.LIMITS,
            discard=DiscardPolicy.OLD,
            max_age=0,  # full history kept: the streams are a complete copy of the event stores
            max_msgs=-1,
            max_bytes=-1,
            num_replicas=replicas,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            allow_direct=True,
        )

    configs = [
        config(spec.name, spec.subjects, f"Integration events of the {spec.service} service")
        for spec in STREAMS.values()
    ]
    configs.append(config(DLQ_STREAM, ["dlq.>"], "Messages a consumer could not process, parked for operators"))
    configs.append(config(REPLAY_STREAM, ["replay.>"], "Parked messages an operator sent back to one consumer"))
    configs.append(
        config(
            RESOLUTIONS_STREAM,
            [f"{RESOLUTION_SUBJECT}.>"],
            "How parked messages were resolved: applied after a replay, parked again, or discarded",
        )
    )
    return configs


class StreamMisconfiguredError(RuntimeError):
    """A stream exists with other subjects or copies messages from elsewhere: made by mistake, or by
    someone who wanted it to capture or forge messages. Nothing should run on it."""


async def ensure_streams(js: JetStreamContext, replicas: int = 1) -> None:
    """Make each missing stream (the operator does: services may not) and check the others."""
    for config in stream_configs(replicas):
        try:
            existing = await js.stream_info(config.name or "")
        except NotFoundError:
            await _add_stream(js, config)
            log.info("created stream %s on %s", config.name, ", ".join(config.subjects or []))
        else:
            refuse_if_misconfigured(existing.config, config)


STORE_NOT_CREATED = 10049  # nats-server: "error creating store for stream"


async def _add_stream(js: JetStreamContext, config: StreamConfig, *, attempts: int = 5) -> None:
    """Make a stream. Made again just after it was deleted, the server may not have removed the old one's
    files yet and refuse to create its store: it is tried again a moment later."""
    for attempt in range(1, attempts + 1):
        try:
            await js.add_stream(config)
            return
        except ServerError as error:
            if error.err_code != STORE_NOT_CREATED or attempt == attempts:
                raise
            log.warning("stream %s: the server could not create its store yet; trying again", config.name)
            await asyncio.sleep(0.2 * attempt)


async def await_streams(
    js: JetStreamContext, replicas: int, *, stopping: asyncio.Event, poll_seconds: float = 2.0
) -> bool:
    """A service's start: wait until every stream exists, as the operator makes them, and check them.
    False if the service stopped first. Where the service's NATS user may make streams (a server
    without Pathways' users), it makes the missing ones itself."""
    waiting_for: set[str] = set()
    for config in stream_configs(replicas):
        name = config.name or ""
        while True:
            try:
                existing = await js.stream_info(name)
            except NotFoundError:
                if not waiting_for and await _made_here(js, config):
                    continue
                if name not in waiting_for:
                    waiting_for.add(name)
                    log.warning("stream %s does not exist and this service may not make it: waiting for the operator "
                                "(`pathways streams ensure`; `pathways up` does it)", name)  # fmt: skip
                if await wait_until(stopping, timeout=poll_seconds):
                    return False
                continue
            refuse_if_misconfigured(existing.config, config)
            break
    return True


async def _made_here(js: JetStreamContext, config: StreamConfig) -> bool:
    try:
        await js.add_stream(config)
    except (TimeoutError, nats.errors.Error):
        return False  # not permitted: NATS answers nothing to a request it refuses
    log.info("created stream %s on %s", config.name, ", ".join(config.subjects or []))
    return True


def refuse_if_misconfigured(existing: StreamConfig, expected: StreamConfig) -> None:
    """Raise ``StreamMisconfiguredError`` unless ``existing`` stores exactly ``expected``'s subjects
    and nothing from elsewhere (sources, a mirror, subject transforms, republishing)."""
    problems = []
    if sorted(existing.subjects or []) != sorted(expected.subjects or []):
        problems.append(f"subjects {existing.subjects} instead of {expected.subjects}")
    for field in ("sources", "mirror", "subject_transform", "republish"):
        if getattr(existing, field, None):
            problems.append(f"{field} {getattr(existing, field)}")
    if problems:
        raise StreamMisconfiguredError(
            f"stream {expected.name} has {'; '.join(problems)}: it is not the stream Pathways made; "
            "an operator must look at it (and delete it, to have it made again)"
        )


async def provision_streams(operator_url: str, replicas: int = 1, integrators: Sequence[str] = ()) -> list[str]:
    """Connect as the operator (``operator_url``, a cluster's nodes comma-separated) and make or check the
    streams. Returns the integrators' consumers on ``OUTCOMES`` that ``integrators`` no longer names: their
    integrator has lost its NATS user (its name left out of PATHWAYS_NATS_INTEGRATORS) and cannot read."""
    nc = await nats.connect(servers=[url.strip() for url in operator_url.split(",") if url.strip()])
    try:
        js = nc.jetstream()
        await ensure_streams(js, replicas)
        return await _readers_without_user(js, integrators)
    finally:
        await nc.close()


async def _readers_without_user(js: JetStreamContext, integrators: Sequence[str]) -> list[str]:
    from pathways_infra.nats_auth import belongs_to_a_service

    consumers = await js.consumers_info(STREAMS["outcomes"].name)
    names = (c.config.durable_name or "" for c in consumers)
    return sorted(name for name in names if name and not belongs_to_a_service(name) and name not in integrators)
