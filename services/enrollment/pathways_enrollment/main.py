"""Composition root of the enrollment service."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pathways_contracts import enrollment as contracts
from pathways_contracts.training import TrainingCompletedV1, TrainingDroppedOutV1
from pathways_enrollment import api
from pathways_enrollment.application import EnrollmentApplication
from pathways_enrollment.domain.errors import EnrollmentRuleError
from pathways_enrollment.outbound import translate
from pathways_enrollment.projections import coaching_visits, enrollments, mentors, potential_duplicates, projects, units
from pathways_enrollment.reactions import note_completion, note_dropout
from pathways_enrollment.vault import TABLES_DDL, Vault, VaultKeyring, VaultKeysBehindError
from pathways_infra.app import create_service_app
from pathways_infra.service import Reaction, ServiceDefinition, ServiceRuntime


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="enrollment",
        translate=translate,
        publishes=contracts.EVENTS,
        read_models=[
            enrollments.READ_MODEL,
            units.READ_MODEL,
            projects.READ_MODEL,
            mentors.READ_MODEL,
            coaching_visits.READ_MODEL,
            potential_duplicates.READ_MODEL,
        ],
        tables=[TABLES_DDL],
        reactions=[
            Reaction(
                name="from-training",
                source_service="training",
                handlers={TrainingCompletedV1: note_completion, TrainingDroppedOutV1: note_dropout},
            )
        ],
        description="Projects, units, mentors, the participant registry with consent, and enrollment cases.",
    )


def create_app(runtime: ServiceRuntime, *, manage_runtime: bool = True) -> FastAPI:
    keys = VaultKeyring.configured(runtime.settings.data_dir)

    def application() -> EnrollmentApplication:
        return EnrollmentApplication(runtime.runner, keys, runtime.pool)

    app = create_service_app(
        runtime,
        router=api.router,
        application=application,
        domain_errors=[EnrollmentRuleError],
        manage_runtime=manage_runtime,
    )
    app.state.vault = Vault(keys)
    app.add_exception_handler(VaultKeysBehindError, _keys_behind)
    return app


async def _keys_behind(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse(status_code=503, content={"error": str(error), "retryable": True}, headers={"Retry-After": "5"})
