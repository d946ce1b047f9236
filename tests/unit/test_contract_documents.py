"""The committed JSON Schemas and AsyncAPI documents match the code that defines the contracts."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

import pytest

from pathways_contracts.registry import ALL_EVENTS
from pathways_infra.contracts_export import CONTRACTS_DIR, asyncapi_document, rendered_documents, stale_documents
from pathways_infra.settings import SERVICE_NAMES, ServiceName


def test_committed_contract_documents_are_up_to_date() -> None:
    stale = stale_documents()
    assert not stale, f"run `pathways contracts` and commit the result; out of date: {[str(p) for p in stale]}"


def test_every_integration_event_has_a_schema_and_appears_in_its_services_asyncapi() -> None:
    documents = rendered_documents()
    for event in ALL_EVENTS:
        assert CONTRACTS_DIR / "schemas" / f"{event.SUBJECT}.json" in documents
        asyncapi = json.loads(documents[CONTRACTS_DIR / "asyncapi" / f"{event.SOURCE_SERVICE}.json"])
        assert asyncapi["asyncapi"] == "3.0.0"
        addresses = {channel["address"] for channel in asyncapi["channels"].values()}
        assert event.SUBJECT in addresses, f"{event.SUBJECT} missing from {event.SOURCE_SERVICE}'s AsyncAPI"


def test_subjects_are_versioned_and_belong_to_their_service() -> None:
    for event in ALL_EVENTS:
        service, version, *name = event.SUBJECT.split(".")
        assert service == event.SOURCE_SERVICE
        assert version == f"v{event.version()}"
        assert name, event.SUBJECT


def test_asyncapi_documents_leave_out_the_replay_plumbing_and_every_reference_resolves() -> None:
    for path, text in rendered_documents().items():
        if path.parent.name != "asyncapi":
            continue
        document = json.loads(text)
        assert not [c["address"] for c in document["channels"].values() if c["address"].startswith("replay.")]
        for ref in set(re.findall(r'"\$ref": "#/([^"]+)"', text)):
            node: Any = document
            for part in unquote(ref).split("/"):
                assert isinstance(node, dict) and part in node, f"{path.name}: {ref} resolves to nothing"
                node = node[part]


def _operations(service: ServiceName) -> dict[str, set[str]]:
    """Addresses by action in the service's AsyncAPI document."""
    document = json.loads(asyncapi_document(service))
    by_action: dict[str, set[str]] = {"send": set(), "receive": set()}
    for operation in document["operations"].values():
        channel = document["channels"][unquote(operation["channel"]["$ref"]).removeprefix("#/channels/")]
        by_action[operation["action"]].add(channel["address"])
    return by_action


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_service_sends_exactly_the_events_it_publishes_and_receives_only_other_services(
    service: ServiceName,
) -> None:
    operations = _operations(service)

    assert operations["send"] == {event.SUBJECT for event in ALL_EVENTS if service == event.SOURCE_SERVICE}
    assert operations["receive"], f"{service} consumes other services' events"
    assert not {address for address in operations["receive"] if address.startswith(f"{service}.")}, (
        "its read models of its own events are its plumbing, not something it receives"
    )


def test_what_training_sends_and_receives() -> None:
    operations = _operations("training")

    assert "training.v1.training.completed" in operations["send"]
    assert operations["receive"] == {
        "enrollment.v1.participant.enrolled",
        "enrollment.v1.participant.transferred",
        "enrollment.v1.participant.withdrawn",
        "enrollment.v1.project.opened",
    }


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_channel_has_one_operation_and_its_events_schema(service: ServiceName) -> None:
    document = json.loads(asyncapi_document(service))
    channels = [unquote(op["channel"]["$ref"]).removeprefix("#/channels/") for op in document["operations"].values()]
    assert sorted(channels) == sorted(document["channels"])
    for message in document["components"]["messages"].values():
        payload = document["components"]["schemas"][message["payload"]["$ref"].removeprefix("#/components/schemas/")]
        assert payload["properties"], f"{message['title']} has no schema"
    for kind, components in document["components"].items():
        bad = [key for key in components if not re.fullmatch(r"[a-zA-Z0-9.\-_]+", key)]
        assert not bad, f"AsyncAPI 3.0 component keys are [a-zA-Z0-9.-_]+; {kind}: {bad}"
