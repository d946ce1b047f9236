"""The whole system at a glance, for operators: is every event published and applied, is anything
parked, is every service up?

It reads JetStream's own counts (no message is fetched) and each service's ``/health``, so it is
cheap enough to poll: ``pathways status --wait`` polls until the system has caught up.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from pathways_contracts.registry import DLQ_STREAM, REPLAY_STREAM, STREAMS
from pathways_infra.nats_auth import belongs_to_a_service
from pathways_infra.resolutions import resolved_counts
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings

HEALTH_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class ConsumerLag:
    """One durable consumer: ``waiting`` messages not delivered yet, ``in_flight`` delivered and not
    yet acknowledged (being applied, or waiting to be retried)."""

    stream: str
    name: str
    waiting: int
    in_flight: int
    redelivered: int

    @property
    def behind(self) -> int:
        return self.waiting + self.in_flight


@dataclass(frozen=True)
class ServiceHealth:
    service: ServiceName
    url: str
    up: bool
    relay_caught_up: bool | None = None  # None: this replica runs no relay, or the service is down
    relay_published: int | None = None
    relay_failing: str = ""  # why the relay cannot publish its next batch (it retries)
    consuming: bool | None = None
    error: str = ""
    read_models_to_rebuild: tuple[str, ...] = ()  # rows from before an upgrade lack what the code keeps


@dataclass(frozen=True)
class SystemStatus:
    streams: Mapping[str, int]  # messages held by each service's stream
    consumers: Sequence[ConsumerLag]
    parked: Mapping[str, int]  # unresolved messages on the DLQ, by the consumer that parked them
    services: Sequence[ServiceHealth] = field(default_factory=tuple)
    missing: Sequence[str] = field(default_factory=tuple)  # "STREAM/name" a service that is up should keep
    # Integrators' consumers (and any other not a service's): shown, but how far an integrator has read
    # says nothing of the system's health, and one gone away must not keep `status --wait` waiting.
    others: Sequence[ConsumerLag] = field(default_factory=tuple)

    @property
    def caught_up(self) -> bool:
        """Every consumer has applied every message its stream holds, and every running relay has published
        everything. A consumer's backlog is JetStream's to count, so a down service's consumers count too,
        and what they have not applied keeps this false; a down service's relay is what nobody can count
        (``relays_unknown``). So it is what ``--wait`` can wait for, never a word that the system is well:
        ``healthy`` is false while any service is down."""
        relays = all(s.relay_caught_up is not False for s in self.services if s.up)
        return relays and not self.missing and all(consumer.behind == 0 for consumer in self.consumers)

    @property
    def relays_unknown(self) -> list[str]:
        """Services that are down: their relay may hold events not yet published, which nobody can count
        from here (caught_up speaks for what the running services and the streams say)."""
        return [s.service for s in self.services if not s.up]

    @property
    def healthy(self) -> bool:
        """Caught up, nothing parked, every service answering."""
        return self.caught_up and not sum(self.parked.values()) and all(s.up for s in self.services)

    def as_dict(self) -> dict[str, Any]:
        return {
            "caught_up": self.caught_up,
            "healthy": self.healthy,
            "relays_unknown": self.relays_unknown,
            "streams": dict(self.streams),
            "consumers": [asdict(c) | {"behind": c.behind} for c in self.consumers],
            "parked": dict(self.parked),
            "services": [asdict(s) for s in self.services],
            "missing_consumers": list(self.missing),
            "other_consumers": [asdict(c) | {"behind": c.behind} for c in self.others],
        }


async def read_status(js: JetStreamContext, services: Mapping[ServiceName, str]) -> SystemStatus:
    """``services``: each service's base URL; their ``/health`` is asked at once, in parallel."""
    streams: dict[str, int] = {}
    consumers: list[ConsumerLag] = []
    for stream in [*(spec.name for spec in STREAMS.values()), REPLAY_STREAM]:
        try:
            info = await js.stream_info(stream)
        except NotFoundError:  # not made yet: no service has started
            continue
        if stream != REPLAY_STREAM:
            streams[stream] = info.state.messages
        consumers += [
            ConsumerLag(stream, c.name, c.num_pending or 0, c.num_ack_pending or 0, c.num_redelivered or 0)
            for c in await js.consumers_info(stream)
            if c.config.durable_name  # ephemeral ones (a rebuild, a listing) come and go
        ]
    health = await asyncio.gather(*(_health(service, url) for service, url in services.items()))
    missing = _missing_consumers(consumers, streams, [h.service for h in health if h.up and h.consuming])
    ordered = sorted(consumers, key=lambda c: (c.stream, c.name))
    own = [c for c in ordered if belongs_to_a_service(c.name)]
    others = [c for c in ordered if not belongs_to_a_service(c.name)]
    return SystemStatus(streams, own, await _parked(js), health, missing, others)


