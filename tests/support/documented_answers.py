"""Every query's answers held against its service's own OpenAPI document, as an integrator reads it there.

``every_query_read`` reads every GET of the three services on a system the demo has filled, once for each
kind of record it holds (a case of each status, a training record of each status, ...), and each error a
query documents; ``DocumentedAnswers`` checks each body against the schema ``/openapi.json`` gives for that
route and status, with every object closed: a field sent but not documented is a mismatch, and so (the
documents require every field of a 2xx body) is one documented but not sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import httpx
from jsonschema import Draft202012Validator

from pathways_infra.demo.plan import Programme
from pathways_infra.settings import SERVICE_NAMES, ServiceName
from pathways_infra.thai_time import thai_today
from tests.support.journeys import BASELINE, created, register
from tests.support.system import RunningSystem, eventually
from tests.support.training_steps import accepted_once_known

NOT_PROVOKED = frozenset({"503"})  # a lost database connection: tests/integration/test_database_restarts.py
_PATH_PARAMETER = re.compile(r"\{(\w+)\}")
_ANY_ITEM = re.compile(r"\[\d+\]")


def closed(schema: Any) -> Any:
    """``schema`` with every object that lists its properties refusing any other."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copy = {key: closed(value) for key, value in schema.items()}
    if copy.get("type") == "object" and "properties" in copy and "additionalProperties" not in copy:
        copy["additionalProperties"] = False
    return copy


@dataclass
class DocumentedAnswers:
    """The services' OpenAPI documents, the answers checked against them, and how they differed."""

    system: RunningSystem = field(repr=False)
    documents: dict[ServiceName, dict[str, Any]] = field(default_factory=dict, repr=False)
    checked: set[tuple[ServiceName, str, str]] = field(default_factory=set)
    mismatches: list[str] = field(default_factory=list)

    async def read_documents(self) -> None:
        for service in SERVICE_NAMES:
            response = await self.system.client(service).get("/openapi.json")
            assert response.status_code == 200, response.text
            self.documents[service] = response.json()

    async def get(
        self,
        service: ServiceName,
        template: str,
        *,
        status: int = 200,
        params: dict[str, Any] | None = None,
        **ids: Any,
    ) -> Any:
        """GET the route ``template`` names (path parameters in ``ids``), expecting ``status``; its body, checked."""
        response = await self.system.client(service).get(template.format(**ids), params=params)
        assert response.status_code == status, (
            f"GET {response.request.url}: {response.status_code} {response.text[:500]}"
        )
        self._check(service, template, response.status_code, response.headers, response.json())
        return response.json()

    def _check(self, service: ServiceName, template: str, status: int, headers: Any, body: Any) -> None:
        where = f"{service} GET {template} {status}"
        answer = self.documents[service]["paths"][template]["get"]["responses"].get(str(status))
        if answer is None:
            self.mismatches.append(f"{where}: not documented")
            return
        self.checked.add((service, template, str(status)))
        schema = answer["content"]["application/json"]["schema"]
        root = {**closed(schema), "components": closed(self.documents[service]["components"])}
        validator = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
        for error in validator.iter_errors(body):
            self._mismatch(f"{where} at {_ANY_ITEM.sub('[*]', error.json_path)}: {error.message[:300]}")
        for header in answer.get("headers", {}):
            if header not in headers:
                self._mismatch(f"{where}: no {header} header")

    def _mismatch(self, what: str) -> None:
        if what not in self.mismatches:  # once for all the items of a list
            self.mismatches.append(what)

    def unchecked(self) -> list[str]:
        """Every answer a query documents that no request got (503 aside)."""
        return [
            f"{service} GET {path} {status}"
            for service, document in self.documents.items()
            for path, operations in document["paths"].items()
            if "get" in operations
            for status in operations["get"]["responses"]
            if status not in NOT_PROVOKED and (service, path, status) not in self.checked
        ]


