"""Parses during a model switch (`PUT /model`) on a running server with the real model.

    .venv/bin/python -m bench.nlu_switch [--plain] [--timeout 2.0]

Starts the current model (through our launcher, nlu/project/aftercare_serve.py, as
`aftercare nlu serve` does; `--plain`: Rasa's own `rasa run`), parses one sentence after
another through the app's NluClient with the app's timeout, and meanwhile sends
`PUT /model` with the same model file (a switch costs the same as to a new model of the
same pipeline). Reports how long the switch took, how many parses were answered and
refused during it, and the slowest answer. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from nlu import activation, paths, server
from nlu.client import NluClient

TEXT = "空调不制冷了，能派个师傅来看看吗"


async def measure(url: str, token: str, client_timeout: float) -> dict:
    model = paths.current_model()
    answered = refused = 0
    slowest = 0.0
    async with NluClient(url, token, timeout=client_timeout, retries=0, cache_size=0) as client:
        switch = asyncio.create_task(asyncio.to_thread(activation.put_model, url, token, model))
        started = time.monotonic()
        while not switch.done():
            t0 = time.monotonic()
            result = await client.parse(TEXT)
            slowest = max(slowest, time.monotonic() - t0)
            if result.available:
                answered += 1
            else:
                refused += 1
                await asyncio.sleep(0.2)  # the breaker may be open: do not spin
        await switch
        return {
            "switch_s": round(time.monotonic() - started, 1),
            "answered": answered,
            "refused": refused,
            "slowest_ms": round(slowest * 1000, 1),
            "timeout_s": client_timeout,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plain", action="store_true", help="Rasa's own `rasa run`")
    parser.add_argument("--timeout", type=float, default=2.0, help="the client's (app: 2.0)")
    args = parser.parse_args(argv)
    port, token = server.free_port(), "bench-switch"
    argv_ = server.serve_argv(paths.current_model(), "127.0.0.1", port, token)
    if args.plain:
        argv_ = [str(paths.rasa_executable()), *argv_[3:]]  # drop "python -m aftercare_serve"
    srv = server.start(argv_, port=port, token=token, ready_timeout=600)
    try:
        report = asyncio.run(measure(srv.url, srv.token, args.timeout))
    finally:
        srv.stop()
    print(json.dumps({"launcher": "rasa run" if args.plain else "aftercare_serve", **report}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
