"""Run every benchmark in turn: python -m bench"""

import asyncio

from bench import http_latency, relay_throughput

asyncio.run(relay_throughput.main(50_000))
asyncio.run(http_latency.main(200.0, 15.0))
