"""Who may do what on a Pathways NATS: each service publishes only its own events.

The streams are a copy of the event stores that other services act on, so a message in a
service's stream must come from that service. NATS therefore runs with a user per service whose
publish permissions cover its own subjects (``<service>.v1.>``), the dead-letter stream it parks
on, the resolutions of what its own consumers parked, the JetStream calls a service makes (stream
info, reading a stream's messages), its own stream's consumers, and on other streams only the
durable consumers it owns — never another service's subjects or consumers, the replay stream, or
purging, deleting or reconfiguring a stream. The streams live in an account of their own with the
operator; each other user has its own account, importing from it exactly what it may publish (see
``accounts_block``). An integrator reads ``OUTCOMES`` through a consumer named as itself and
publishes nothing into any stream. The ``operator`` user may do anything: the operator commands
(``pathways dlq``, ``streams``, ``read-models``, ``status``) and the tests use it. Nobody connects
without a user. Passwords are made once per data folder and kept there (mode 0600).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit, urlunsplit

from pathways_contracts.registry import REPLAY_STREAM, STREAMS
from pathways_infra.resolutions import RESOLUTION_SUBJECT

if TYPE_CHECKING:
    from pathways_infra.settings import ServiceName

OPERATOR = "operator"
SERVICE_USERS: tuple[str, ...] = tuple(STREAMS)
USERS: tuple[str, ...] = (OPERATOR, *SERVICE_USERS)
INTEGRATOR_STREAM = STREAMS["outcomes"].name

# What every service asks of JetStream besides publishing its own events and using its consumers;
# nothing here writes into a stream or removes anything from one. Nor may a service make a stream:
# its configuration could copy another stream into it or capture others' traffic. The operator
# makes them (``streams.ensure_streams``).
_SERVICE_JETSTREAM_CALLS = (
    "$JS.API.INFO",
    "$JS.API.STREAM.NAMES",
    "$JS.API.STREAM.LIST",
    "$JS.API.STREAM.INFO.*",
    "$JS.API.STREAM.MSG.GET.*",  # the relay reads its stream's last messages on resuming
    "$JS.API.DIRECT.GET.>",
)
_INTEGRATOR_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")


def consumer_calls(stream: str, consumer: str) -> list[str]:
    """The JetStream calls that make, read, acknowledge and delete one named consumer. NATS
    permissions match whole tokens only, so each consumer a user may touch is named."""
    return [
        f"$JS.API.CONSUMER.*.{stream}.{consumer}",  # info, create, delete, pause, reset
        f"$JS.API.CONSUMER.*.{stream}.{consumer}.>",  # create with a filter subject
        f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{consumer}",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}",
        f"$JS.ACK.{stream}.{consumer}.>",
    ]


def own_stream_consumer_calls(stream: str) -> list[str]:
    """Any consumer on a service's own stream (its guard names one per unknown subject). It may
    thus hold back its events from the services and integrators that read them, which it could
    do anyway by not publishing them."""
    return [
        f"$JS.API.CONSUMER.*.{stream}",
        f"$JS.API.CONSUMER.*.{stream}.>",
        f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.*",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.*",
        f"$JS.ACK.{stream}.>",
    ]


def belongs_to_a_service(consumer: str) -> bool:
    """Every consumer a service makes is named after it; no integrator's may be (``check_integrator``)."""
    return consumer.startswith(tuple(f"{service}-" for service in SERVICE_USERS))


def check_integrator(name: str) -> str:
    """``name`` if it can name an integrator's NATS user (and its consumer on ``OUTCOMES``), else ValueError."""
    if not _INTEGRATOR_NAME.fullmatch(name):
        raise ValueError(
            f"integrator name {name!r}: use 1–32 lowercase letters, digits and hyphens, starting with a letter"
        )
    if name in USERS:
        raise ValueError(f"integrator name {name!r} is taken by a Pathways user ({', '.join(USERS)})")
    if belongs_to_a_service(name):
        # it would name a consumer a service makes, retires or may use on its own stream
        raise ValueError(f"integrator name {name!r}: names starting with a service's name and '-' are the services'")
    return name


