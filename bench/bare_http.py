"""The least an HTTP command endpoint can be on the services' server: uvicorn (httptools, uvloop) with a
bare ASGI app that reads the JSON body and answers 201 with a small JSON body. No routing, validation,
idempotency or domain: what is left is the server's and the protocol's own cost.

Usage: python -m bench.bare_http PORT
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

ANSWER = json.dumps({"version": 1, "event_ids": ["00000000-0000-4000-8000-000000000000"]}).encode()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(ANSWER)).encode())]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    json.loads(body or b"null")
    await send({"type": "http.response.start", "status": 201, "headers": HEADERS})
    await send({"type": "http.response.body", "body": ANSWER})


def main(port: int) -> None:
    import uvicorn

    # As the services run it (pathways_infra.cli._serve), less the lifespan they need and this does not.
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off", ws="none",
        proxy_headers=False,
    )  # fmt: skip
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main(int(sys.argv[1]))
