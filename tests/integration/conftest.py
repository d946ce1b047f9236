"""Fixtures shared by integration test modules."""

from __future__ import annotations

from collections.abc import AsyncIterator

import nats
import pytest

from pathways_infra.settings import Settings
from tests.integration.test_stream_audit import Relayed, store_and_relay


@pytest.fixture
async def relayed(settings: Settings) -> AsyncIterator[Relayed]:
    """The enrollment store's cases, published to its stream by a relay that has since stopped."""
    assert settings.nats_url
    nc = await nats.connect(settings.nats_url)
    try:
        yield Relayed(settings, *await store_and_relay(settings, nc), nc)
    finally:
        await nc.close()
