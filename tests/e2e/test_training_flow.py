"""Training end to end: a co-designed curriculum, a cohort, sessions with attendance, assessments, completion.

Attendance is measured in hours from the sessions held: one participant attends enough and completes (and
reaches outcomes); the other is refused completion below the curriculum's threshold of its hours. Attending
every session held so far is not enough before the curriculum's hours were attended.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from pathways_contracts.training import TrainingCompletedV1
from pathways_infra.settings import Settings
from tests.support import training_steps
from tests.support.journeys import Enrolled, created, enroll, in_training, open_project
from tests.support.system import RunningSystem, eventually, get_json_when_found, running_system
from tests.support.training_steps import COMPETENCIES, FIRST_SESSION_ON, STARTS_ON, iso

SESSION_DAYS = [FIRST_SESSION_ON + timedelta(weeks=week) for week in range(5)]


async def assess(
    system: RunningSystem,
    enrolled: Enrolled,
    phase: str,
    score: int,
    *,
    competencies: list[str] = COMPETENCIES,
    on: date = STARTS_ON,
) -> None:
    body = {"phase": phase, "scores": dict.fromkeys(competencies, score), "assessed_on": iso(on)}
    path = f"/training-records/{enrolled.enrollment_id}/assessments"
    created(await system.client("training").post(path, json=body))


async def when_read(system: RunningSystem, path: str, field: str, value: object) -> dict[str, Any]:
    """GET until the read model has caught up: ``field`` of the body has ``value``."""

    async def probe() -> dict[str, Any] | None:
        found = await get_json_when_found(system.client("training"), path)
        return found if found.get(field) == value else None

    return await eventually(probe, what=f"{path} with {field} {value!r}")


async def test_a_cohort_trains_and_attendance_decides_completion(settings: Settings) -> None:
    async with running_system(settings) as system:
        training = system.client("training")
        project = await open_project(system, name="Natural-dye weaving", province_code="TH-58")
        keen, busy = [await enroll(system, project, birth_year=year) for year in (1986, 1979)]
        await in_training(system, keen)
        await in_training(system, busy)

        curriculum_id = await training_steps.approved_curriculum(system, project, hours="15")  # five sessions
        cohort_id = await training_steps.started_cohort(system, project, curriculum_id)
        members = {"enrollment_ids": [keen.enrollment_id, busy.enrollment_id]}  # join when the cohort started
        joined = created(await training.post(f"/cohorts/{cohort_id}/members", json=members))
        await assess(system, busy, "PRE", 40)
        await assess(system, keen, "PRE", 40, competencies=COMPETENCIES[:1])  # the rest scored later
        await assess(system, keen, "PRE", 40, competencies=COMPETENCIES[1:], on=FIRST_SESSION_ON)
        for week, day in enumerate(SESSION_DAYS):
            present = [keen] if week in (1, 3) else [keen, busy]  # busy misses 6 of 15 hours: 9 < 12 needed
            await training_steps.hold_session(system, cohort_id, day, attended=present)
        await assess(system, keen, "POST", 75, competencies=COMPETENCIES[:1])  # the rest scored after completing
        misnamed = await training.post(  # capitalised as on a paper form (the trailing space is stripped)
            f"/training-records/{keen.enrollment_id}/assessments",
            json={"phase": "POST", "scores": {"Weaving ": 75}, "assessed_on": iso(STARTS_ON)},
        )

        completed = await training_steps.complete(system, keen)
        refused = await training_steps.complete(system, busy)
        after_completion = f"/training-records/{keen.enrollment_id}/assessments"
        post_scores = dict.fromkeys(COMPETENCIES[1:], 75)
        mistyped = await training.post(
            after_completion, json={"phase": "POST", "scores": {COMPETENCIES[1]: 750}, "assessed_on": iso(STARTS_ON)}
        )
        late_pre = await training.post(
            after_completion, json={"phase": "PRE", "scores": post_scores, "assessed_on": iso(STARTS_ON)}
        )
        late_post = await training.post(
            after_completion, json={"phase": "POST", "scores": post_scores, "assessed_on": iso(STARTS_ON)}
        )
        with_a_finished_member = {
            "session_id": str(uuid4()),
            "held_on": iso(SESSION_DAYS[-1] + timedelta(days=1)),
            "hours": "3",
            "attended": [busy.enrollment_id, keen.enrollment_id],
        }
        refused_session = await training.post(f"/cohorts/{cohort_id}/sessions", json=with_a_finished_member)

        case = await get_json_when_found(system.client("outcomes"), f"/cases/{keen.enrollment_id}")
        keen_record = await when_read(system, f"/training-records/{keen.enrollment_id}", "status", "COMPLETED")
        assessed = {
            "PRE": {"scores": dict.fromkeys(COMPETENCIES, 40.0), "assessed_on": iso(STARTS_ON)},
            "POST": {"scores": dict.fromkeys(COMPETENCIES, 75.0), "assessed_on": iso(STARTS_ON)},
        }
        assessed_later = await when_read(system, f"/training-records/{keen.enrollment_id}", "assessments", assessed)
        busy_record = await when_read(system, f"/training-records/{busy.enrollment_id}", "sessions_expected", 5)
        cohort = await when_read(system, f"/cohorts/{cohort_id}", "sessions_held", 5)
        curriculum = await when_read(system, f"/curricula/{curriculum_id}", "status", "APPROVED")
        listed = (await training.get("/training-records", params={"cohort_id": cohort_id})).json()
        paged = [
            await training.get("/training-records", params={"cohort_id": cohort_id, "limit": 1, "offset": offset})
            for offset in (0, 1, 2)
        ]
        pages = [page.json() for page in paged]
        after_the_first = await training.get(
            "/training-records", params={"cohort_id": cohort_id, "after": listed[0]["enrollment_id"]}
        )
        in_training_now = await training.get("/training-records", params={"status": "IN_TRAINING"})
        still_training = in_training_now.json()
        no_case = await system.client("outcomes").get(f"/cases/{busy.enrollment_id}")

    assert joined["assigned"] == 2
    assert completed.status_code == 201, completed.text
    assert refused.status_code == 409
    assert refused.json()["rule"] == "curriculum-hours-not-met"
    assert refused.json()["error"] == "attended 9 of the 12 hours needed (80% of the curriculum's 15 hours)"
    assert not refused.json().get("retryable")
    assert case["enrollment_id"] == keen.enrollment_id
    assert no_case.status_code == 404

    assert keen_record["attendance_rate"] == 1.0
    assert (keen_record["cohort_id"], keen_record["joined_on"]) == (cohort_id, iso(STARTS_ON))
    assert keen_record["completed_on"] == iso(training_steps.COMPLETED_ON)
    assert keen_record["assessments"]["PRE"] == {
        "scores": dict.fromkeys(COMPETENCIES, 40.0),
        "assessed_on": iso(STARTS_ON),
    }, "a pre-assessment in two parts, dated by the first"
    assert keen_record["assessments"]["POST"]["scores"]["weaving"] == 75.0
    created(late_post)
    assert (refused_session.status_code, refused_session.json()["rule"]) == (409, "training-already-completed")
    assert refused_session.json()["error"] == (
        f"session {with_a_finished_member['session_id']} was not recorded, nor anyone's attendance at it: training "
        f"of enrollment {keen.enrollment_id} is completed (remove {keen.enrollment_id} from attended to record the "
        "session and the others' attendance)"
    )
    assert assessed_later["status"] == "COMPLETED", "the rest of the POST scored after completing"
    assert (mistyped.status_code, mistyped.json()["rule"]) == (409, "score-out-of-range"), "about the score"
    assert (late_pre.status_code, late_pre.json()["rule"]) == (409, "training-already-completed")
    assert (misnamed.status_code, misnamed.json()["rule"]) == (409, "unknown-competency")
    assert misnamed.json()["error"].startswith(
        f"'Weaving' is not among the curriculum's competencies ({', '.join(map(repr, COMPETENCIES))})"
    )
    assert (busy_record["status"], busy_record["sessions_attended"], busy_record["attendance_rate"]) == (
        "IN_TRAINING",
        3,
        0.6,
    )
    assert {field: busy_record[field] for field in HOURS} == {
        "hours_expected": "15",
        "hours_attended": "9",
        "curriculum_hours": "15",
        "hours_needed": "12",
        "at_risk": True,
    }
    assert [session["attended"] for session in cohort["sessions"]] == [2, 1, 2, 1, 2]
    assert (cohort["status"], cohort["members_count"], cohort["track"]) == ("IN_PROGRESS", 2, "RESKILL")
    assert (curriculum["latest_version"], curriculum["versions"][0]["co_designed_with"]) == (1, "Ban Na weavers group")
    assert sorted(record["enrollment_id"] for record in listed) == sorted([keen.enrollment_id, busy.enrollment_id])
    assert [[record["enrollment_id"] for record in page] for page in pages] == [
        [listed[0]["enrollment_id"]],
        [listed[1]["enrollment_id"]],
        [],
    ], "paged by offset, as every list is"
    assert [page.headers["X-Total-Count"] for page in paged] == ["2", "2", "2"], "how many in all, on every page"
    assert [record["enrollment_id"] for record in after_the_first.json()] == [listed[1]["enrollment_id"]]
    assert after_the_first.headers["X-Total-Count"] == "2", "after a key, the records before it count too"
    assert in_training_now.headers["X-Total-Count"] == "1"
    assert [record["enrollment_id"] for record in still_training] == [busy.enrollment_id]


HOURS = ("hours_expected", "hours_attended", "curriculum_hours", "hours_needed", "at_risk")


async def test_every_session_so_far_does_not_complete_before_the_curriculum_s_hours_were_attended(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["enrollment", "training"]) as system:
        project = await open_project(system, name="Bamboo furniture", province_code="TH-57")
        early = await enroll(system, project, birth_year=1988)
        await in_training(system, early)
        cohort_id = await training_steps.started_cohort(
            system,
            project,
            await training_steps.approved_curriculum(system, project),  # 60 hours
        )
        record_path = f"/training-records/{early.enrollment_id}"
        await training_steps.accepted_once_known(
            system.client("training"), f"{record_path}/cohort", {"cohort_id": cohort_id, "assigned_on": iso(STARTS_ON)}
        )
        weeks = [FIRST_SESSION_ON + timedelta(weeks=week) for week in range(9)]
        for day in weeks[:2]:
            await training_steps.hold_session(system, cohort_id, day, attended=[early])
        too_early = await training_steps.complete(system, early)
        two_sessions_in = await when_read(system, record_path, "sessions_expected", 2)
        for day in weeks[2:]:  # seven six-hour days: 6 + 42 = 48 hours, 80% of 60
            await training_steps.hold_session(system, cohort_id, day, attended=[early], hours="6")
        completed = await training_steps.complete(system, early)

        async def published() -> dict[str, Any] | None:
            try:
                message = await operator_js.get_last_msg("TRAINING", TrainingCompletedV1.SUBJECT)
            except NotFoundError:
                return None
            body: dict[str, Any] = json.loads(message.data or b"{}")
            return body

        told = await eventually(published, what="the completion on the TRAINING stream")

    assert too_early.status_code == 409
    assert too_early.json()["rule"] == "curriculum-hours-not-met"
    assert too_early.json()["error"] == "attended 6 of the 48 hours needed (80% of the curriculum's 60 hours)"
    assert two_sessions_in["attendance_rate"] == 1.0
    assert {field: two_sessions_in[field] for field in HOURS} == {
        "hours_expected": "6",
        "hours_attended": "6",
        "curriculum_hours": "60",
        "hours_needed": "48",
        "at_risk": False,
    }, "every hour held so far: not at risk, though 42 hours short"
    assert completed.status_code == 201, completed.text
    assert (told["enrollment_id"], told["attendance_rate"]) == (early.enrollment_id, 1.0)
    assert (told["hours_attended"], told["curriculum_hours"]) == ("48", "60")


async def test_unknown_projects_cohorts_and_records_are_refused_clearly(settings: Settings) -> None:
    async with running_system(settings, ["training"]) as system:
        training = system.client("training")
        unknown_project = await training.post(
            "/curricula",
            json={"project_id": str(uuid4()), "title": "Weaving", "track": "UPSKILL", "competencies": ["weaving"]}
            | {"hours": "20"},
        )
        unknown_cohort = await training.post(f"/cohorts/{uuid4()}/start", json={})
        unknown_curriculum = await training.get(f"/curricula/{uuid4()}")
        unknown_record = await training.get(f"/training-records/{uuid4()}")
        not_yet_enrolled = await training.post(f"/training-records/{uuid4()}/cohort", json={"cohort_id": str(uuid4())})
        bad_threshold = await training.post(
            "/curricula",
            json={"project_id": str(uuid4()), "title": "W", "track": "RESKILL", "competencies": ["w"], "hours": "5"}
            | {"attendance_threshold": 1.5},
        )

    assert unknown_project.status_code == 409
    assert unknown_project.json() | {"error": ""} == {"error": "", "rule": "project-must-be-known", "retryable": True}
    assert unknown_cohort.status_code == 404
    assert unknown_cohort.json()["rule"] == "must-exist"
    assert unknown_curriculum.status_code == unknown_record.status_code == 404
    assert not_yet_enrolled.status_code == 404, "the cohort is looked up first, and it does not exist"
    assert bad_threshold.status_code == 422
    assert bad_threshold.json()["fields"][0]["field"] == "body.attendance_threshold"


async def test_a_revision_answers_the_curriculum_version_it_drafted_or_replaced(settings: Settings) -> None:
    async with running_system(settings, ["enrollment", "training"]) as system:
        training = system.client("training")
        project_id = await open_project(system, name="Ban Na weaving")
        content = {"title": "Weaving", "track": "RESKILL", "competencies": COMPETENCIES, "hours": "60"}
        drafted = await training_steps.accepted_once_known(
            training, "/curricula", {"project_id": project_id, "drafted_on": "2025-04-05", **content}
        )
        path = f"/curricula/{drafted['id']}"
        co_design = {"version": 1, "community": "Ban Na weavers group", "co_designed_on": "2025-04-10"}

        co_designed_before_draft = await training.post(
            f"{path}/co-design", json={**co_design, "co_designed_on": "2025-04-04"}
        )
        draft_revised = created(
            await training.post(f"{path}/revision", json={**content, "hours": "62", "revised_on": "2025-04-06"})
        )
        created(await training.post(f"{path}/co-design", json=co_design))
        revision = {**content, "hours": "64", "revised_on": "2025-04-11"}
        co_designed_revised = created(await training.post(f"{path}/revision", json=revision))
        approved_too_early = await training.post(f"{path}/approval", json={"version": 1, "approved_on": "2025-04-20"})
        co_designed_before_revision = await training.post(f"{path}/co-design", json=co_design)
        created(await training.post(f"{path}/co-design", json={**co_design, "co_designed_on": "2025-04-11"}))
        created(await training.post(f"{path}/approval", json={"version": 1, "approved_on": "2025-04-20"}))
        once = {"Idempotency-Key": f"revise-{drafted['id']}"}
        next_version = created(await training.post(f"{path}/revision", json={**content, "hours": "72"}, headers=once))
        replayed = await training.post(f"{path}/revision", json={**content, "hours": "72"}, headers=once)
        created(await training.post(f"{path}/co-design", json={"version": 2, "community": "Ban Na weavers group"}))
        approved = await training.post(f"{path}/approval", json={"version": 2})  # revised, co-designed today

    assert co_designed_before_draft.status_code == 409
    assert co_designed_before_draft.json()["rule"] == "co-design-before-draft"
    assert "2025-04-04" in co_designed_before_draft.json()["error"]
    assert co_designed_before_revision.status_code == 409, "co-designed again, not before the revision"
    assert co_designed_before_revision.json()["rule"] == "co-design-before-draft"
    assert (draft_revised["curriculum_version"], draft_revised["version"]) == (1, 2), "the draft is replaced"
    assert (co_designed_revised["curriculum_version"], co_designed_revised["version"]) == (1, 4), "replaced too"
    assert approved_too_early.status_code == 409, "a co-designed version revised must be co-designed again"
    assert approved_too_early.json()["rule"] == "curriculum-must-be-co-designed"
    assert next_version["curriculum_version"] == 2, "a revision after approval opens the next version"
    assert replayed.headers.get("Idempotent-Replayed") == "true" and replayed.json() == next_version
    created(approved)


async def test_members_left_in_training_when_their_cohort_completes_are_counted_and_finished_later(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment", "training"]) as system:
        training = system.client("training")
        project = await open_project(system, name="Rattan baskets", province_code="TH-52")
        keen, unsure = [await enroll(system, project, birth_year=year) for year in (1990, 1972)]
        await in_training(system, keen)
        await in_training(system, unsure)
        curriculum_id = await training_steps.approved_curriculum(system, project, hours="3")  # the one session
        cohort_id = await training_steps.started_cohort(system, project, curriculum_id)
        path = f"/cohorts/{cohort_id}"
        created(
            await training.post(f"{path}/members", json={"enrollment_ids": [keen.enrollment_id, unsure.enrollment_id]})
        )
        await training_steps.hold_session(system, cohort_id, FIRST_SESSION_ON, attended=[keen, unsure])
        created(await training.post(f"{path}/completion", json={"completed_on": iso(FIRST_SESSION_ON)}))
        left_undecided = await when_read(system, path, "status", "COMPLETED")

        completed_later = await training_steps.complete(system, keen)  # dated 2025-08-29, after the cohort's
        one_left = await when_read(system, path, "members_in_training", 1)
        dropout = {"reason": "FOUND_WORK", "dropped_out_on": iso(training_steps.COMPLETED_ON)}
        dropped_later = await training.post(f"/training-records/{unsure.enrollment_id}/dropout", json=dropout)
        none_left = await when_read(system, path, "members_in_training", 0)
        listed = (await training.get("/cohorts", params={"project_id": project})).json()

    def standing(cohort: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
        return {m["enrollment_id"]: (m["training_status"], m["left_because"]) for m in cohort["members"]}

    assert (left_undecided["members_count"], left_undecided["members_in_training"]) == (2, 2)
    assert standing(left_undecided) == {
        keen.enrollment_id: ("IN_TRAINING", None),
        unsure.enrollment_id: ("IN_TRAINING", None),
    }
    assert completed_later.status_code == 201, completed_later.text
    assert standing(one_left)[keen.enrollment_id] == ("COMPLETED", None)
    assert dropped_later.status_code == 201, dropped_later.text
    assert standing(none_left)[unsure.enrollment_id] == (None, "DROPPED_OUT")
    assert [(c["cohort_id"], c["members_count"], c["members_in_training"]) for c in listed] == [(cohort_id, 1, 0)]


async def test_a_session_typed_in_twice_is_refused_naming_the_first_while_a_retry_gets_the_first_answer(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment", "training"]) as system:
        training = system.client("training")
        project = await open_project(system, name="Silk weaving", province_code="TH-32")
        curriculum_id = await training_steps.approved_curriculum(system, project)
        cohort_id = await training_steps.started_cohort(system, project, curriculum_id)
        path = f"/cohorts/{cohort_id}/sessions"
        session = {"held_on": iso(FIRST_SESSION_ON), "hours": "3"}
        first = created(await training.post(path, json=session, headers={"Idempotency-Key": "register-page-1"}))
        retried = await training.post(path, json=session, headers={"Idempotency-Key": "register-page-1"})
        typed_again = await training.post(path, json=session, headers={"Idempotency-Key": "register-page-1-again"})
        typed_again_with_its_time = await training.post(path, json={**session, "starts_at": "09:00"})
        afternoon_session = {**session, "starts_at": "13:30", "distinct_from": [first["session_id"]]}
        afternoon = created(await training.post(path, json=afternoon_session))
        afternoon_again = await training.post(path, json={**session, "hours": "2.5", "starts_at": "13:30"})
        evening_without_its_time = await training.post(path, json={**session, "hours": "2"})
        cohort = await when_read(system, f"/cohorts/{cohort_id}", "sessions_held", 2)

    assert retried.headers["Idempotent-Replayed"] == "true" and retried.json() == first
    assert typed_again.status_code == 409
    assert typed_again.json()["rule"] == "session-duplicate"
    assert first["session_id"] in typed_again.json()["error"]
    assert typed_again_with_its_time.status_code == 409, "the start time forgotten the first time"
    assert typed_again_with_its_time.json()["rule"] == "session-duplicate"
    assert f"names session {first['session_id']} in distinct_from" in typed_again_with_its_time.json()["error"]
    assert afternoon_again.status_code == 409
    assert afternoon_again.json()["rule"] == "session-duplicate"
    assert afternoon["session_id"] in afternoon_again.json()["error"]
    assert evening_without_its_time.status_code == 409
    assert evening_without_its_time.json()["rule"] == "session-start-time-needed"
    assert f"session {afternoon['session_id']} starting at 13:30" in evening_without_its_time.json()["error"]
    assert "needs its start time (starts_at)" in evening_without_its_time.json()["error"]
    assert {s["session_id"]: s["starts_at"] for s in cohort["sessions"]} == {
        first["session_id"]: None,
        afternoon["session_id"]: "13:30",
    }
