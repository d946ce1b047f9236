"""JetStream streams: one per service (full history), plus the dead-letter and replay streams."""

from __future__ import annotations

import logging

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from pathways_contracts.registry import DLQ_STREAM, REPLAY_STREAM, STREAMS

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
    return configs


async def ensure_streams(js: JetStreamContext, replicas: int = 1) -> None:
    for config in stream_configs(replicas):
        try:
            await js.stream_info(config.name or "")
        except NotFoundError:
            await js.add_stream(config)
            log.info("created stream %s on %s", config.name, ", ".join(config.subjects or []))
