"""The demo's own mistakes, an absent system, one holding other data and Ctrl-C are told in a line or two,
not a traceback; the wait for the read models says what it waits for."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import uuid
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, cast

import pytest

from pathways_infra.cli import main
from pathways_infra.demo import cli as demo_cli
from pathways_infra.demo.driver import DemoError
from pathways_infra.demo.plan import plan_programme
from pathways_infra.http_client import LeanClient, Response
from tests.support.system import free_port


def test_an_impossible_programme_is_refused_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--participants", "20", "--projects", "2", "--provinces", "2"]) == 2
    err = capsys.readouterr().err
    assert "pathways demo: error: need at least 4 provinces" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("concurrency", ["0", "-3", "many"])
def test_a_concurrency_that_could_send_nothing_is_a_usage_error(
    concurrency: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([*SMALL, "--concurrency", concurrency])
    assert stopped.value.code == 2
    assert "argument --concurrency:" in capsys.readouterr().err


def test_services_that_are_not_running_are_named_as_such(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for service in ("ENROLLMENT", "TRAINING", "OUTCOMES"):
        monkeypatch.setenv(f"PATHWAYS_{service}_PORT", str(free_port()))
    assert main(["demo", "--participants", "20", "--projects", "4", "--provinces", "4"]) == 1
    err = capsys.readouterr().err
    assert "demo stopped: cannot reach the services" in err and "pathways up" in err
    assert "Traceback" not in err


EMPTY_TOTALS: dict[str, Any] = {"participants": 0, "projects": 0, "screened_out": 0, "by_stage": {"COMPLETED": 0}}
SMALL = ["demo", "--participants", "20", "--projects", "4", "--provinces", "4"]


class FakeServices:
    """Stands in for the three services' HTTP APIs: programme totals as given, every command accepted."""

    totals: ClassVar[dict[str, Any]] = EMPTY_TOTALS
    known_paths: ClassVar[set[str]] = set()
    on_post: Callable[[], None] = staticmethod(lambda: None)
    commands = 0

    def __init__(self, host: str, port: int, connections: int = 64) -> None:
        pass

    async def __aenter__(self) -> FakeServices:
        return self

    async def __aexit__(self, *_: object) -> None:
        pass

    async def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        if path == "/programme/totals":
            return Response(200, json.dumps(FakeServices.totals).encode())
        return Response(200 if path in FakeServices.known_paths else 404, b"{}")

    async def post(self, path: str, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
        FakeServices.commands += 1
        FakeServices.on_post()
        await asyncio.sleep(0.01)
        return Response(201, json.dumps({"id": str(uuid.uuid4()), "version": 1}).encode())


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch) -> type[FakeServices]:
    monkeypatch.setattr(demo_cli, "LeanClient", FakeServices)
    monkeypatch.setattr(FakeServices, "totals", EMPTY_TOTALS)
    monkeypatch.setattr(FakeServices, "known_paths", set())
    monkeypatch.setattr(FakeServices, "commands", 0)
    return FakeServices


def test_a_system_holding_other_data_is_refused_before_anything_is_sent(
    services: type[FakeServices], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATHWAYS_DATA_DIR", "/tmp/pathways elsewhere")
    services.totals = {**EMPTY_TOTALS, "participants": 3, "projects": 1}
    assert main(SMALL) == 1
    err = capsys.readouterr().err
    assert "the system already holds other data (3 participants, 1 projects, 0 screened_out)" in err
    assert "(rm -rf '/tmp/pathways elsewhere')" in err, "the data folder in use, not the default"
    assert "Traceback" not in err
    assert services.commands == 0


def test_an_interrupted_run_of_the_same_programme_is_continued(
    services: type[FakeServices], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    programme = plan_programme(1, participants=20, projects=4, provinces=4)
    services.totals = {**EMPTY_TOTALS, "participants": 3, "projects": 1}
    services.known_paths = {f"/projects/{programme.projects[0].project_id}"}

    def interrupt() -> None:
        raise DemoError("stopped here: the test only needs to see the demo go on")

    monkeypatch.setattr(services, "on_post", staticmethod(interrupt))
    assert main(SMALL) == 1
    err = capsys.readouterr().err
    assert (
        "continuing an earlier run of this programme: 3 participants, 1 projects, 0 screened_out already there" in err
    )
    assert services.commands > 0, "it went on to load the programme"


def test_ctrl_c_while_loading_ends_with_one_line_and_status_130(
    services: type[FakeServices], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "on_post", staticmethod(lambda: os.kill(os.getpid(), signal.SIGINT)))
    # Ctrl-C as a terminal delivers it: to Python's own handler (an earlier test may have left another).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert main(SMALL) == 130
    finally:
        signal.signal(signal.SIGINT, previous)
    err = capsys.readouterr().err
    assert "demo interrupted; run it again with the same options to continue where it stopped" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


async def test_waiting_for_the_read_models_says_what_it_waits_for(
    services: type[FakeServices], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo_cli, "CATCH_UP_SECONDS", 1.2)
    monkeypatch.setattr(demo_cli, "WAITING_NOTE_SECONDS", 0.5)
    services.totals = {**EMPTY_TOTALS, "participants": 12, "by_stage": {"COMPLETED": 2}}
    expected = {**EMPTY_TOTALS, "participants": 20, "by_stage": {"COMPLETED": 9}}
    reported = await demo_cli._caught_up(cast(LeanClient, FakeServices("127.0.0.1", 1)), expected)
    assert reported == services.totals
    err = capsys.readouterr().err
    assert (
        "waiting for the outcomes service's totals and indicators: participants 12 of 20, by_stage · COMPLETED 2 of 9"
        in err
    )
    assert "gave up waiting after 1 s; still different: participants 12 of 20" in err
