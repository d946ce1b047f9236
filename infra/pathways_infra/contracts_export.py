"""Writes (or checks) the committed contract documents: JSON Schemas and one AsyncAPI 3.0 file per service."""

from __future__ import annotations

import json
from pathlib import Path

from faststream.specification import AsyncAPI

from pathways_contracts.schemas import rendered_schemas
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
    document = json.loads(spec.to_specification().to_json())
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


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
