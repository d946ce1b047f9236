"""A participant's audit history on real servers: a journey through the three services' HTTP APIs,
then replayed from their event stores, as it happened and as it was recorded."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from pathways_infra.database import DatabaseAddress, drop_database
from pathways_infra.embedded import ServerUrls
from pathways_infra.history import (
    Cutoffs,
    HistoryEvent,
    history,
    mark_backdated,
    parse_moment,
    participants_named_by,
    read_history,
    select,
)
from pathways_infra.settings import SERVICE_NAMES, Settings
from pathways_infra.stream_audit import store_codec
from tests.conftest import _empty_streams
from tests.support.journeys import Enrolled, created, open_project
from tests.support.outcomes_steps import completed_case
from tests.support.system import eventually, running_system

ACTOR = {"X-Actor-Id": "officer-7", "X-Actor-Role": "programme-officer", "X-Actor-Unit": "cdu-chiang-mai"}


@dataclass
class Journeys:
    """Two participants of one project through training to outcomes; they start an enterprise together."""

    settings: Settings
    participant: Enrolled
    other: Enrolled
    enterprise_id: str


@pytest.fixture(scope="module")
async def journeys(server_urls: ServerUrls) -> AsyncIterator[Journeys]:
    """Built once for the module (two journeys take a while), on databases of its own, dropped after."""
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="pathways-test-data-")),
        database_url=server_urls.database_url,
        nats_url=server_urls.nats_url,
        database_prefix=f"t{uuid4().hex[:10]}_",
        relay_poll_seconds=0.2,
    )
    await _empty_streams(server_urls.nats_url)
    try:
        yield await _journeys(settings)
    finally:
        server = DatabaseAddress.parse(server_urls.database_url)
        for service in SERVICE_NAMES:
            await drop_database(server, settings.database_name(service))
        shutil.rmtree(settings.data_dir, ignore_errors=True)


async def _journeys(settings: Settings) -> Journeys:
    async with running_system(settings) as system:
        project = await open_project(system, name="Indigo dye", province_code="TH-47")
        participant, _ = await completed_case(system, project_id=project)
        other, _ = await completed_case(system, project_id=project)
        outcomes = system.client("outcomes")
        employment = {
            "employment_type": "WAGE",
            "related_to_training": True,
            "monthly_income_thb": "9500.00",
            "observed_on": "2025-10-01",
        }
        created(await outcomes.post(f"/cases/{participant.enrollment_id}/employment", json=employment, headers=ACTOR))
        enterprise = {
            "kind": "ENTERPRISE",
            "name": "Ban Don indigo weavers",
            "project_id": project,
            "enrollment_ids": [participant.enrollment_id, other.enrollment_id],
            "members_count": 4,
            "products": ["indigo scarf"],
            "started_on": "2025-09-20",
        }
        enterprise_id: str = created(await outcomes.post("/enterprises", json=enterprise, headers=ACTOR))["id"]
    return Journeys(settings, participant, other, enterprise_id)


async def _read(settings: Settings, participant_id: str) -> list[HistoryEvent]:
    assert settings.database_url
    databases = {service: settings.database_name(service) for service in SERVICE_NAMES}
    server = DatabaseAddress.parse(settings.database_url)
    return await read_history(UUID(participant_id), server=server, databases=databases)


def _cli(settings: Settings, *args: str, nats_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATHWAYS_DATABASE_URL": settings.database_url or "",
        "PATHWAYS_DATABASE_PREFIX": settings.database_prefix,
        **({} if nats_url is None else {"PATHWAYS_NATS_URL": nats_url}),
    }
    return subprocess.run(
        [sys.executable, "-m", "pathways_infra", "history", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,  # the exit status is what the tests look at
    )


def _one(events: list[HistoryEvent], event_type: str) -> HistoryEvent:
    found = [e for e in events if e.event_type == event_type]
    assert len(found) == 1, [e.event_type for e in events]
    return found[0]


async def test_the_history_holds_every_service_in_happened_order_and_nothing_of_another_participant(
    journeys: Journeys,
) -> None:
    pid, enrollment_id = journeys.participant.participant_id, journeys.participant.enrollment_id
    events = await _read(journeys.settings, pid)
    found = history(UUID(pid), events)

    assert {e.service for e in found.events} == set(SERVICE_NAMES)
    assert [e.occurred_at for e in found.events] == sorted(e.occurred_at for e in events)
    types = [e.event_type for e in found.events]
    for expected in (
        "ParticipantRegistered", "ConsentGranted", "EnrollmentApplied", "ParticipantScreened", "ParticipantEnrolled",
        "TrainingRecordOpened", "AssignedToCohort", "AttendanceRecorded", "TrainingCompleted",
        "BaselineIncomeNoted", "FollowUpsScheduled", "EmploymentRecorded", "EnterpriseStarted",
    ):  # fmt: skip
        assert expected in types, expected
    # Completion is recorded after the fact, dated 29 August 2025: before the attendance recorded earlier today.
    assert types.index("TrainingCompleted") < types.index("AttendanceRecorded")
    assert _one(events, "TrainingCompleted").backdated
    assert not _one(events, "ParticipantRegistered").backdated
    registered, enrolled = _one(events, "ParticipantRegistered"), _one(events, "ParticipantEnrolled")
    assert (registered.public, enrolled.subject) == (False, "enrollment.v1.participant.enrolled")
    employed = _one(events, "EmploymentRecorded")
    assert (employed.actor_id, employed.actor_role, employed.actor_unit) == (
        "officer-7",
        "programme-officer",
        "cdu-chiang-mai",
    )
    assert employed.aggregate_id == UUID(enrollment_id)

    other = {journeys.other.participant_id, journeys.other.enrollment_id}
    mentioning_other = [e for e in events if other & {str(v) for v in e.data.values() if isinstance(v, str)}]
    assert mentioning_other == [], "another participant's own events never appear"
    started = _one(events, "EnterpriseStarted")
    assert started.shared
    assert journeys.other.enrollment_id in started.data["participant_enrollment_ids"]
    assert [e.event_type for e in events if e.shared] == ["EnterpriseStarted"]

    stages = {(s.service, s.kind): s for s in found.summary}
    assert stages["enrollment", "participant"].stage == "consented"
    assert stages["enrollment", "enrollment"].stage == "enrolled"
    assert stages["training", "training record"].stage == "completed"
    assert stages["training", "training record"].facts["sessions_attended"] == 1
    assert stages["outcomes", "outcomes case"].stage == "following up"
    assert stages["outcomes", "outcomes case"].facts["employment"]["type"] == "WAGE"
    assert stages["outcomes", "enterprise"].stage == "forming"


async def test_the_byte_search_finds_exactly_what_decoding_every_stored_event_finds(journeys: Journeys) -> None:
    """The prefilter is a byte search; the whole stores, decoded, must not hold one more event about them."""
    from pathways_infra.history import _store  # the reader of one store, to read it all

    assert journeys.settings.database_url
    server = DatabaseAddress.parse(journeys.settings.database_url)
    everything: list[HistoryEvent] = []
    for service in SERVICE_NAMES:
        async with _store(service, server.with_database(journeys.settings.database_name(service)).url) as store:
            assert store is not None
            everything += await store.containing([b"{"])  # every stored JSON
    seen: set[tuple[str, int]] = set()
    for participant in (journeys.participant, journeys.other):
        expected = mark_backdated(select(everything, participant.participant_id, everything))
        found = await _read(journeys.settings, participant.participant_id)
        assert sorted(e.key for e in found) == sorted(e.key for e in expected)
        assert {e.key: e.shared for e in found} == {e.key: e.shared for e in expected}
        seen |= {e.key for e in found}
    assert {e.event_type for e in everything if e.key not in seen} >= {"ProjectApproved", "CohortPlanned"}


async def test_as_recorded_before_the_completion_training_is_not_completed(journeys: Journeys) -> None:
    pid = journeys.participant.participant_id
    events = await _read(journeys.settings, pid)
    completed = _one(events, "TrainingCompleted")

    before = history(UUID(pid), events, cutoffs=Cutoffs(recorded_by=completed.recorded_at - timedelta(microseconds=1)))
    types = [e.event_type for e in before.events]
    assert "TrainingCompleted" not in types
    assert "FollowUpsScheduled" not in types and "EmploymentRecorded" not in types
    assert "AttendanceRecorded" in types
    stages = {(s.service, s.kind): s.stage for s in before.summary}
    assert stages["training", "training record"] == "in a cohort"
    assert stages["enrollment", "enrollment"] == "enrolled"
    assert stages.get(("outcomes", "outcomes case")) in (None, "baseline noted")

    at_completion = history(UUID(pid), events, cutoffs=Cutoffs(recorded_by=completed.recorded_at))
    assert {(s.service, s.kind): s.stage for s in at_completion.summary}["training", "training record"] == "completed"


async def test_as_it_happened_a_backdated_completion_counts_from_the_day_it_is_dated(journeys: Journeys) -> None:
    pid = journeys.participant.participant_id
    events = await _read(journeys.settings, pid)
    completed = _one(events, "TrainingCompleted")
    assert completed.occurred_at == datetime(2025, 8, 28, 17, tzinfo=UTC), "29 August 2025, Thai time"
    assert completed.recorded_at > datetime.now(UTC) - timedelta(hours=1)

    before = history(UUID(pid), events, cutoffs=Cutoffs(happened_by=completed.occurred_at - timedelta(seconds=1)))
    types = [e.event_type for e in before.events]
    assert "TrainingCompleted" not in types
    # Dated facts count from their day however late they were recorded; undated ones from when recorded.
    assert {"EnrollmentApplied", "ParticipantEnrolled", "AssignedToCohort"} <= set(types)
    assert "ParticipantRegistered" in types, "registered on 1 May 2025"
    assert "AttendanceRecorded" not in types, "it happened today"
    assert {(s.service, s.kind): s.stage for s in before.summary}["training", "training record"] == "in a cohort"

    # A date is the end of that day in Thailand, where training was completed on 29 August.
    day_before = history(UUID(pid), events, cutoffs=Cutoffs(happened_by=parse_moment("2025-08-28")))
    on_the_day = history(UUID(pid), events, cutoffs=Cutoffs(happened_by=parse_moment("2025-08-29")))
    assert "TrainingCompleted" not in [e.event_type for e in day_before.events]
    assert "TrainingCompleted" in [e.event_type for e in on_the_day.events]


async def test_outcomes_the_user_dates_happened_on_their_day_however_late_they_are_recorded(
    journeys: Journeys,
) -> None:
    events = await _read(journeys.settings, journeys.participant.participant_id)
    employed, started = _one(events, "EmploymentRecorded"), _one(events, "EnterpriseStarted")
    assert employed.occurred_at == datetime(2025, 9, 30, 17, tzinfo=UTC), "1 October 2025, Thai time"
    assert started.occurred_at == datetime(2025, 9, 19, 17, tzinfo=UTC), "20 September 2025, Thai time"
    assert started.recorded_at > employed.recorded_at > datetime.now(UTC) - timedelta(hours=1), "recorded the other way"

    as_of_september = history(
        UUID(journeys.participant.participant_id), events, cutoffs=Cutoffs(happened_by=parse_moment("2025-09-29"))
    )
    case = next(s for s in as_of_september.summary if s.kind == "outcomes case")
    assert "employment" not in case.facts, "employed only from 1 October"
    assert "enterprise" in {s.kind for s in as_of_september.summary}


async def test_the_cli_prints_json_and_text_and_exits_1_for_an_unknown_participant(journeys: Journeys) -> None:
    settings, pid = journeys.settings, journeys.participant.participant_id
    as_json = await asyncio.to_thread(_cli, settings, pid, "training", "--json", "--recorded-by", "2099-01-01")
    assert as_json.returncode == 0, as_json.stdout + as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["participant_id"] == pid
    assert document["services"] == ["training"]
    assert {e["service"] for e in document["events"]} == {"training"}
    assert [s["stage"] for s in document["summary"]] == ["completed"]
    assert document["events_concerning_participant"] > len(document["events"])

    text = await asyncio.to_thread(_cli, settings, pid, "--order", "recorded")
    assert text.returncode == 0, text.stdout + text.stderr
    assert text.stdout.startswith(f"Participant {pid}: ")
    lines = text.stdout.splitlines()
    assert any("ParticipantRegistered" in line and "(private)" in line for line in lines)
    assert any("TrainingCompleted" in line and "training.v1.training.completed" in line for line in lines)
    assert "State now:" in lines

    unknown = uuid4()
    missing = await asyncio.to_thread(_cli, settings, str(unknown))
    assert missing.returncode == 1, missing.stdout + missing.stderr
    assert missing.stderr.strip() == f"no participant, nor any of their cases, has the id {unknown}"
    for other_kind in (journeys.participant.project_id, journeys.enterprise_id):  # named by events, as no participant
        not_a_participant = await asyncio.to_thread(_cli, settings, str(other_kind))
        assert not_a_participant.returncode == 1, not_a_participant.stdout
        assert "no participant, nor any of their cases, has the id" in not_a_participant.stderr

    wrong = await asyncio.to_thread(_cli, settings, pid, "--happened-by", "last tuesday")
    assert wrong.returncode == 2
    assert "not a date or date and time" in wrong.stderr


async def test_the_cli_takes_a_short_id_or_a_case_id_as_history_lines_show_them(journeys: Journeys) -> None:
    settings, pid = journeys.settings, journeys.participant.participant_id
    whole = await asyncio.to_thread(_cli, settings, pid, "--json")
    by_short_id = await asyncio.to_thread(_cli, settings, pid[:8], "--json")
    by_case = await asyncio.to_thread(_cli, settings, journeys.participant.enrollment_id, "--json")
    by_short_case = await asyncio.to_thread(_cli, settings, journeys.participant.enrollment_id[:8].upper(), "--json")
    too_short = await asyncio.to_thread(_cli, settings, pid[:7])
    unknown = await asyncio.to_thread(_cli, settings, "ffffffff-ffff")
    assert whole.returncode == 0, whole.stderr
    for answer in (by_short_id, by_case, by_short_case):
        assert answer.returncode == 0, answer.stderr
        assert json.loads(answer.stdout) == json.loads(whole.stdout)
        assert answer.stderr.strip() == f"participant {pid}"
    assert too_short.returncode == 2 and "its first 8 or more characters" in too_short.stderr
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "no participant, nor any of their cases, has an id starting with ffffffff-ffff"


async def test_an_id_names_the_participants_of_the_cases_it_starts(journeys: Journeys) -> None:
    assert journeys.settings.database_url
    server = DatabaseAddress.parse(journeys.settings.database_url)
    databases = {service: journeys.settings.database_name(service) for service in SERVICE_NAMES}
    every = await participants_named_by("", server=server, databases=databases)
    record = await participants_named_by(journeys.participant.enrollment_id, server=server, databases=databases)
    assert {UUID(journeys.participant.participant_id), UUID(journeys.other.participant_id)} <= set(every)
    assert record == [UUID(journeys.participant.participant_id)]


async def test_the_cli_exits_2_in_one_line_when_postgresql_is_unreachable(settings: Settings) -> None:
    unreachable = settings.model_copy(update={"database_url": "postgresql://nobody@127.0.0.1:9/none"})
    result = await asyncio.to_thread(_cli, unreachable, str(uuid4()))
    assert result.returncode == 2
    assert result.stderr.startswith("the history could not be read: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


async def test_services_without_a_database_yet_have_no_events(settings: Settings) -> None:
    assert await _read(settings, str(uuid4())) == []
    result = await asyncio.to_thread(_cli, settings, str(uuid4()))
    assert result.returncode == 1, result.stdout + result.stderr


def _verify(settings: Settings, participant_id: str, *args: str) -> subprocess.CompletedProcess[str]:
    return _cli(settings, participant_id, "--verify", *args, nats_url=settings.nats_url)


async def test_verify_marks_each_event_against_the_published_digests_and_names_an_altered_one(
    settings: Settings,
) -> None:
    async with running_system(settings) as system:
        participant, _ = await completed_case(system, "TH-47")
        employment = {"employment_type": "WAGE", "related_to_training": True, "monthly_income_thb": "9000"}
        path = f"/cases/{participant.enrollment_id}/employment"
        created(await system.client("outcomes").post(path, json=employment))

        async def employment_verified() -> dict[str, Any] | None:
            shown = await asyncio.to_thread(_verify, settings, participant.participant_id, "--json")
            document: dict[str, Any] = json.loads(shown.stdout) if shown.returncode == 0 else {}
            verdicts = {e["event_type"]: e["verification"] for e in document.get("events", [])}
            return document if verdicts.get("EmploymentRecorded") == "verified" else None

        intact = await eventually(employment_verified, what="the employment published with its digest")
    completion = _one_events(intact, "TrainingCompleted")
    assert intact["verification"]["ok"] is True
    assert intact["verification"]["events"]["altered"] == 0
    assert completion["verification"] == "verified"

    assert settings.database_url
    training = DatabaseAddress.parse(settings.database_url).with_database(settings.database_name("training")).url
    table, _ = await store_codec(training, "training")
    conn = await asyncpg.connect(training)
    try:  # a space after the JSON: the event still reads the same, but its bytes no longer hash the same
        await conn.execute(
            f"UPDATE \"{table}\" SET state = state || ' '::bytea WHERE notification_id = $1",
            completion["notification_id"],
        )
    finally:
        await conn.close()
    tampered = await asyncio.to_thread(_verify, settings, participant.participant_id, "--json")
    text = await asyncio.to_thread(_verify, settings, participant.participant_id)

    assert tampered.returncode == 3, tampered.stdout + tampered.stderr
    document = json.loads(tampered.stdout)
    assert _one_events(document, "TrainingCompleted")["verification"] == "altered"
    assert _one_events(document, "EmploymentRecorded")["verification"] == "verified"
    last_of_enrollment = _one_events(document, "TrainingEndNoted")  # private, and no digest published after it yet
    assert last_of_enrollment["verification"] == "not-yet-published"
    assert document["verification"]["ok"] is False
    assert text.returncode == 3
    [line] = [line for line in text.stdout.splitlines() if "TrainingCompleted " in line]
    assert "✗" in line.split("TrainingCompleted")[0]
    assert "training    NOT VERIFIED" in text.stdout


def _one_events(document: dict[str, Any], event_type: str) -> dict[str, Any]:
    [found] = [e for e in document["events"] if e["event_type"] == event_type]
    assert isinstance(found, dict)
    return found
