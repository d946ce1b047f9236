"""The embedded NATS's users: what each may publish, their passwords, and URLs fit for logs."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from pathways_infra.nats_auth import (
    OPERATOR,
    SERVICE_USERS,
    USERS,
    load_or_create_passwords,
    publish_permissions,
    redacted,
    with_user,
)


@pytest.mark.parametrize("service", SERVICE_USERS)
def test_a_service_may_publish_its_own_events_and_park_but_no_other_services_events(service: str) -> None:
    allowed = publish_permissions(service)
    assert allowed is not None
    assert f"{service}.v1.>" in allowed
    assert "dlq.>" in allowed
    others = [f"{other}.v1.>" for other in SERVICE_USERS if other != service]
    assert not [subject for subject in allowed if subject in others or subject in (">", "*.v1.>", "replay.>")]


@pytest.mark.parametrize("service", SERVICE_USERS)
def test_a_service_may_not_remove_or_reconfigure_a_stream(service: str) -> None:
    allowed = publish_permissions(service) or []
    jetstream = [subject for subject in allowed if subject.startswith("$JS.API")]
    assert "$JS.API.>" not in jetstream and "$JS.API.STREAM.>" not in jetstream
    for call in ("PURGE", "DELETE", "UPDATE", "MSG.DELETE"):
        assert not [subject for subject in jetstream if subject.startswith(f"$JS.API.STREAM.{call}")]


def test_the_operator_may_publish_anything_and_unknown_users_are_refused() -> None:
    assert publish_permissions(OPERATOR) is None
    with pytest.raises(ValueError, match="no NATS user 'integrator'"):
        publish_permissions("integrator")


def test_passwords_are_made_once_kept_private_and_differ_per_user(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    first = load_or_create_passwords(path)
    assert set(first) == set(USERS)
    assert len(set(first.values())) == len(USERS)
    assert all(len(password) >= 32 for password in first.values())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_passwords(path) == first


def test_a_user_added_later_gets_a_password_and_the_others_keep_theirs(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text('{"operator": "kept-operator-password"}')
    passwords = load_or_create_passwords(path)
    assert passwords[OPERATOR] == "kept-operator-password"
    assert all(passwords[service] for service in SERVICE_USERS)


def test_urls_carry_a_user_and_logs_never_show_its_password() -> None:
    url = with_user("nats://127.0.0.1:4222", "training", "s3cret")
    assert url == "nats://training:s3cret@127.0.0.1:4222"
    assert with_user(url, "outcomes", "other") == "nats://outcomes:other@127.0.0.1:4222"
    assert redacted(url) == "nats://training:***@127.0.0.1:4222"
    assert redacted(f"{url},nats://n2:4222") == "nats://training:***@127.0.0.1:4222,nats://n2:4222"
    assert redacted("nats://127.0.0.1:4222") == "nats://127.0.0.1:4222"
