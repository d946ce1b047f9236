"""The embedded NATS's users: what each may publish, their passwords, and URLs fit for logs."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from pathways_infra.nats_auth import (
    OPERATOR,
    SERVICE_USERS,
    STREAMS_ACCOUNT,
    USERS,
    NatsUsers,
    check_integrator,
    load_or_create_passwords,
    main,
    password_variable,
    redacted,
    with_user,
)
from pathways_infra.settings import Settings

# Consumers as services name them: training's on ENROLLMENT and its replay, outcomes' on ENROLLMENT.
CONSUMERS = {
    "enrollment": [("ENROLLMENT", "enrollment-read-models-from-enrollment")],
    "training": [("ENROLLMENT", "training-from-enrollment"), ("REPLAY", "training-from-enrollment-replay")],
    "outcomes": [("ENROLLMENT", "outcomes-from-enrollment"), ("REPLAY", "outcomes-from-enrollment-replay")],
}
USERS_HERE = NatsUsers(consumers=CONSUMERS, integrators=("acme",))


def _publish(user: str) -> list[str]:
    permissions = USERS_HERE.permissions(user)
    assert permissions is not None
    return permissions


@pytest.mark.parametrize("service", SERVICE_USERS)
def test_a_service_may_publish_its_own_events_and_park_but_no_other_services_events(service: str) -> None:
    allowed = _publish(service)
    assert f"{service}.v1.>" in allowed
    own_consumers = {name for stream, name in CONSUMERS[service] if stream != "REPLAY"}
    assert own_consumers and {f"dlq.{name}.>" for name in own_consumers} <= set(allowed), "they park as themselves"
    others = [f"{other}.v1.>" for other in SERVICE_USERS if other != service]
    assert not [subject for subject in allowed if subject in others or subject in (">", "*.v1.>", "replay.>", "dlq.>")]
    others_parking = [f"dlq.{other}-" for other in SERVICE_USERS if other != service]
    assert not [subject for subject in allowed if subject.startswith(tuple(others_parking))]


@pytest.mark.parametrize("service", SERVICE_USERS)
def test_a_service_may_not_remove_or_reconfigure_a_stream(service: str) -> None:
    jetstream = [subject for subject in _publish(service) if subject.startswith("$JS.API")]
    assert "$JS.API.>" not in jetstream and "$JS.API.STREAM.>" not in jetstream
    for call in ("PURGE", "DELETE", "UPDATE", "MSG.DELETE", "CREATE"):
        assert not [subject for subject in jetstream if subject.startswith(f"$JS.API.STREAM.{call}")]


def test_on_another_services_stream_a_service_may_use_only_the_consumers_it_owns() -> None:
    training = _publish("training")
    assert "$JS.API.CONSUMER.MSG.NEXT.ENROLLMENT.training-from-enrollment" in training
    assert "$JS.ACK.ENROLLMENT.training-from-enrollment.>" in training
    assert "$JS.API.CONSUMER.MSG.NEXT.REPLAY.training-from-enrollment-replay" in training
    consumers = [s for s in training if s.startswith(("$JS.API.CONSUMER.", "$JS.ACK."))]
    on_enrollment = [s for s in consumers if ".ENROLLMENT." in s or s.endswith(".ENROLLMENT")]
    assert all("training-from-enrollment" in subject for subject in on_enrollment), on_enrollment
    assert not [s for s in training if "outcomes-from-enrollment" in s or s in ("$JS.API.CONSUMER.>", "$JS.ACK.>")]


def test_a_service_may_resolve_only_what_its_own_consumers_parked() -> None:
    training = _publish("training")
    resolutions = [subject for subject in training if subject.startswith("dlq-resolution.")]
    assert resolutions == ["dlq-resolution.training-from-enrollment.*"]  # not its replay consumer: it parks nothing
    assert not [subject for subject in _publish("acme") if subject.startswith("dlq")]


def test_a_service_may_use_any_consumer_of_its_own_stream() -> None:
    enrollment = _publish("enrollment")
    assert "$JS.API.CONSUMER.MSG.NEXT.ENROLLMENT.*" in enrollment  # its guard names one per unknown subject
    assert "$JS.ACK.ENROLLMENT.>" in enrollment
    consumers = [s for s in enrollment if s.startswith(("$JS.API.CONSUMER.", "$JS.ACK."))]
    assert not [s for s in consumers if ".TRAINING" in s or ".OUTCOMES" in s or ".REPLAY" in s]


def test_the_streams_live_in_the_operators_account_and_each_other_user_imports_what_it_may_publish() -> None:
    config = USERS_HERE.accounts_block({user: f"pw-{user}" for user in USERS_HERE.names})
    accounts = json.loads(config.removeprefix("accounts: "))
    assert set(accounts) == {STREAMS_ACCOUNT, *SERVICE_USERS, "acme"}
    streams = accounts[STREAMS_ACCOUNT]
    assert streams["jetstream"] == "enabled" and [u["user"] for u in streams["users"]] == [OPERATOR]
    assert not [name for name, account in accounts.items() if name != STREAMS_ACCOUNT and "jetstream" in account]
    for user in (*SERVICE_USERS, "acme"):
        imported = [entry["service"]["subject"] for entry in accounts[user]["imports"]]
        assert imported == _publish(user)
        assert accounts[user]["users"][0]["password"] == f"pw-{user}"
    exported = {entry["service"]: entry for entry in streams["exports"]}
    assert exported["training.v1.>"]["accounts"] == ["training"]
    assert exported["dlq.training-from-enrollment.>"]["accounts"] == ["training"]
    assert exported["$JS.API.CONSUMER.MSG.NEXT.OUTCOMES.acme"] == {
        "service": "$JS.API.CONSUMER.MSG.NEXT.OUTCOMES.acme", "accounts": ["acme"], "response_type": "stream",
        "response_threshold": "10m",  # a pull may wait that long for its messages
    }  # fmt: skip


def test_a_deployed_configuration_reads_every_password_from_the_environment() -> None:
    config = USERS_HERE.accounts_block()
    for user in USERS_HERE.names:
        assert f'"password": ${password_variable(user)}' in config
    assert "\\u0000" not in config


def test_an_integrator_reads_outcomes_through_its_own_consumer_and_publishes_nothing() -> None:
    allowed = _publish("acme")
    assert "$JS.API.CONSUMER.MSG.NEXT.OUTCOMES.acme" in allowed
    assert "$JS.ACK.OUTCOMES.acme.>" in allowed
    assert not [s for s in allowed if not s.startswith(("$JS.API.", "$JS.ACK.OUTCOMES.acme."))]
    api = [s.removeprefix("$JS.API.") for s in allowed if s.startswith("$JS.API.")]
    assert not [s for s in api if s not in ("INFO", "STREAM.INFO.OUTCOMES") and "OUTCOMES.acme" not in s], api


def test_the_operator_may_do_anything_and_unknown_users_are_refused() -> None:
    assert USERS_HERE.permissions(OPERATOR) is None
    with pytest.raises(ValueError, match="no NATS user 'globex'"):
        USERS_HERE.permissions("globex")


@pytest.mark.parametrize(
    ("name", "reason"),
    [("training", "taken"), ("operator", "taken"), ("Acme", "lowercase"), ("acme.corp", "lowercase"),
     ("*", "lowercase"), ("", "lowercase"), ("a" * 33, "1–32"), ("outcomes-guard", "the services'"),
     ("enrollment-x", "the services'")],
)  # fmt: skip
def test_an_integrator_name_must_be_one_nats_token_and_not_a_pathways_user(name: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_integrator(name)
    with pytest.raises(ValueError, match=reason):
        NatsUsers(consumers={}, integrators=(name,))


def test_integrators_are_read_from_the_environment_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_NATS_INTEGRATORS", "acme, globex-data")
    assert Settings().nats_integrators == ["acme", "globex-data"]
    monkeypatch.setenv("PATHWAYS_NATS_INTEGRATORS", "acme,Bad Name")
    with pytest.raises(ValueError, match="'Bad Name'"):
        Settings()


def test_the_deployed_users_file_takes_integrators_with_passwords_from_the_environment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--integrator", "globex-data"]) == 0
    conf = capsys.readouterr().out
    assert '"user": "globex-data",\n        "password": $PATHWAYS_NATS_GLOBEX_DATA_PASSWORD,' in conf
    assert password_variable("globex-data") == "PATHWAYS_NATS_GLOBEX_DATA_PASSWORD"
    with pytest.raises(SystemExit):
        main(["--integrator", "enrollment"])
    assert "taken by a Pathways user" in capsys.readouterr().err


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
    with_integrator = load_or_create_passwords(path, (*USERS, "acme"))
    assert {user: with_integrator[user] for user in USERS} == passwords
    assert with_integrator["acme"] not in passwords.values()


def test_urls_carry_a_user_and_logs_never_show_its_password() -> None:
    url = with_user("nats://127.0.0.1:4222", "training", "s3cret")
    assert url == "nats://training:s3cret@127.0.0.1:4222"
    assert with_user(url, "outcomes", "other") == "nats://outcomes:other@127.0.0.1:4222"
    assert redacted(url) == "nats://training:***@127.0.0.1:4222"
    assert redacted(f"{url},nats://n2:4222") == "nats://training:***@127.0.0.1:4222,nats://n2:4222"
    assert redacted("nats://127.0.0.1:4222") == "nats://127.0.0.1:4222"
