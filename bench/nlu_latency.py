"""Parse latency over HTTP against the served model (targets: p50 <= 15 ms, p99 <= 40 ms).

    .venv/bin/python -m bench.nlu_latency [--requests 1000] [--url URL --token T] [--plain]

Starts its own server on a free loopback port unless --url is given (through our
launcher, as `aftercare nlu serve`; `--plain`: Rasa's own `rasa run`), warms it up,
then sends the test-split sentences one after another through NluClient (the app's
own path: aiohttp, JSON, token) and reports wall-clock percentiles per request. A
bounded loop on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time

from nlu import metrics, paths, server
from nlu.client import NluClient


async def measure(url: str, token: str | None, texts: list[str], n: int, warmup: int) -> dict:
    timings: list[float] = []
    unavailable = 0
    # The parse cache off: this measures Rasa's answer to every request.
    async with NluClient(
        url, token, timeout=10.0, retries=0, breaker_threshold=10**6, cache_size=0
    ) as client:
        for i in range(warmup):
            await client.parse(texts[i % len(texts)])
        for i in range(n):
            start = time.perf_counter()
            result = await client.parse(texts[i % len(texts)])
            timings.append((time.perf_counter() - start) * 1000)
            unavailable += not result.available
    timings.sort()

    def pct(p: float) -> float:
        return round(timings[min(len(timings) - 1, int(p / 100 * len(timings)))], 2)

    return {
        "requests": n,
        "unavailable": unavailable,
        "mean_ms": round(statistics.fmean(timings), 2),
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": round(timings[-1], 2),
        "targets": {"p50_ms": 15, "p99_ms": 40},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--url")
    parser.add_argument("--token")
    parser.add_argument("--plain", action="store_true", help="serve with Rasa's own `rasa run`")
    args = parser.parse_args(argv)
    texts = [t for _, t in metrics.read_tsv(paths.TESTSET)]
    if args.url:
        report = asyncio.run(measure(args.url, args.token, texts, args.requests, args.warmup))
    else:
        port, token = server.free_port(), "bench-latency"
        argv_ = server.serve_argv(paths.current_model(), "127.0.0.1", port, token)
        if args.plain:
            argv_ = [str(paths.rasa_executable()), *argv_[3:]]  # drop "python -m aftercare_serve"
        with server.running(argv=argv_, port=port, token=token, ready_timeout=600) as srv:
            report = asyncio.run(measure(srv.url, srv.token, texts, args.requests, args.warmup))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
