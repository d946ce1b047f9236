"""Composition root of the training service."""

from __future__ import annotations

from fastapi import FastAPI

from pathways_contracts import training as contracts
from pathways_contracts.enrollment import (
    ParticipantEnrolledV1,
    ParticipantTransferredV1,
    ParticipantWithdrawnV1,
    ProjectOpenedV1,
)
from pathways_infra.app import create_service_app
from pathways_infra.service import Reaction, ServiceDefinition, ServiceRuntime
from pathways_training import api
from pathways_training.application import TrainingApplication
from pathways_training.domain.errors import TrainingRuleError
from pathways_training.outbound import translate
from pathways_training.projections import cohorts, curricula, training_records
from pathways_training.reactions import (
    close_on_withdrawal,
    follow_enrollment_transfer,
    learn_opened_project,
    open_training_record,
)


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="training",
        translate=translate,
        publishes=contracts.EVENTS,
        read_models=[curricula.READ_MODEL, cohorts.READ_MODEL, training_records.READ_MODEL],
        reactions=[
            Reaction(
                name="from-enrollment",
                source_service="enrollment",
                handlers={
                    ProjectOpenedV1: learn_opened_project,
                    ParticipantEnrolledV1: open_training_record,
                    ParticipantTransferredV1: follow_enrollment_transfer,
                    ParticipantWithdrawnV1: close_on_withdrawal,
                },
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
