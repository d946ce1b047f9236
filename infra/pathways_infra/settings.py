"""Runtime configuration, read from ``PATHWAYS_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from pathways_infra.nats_auth import check_integrator

ServiceName = Literal["enrollment", "training", "outcomes"]
SERVICE_NAMES: tuple[ServiceName, ...] = ("enrollment", "training", "outcomes")


class Settings(BaseSettings):
    """Everything a Pathways process can be told from its environment.

    When ``database_url`` / ``nats_url`` are unset, ``pathways up`` starts embedded
    servers under ``data_dir`` and fills them in for the services it launches.
    """

    model_config = SettingsConfigDict(env_prefix="PATHWAYS_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL server URL (any database on it); each service uses its own database.",
    )
    nats_url: str | None = Field(
        default=None,
        description="NATS server URL with JetStream enabled, with this process's user and password in it "
        "(nats://user:password@host:4222) where the server asks for them; a cluster's nodes comma-separated.",
    )
    nats_service_urls: dict[str, str] = Field(
        default_factory=dict,
        description="A NATS URL per service, for a process that runs several services each with its own user "
        '(JSON: {"enrollment": "nats://enrollment:…@host:4222"}); a service not named here uses nats_url.',
    )
    nats_integrators: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Integrators' names, comma-separated: the embedded NATS gives each a user allowed to read "
        "OUTCOMES through a durable consumer of that name (`pathways servers` prints their URLs).",
    )
    data_dir: Path = Field(default=Path(".pathways"), description="Where embedded servers keep data.")
    database_prefix: str = Field(
        default="pathways_", description="Prefix of each service's database name, e.g. pathways_enrollment."
    )
    http_host: str = "127.0.0.1"
    # Well under NATS's default largest message (1 MB): a command's events carry what it was sent,
    # and an event the stream refuses would hold up every later one.
    max_request_bytes: int = Field(
        default=262_144, ge=1024, description="Largest request body a service accepts; larger ones get a 413."
    )
    enrollment_port: int = 8001
    training_port: int = 8002
    outcomes_port: int = 8003
    embedded_nats_port: int = 4222
    stream_replicas: int = Field(default=1, ge=1, le=5, description="JetStream replicas per stream (3 in a cluster).")
    consumer_max_deliveries: int = Field(
        default=5, ge=1, description="Deliveries of a failing message before it is parked on the DLQ stream."
    )
    consumer_backoff_seconds: float = Field(
        default=1.0, gt=0, description="First redelivery delay; doubles on each further attempt."
    )
    consumer_batch_size: int = Field(default=256, ge=1)
    consumer_batch_timeout_seconds: float = Field(
        default=1.0,
        gt=0,
        description="Longest wait of one pull on a quiet stream. A pull returns as soon as a message arrives, "
        "so this costs no latency; a short one makes every idle consumer poll the server many times a second.",
    )
    guard_poll_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often each stream's guard looks for messages on subjects no contract knows (to park them).",
    )
    nats_reconnect_wait_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Wait between attempts to reach NATS again after losing it; a service never gives up.",
    )
    consumers_lease_check_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often the replica running a service's consumers checks that it still holds their lock. "
        "A replica taking the lock over waits 3 × this + 1 s before consuming.",
    )
    relay_batch_size: int = Field(default=5000, ge=1, le=20_000)
    relay_poll_seconds: float = Field(
        default=1.0, gt=0, description="Relay polling interval when no LISTEN/NOTIFY wake-up arrives."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("nats_integrators", mode="before")
    @classmethod
    def _integrators_from_text(cls, value: object) -> object:
        if isinstance(value, str):
            value = [name.strip() for name in value.split(",") if name.strip()]
        if isinstance(value, list):
            return [check_integrator(name) for name in value]
        return value

    def nats_url_of(self, service: ServiceName) -> str:
        """The NATS URL ``service`` connects with: its own in ``nats_service_urls``, else ``nats_url``."""
        return self.nats_service_urls.get(service) or self.nats_url or ""

    def nats_servers_of(self, service: ServiceName) -> list[str]:
        """The NATS URLs ``service`` connects with (a cluster's nodes, comma-separated in the setting)."""
        return [url.strip() for url in self.nats_url_of(service).split(",") if url.strip()]

    def port_of(self, service: ServiceName) -> int:
        ports: dict[ServiceName, int] = {
            "enrollment": self.enrollment_port,
            "training": self.training_port,
            "outcomes": self.outcomes_port,
        }
        return ports[service]

    def database_name(self, service: ServiceName) -> str:
        return f"{self.database_prefix}{service}"
