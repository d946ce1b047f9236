"""Servers for a benchmark: the PATHWAYS_* ones if set, else embedded ones in a temporary folder."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import quantiles

from pathways_infra.embedded import EmbeddedServers, ServerUrls

BENCH_FOLDER = "pathways-bench-"  # prefix of the embedded servers' temporary folder


@contextmanager
def servers() -> Iterator[ServerUrls]:
    with (
        tempfile.TemporaryDirectory(prefix=BENCH_FOLDER) as folder,
        EmbeddedServers(
            Path(folder),
            database_url=os.environ.get("PATHWAYS_DATABASE_URL"),
            nats_url=os.environ.get("PATHWAYS_NATS_URL"),
            nats_port=0,
        ) as urls,
    ):
        yield urls


def percentile(samples: list[float], p: int) -> float:
    return quantiles(samples, n=100, method="inclusive")[p - 1]


def row(label: str, value: str) -> None:
    print(f"  {label:<52} {value}", flush=True)
