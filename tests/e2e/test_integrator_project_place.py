"""Integrators read OUTCOMES only: a project's place reaches them there, so they know which cases are theirs."""

from __future__ import annotations

import json
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from pathways_infra.settings import Settings
from tests.support.journeys import open_project
from tests.support.system import eventually, running_system


async def test_a_project_s_province_and_region_are_published_on_outcomes_once(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings) as system:
        project_id = await open_project(system, name="Nan silverwork", province_code="TH-55")

        async def placed() -> dict[str, Any] | None:
            try:
                message = await operator_js.get_last_msg("OUTCOMES", "outcomes.v1.project.placed")
            except NotFoundError:
                return None
            told: dict[str, Any] = json.loads(message.data or b"{}")
            return told

        told = await eventually(placed, what="the project's place on the OUTCOMES stream")
        info = await operator_js.stream_info("OUTCOMES", subjects_filter="outcomes.v1.project.placed")
    assert told["project_id"] == project_id
    assert (told["province_code"], told["region"], told["name"]) == ("TH-55", "NORTH", "Nan silverwork")
    assert (info.state.subjects or {}).get("outcomes.v1.project.placed") == 1
