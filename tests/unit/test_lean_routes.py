"""Lean routes answer exactly as FastAPI's own handling does: same statuses, bodies and errors.

The enrollment service's real routes and error handlers run twice, in process, over a fake
application: once as FastAPI handles them, once with ``make_lean``. Every request below must get
the same answer from both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from pathways_enrollment import api
from pathways_enrollment.domain.errors import EnrollmentRuleError, UnknownAggregateError
from pathways_infra.http import CommandAccepted, application_of, command_context, install_error_handlers, read_pool
from pathways_infra.idempotency import idempotent
from pathways_infra.lean_routes import is_lean, make_lean
from pathways_infra.query_params import refuse_unknown_query_parameters
from pathways_infra.services import build_app, build_runtime
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings

ANSWER = CommandAccepted(id=UUID(int=7), version=3, event_ids=[UUID(int=8)])
REQUEST_ONLY = [application_of, command_context, idempotent, read_pool]


class FakeApplication:
    """Answers every command at once; a few ids stand for broken rules."""

    def __getattr__(self, name: str) -> Callable[..., Awaitable[CommandAccepted]]:
        async def command(*args: Any, **_: Any) -> CommandAccepted:
            if UUID(int=409) in args:
                raise EnrollmentRuleError("the case is not screened", rule="screened-before-enrollment")
            if UUID(int=404) in args:
                raise UnknownAggregateError("enrollment is not known")
            return ANSWER

        return command


def _app(*, lean: bool) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app, [EnrollmentRuleError])
    app.include_router(api.router)
    app.state.application = FakeApplication()
    app.state.runner = SimpleNamespace()
    if lean:
        assert make_lean(app, request_only=REQUEST_ONLY) > 0
    refuse_unknown_query_parameters(app)  # as the services install it: around either handler
    return app


@pytest.fixture
async def clients() -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    def client(app: FastAPI) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

    async with client(_app(lean=False)) as stock, client(_app(lean=True)) as lean:
        yield stock, lean


CASE = UUID("7ce5de67-6c5c-4a08-abd4-8be9e859f91a")  # fixed: it is in test ids, which xdist workers must collect alike
JSON = {"content-type": "application/json"}
ENROLLED = b'{"enrolled_on": "2024-01-09"}'
REQUESTS: list[tuple[str, str, str, dict[str, str] | None, bytes | None]] = [
    ("accepted", "POST", f"/enrollments/{CASE}/enrollment", JSON, ENROLLED),
    ("accepted, no content type", "POST", f"/enrollments/{CASE}/enrollment", {}, ENROLLED),
    ("accepted, json charset", "POST", f"/enrollments/{CASE}/enrollment",
     {"content-type": "application/json; charset=utf-8"}, ENROLLED),
    ("invalid field", "POST", f"/enrollments/{CASE}/enrollment", JSON, b'{"enrolled_on": "soon"}'),
    ("extra field", "POST", f"/enrollments/{CASE}/enrollment", JSON, b'{"enrolled_on": "2024-01-09", "x": 1}'),
    ("missing body", "POST", f"/enrollments/{CASE}/enrollment", JSON, None),
    ("garbled JSON", "POST", f"/enrollments/{CASE}/enrollment", JSON, b'{"enrolled_on": '),
    ("not JSON", "POST", f"/enrollments/{CASE}/enrollment", {"content-type": "text/plain"}, b"enrolled"),
    ("form-encoded", "POST", f"/enrollments/{CASE}/enrollment",
     {"content-type": "application/x-www-form-urlencoded"}, b"enrolled_on=2024-01-09"),
    ("JSON error on line 2", "POST", f"/enrollments/{CASE}/enrollment", JSON, b'{\n  "enrolled_on": 2024-01-09}'),
    ("unknown query parameter", "POST", f"/enrollments/{CASE}/enrollment?dry_run=1", JSON, ENROLLED),
    ("empty idempotency key", "POST", f"/enrollments/{CASE}/enrollment", {**JSON, "idempotency-key": ""}, ENROLLED),
    ("body is a list", "POST", f"/enrollments/{CASE}/enrollment", JSON, b"[1, 2]"),
    ("bad path id", "POST", "/enrollments/not-a-uuid/enrollment", JSON, ENROLLED),
    ("bad path id and body", "POST", "/enrollments/not-a-uuid/enrollment", JSON, b'{"enrolled_on": "x"}'),
    ("bad correlation header", "POST", f"/enrollments/{CASE}/enrollment",
     {**JSON, "x-correlation-id": "nope"}, ENROLLED),
    ("bad If-Match", "POST", f"/enrollments/{CASE}/enrollment", {**JSON, "if-match": '"v3"'}, ENROLLED),
    ("broken rule", "POST", f"/enrollments/{UUID(int=409)}/enrollment", JSON, ENROLLED),
    ("unknown id", "POST", f"/enrollments/{UUID(int=404)}/enrollment", JSON, ENROLLED),
    ("no body needed", "POST", f"/units/{CASE}/activation", {}, None),
    ("unknown path", "POST", "/nowhere/at/all", JSON, b"{}"),
    ("unknown sub-path", "POST", f"/enrollments/{CASE}/teleportation", JSON, b"{}"),
    ("wrong method", "DELETE", f"/enrollments/{CASE}/enrollment", None, None),
    ("unknown path, GET", "GET", "/nowhere", None, None),
    ("listing, unknown filter", "GET", "/enrollments?statu=ENROLLED&limit=3", None, None),
    ("trailing slash", "POST", "/units/", JSON, b'{"name": "Unit", "province_code": "TH-50"}'),
    ("unknown province", "POST", "/units", JSON, b'{"name": "Unit", "province_code": "TH-99"}'),
    ("day as a timestamp", "POST", f"/enrollments/{CASE}/enrollment", JSON, b'{"enrolled_on": 1704758400}'),
    ("day as digits", "POST", f"/enrollments/{CASE}/enrollment", JSON, b'{"enrolled_on": "1704758400"}'),
]  # fmt: skip


@pytest.mark.parametrize(("what", "method", "path", "headers", "body"), REQUESTS, ids=[r[0] for r in REQUESTS])
async def test_lean_routes_answer_as_fastapi_does(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    what: str,
    method: str,
    path: str,
    headers: dict[str, str] | None,
    body: bytes | None,
) -> None:
    stock, lean = clients
    expected = await stock.request(method, path, headers=headers, content=body)
    got = await lean.request(method, path, headers=headers, content=body)

    assert (got.status_code, got.content) == (expected.status_code, expected.content), what
    assert got.headers.get("content-type") == expected.headers.get("content-type")
    assert got.headers.get("location") == expected.headers.get("location")


async def test_a_command_gets_its_answer_from_the_lean_route(clients: tuple[httpx.AsyncClient, ...]) -> None:
    _, lean = clients
    answer = await lean.post(f"/enrollments/{CASE}/enrollment", json={"enrolled_on": "2024-01-09"})

    assert answer.status_code == 201
    assert answer.json() == ANSWER.model_dump(mode="json")


def test_routes_with_query_parameters_keep_fastapis_handler() -> None:
    app = _app(lean=False)
    lean = make_lean(app, request_only=REQUEST_ONLY)
    listing = [r for r in app.routes if getattr(r, "path", "") == "/enrollments" and "GET" in getattr(r, "methods", ())]

    assert listing, "the enrollment list route"
    assert lean < sum(1 for r in app.routes if hasattr(r, "dependant"))


# Text is checked as the lean handler parses the body (every command route has it; FastAPI's own handler
# runs only with dependency overrides): so the lean client alone below.
UNIT = {"province_code": "TH-50"}
PERSON = {"sex": "F", "birth_year": 1985}
REFUSED_TEXT: list[tuple[str, dict[str, Any], str]] = [
    ("/units", UNIT | {"name": "CDU\x00Trang"}, "body.name"),
    ("/units", UNIT | {"name": "CDU\x1b[2JTrang"}, "body.name"),  # a terminal escape sequence
    ("/units", UNIT | {"name": "CDU\x7f"}, "body.name"),  # DEL
    ("/units", UNIT | {"name": "CDU\x85"}, "body.name"),  # a C1 control (next line)
    (f"/projects/{CASE}/rejection", {"reason": "no\x08 budget"}, "body.reason"),
    ("/participants", PERSON | {"personal_data": {"full_name": "Somsri\x07"}}, "body.personal_data.full_name"),
]


@pytest.mark.parametrize(("path", "body", "field"), REFUSED_TEXT)
async def test_text_with_a_control_character_is_refused_naming_the_field(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], path: str, body: dict[str, Any], field: str
) -> None:
    _, lean = clients
    answer = await lean.post(path, json=body)

    assert answer.status_code == 422, answer.text
    [refusal] = answer.json()["fields"]
    assert refusal["field"] == field
    assert "control characters" in refusal["message"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/units", UNIT | {"name": "ศูนย์ทอผ้าแม่แจ่ม 🧵👩‍👩‍👧"}),  # Thai, emoji joined by zero-width joiners
        (f"/projects/{CASE}/rejection", {"reason": "Budget:\n\t- too small\r\n- too late"}),
    ],
)
async def test_thai_emoji_and_multi_line_text_are_taken(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], path: str, body: dict[str, Any]
) -> None:
    _, lean = clients
    assert (await lean.post(path, json=body)).status_code == 201


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_route_that_takes_a_body_is_lean_so_the_text_rule_covers_every_command(service: ServiceName) -> None:
    settings = Settings(nats_url="nats://127.0.0.1:1", database_url="postgresql://127.0.0.1:1/none")
    app = build_app(build_runtime(service, settings))
    with_body = [route for route in app.routes if isinstance(route, APIRoute) and route.body_field is not None]

    assert with_body
    assert [route.path for route in with_body if not is_lean(route)] == []