@dataclass(frozen=True)
class NatsUsers:
    """The users of a Pathways NATS: the operator, each service, and the integrators.

    ``consumers`` holds each service's durable consumers (``service.durable_consumers``) as
    (stream, name): on other services' streams and the replay stream it may use those alone.
    An integrator reads ``OUTCOMES`` through one durable consumer named as itself, and publishes nothing.
    """

    consumers: Mapping[str, Sequence[tuple[str, str]]]
    integrators: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in self.integrators:
            check_integrator(name)

    @classmethod
    def of_services(cls, integrators: Sequence[str] = ()) -> NatsUsers:
        """The users, each service's consumers read from its definition."""
        from pathways_infra.service import durable_consumers
        from pathways_infra.services import definition_of

        consumers = {
            service: durable_consumers(definition_of(cast("ServiceName", service))) for service in SERVICE_USERS
        }
        return cls(consumers=consumers, integrators=tuple(integrators))

    @property
    def names(self) -> tuple[str, ...]:
        return (*USERS, *self.integrators)

    def permissions(self, user: str) -> list[str] | None:
        """The subjects ``user`` may publish to; ``None`` for any (the operator). Its account imports
        these alone from the streams' account, so nothing else it publishes reaches a stream."""
        if user == OPERATOR:
            return None
        if user in SERVICE_USERS:
            return [
                *STREAMS[user].subjects,
                *self._parking(user),
                *self._resolutions(user),
                *_SERVICE_JETSTREAM_CALLS,
                *self._consumer_calls(user),
            ]
        if user in self.integrators:
            return [
                "$JS.API.INFO",
                f"$JS.API.STREAM.INFO.{INTEGRATOR_STREAM}",
                *consumer_calls(INTEGRATOR_STREAM, user),
            ]
        raise ValueError(f"no NATS user {user!r} (users: {', '.join(self.names)})")

    def _consumer_names(self, service: str) -> list[str]:
        return sorted({name for stream, name in self.consumers.get(service, ()) if stream != REPLAY_STREAM})

    def _parking(self, service: str) -> list[str]:
        """Its consumers park what they cannot apply, under their own names: never as another
        service's consumer (whose list, status and replays the DLQ subject decides)."""
        return [f"dlq.{name}.>" for name in self._consumer_names(service)]

    def _resolutions(self, service: str) -> list[str]:
        """Its consumers record that a replay of what they parked was applied, or parked again;
        never for another service's consumers. (The subject says whose entry, not which kind of
        resolution: a service could write a discard of its own consumers' entries too.)"""
        return [f"{RESOLUTION_SUBJECT}.{name}.*" for name in self._consumer_names(service)]

    def _consumer_calls(self, service: str) -> list[str]:
        own = STREAMS[service].name
        others = sorted({pair for pair in self.consumers.get(service, ()) if pair[0] != own})
        return own_stream_consumer_calls(own) + [call for pair in others for call in consumer_calls(*pair)]

    def accounts_block(self, passwords: Mapping[str, str] | None = None) -> str:
        """The ``accounts`` section of a nats-server configuration for these users. Without
        ``passwords``, each is read from the server's environment (``password_variable``): a deployed
        cluster's configuration holds no secret, and refuses to start while one is unset.

        The streams live in the ``PATHWAYS`` account with the operator. Every other user has an
        account of its own that imports, as services, exactly the subjects it may publish. Users in
        one account could reach its streams through a request's reply subject, which NATS
        permissions never check: the server's answer to any API call, or a consumer's delivery, is
        published there and a stream capturing that subject stores it. Across accounts, answers go
        back to the asking account only.
        """
        exports: dict[str, list[str]] = {}
        accounts: dict[str, object] = {}
        for user in self.names:
            allowed = self.permissions(user)
            if allowed is None:
                continue
            for subject in allowed:
                exports.setdefault(subject, []).append(user)
            accounts[user] = {
                "users": [
                    {"user": user, "password": _password_slot(user), "permissions": {"publish": {"allow": allowed}}}
                ],
                "imports": [{"service": {"account": STREAMS_ACCOUNT, "subject": subject}} for subject in allowed],
            }
        accounts[STREAMS_ACCOUNT] = {
            "jetstream": "enabled",
            "users": [{"user": OPERATOR, "password": _password_slot(OPERATOR)}],
            "exports": [_export(subject, importers) for subject, importers in exports.items()],
        }
        text = "accounts: " + json.dumps(accounts, indent=2) + "\n"
        for user in self.names:
            password = json.dumps(passwords[user]) if passwords is not None else f"${password_variable(user)}"
            # nats-server's configuration format reads JSON, and variables only unquoted
            text = text.replace(json.dumps(_password_slot(user)), password)
        return text


