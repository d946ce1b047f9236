"""Each service's interactive docs load everything from the service itself: they work offline."""

from __future__ import annotations

import re

import httpx
import pytest

from pathways_infra.services import build_app, build_runtime
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings


@pytest.mark.parametrize("service", SERVICE_NAMES)
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_and_everything_they_load_come_from_the_service(service: ServiceName, page: str) -> None:
    app = build_app(build_runtime(service, Settings()))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        html = await client.get(page)
        loaded = re.findall(r'(?:src|href|spec-url)="([^"]+)"', html.text) + re.findall(r"url: '([^']+)'", html.text)
        answers = {url: await client.get(url) for url in loaded}

    assert html.status_code == 200
    assert not re.search(r"https?://", html.text), "nothing from another host (a CDN, web fonts)"
    assert any(url.endswith(".js") for url in loaded) and "/openapi.json" in loaded, loaded
    assert {url: answer.status_code for url, answer in answers.items()} == dict.fromkeys(loaded, 200)
    assert all(answer.content for answer in answers.values())
