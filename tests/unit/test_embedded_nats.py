"""The embedded NATS is ours only once its own process says it is ready: another program listening on its
port must never pass for it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from pathways_infra import embedded
from pathways_infra.embedded import EmbeddedNats, EmbeddedServerError
from tests.support.system import free_port


def test_a_port_taken_between_the_check_and_the_start_fails_with_the_servers_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        monkeypatch.setattr(embedded, "_port_is_free", lambda _: True)  # it was free when checked
        nats = EmbeddedNats(tmp_path, port=port)
        with pytest.raises(EmbeddedServerError, match=rf"nats-server exited with 1 .*\n.*127\.0\.0\.1:{port}.*in use"):
            nats.start()
    assert nats.url is None and not nats.started_here


def test_with_no_port_asked_for_it_listens_where_the_server_chose(tmp_path: Path) -> None:
    nats = EmbeddedNats(tmp_path, port=0)
    try:
        url = nats.start()
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            assert client.recv(4).startswith(b"INFO")
    finally:
        nats.stop()
    assert not nats.is_running()
