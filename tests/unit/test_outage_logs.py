"""What the services write when NATS or PostgreSQL goes away: the project's format, one line as an
outage starts and one as it ends, a traceback for the first failure only."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import nats.errors
import pytest

from pathways_infra.logs import configure_logging
from pathways_infra.nats_connection import connection_options
from pathways_infra.operator_cli import _unreachable_reason
from pathways_infra.settings import Settings
from pathways_infra.supervision import FailureLog


@pytest.fixture
def log_output(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """What ``configure_logging(…, "enrollment")`` writes on stderr; logging as it was afterwards."""
    root, faststream = logging.getLogger(), logging.getLogger("faststream")
    saved = (root.handlers[:], root.level, faststream.handlers[:], faststream.propagate, faststream.level)
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    configure_logging("INFO", "enrollment")
    yield stderr
    root.handlers[:], root.level = saved[0], saved[1]
    faststream.handlers[:], faststream.propagate, faststream.level = saved[2], saved[3], saved[4]


def _broken() -> nats.errors.UnexpectedEOF:
    try:
        raise nats.errors.UnexpectedEOF
    except nats.errors.UnexpectedEOF as error:
        return error


def test_faststream_and_nats_lines_have_the_project_format_and_no_colour_codes(log_output: io.StringIO) -> None:
    from faststream._internal.logger.logging import logger as faststream_logger

    faststream_logger.warning("a subscriber could not start")
    logging.getLogger("nats.aio.client").error("nats: encountered error", exc_info=_broken())

    lines = log_output.getvalue().splitlines()
    assert "\x1b[" not in log_output.getvalue()
    assert any("WARNING [enrollment] faststream: a subscriber could not start" in line for line in lines), lines
    assert any("ERROR   [enrollment] nats.aio.client: nats: encountered error" in line for line in lines), lines
    stamped = [line for line in lines if "[enrollment]" in line]
    assert all(line[:4].isdigit() for line in stamped), lines


def test_faststreams_own_outage_lines_are_left_to_the_services_one_line(log_output: io.StringIO) -> None:
    broker_logger = logging.getLogger("faststream.enrollment")  # as the service builds its broker
    broker_logger.warning("Connection broken with UnexpectedEOF()", exc_info=_broken())
    broker_logger.info("Connection reestablished")
    broker_logger.error("a handler failed")

    said = log_output.getvalue()
    assert "Connection broken" not in said and "Connection reestablished" not in said and "Traceback" not in said
    assert "[enrollment] faststream.enrollment: a handler failed" in said


def _refused() -> ConnectionRefusedError:
    try:
        raise ConnectionRefusedError(111, "Connect call failed")
    except ConnectionRefusedError as error:
        return error


def test_asyncpgs_own_pool_retries_are_left_to_the_services_one_line(log_output: io.StringIO) -> None:
    pool_logger = logging.getLogger("asyncpg.pool")  # asyncpg's own, as its pool retries while PostgreSQL is down
    for _ in range(3):
        pool_logger.warning("Failed to restore the pool connection floor; retrying", exc_info=_refused())
    pool_logger.warning("Pool.close() is taking over 60 seconds to complete.")

    said = log_output.getvalue()
    assert "Failed to restore the pool connection floor" not in said and "Traceback" not in said
    assert "WARNING [enrollment] asyncpg.pool: Pool.close() is taking over 60 seconds to complete." in said


def test_when_debugging_asyncpgs_pool_retry_is_one_debug_line_without_traceback(
    log_output: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stderr", log_output)  # as the fixture did: pytest's capture has since taken it back
    configure_logging("DEBUG", "enrollment")
    logging.getLogger("asyncpg.pool").warning(
        "Failed to restore the pool connection floor; retrying", exc_info=_refused()
    )
    [said] = [line for line in log_output.getvalue().splitlines() if "asyncpg.pool" in line]
    assert said.endswith("DEBUG   [enrollment] asyncpg.pool: Failed to restore the pool connection floor; retrying")
    assert "Traceback" not in log_output.getvalue()


async def test_a_nats_outage_is_one_line_as_it_starts_and_one_as_it_ends(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    service = connection_options(Settings(), "pathways-enrollment", closing=lambda: False)
    consumers = connection_options(Settings(), "pathways-enrollment-consumers", closing=lambda: False, quiet=True)
    for options in (service, consumers):
        await options["error_cb"](nats.errors.UnexpectedEOF())
        await options["disconnected_cb"]()
        for _ in range(3):
            await options["error_cb"](ConnectionRefusedError(111, "Connect call failed"))
        await options["reconnected_cb"]()

    said = [(record.levelname, record.getMessage()) for record in caplog.records if record.levelno > logging.DEBUG]
    assert said == [
        ("WARNING", "pathways-enrollment: lost the NATS connection (unexpected EOF); reconnecting "
         "(committed events wait in the store)"),
        ("INFO", "pathways-enrollment: NATS connection back"),
    ]  # fmt: skip


async def test_an_error_on_a_working_connection_is_still_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    options = connection_options(Settings(), "pathways-enrollment", closing=lambda: False)
    await options["error_cb"](nats.errors.AuthorizationError())
    assert [record.levelname for record in caplog.records] == ["WARNING"]


def test_a_part_failing_again_and_again_logs_one_traceback_then_a_line_each_and_its_recovery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    failures = FailureLog("enrollment: the relay")
    for delay in (0.5, 1.0, 2.0):
        try:
            raise nats.errors.TimeoutError from TimeoutError()
        except nats.errors.TimeoutError as error:
            failures.failed(error, delay)
    failures.recovered()
    failures.recovered()  # once only

    assert [(record.levelname, record.exc_info is not None) for record in caplog.records] == [
        ("ERROR", True), ("WARNING", False), ("WARNING", False), ("INFO", False),
    ]  # fmt: skip
    assert caplog.records[1].getMessage() == (
        "enrollment: the relay failed again (TimeoutError: nats: timeout ← TimeoutError); starting it again in 1.0s"
    )
    assert caplog.records[3].getMessage() == "enrollment: the relay runs again, after 3 failure(s)"


def test_a_failure_of_another_kind_gets_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    failures = FailureLog("enrollment: the guard")
    failures.failed(ConnectionRefusedError(111, "refused"), 0.5)
    failures.failed(KeyError("subject"), 1.0)
    assert [record.exc_info is not None for record in caplog.records] == [True, True]


def test_a_nats_that_never_answers_is_said_to_have_timed_out_and_after_how_long() -> None:
    assert _unreachable_reason(TimeoutError(), 2.04) == (
        "timed out: no answer within 2.0s (a server that is hung, or a network that drops packets)"
    )
    assert (
        _unreachable_reason(ConnectionRefusedError(111, "refused"), 0.01)
        == "ConnectionRefusedError: [Errno 111] refused"
    )
