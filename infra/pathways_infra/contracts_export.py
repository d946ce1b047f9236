"""Writes (or checks) the committed contract documents: JSON Schemas and one AsyncAPI 3.0 file per service.

In an AsyncAPI 3.0 document, an operation's ``action`` is from the service's side: ``send`` for an event
it publishes, ``receive`` for one it consumes.
"""

from __future__ import annotations

import inspect
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
from pathways_contracts.registry import STREAMS, event_type_for
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
        description=(
            f"{definition.description} Operations say what the service does: `send`, the events it publishes "
            "(its contract: read them from its stream); `receive`, the events of other services it consumes "
            "(each publisher's own document is the reference for them). Integration events carry CloudEvents 1.0 "
            "attributes in NATS headers."
        ),
        schema_version="3.0.0",
    )
    consumers = {consumer.name: consumer.subjects for consumer in runtime.consumers}
    document = _sends_and_receives(service, json.loads(spec.to_specification().to_json()), consumers)
    document = _with_pathways_headers(document)
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _sends_and_receives(
    service: ServiceName, document: dict[str, Any], consumers: dict[str, list[str]]
) -> dict[str, Any]:
    """One channel per subject, with one operation: ``send`` for an event the service publishes,
    ``receive`` for one of another service's it consumes, each naming its event's message.

    FastStream's own document has a channel per publisher and per subscriber: a subject the service
    publishes and its read models consume would be both sent and received, and a consumed event's
    message would have no schema. Left out: the service's read models of its own events and the
    channels of operators' DLQ replays (``replay.<consumer>.>``): its plumbing, not its contract.
    """
    sent: set[str] = set()
    received: set[str] = set()
    for operation in document["operations"].values():
        address = document["channels"][unquote(operation["channel"]["$ref"]).split("/")[-1]]["address"]
        if operation["action"] == "send":
            sent.add(address)
        elif not address.startswith("replay.") and service != event_type_for(address).SOURCE_SERVICE:
            received.add(address)
    consumed_by = {
        address: sorted(name for name, subjects in consumers.items() if address in subjects) for address in received
    }
    if unnamed := [address for address, names in consumed_by.items() if not names]:
        raise LookupError(f"{service} subscribes to {unnamed} through no durable consumer it knows")
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for address in sorted(sent | received):
        event = event_type_for(address)
        name = event.__name__
        about = inspect.cleandoc(event.__doc__ or "")
        channels[address] = {
            "address": address,
            "description": about,
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "bindings": {"nats": {"bindingVersion": "custom", "subject": address}},
            "servers": [{"$ref": f"#/servers/{server}"} for server in document["servers"]],
        }
        reference = {
            "channel": {"$ref": f"#/channels/{address}"},
            "messages": [{"$ref": f"#/channels/{address}/messages/{name}"}],
        }
        stream = STREAMS[event.SOURCE_SERVICE].name
        if address in sent:
            operations[f"send{name}"] = {
                "action": "send",
                "title": f"{service} publishes {address}",
                "summary": f"Published by the {service} service on stream {stream}. {_WHO_READS[service]}",
                **reference,
            }
        else:
            durable = ", ".join(consumed_by[address])
            operations[f"receive{name}"] = {
                "action": "receive",
                "title": f"{service} consumes {address}",
                "summary": (
                    f"Consumed by the {service} service from stream {stream} (durable consumer {durable}); "
                    f"the {event.SOURCE_SERVICE} service publishes it and its document describes it."
                ),
                **reference,
            }
        messages[name] = {
            "name": name,
            "title": address,
            "summary": about.split("\n\n")[0],
            "payload": {"$ref": f"#/components/schemas/{name}"},
        }
        schema = event.model_json_schema(mode="validation", ref_template="#/components/schemas/{model}")
        schemas |= schema.pop("$defs", {})
        schemas[name] = schema
    document["channels"] = channels
    document["operations"] = operations
    document["components"]["messages"] = messages
    document["components"]["schemas"] = schemas
    return document


_WHO_READS: dict[str, str] = {
    "enrollment": "For the other Pathways services: integrators' NATS users read OUTCOMES only.",
    "training": "For the other Pathways services: integrators' NATS users read OUTCOMES only.",
    "outcomes": "Integrators read it there through a durable consumer of their own (README, Integrating).",
}


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
        "ce-subject": _text(
            "The partition key, the id of what the event is about (its events keep their order): the participant's "
            "pseudonymous id on a participant's or a case's events; the project's on project.*, the enterprise's on "
            "enterprise.*, and so for units, mentors, cohorts and curricula."
        ),
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
