"""The FastAPI app around a service runtime: lifecycle, error handling, health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field

from pathways_contracts.reference import UnknownProvinceError
from pathways_infra.body_limit import BodyLimit, RequestBodyTooLargeError, body_too_large
from pathways_infra.docs_pages import serve_docs
from pathways_infra.http import (
    COMMAND_HEADERS,
    UNAUTHENTICATED_NOTE,
    application_of,
    command_context,
    document_headers,
    install_error_handlers,
    read_pool,
)
from pathways_infra.idempotency import IDEMPOTENCY_HEADERS, idempotent
from pathways_infra.lean_routes import make_lean
from pathways_infra.openapi_answers import answered_as, document_answers
from pathways_infra.openapi_errors import document_errors
from pathways_infra.query_params import refuse_unknown_query_parameters
from pathways_infra.read_model_versions import StaleReadModel
from pathways_infra.service import ServiceRuntime
from pathways_infra.versions import serve_versions


def create_service_app(
    runtime: ServiceRuntime,
    *,
    router: APIRouter,
    application: Callable[[], Any],
    domain_errors: Sequence[type[Exception]],
    manage_runtime: bool,
) -> FastAPI:
    """``manage_runtime``: start and stop the runtime with the app (False when a test owns it)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if manage_runtime:
            await runtime.start()
        app.state.application = application()
        app.state.pool = runtime.pool
        app.state.runner = runtime.runner
        try:
            yield
        finally:
            if manage_runtime:
                await runtime.stop()

    definition = runtime.definition
    app = FastAPI(
        title=f"Pathways {definition.name} service",
        description=f"{definition.description}\n\n{UNAUTHENTICATED_NOTE}",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by serve_docs, without a CDN
        redoc_url=None,
    )
    install_error_handlers(app, [*domain_errors, UnknownProvinceError])
    app.add_exception_handler(RequestBodyTooLargeError, body_too_large)
    app.add_middleware(BodyLimit, max_bytes=runtime.settings.max_request_bytes)
    app.include_router(router)
    document_headers(app, {command_context: COMMAND_HEADERS, idempotent: IDEMPOTENCY_HEADERS})
    document_errors(app)
    document_answers(app)

    @app.get("/health", tags=["operations"], **answered_as(Health))
    async def health() -> dict[str, Any]:
        """Liveness, how far the relay and the consumers have got, whether this replica runs the
        consumers (one replica of a service does; the others stand by to take over), and the read models
        whose rows from before an upgrade need `pathways read-models rebuild`."""
        relay, guard = runtime.relay, runtime.guard
        return {
            "service": definition.name,
            "relay": None
            if relay is None
            else {"published": relay.published, "caught_up": relay.caught_up.is_set(), "failing": relay.failing},
            "consumers": {c.name: {"processed": c.processed, "parked": c.parked} for c in runtime.consumers},
            "consuming": runtime.consuming,
            "guard": None if guard is None else {"name": guard.name, "read": guard.processed, "parked": guard.parked},
            "commands": {"jobs": runtime.runner.jobs, "commits": runtime.runner.commits},
            "read_models_to_rebuild": _to_rebuild(await runtime.stale_read_models()),
        }

    serve_versions(app, lambda: runtime.runner.store.events_table)
    serve_docs(app)
    make_lean(app, request_only=[application_of, command_context, idempotent, read_pool])
    refuse_unknown_query_parameters(app)  # around the handlers make_lean installs
    return app


class RelayProgress(BaseModel):
    published: int = Field(description="Events published since the service started.")
    caught_up: bool = Field(description="Whether it has published every event stored so far.")
    failing: str = Field(description="Why the last batch could not be published; empty once one is.")


class ConsumerProgress(BaseModel):
    processed: int = Field(description="Messages applied since the service started.")
    parked: int = Field(description="Messages parked on the DLQ stream since the service started.")


class GuardProgress(BaseModel):
    name: str
    read: int = Field(
        description="Messages it read since the service started: on subjects no contract knows, or replayed to it."
    )
    parked: int = Field(description="Of those, the messages it parked on the DLQ stream.")


class CommandProgress(BaseModel):
    jobs: int = Field(description="Commands run since the service started.")
    commits: int = Field(description="Transactions they were committed in (group commit: several to one).")


class ReadModelToRebuild(BaseModel):
    built_by_version: int = Field(description="The read model's version that built its rows.")
    version: int = Field(description="This code's version of it.")


class Health(BaseModel):
    """What ``GET /health`` answers."""

    service: str
    relay: RelayProgress | None = Field(description="Null where this replica runs no relay (yet).")
    consumers: dict[str, ConsumerProgress] = Field(description="By consumer name.")
    consuming: bool = Field(description="Whether this replica runs the consumers (one replica does).")
    guard: GuardProgress | None = Field(description="The stream guard's; null where this replica runs none (yet).")
    commands: CommandProgress
    read_models_to_rebuild: dict[str, ReadModelToRebuild] | None = Field(
        description="By read model name: those needing `pathways read-models rebuild`; null when PostgreSQL did "
        "not answer."
    )


def _to_rebuild(stale: list[StaleReadModel] | None) -> dict[str, dict[str, int]] | None:
    """None: PostgreSQL did not say."""
    if stale is None:
        return None
    return {
        read_model.name: {"built_by_version": read_model.built_by, "version": read_model.current}
        for read_model in stale
    }
