"""Writes (or checks) the committed contract documents: JSON Schemas and one AsyncAPI 3.0 file per service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from faststream.specification import AsyncAPI

from pathways_contracts.envelope import (
    ACTOR_ID,
    ACTOR_ROLE,
    ACTOR_UNIT,
    CAUSATION_ID,
    CORRELATION_ID,
    EVENT_ID,
    MSG_ID,
    RECORDED_AT,
    SPEC_VERSION,
    TRACEPARENT,
)
from pathways_contracts.schemas import rendered_schemas
from pathways_infra.log_digest import LOG_DIGEST
from pathways_infra.outbound_message import REPUBLISHED
from pathways_infra.service import ServiceRuntime
from pathways_infra.services import definition_of
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings

CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "contracts"


def asyncapi_document(service: ServiceName) -> str:
    definition = definition_of(service)
    runtime = ServiceRuntime(definition, Settings(nats_url="nats://nats:4222"))
    broker = runtime.build_broker()
    spec = AsyncAPI(
        broker,
        title=f"Pathways {service} service",
        version="1.0.0",
        description=f"{definition.description} Integration events carry CloudEvents 1.0 attributes in NATS headers.",
        schema_version="3.0.0",
    )
    document = _with_pathways_headers(_without_replays(json.loads(spec.to_specification().to_json())))
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _without_replays(document: dict[str, Any]) -> dict[str, Any]:
    """The channels an operator's DLQ replays reach the service on (``replay.<consumer>.>``, on the REPLAY
    stream) are the service's own plumbing, not a contract: integrators neither publish nor read there."""
    replays = {name for name, channel in document["channels"].items() if channel["address"].startswith("replay.")}
    refs = {f"#/channels/{name}" for name in replays}
    document["channels"] = {name: c for name, c in document["channels"].items() if name not in replays}
    document["operations"] = {
        name: op for name, op in document["operations"].items() if unquote(op["channel"]["$ref"]) not in refs
    }
    document["components"]["messages"] = {
        name: m for name, m in document["components"]["messages"].items() if name.rsplit(":", 1)[0] not in replays
    }
    referenced = json.dumps(document)
    document["components"]["schemas"] = {
        name: schema
        for name, schema in document["components"].get("schemas", {}).items()
        if f'"#/components/schemas/{name}"' in referenced
    }
    return document


def _with_pathways_headers(document: dict[str, Any]) -> dict[str, Any]:
    """What FastStream cannot know: the headers every message carries (its correlation id among them)
    and how one connects (a user and password per service and integrator)."""
    for message in document["components"]["messages"].values():
        message["correlationId"] = {"location": f"$message.header#/{CORRELATION_ID}"}
        message["headers"] = MESSAGE_HEADERS
    document["components"]["securitySchemes"] = {
        "user": {"type": "userPassword", "description": "A NATS user per service and per integrator (README)."}
    }
    for server in document["servers"].values():
        server["security"] = [{"$ref": "#/components/securitySchemes/user"}]
        server["description"] = "Pathways' NATS with JetStream; the streams are ENROLLMENT, TRAINING and OUTCOMES."
    return document


def _text(description: str) -> dict[str, str]:
    return {"type": "string", "description": description}


MESSAGE_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "NATS headers: CloudEvents 1.0 attributes in binary mode, and Pathways' own.",
    "required": [
        *(MSG_ID, "ce-specversion", "ce-id", "ce-source", "ce-type", "ce-time", "ce-subject"),
        *(CORRELATION_ID, EVENT_ID, RECORDED_AT, ACTOR_ID, ACTOR_ROLE, TRACEPARENT),
    ],
    "properties": {
        MSG_ID: _text("The same as ce-id: JetStream drops a second message with it within its dedup window."),
        "ce-specversion": {"const": SPEC_VERSION},
        "ce-id": _text(
            "'<service>:<notification id>': unique within one installation's stream, and its number gives the "
            "stream's order. Not unique across installations (a data folder reset starts again): deduplicate "
            f"on {EVENT_ID}."
        ),
        "ce-source": _text("'/pathways/<service>'."),
        "ce-type": _text("The event type with its version, e.g. 'org.pathways.outcomes.employment.recorded.v1'."),
        "ce-time": _text(
            "When it happened (occurred_at), RFC 3339 with its offset. A day given without a moment is that day's "
            "start in Thai time, so events may share it: order by the stream sequence (or ce-id's number)."
        ),
        "ce-subject": _text("The partition key: the participant's pseudonymous id; the enterprise's on enterprise.*."),
        "ce-datacontenttype": {"const": "application/json"},
        EVENT_ID: _text("The event's UUID, unique across installations and kept by a republish: deduplicate on it."),
        CORRELATION_ID: _text("UUID of the request, or chain of events, this one came from."),
        CAUSATION_ID: _text("The id of the request or message that caused it, when there was one."),
        RECORDED_AT: _text("When the service recorded it, RFC 3339."),
        ACTOR_ID: _text(
            "Who acted, as the caller said (not authenticated yet): printable ASCII as is, anything else and '%' "
            "percent-escaped as UTF-8. It may name a member of staff."
        ),
        ACTOR_ROLE: _text("The actor's role, escaped as the actor id."),
        ACTOR_UNIT: _text("The actor's unit, escaped as the actor id, when given."),
        TRACEPARENT: _text("W3C trace context: the correlation id is the trace, the event the span."),
        LOG_DIGEST: _text(
            "Hex SHA-256 chaining every event the service stored up to this one, private ones included: "
            "`pathways streams check` proves the store unaltered with it."
        ),
        REPUBLISHED: _text("On a message republished from the event store after the stream lost it: when."),
        "Nats-Expected-Last-Sequence": _text(
            "The relay's publish condition, which JetStream keeps: remove it before copying the message into "
            "another stream, or that stream refuses it."
        ),
        "Nats-Expected-Last-Msg-Id": _text("As Nats-Expected-Last-Sequence."),
    },
}


def rendered_documents() -> dict[Path, str]:
    documents = {CONTRACTS_DIR / "schemas" / name: text for name, text in rendered_schemas().items()}
    for service in SERVICE_NAMES:
        documents[CONTRACTS_DIR / "asyncapi" / f"{service}.json"] = asyncapi_document(service)
    return documents


def stale_documents() -> list[Path]:
    return [path for path, text in rendered_documents().items() if not path.exists() or path.read_text() != text]


def write_documents() -> list[Path]:
    written = []
    for path, text in rendered_documents().items():
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)
    return written