STREAMS_ACCOUNT = "PATHWAYS"
PULL_LONGEST_WAIT = "10m"


def _password_slot(user: str) -> str:
    return f"\0password of {user}"


def _export(subject: str, importers: list[str]) -> dict[str, object]:
    export: dict[str, object] = {"service": subject, "accounts": importers}
    if ".MSG.NEXT." in subject or ".DIRECT.GET." in subject:  # answered by as many messages as asked for
        export["response_type"] = "stream"
        # a pull may wait this long for its messages (nats-server's default would be two minutes)
        export["response_threshold"] = PULL_LONGEST_WAIT
    return export


def password_variable(user: str) -> str:
    """The environment variable a deployed NATS server reads ``user``'s password from."""
    return f"PATHWAYS_NATS_{user.upper().replace('-', '_')}_PASSWORD"


def load_or_create_passwords(path: Path, users: Sequence[str] = USERS) -> dict[str, str]:
    """Each user's password, made on first use and kept in ``path`` (readable by its owner only)."""
    try:
        stored = json.loads(path.read_text())
    except FileNotFoundError:
        stored = {}
    if all(isinstance(stored.get(user), str) for user in users):
        return {user: stored[user] for user in users}
    passwords = {**stored, **{user: stored.get(user) or secrets.token_urlsafe(24) for user in users}}
    write_private(path, json.dumps(passwords, indent=2) + "\n")
    return passwords


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, never readable by others even for a moment."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    os.chmod(path, 0o600)  # an older file may have been made with wider permissions


def with_user(url: str, user: str, password: str) -> str:
    """``nats://host:port`` with a user and password in it (tokens from ``token_urlsafe`` need no quoting)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


def redacted(url: str) -> str:
    """A URL, or a comma-separated list of them, fit for logs: passwords replaced by ``***``."""
    return ",".join(_redacted_one(one) for one in url.split(","))


def _redacted_one(url: str) -> str:
    parts = urlsplit(url.strip())
    if "@" not in parts.netloc:
        return url.strip()
    credentials, host = parts.netloc.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def deployed_users_conf(integrators: Sequence[str] = ()) -> str:
    """``infra/deploy/nats/users.conf``: the users of a deployed cluster, passwords from its environment."""
    users = NatsUsers.of_services(integrators)
    return (
        "# NATS users of a deployed Pathways (included by nats-cluster.conf): the operator, one per service\n"
        "# allowed to publish only its own events, and the integrators, each reading OUTCOMES through a consumer\n"
        "# named as itself. Passwords come from the servers' environment\n"
        f"# ({', '.join(password_variable(user) for user in users.names)});\n"
        "# a server with one unset refuses to start. Made by `python -m pathways_infra.nats_auth`\n"
        "# from pathways_infra/nats_auth.py (a unit test fails when it is out of date).\n" + users.accounts_block()
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pathways_infra.nats_auth",
        description="Print the users.conf of a deployed NATS (infra/deploy/nats/users.conf): the operator, "
        "each service, and the integrators given. Passwords are read from the servers' environment.",
    )
    parser.add_argument(
        "--integrator", action="append", default=[], type=_integrator_argument, metavar="NAME",
        help="add an integrator's user, allowed to read OUTCOMES through a durable consumer named NAME "
        "(its password from PATHWAYS_NATS_<NAME>_PASSWORD); repeat for several",
    )  # fmt: skip
    args = parser.parse_args(argv)
    print(deployed_users_conf(args.integrator), end="")
    return 0


def _integrator_argument(name: str) -> str:
    try:
        return check_integrator(name)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


if __name__ == "__main__":
    raise SystemExit(main())
