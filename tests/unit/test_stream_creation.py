"""Making a stream just after it was deleted: the server may refuse until it has removed the old files."""

from __future__ import annotations

from typing import Any, cast

import pytest
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import ServerError

from pathways_infra.streams import STORE_NOT_CREATED, _add_stream


class RefusingServer:
    def __init__(self, refusals: int, err_code: int = STORE_NOT_CREATED) -> None:
        self.refusals, self.err_code, self.calls = refusals, err_code, 0

    async def add_stream(self, config: StreamConfig, **_: Any) -> None:
        self.calls += 1
        if self.calls <= self.refusals:
            raise ServerError(code=500, err_code=self.err_code, description="error creating store for stream")


async def test_a_store_not_created_yet_is_tried_again() -> None:
    server = RefusingServer(refusals=2)
    await _add_stream(cast(JetStreamContext, server), StreamConfig(name="ENROLLMENT"))
    assert server.calls == 3


async def test_other_server_errors_and_lasting_refusals_are_raised() -> None:
    with pytest.raises(ServerError):
        await _add_stream(cast(JetStreamContext, RefusingServer(refusals=1, err_code=10052)), StreamConfig(name="X"))
    lasting = RefusingServer(refusals=99)
    with pytest.raises(ServerError):
        await _add_stream(cast(JetStreamContext, lasting), StreamConfig(name="X"), attempts=3)
    assert lasting.calls == 3