def _missing_consumers(
    consumers: Sequence[ConsumerLag], streams: Mapping[str, int], consuming: Sequence[ServiceName]
) -> list[str]:
    """The consumers a service running its consumers should keep and that do not exist (deleted
    under it: nothing more reaches what they feed, and nothing says so but this)."""
    from pathways_infra.service import kept_consumers
    from pathways_infra.services import definition_of

    present = {(c.stream, c.name) for c in consumers}
    expected = [pair for service in consuming for pair in kept_consumers(definition_of(service))]
    return [
        f"{stream}/{name}"
        for stream, name in expected
        if (stream in streams or stream == REPLAY_STREAM) and (stream, name) not in present
    ]


async def _parked(js: JetStreamContext) -> dict[str, int]:
    """Unresolved DLQ entries by consumer: those it parked, less those a resolution names."""
    try:
        info = await js.stream_info(DLQ_STREAM, subjects_filter="dlq.>")
    except NotFoundError:  # nothing was ever parked
        return {}
    by_consumer: Counter[str] = Counter()
    for subject, count in (info.state.subjects or {}).items():
        by_consumer[subject.split(".")[1]] += count
    by_consumer.subtract(await resolved_counts(js))
    return {consumer: count for consumer, count in sorted(by_consumer.items()) if count > 0}


async def _health(service: ServiceName, url: str) -> ServiceHealth:
    try:
        async with httpx.AsyncClient(base_url=url, timeout=HEALTH_TIMEOUT_SECONDS) as client:
            response = await client.get("/health")
            response.raise_for_status()
            body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        return ServiceHealth(service, url, up=False, error=f"{type(error).__name__}: {error}".rstrip(": "))
    relay = body.get("relay") or {}
    return ServiceHealth(
        service,
        url,
        up=True,
        relay_caught_up=relay.get("caught_up") if relay else None,
        relay_published=relay.get("published") if relay else None,
        relay_failing=relay.get("failing") or "",
        consuming=body.get("consuming"),
        read_models_to_rebuild=tuple(body.get("read_models_to_rebuild") or ()),
    )


def render(status: SystemStatus) -> str:
    lines = ["streams"]
    lines += [f"  {name:<12} {count:>10,} messages" for name, count in status.streams.items()] or ["  (none yet)"]
    lines += [
        "",
        f"  {'consumer (replays: only those with work)':<54} {'waiting':>8} {'in flight':>10} {'redelivered':>12}",
    ]
    lines += [_consumer_line(c) for c in status.consumers if c.stream != REPLAY_STREAM or c.behind]
    if status.others:
        lines += ["", "  integrators and other readers (not counted in health)"]
        lines += [_consumer_line(c) for c in status.others]
    if status.missing:
        lines += ["", "MISSING consumers (restart their service: it makes its consumers when it starts)"]
        lines += [f"  {name}" for name in status.missing]
    parked = sum(status.parked.values())
    lines += ["", f"parked on the DLQ: {parked:,}" + (" ('pathways dlq list' shows them)" if parked else "")]
    lines += [f"  {name:<54} {count:>8,}" for name, count in status.parked.items()]
    lines += ["", "services"]
    lines += [_service_line(s) for s in status.services]
    lines += ["", _verdict(status)]
    if status.relays_unknown and status.caught_up:
        lines.append(
            f"  (not counted: what {', '.join(status.relays_unknown)} recorded and has not published yet; "
            "it publishes it when it starts again)"
        )
    return "\n".join(lines)


def _consumer_line(c: ConsumerLag) -> str:
    return f"  {c.stream + '/' + c.name:<54} {c.waiting:>8,} {c.in_flight:>10,} {c.redelivered:>12,}"


def _service_line(health: ServiceHealth) -> str:
    if not health.up:
        return f"  {health.service:<11} DOWN  {health.url} ({health.error})"
    if health.relay_caught_up is None:
        relay = "no relay in this replica"
    else:
        state = "caught up" if health.relay_caught_up else "publishing"
        relay = f"relay {state} ({health.relay_published:,} published since start)"
        if health.relay_failing:
            relay = (
                f"relay FAILING, retrying ({health.relay_failing}; {health.relay_published:,} published since start)"
            )
    consumers = "runs the consumers" if health.consuming else "consumers on another replica"
    line = f"  {health.service:<11} up    {health.url}  {relay}; {consumers}"
    if health.read_models_to_rebuild:
        names = " ".join(health.read_models_to_rebuild)
        line += (
            f"\n  {'':<11} read models built by an older version: {names} "
            f"(`pathways read-models rebuild {health.service} {names}`)"
        )
    return line


def _verdict(status: SystemStatus) -> str:
    """Services down first: an operator reads the first word, and "caught up" there would hide them."""
    behind = sum(c.behind for c in status.consumers)
    parts = [f"{behind:,} messages not yet applied", f"{sum(status.parked.values()):,} parked"]
    if status.missing:
        parts.append(f"{len(status.missing)} consumers missing")
    if down := status.relays_unknown:
        return f"DOWN: {', '.join(down)}; " + ", ".join(parts)
    verdict = "healthy" if status.healthy else ("caught up" if status.caught_up else "catching up")
    return f"{verdict}: " + ", ".join(parts)


def service_urls(settings: Settings) -> dict[ServiceName, str]:
    return {service: f"http://{settings.http_host}:{settings.port_of(service)}" for service in SERVICE_NAMES}
