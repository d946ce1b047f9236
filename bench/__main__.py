"""Run every benchmark in turn: python -m bench"""

import asyncio

from bench import demo_load, http_latency, relay_throughput, vault_rotation
from pathways_infra.demo.plan import ARTICLE_PARTICIPANTS

asyncio.run(relay_throughput.main(50_000))
asyncio.run(http_latency.main(200.0, 15.0))
asyncio.run(demo_load.main(ARTICLE_PARTICIPANTS, 96, 20_000))
asyncio.run(vault_rotation.main(ARTICLE_PARTICIPANTS))
