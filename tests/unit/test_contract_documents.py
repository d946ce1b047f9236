"""The committed JSON Schemas and AsyncAPI documents match the code that defines the contracts."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from pathways_contracts.registry import ALL_EVENTS
from pathways_infra.contracts_export import CONTRACTS_DIR, rendered_documents, stale_documents


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
