"""What `pathways up` checks before starting anything: the data folder is not in use by another `pathways up`,
no earlier one left its services running, and the services' ports are free."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pathways_infra.data_lock import DataDirBusyError, DataDirLock
from pathways_infra.settings import Settings
from pathways_infra.up import leftover_services, taken_ports
from tests.support.system import free_port


def test_a_second_holder_of_a_data_folder_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    with DataDirLock(tmp_path, "up") as first:
        first.record(services={"enrollment": 4242})
        with pytest.raises(DataDirBusyError) as refused:
            DataDirLock(tmp_path, "servers").acquire()
    assert f"pathways up is already running from PID {os.getpid()} on data folder {tmp_path}; stop it first" in str(
        refused.value
    )


def test_the_lock_is_free_again_once_released_and_remembers_the_last_holders_services(tmp_path: Path) -> None:
    with DataDirLock(tmp_path, "up") as first:
        first.record(services={"enrollment": 4242})
    with DataDirLock(tmp_path, "up") as again:
        assert again.previous == {}, "a holder that stopped cleanly leaves nothing behind"
    (tmp_path / "pathways.lock").write_text('{"pid": 1, "command": "up", "services": {"enrollment": 4242}}')
    with DataDirLock(tmp_path, "up") as after_a_kill:
        assert after_a_kill.previous["services"] == {"enrollment": 4242}


@pytest.fixture
def a_service_left_running() -> Iterator[int]:
    """A process whose command line is a service's (`… serve enrollment`), as one a killed `pathways up` left."""
    sleeper = "print(flush=True); import time; time.sleep(60)"
    child = subprocess.Popen([sys.executable, "-c", sleeper, "serve", "enrollment"], stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None
        child.stdout.readline()  # it runs: its command line is no longer the forking parent's
        yield child.pid
    finally:
        child.kill()
        child.wait()


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="tells services by their command line in /proc")
def test_services_an_earlier_run_left_running_are_named_with_how_to_stop_them(a_service_left_running: int) -> None:
    previous = {"pid": 1, "command": "up", "services": {"enrollment": a_service_left_running, "training": 0}}
    said = leftover_services(previous)
    assert said is not None
    assert (
        f"still running: enrollment (PID {a_service_left_running}). Stop them first: kill {a_service_left_running}"
        in said
    )
    assert "training" not in said
    assert leftover_services({"pid": 1, "services": {"enrollment": os.getpid()}}) is None, "not a service: a reused PID"


def test_a_taken_service_port_is_named_with_the_setting_that_moves_it() -> None:
    enrollment, training, outcomes = free_port(), free_port(), free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", training))
        squatter.listen()
        settings = Settings(enrollment_port=enrollment, training_port=training, outcomes_port=outcomes)
        assert taken_ports(settings) == (
            f"port {training} on 127.0.0.1, where the training service listens, is taken by another program: "
            "stop that program, or set PATHWAYS_TRAINING_PORT to a free port"
        )
    assert taken_ports(settings) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_service_dies_with_pathways_up_even_when_it_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT_STARTING_A_SERVICE], stdout=subprocess.PIPE, text=True
    )  # fmt: skip
    assert parent.stdout is not None
    service = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(service):
        assert time.monotonic() < deadline, "the service outlived the killed parent"
        time.sleep(0.05)


_PARENT_STARTING_A_SERVICE = """
import subprocess, sys, time
from pathways_infra.up import die_with_parent
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], preexec_fn=die_with_parent())
print(child.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
