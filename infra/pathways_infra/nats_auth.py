"""Who may publish what on the embedded NATS: each service only its own events.

The streams are a copy of the event stores that other services act on, so a message in a
service's stream must come from that service. The embedded server therefore runs with a user per
service whose publish permissions cover its own subjects (``<service>.v1.>``), the dead-letter
stream it parks on, and the JetStream API calls a service makes (stream info and creation,
consumers, reading a stream's last messages, acks) — never another service's subjects, the replay
stream, or purging, deleting or reconfiguring a stream. The ``operator`` user may do anything: the
operator commands (``pathways dlq``, ``streams``, ``read-models``, ``status``) and the tests use it.
Nobody connects without a user. Passwords are made once per data folder and kept there (mode 0600).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pathways_contracts.registry import STREAMS

OPERATOR = "operator"
SERVICE_USERS: tuple[str, ...] = tuple(STREAMS)
USERS: tuple[str, ...] = (OPERATOR, *SERVICE_USERS)

# What every service asks of JetStream besides publishing its own events; nothing here writes
# into a stream or removes anything from one.
_SERVICE_JETSTREAM_CALLS = (
    "$JS.API.INFO",
    "$JS.API.STREAM.NAMES",
    "$JS.API.STREAM.LIST",
    "$JS.API.STREAM.INFO.*",
    "$JS.API.STREAM.CREATE.*",  # any service may start first, and makes every stream it needs
    "$JS.API.STREAM.MSG.GET.*",  # the relay reads its stream's last messages on resuming
    "$JS.API.DIRECT.GET.>",
    "$JS.API.CONSUMER.>",
    "$JS.ACK.>",
)


def publish_permissions(user: str) -> list[str] | None:
    """Subjects ``user`` may publish to; ``None`` for any subject (the operator)."""
    if user == OPERATOR:
        return None
    if user not in SERVICE_USERS:
        raise ValueError(f"no NATS user {user!r} (users: {', '.join(USERS)})")
    return [*STREAMS[user].subjects, "dlq.>", *_SERVICE_JETSTREAM_CALLS]


def authorization_block(passwords: Mapping[str, str] | None = None) -> str:
    """The ``authorization`` section of a nats-server configuration for these users. Without
    ``passwords``, each is read from the server's environment (``password_variable``): a deployed
    cluster's configuration holds no secret, and refuses to start while one is unset."""
    users = []
    for user in USERS:
        entry: dict[str, object] = {"user": user, "password": _UNQUOTED}
        allowed = publish_permissions(user)
        if allowed is not None:
            entry["permissions"] = {"publish": {"allow": allowed}, "subscribe": {"allow": [">"]}}
        password = json.dumps(passwords[user]) if passwords is not None else f"${password_variable(user)}"
        # nats-server's configuration format reads JSON, and variables only unquoted
        users.append("    " + json.dumps(entry).replace(json.dumps(_UNQUOTED), password))
    return "authorization {\n  users: [\n" + "\n".join(users) + "\n  ]\n}\n"


_UNQUOTED = "\0password"


def password_variable(user: str) -> str:
    """The environment variable a deployed NATS server reads ``user``'s password from."""
    return f"PATHWAYS_NATS_{user.upper()}_PASSWORD"


def load_or_create_passwords(path: Path) -> dict[str, str]:
    """Each user's password, made on first use and kept in ``path`` (readable by its owner only)."""
    try:
        stored = json.loads(path.read_text())
    except FileNotFoundError:
        stored = {}
    if all(isinstance(stored.get(user), str) for user in USERS):
        return {user: stored[user] for user in USERS}
    passwords = {user: stored.get(user) or secrets.token_urlsafe(24) for user in USERS}
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


def deployed_users_conf() -> str:
    """``infra/deploy/nats/users.conf``: the users of a deployed cluster, passwords from its environment."""
    return (
        "# NATS users of a deployed Pathways (included by nats-cluster.conf): the operator, and one per service\n"
        "# allowed to publish only its own events. Passwords come from the servers' environment\n"
        f"# ({', '.join(password_variable(user) for user in USERS)});\n"
        "# a server with one unset refuses to start. Made by `python -m pathways_infra.nats_auth`\n"
        "# from pathways_infra/nats_auth.py (a unit test fails when it is out of date).\n" + authorization_block()
    )


if __name__ == "__main__":
    print(deployed_users_conf(), end="")