def one_of_each(rows: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The first row of each value of ``key`` among ``rows``."""
    found: dict[Any, dict[str, Any]] = {}
    for row in rows:
        found.setdefault(str(row[key]), row)
    return list(found.values())


@dataclass(frozen=True)
class Additions:
    """Records the demo leaves out, added so that the shapes they fill are read too."""

    in_training: str  # an enrollment in training, assessed before training, at a session
    cohort: str  # its cohort
    duplicate: str  # a registration flagged as a potential duplicate
    holder: str  # the registration it may duplicate
    mentor: str  # a mentor with a coaching visit and a contact
    enterprise: str  # an enterprise registered, selling online
    closed_case: str  # a completed case closed, its open follow-ups missed


async def every_query_read(system: RunningSystem, programme: Programme) -> DocumentedAnswers:
    """Every GET of the three services read on the demo's records (and a few more), each answer checked."""
    answers = DocumentedAnswers(system)
    await answers.read_documents()
    added = await _add_what_the_demo_leaves_out(system, programme)
    await _read_enrollment(answers, added)
    await _read_training(answers, added)
    await _read_outcomes(answers, added)
    await _read_errors(answers)
    await _read_erased(answers, added)
    return answers


async def _add_what_the_demo_leaves_out(system: RunningSystem, programme: Programme) -> Additions:
    project, holder = programme.projects[0], programme.journeys[0].person
    return Additions(
        in_training=await _newcomer_assessed_and_at_a_session(system, project.project_id, project.cohort_id),
        cohort=str(project.cohort_id),
        duplicate=await _potential_duplicate_of(system, holder.national_id),
        holder=str(holder.participant_id),
        mentor=await _mentor_visited_with_a_contact(system, programme.mentors[0][0]),
        enterprise=await _enterprise_registered_selling_online(system),
        closed_case=await _completed_case_closed(system),
    )


async def _once_shown(client: httpx.AsyncClient, path: str, ready: Callable[[Any], Any], *, what: str) -> None:
    async def probe() -> Any:
        response = await client.get(path)
        return response if response.status_code == 200 and ready(response.json()) else None

    await eventually(probe, what=what)


async def _newcomer_assessed_and_at_a_session(system: RunningSystem, project_id: UUID, cohort_id: UUID) -> str:
    """A participant enrolled today in the project, in its cohort, assessed before training, at a session."""
    enrollment, training = system.client("enrollment"), system.client("training")
    today = thai_today().isoformat()
    person = await register(system, registered_on=None)
    application = {"participant_id": person, "project_id": str(project_id), "applied_on": today, "baseline": BASELINE}
    case: str = created(await enrollment.post("/enrollments", json=application))["id"]
    created(await enrollment.post(f"/enrollments/{case}/screening", json={"screened_on": today}))
    created(await enrollment.post(f"/enrollments/{case}/enrollment", json={"enrolled_on": today}))
    await accepted_once_known(training, f"/training-records/{case}/cohort", {"cohort_id": str(cohort_id)})
    assessment = {"phase": "PRE", "scores": {"craft skills": "55"}}
    created(await training.post(f"/training-records/{case}/assessments", json=assessment))
    session = {"held_on": today, "starts_at": "13:00", "hours": "3", "attended": [case]}
    created(await training.post(f"/cohorts/{cohort_id}/sessions", json=session))
    await _once_shown(training, f"/training-records/{case}", lambda r: r["assessments"] and r["sessions_attended"],
                      what="assessed, and at a session")  # fmt: skip
    return case


async def _potential_duplicate_of(system: RunningSystem, national_id: str) -> str:
    duplicate = await register(system, registered_on=None, national_id=national_id)
    await _once_shown(system.client("enrollment"), "/participants/potential-duplicates", bool, what="flagged")
    return duplicate


async def _mentor_visited_with_a_contact(system: RunningSystem, mentor_id: UUID) -> str:
    enrollment, mentor = system.client("enrollment"), f"/mentors/{mentor_id}"
    [assignment, *_] = (await enrollment.get(mentor)).json()["assignments"]
    visit = {"assignment_id": assignment["id"], "visited_on": assignment["from_date"], "notes": "stock checked"}
    created(await enrollment.post(f"{mentor}/coaching-visits", json=visit))
    created(await enrollment.post(f"{mentor}/contact", json={"full_name": "Anan Srisuk", "phone": "081 234 5678"}))
    await _once_shown(enrollment, f"{mentor}/coaching-visits", bool, what="a visit listed")
    return str(mentor_id)


async def _enterprise_registered_selling_online(system: RunningSystem) -> str:
    outcomes = system.client("outcomes")
    [enterprise, *_] = (await outcomes.get("/enterprises", params={"kind": "ENTERPRISE"})).json()
    path = f"/enterprises/{enterprise['enterprise_id']}"
    created(await outcomes.post(f"{path}/registration", json={"registration_number": "SE-0001"}))
    created(await outcomes.post(f"{path}/online-sales-channel", json={"channel": "a shop page"}))
    await _once_shown(outcomes, path, lambda e: e["sells_online"] and e["registered_on"], what="selling online")
    return str(enterprise["enterprise_id"])


async def _completed_case_closed(system: RunningSystem) -> str:
    """A completed case closed: its follow-ups not answered yet are missed."""
    training, outcomes = system.client("training"), system.client("outcomes")
    [completed, *_] = (await training.get("/training-records", params={"status": "COMPLETED", "limit": 1})).json()
    case = str(completed["enrollment_id"])
    created(await outcomes.post(f"/cases/{case}/closure", json={"reason": "LOST_CONTACT"}))
    await _once_shown(outcomes, f"/cases/{case}", lambda c: c["closed_on"], what="closed")
    return case


async def _read_enrollment(answers: DocumentedAnswers, added: Additions) -> None:
    async def get(template: str, *, params: dict[str, Any] | None = None, **ids: Any) -> Any:
        return await answers.get("enrollment", template, params=params, **ids)

    units = await get("/units", params={"limit": 1000})
    for unit in one_of_each(units, "status"):
        await get("/units/{unit_id}", unit_id=unit["id"])
    await get("/versions/{record_id}", record_id=units[0]["id"])
    projects = await get("/projects", params={"limit": 1000})
    for project in one_of_each(projects, "status"):
        await get("/projects/{project_id}", project_id=project["id"])
    await get("/mentors", params={"limit": 1000})
    await get("/mentors", params={"project_id": projects[0]["id"]})  # each says `via`
    await get("/mentors/{mentor_id}", mentor_id=added.mentor)
    await get("/mentors/{mentor_id}/coaching-visits", mentor_id=added.mentor)
    await get("/mentors/{mentor_id}/contact", mentor_id=added.mentor)
    await get("/participants/potential-duplicates")
    cases = await get("/enrollments", params={"limit": 1000})
    for case in [*one_of_each(cases, "status"), *one_of_each(cases, "training_ended")]:
        await get("/enrollments/{enrollment_id}", enrollment_id=case["enrollment_id"])
        await get("/enrollments/{enrollment_id}/case", enrollment_id=case["enrollment_id"])
        await get("/participants/{participant_id}", participant_id=case["participant_id"])
        await get("/participants/{participant_id}/personal-data", participant_id=case["participant_id"])
    for participant in (added.duplicate, added.holder):
        await get("/participants/{participant_id}", participant_id=participant)
    await get("/health")


async def _read_training(answers: DocumentedAnswers, added: Additions) -> None:
    async def get(template: str, *, params: dict[str, Any] | None = None, **ids: Any) -> Any:
        return await answers.get("training", template, params=params, **ids)

    curricula = await get("/curricula", params={"limit": 500})
    await get("/curricula/{curriculum_id}", curriculum_id=curricula[0]["curriculum_id"])
    await get("/curricula/{curriculum_id}/recorded", curriculum_id=curricula[0]["curriculum_id"])
    cohorts = await get("/cohorts", params={"limit": 500})
    for cohort in (cohorts[0]["cohort_id"], added.cohort):
        await get("/cohorts/{cohort_id}", cohort_id=cohort)
        await get("/cohorts/{cohort_id}/recorded", cohort_id=cohort)
    await get("/versions/{record_id}", record_id=added.cohort)
    records = await get("/training-records", params={"limit": 5000})
    transferred = await answers.get("enrollment", "/enrollments", params={"status": "TRANSFERRED"})
    for record in [*one_of_each(records, "status"), transferred[0], {"enrollment_id": added.in_training}]:
        await get("/training-records/{enrollment_id}", enrollment_id=record["enrollment_id"])
        await get("/training-records/{enrollment_id}/recorded", enrollment_id=record["enrollment_id"])
    await get("/health")


async def _read_outcomes(answers: DocumentedAnswers, added: Additions) -> None:
    async def get(template: str, *, params: dict[str, Any] | None = None, **ids: Any) -> Any:
        return await answers.get("outcomes", template, params=params, **ids)

    records = await answers.get("training", "/training-records", params={"limit": 5000})
    ended = [record for record in records if record["status"] != "IN_TRAINING"]
    completed = [record for record in ended if record["status"] == "COMPLETED"]
    for record in [*one_of_each(ended, "status"), *completed[:20], {"enrollment_id": added.closed_case}]:
        await get("/cases/{enrollment_id}", enrollment_id=record["enrollment_id"])  # some employed, some not
    await get("/follow-ups", params={"limit": 500})
    await get("/follow-ups", params={"status": "MISSED"})
    enterprises = await get("/enterprises")
    for enterprise in [*one_of_each(enterprises, "kind"), {"enterprise_id": added.enterprise}]:
        await get("/enterprises/{enterprise_id}", enterprise_id=enterprise["enterprise_id"])
    await get("/versions/{record_id}", record_id=added.enterprise)
    await get("/programme/totals")
    await get("/programme/indicators")
    await get("/programme/indicators", params={"by": "province_code"})
    await get("/programme/indicators", params={"project_id": records[0]["project_id"], "region": "NORTH"})
    await get("/health")


async def _read_errors(answers: DocumentedAnswers) -> None:
    """Each query with an id in its path asked of an unknown id and of a malformed one; each other with a query
    parameter it does not take; and each of a query's id filters given an unknown id."""
    for service, document in answers.documents.items():
        for template, operations in document["paths"].items():
            if "get" not in operations:
                continue
            names = _PATH_PARAMETER.findall(template)
            if names:
                unknown: dict[str, Any] = dict.fromkeys(names, uuid4())
                malformed: dict[str, Any] = dict.fromkeys(names, "not-an-id")
                await answers.get(service, template, status=404, **unknown)
                await answers.get(service, template, status=422, **malformed)
            else:
                await answers.get(service, template, status=422, params={"no_such_parameter": "1"})
            for name in _id_filters(operations["get"]):
                await answers.get(service, template, status=404, params={name: str(uuid4())})


def _id_filters(operation: dict[str, Any]) -> list[str]:
    """The query parameters naming something by its id (``project_id``, …): an unknown one is a 404."""
    return [
        parameter["name"]
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter["name"].endswith("_id")
    ]


async def _read_erased(answers: DocumentedAnswers, added: Additions) -> None:
    enrollment = answers.system.client("enrollment")
    created(await enrollment.post(f"/participants/{added.duplicate}/erasure", json={}))
    created(await enrollment.post(f"/mentors/{added.mentor}/contact/erasure", json={}))
    erased = await answers.get("enrollment", "/participants/{participant_id}/personal-data", status=410,
                               participant_id=added.duplicate)  # fmt: skip
    assert "erased" in erased["error"]
    await answers.get("enrollment", "/mentors/{mentor_id}/contact", status=410, mentor_id=added.mentor)
    await answers.get("enrollment", "/participants/{participant_id}", participant_id=added.duplicate)
