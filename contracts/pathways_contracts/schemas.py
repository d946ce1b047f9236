"""JSON Schemas of the integration events, as committed under ``contracts/schemas/``."""

from __future__ import annotations

import json
from typing import Any

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.registry import ALL_EVENTS


def json_schema(event: type[IntegrationEvent]) -> dict[str, Any]:
    schema = event.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://pathways.example/schemas/{event.SUBJECT}.json",
        "x-subject": event.SUBJECT,
        "x-cloudevents-type": event.cloudevent_type(),
        "x-version": event.version(),
        **schema,
    }


def rendered_schemas() -> dict[str, str]:
    """File name → text, for every integration event."""
    return {
        f"{event.SUBJECT}.json": json.dumps(json_schema(event), indent=2, sort_keys=True) + "\n" for event in ALL_EVENTS
    }
