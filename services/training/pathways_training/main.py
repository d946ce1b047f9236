"""Composition root of the training service."""

from __future__ import annotations

from fastapi import FastAPI

from pathways_contracts import training as contracts
from pathways_contracts.enrollment import ParticipantEnrolledV1, ParticipantWithdrawnV1
from pathways_infra.app import create_service_app
from pathways_infra.service import Reaction, ServiceDefinition, ServiceRuntime
from pathways_training import api
from pathways_training.application import TrainingApplication, close_on_withdrawal, open_training_record
from pathways_training.domain.training import TrainingRuleError
from pathways_training.outbound import translate
from pathways_training.projections import training_records


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="training",
        translate=translate,
        publishes=contracts.EVENTS,
        read_models=[training_records.READ_MODEL],
        reactions=[
            Reaction(
                name="from-enrollment",
                source_service="enrollment",
                handlers={ParticipantEnrolledV1: open_training_record, ParticipantWithdrawnV1: close_on_withdrawal},
            )
        ],
        description="Curricula co-designed with communities, cohorts, attendance, assessments, completion.",
    )


def create_app(runtime: ServiceRuntime, *, manage_runtime: bool = True) -> FastAPI:
    return create_service_app(
        runtime,
        router=api.router,
        application=lambda: TrainingApplication(runtime.runner),
        domain_errors=[TrainingRuleError],
        manage_runtime=manage_runtime,
    )
