"""The demo's own mistakes and an absent system are told in a line or two, not a traceback."""

from __future__ import annotations

import pytest

from pathways_infra.cli import main
from tests.support.system import free_port


def test_an_impossible_programme_is_refused_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--participants", "20", "--projects", "2", "--provinces", "2"]) == 2
    err = capsys.readouterr().err
    assert "pathways demo: error: need at least 4 provinces" in err
    assert "Traceback" not in err


def test_services_that_are_not_running_are_named_as_such(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for service in ("ENROLLMENT", "TRAINING", "OUTCOMES"):
        monkeypatch.setenv(f"PATHWAYS_{service}_PORT", str(free_port()))
    assert main(["demo", "--participants", "20", "--projects", "4", "--provinces", "4"]) == 1
    err = capsys.readouterr().err
    assert "demo stopped: cannot reach the services" in err and "pathways up" in err
    assert "Traceback" not in err
