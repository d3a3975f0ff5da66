"""REST chat round trip with the real Rasa server: p50 / p99 and messages per second at
1 and at 20 concurrent conversations.

    .venv/bin/python -m bench.chat_rest [--conversations 20] [--rounds 10] [--seed 1]
                                        [--rasa-servers 1] [--nlu-cache N] [--rate R]
    .venv/bin/python -m bench.chat_rest --url http://127.0.0.1:8080   # a running layout

`--url` plays the same conversations against a deployment already running (e.g.
`make run-prod`: nginx, two app processes, one Rasa) instead of building the app here;
only the client-side figures are printed then. Start that deployment with
`AFTERCARE_LIMITS=off` (the abuse limits would refuse a benchmark's fast chats); when it
listens beyond loopback, give the benchmark its `AFTERCARE_REST_SECRET` too.

Starts the trained Rasa model (`--rasa-servers N` processes of it, or uses RASA_URL and
RASA_TOKEN), builds the app through the composition root on a fresh SQLite file, serves
it on a real TCP port, and plays varied customer conversations
(bench/chat_conversations.py: repairs told step by step or in one message, maintenance
bookings, complaints, warranty questions, each with its own phrasings) through `POST
/webhooks/rest/webhook`, checking each reply says what it should. Every message is one
timed round trip; each conversation is sequential, like a person typing. It also reports
the app process's CPU time per message, how many messages needed an NLU call (and how
many of those the app's cache of short messages answered, `--nlu-cache 0` turns it off)
and the load average. The customers' side runs in a process of its own, as real clients
would: it shares the machine's cores with the app and Rasa, but not the app's event
loop.

By default the run is closed loop: each conversation sends its next message the moment
the previous one is answered, so N conversations keep N requests in flight and, by
Little's law, mean latency = N / throughput (20 conversations at 100 msg/s are 200 ms
mean by construction). The N conversations start over a 1 s ramp and only the steady
state is counted, while all N run (see `play`); the printed "in flight on average"
shows it was N. `--rate R` paces the concurrent conversations to R messages/s
together (open loop), which measures the latency at that offered load instead.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import secrets
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import aiohttp
from aiohttp import web

from backend.compose import build_app, event_loop
from backend.config import Settings
from bench.chat_conversations import conversation as script
from bot.channels.keys import ENGINE

NLU_CACHE_DEFAULT = Settings.model_fields["nlu_cache_size"].default
# A deployment listening beyond loopback needs the REST channel's secret (README): the
# client process reads it from the environment it inherits.
_SECRET = os.environ.get("AFTERCARE_REST_SECRET", "").strip()
REST_AUTH = {"Authorization": f"Bearer {_SECRET}"} if _SECRET else {}
TARGETS = {"p50_1": 30.0, "rate_20": 100.0, "p99_20": 150.0}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class CountingNlu:
    """The app's NLU client, counting the calls (how many messages needed NLU, whether
    Rasa or the client's cache answered)."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    async def parse(self, text: str):
        self.calls += 1
        return await self.inner.parse(text)


async def conversation(
    http: aiohttp.ClientSession, url: str, sender: str, seed: int, pace=None
) -> list[tuple[float, float]]:
    """One conversation: (sent at, round trip ms) of each message. `pace()` (paced runs)
    waits for the slot's next send time."""
    times = []
    for text, expect in script(seed):
        if pace is not None:
            await pace()
        start = time.perf_counter()
        body = {"sender": sender, "message": text}
        async with http.post(url, json=body, headers=REST_AUTH) as resp:
            body = await resp.json()
        times.append((start, (time.perf_counter() - start) * 1000))
        assert resp.status == 200 and body, (text, body)
        said = "\n".join(m["text"] for m in body)
        assert expect is None or expect in said, f"{sender}: {text!r} -> {said!r}"
    return times


async def slot(
    http: aiohttp.ClientSession, url: str, name: str, seeds: list[int], every: float, phase: float
) -> list[tuple[float, float]]:
    """One of the concurrent conversations: `seeds` played back to back, so the number in
    flight stays constant. Closed loop: the first message goes `phase` seconds from now.
    Paced (`every` > 0): the k-th message goes at phase + k * every seconds from now, or
    at once when the previous answer came later."""
    begin, sent = time.perf_counter() + phase, 0
    if not every:
        await asyncio.sleep(phase)

    async def pace() -> None:
        nonlocal sent
        await asyncio.sleep(max(0.0, begin + sent * every - time.perf_counter()))
        sent += 1

    times: list[tuple[float, float]] = []
    for k, seed in enumerate(seeds):
        times += await conversation(http, url, f"{name}-{k}", seed, pace if every else None)
    return times


async def play(
    url: str, n: int, seeds: list[list[int]], rate: float, ramp: float = 1.0, steady: bool = True
) -> tuple[list[float], float, float, int]:
    """`n` concurrent conversation slots against `url`: the round trips (ms) counted, the
    seconds they span, how many were in flight on average over that span, and how many
    messages were sent in all.

    Closed loop, the slots start one after another over `ramp` seconds (customers do not
    all press send in the same millisecond; 20 first messages at once, each needing
    Rasa, measure that burst) and only the steady state counts: messages sent after the
    last slot started and answered before the first slot ran out of conversations, so
    `n` are in flight throughout."""
    every = n / rate if rate and n > 1 else 0.0
    connector = aiohttp.TCPConnector(limit=100)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        batches = await asyncio.gather(
            *(
                slot(
                    http,
                    url,
                    f"bench-{n}-{i}-{seeds[i][0]}",
                    seeds[i],
                    every,
                    i * (every or ramp) / n,
                )
                for i in range(n)
            )
        )
        ended = time.perf_counter()
    if steady and n > 1 and not every:
        started = max(b[0][0] for b in batches)
        ended = min(b[-1][0] + b[-1][1] / 1000 for b in batches)
        if ended <= started:
            raise SystemExit("no steady state: give the run more --rounds")
    counted = [ms for b in batches for at, ms in b if at >= started and at + ms / 1000 <= ended]
    span = ended - started
    return counted, span, sum(counted) / 1000 / span, sum(len(b) for b in batches)


def play_in_process(url: str, n: int, seeds: list[list[int]], rate: float, steady: bool = True):
    return asyncio.run(play(url, n, seeds, rate, steady=steady))


async def run(
    conversations: int,
    rounds: int,
    rasa_url: str,
    rasa_token: str,
    seed: int = 1,
    rate: float = 0.0,
    nlu_cache: int = NLU_CACHE_DEFAULT,
) -> dict:
    with (
        tempfile.TemporaryDirectory() as tmp,
        ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as clients,
    ):
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
            rasa_url=rasa_url,
            rasa_token=rasa_token,
            var_dir=Path(tmp),
            log_level="WARNING",
            nlu_cache_size=nlu_cache,
            limits=False,  # AFTERCARE_LIMITS=off: the load is one address, many fast chats
        )
        app = build_app(settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        loop = asyncio.get_running_loop()
        results = {}
        try:
            engine = app[ENGINE]
            nlu = engine.nlu = CountingNlu(engine.nlu)
            # connections, caches, Rasa, and the client process itself
            warm = [[seed * 100_000 + i] for i in range(5)]
            await loop.run_in_executor(clients, play_in_process, url, 5, warm, 0.0, False)
            for n in (1, conversations):
                nlu.calls = 0
                hits_before = nlu.inner.cache.hits
                load_before = os.getloadavg()[0]
                cpu_before = time.process_time()  # the app's own CPU (clients, Rasa apart)
                base = seed * 100_000 + n * 1000
                seeds = [[base + r * 100 + i for r in range(rounds)] for i in range(n)]
                all_times, elapsed, in_flight, sent = await loop.run_in_executor(
                    clients, play_in_process, url, n, seeds, rate
                )
                results[n] = {
                    "messages": len(all_times),
                    "p50_ms": round(statistics.median(all_times), 1),
                    "p99_ms": round(pct(all_times, 99), 1),
                    "mean_ms": round(statistics.fmean(all_times), 1),
                    "messages_per_s": round(len(all_times) / elapsed, 1),
                    "in_flight": round(in_flight, 1),
                    "app_cpu_ms": round((time.process_time() - cpu_before) * 1000 / sent, 2),
                    "sent": sent,
                    "nlu_calls": nlu.calls,
                    "cache_hits": nlu.inner.cache.hits - hits_before,
                    "load": (load_before, os.getloadavg()[0]),
                }
        finally:
            await runner.cleanup()
        return results


async def run_against(url: str, conversations: int, rounds: int, seed: int, rate: float) -> dict:
    """The same conversations against a running deployment (client-side figures only)."""
    endpoint = f"{url.rstrip('/')}/webhooks/rest/webhook"
    loop = asyncio.get_running_loop()
    results = {}
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as clients:
        warm = [[seed * 100_000 + i] for i in range(5)]
        await loop.run_in_executor(clients, play_in_process, endpoint, 5, warm, 0.0, False)
        for n in (1, conversations):
            load_before = os.getloadavg()[0]
            base = seed * 100_000 + n * 1000 + 7  # not the conversations of a previous run
            seeds = [[base + r * 100 + i for r in range(rounds)] for i in range(n)]
            all_times, elapsed, in_flight, _sent = await loop.run_in_executor(
                clients, play_in_process, endpoint, n, seeds, rate
            )
            results[n] = {
                "messages": len(all_times),
                "p50_ms": round(statistics.median(all_times), 1),
                "p99_ms": round(pct(all_times, 99), 1),
                "messages_per_s": round(len(all_times) / elapsed, 1),
                "in_flight": round(in_flight, 1),
                "load": (load_before, os.getloadavg()[0]),
            }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument(
        "--rounds", type=int, default=10, help="conversations each concurrent slot plays"
    )
    parser.add_argument("--seed", type=int, default=1, help="which varied conversations")
    parser.add_argument(
        "--nlu-cache",
        type=int,
        default=NLU_CACHE_DEFAULT,
        help="parses of short messages the app remembers (0: every message that needs "
        "NLU goes to Rasa)",
    )
    parser.add_argument(
        "--rasa-servers",
        type=int,
        default=1,
        help="Rasa processes of the model to start (the app spreads parses over them)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="paced (open-loop) run: the concurrent conversations together send this many "
        "messages/s, each waiting its turn instead of sending the moment it is answered",
    )
    parser.add_argument("--url", default=None, help="a running deployment to play against")
    args = parser.parse_args()
    if args.url:
        found = asyncio.run(
            run_against(args.url, args.conversations, args.rounds, args.seed, args.rate)
        )
        print(f"REST chat round trip against {args.url} (seed {args.seed})")
        for n, r in found.items():
            print(
                f"  {n:>3} concurrent: p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
                f"{r['messages_per_s']:7.1f} messages/s  ({r['messages']} messages counted, "
                f"{r['in_flight']} in flight on average; "
                f"load {r['load'][0]:.1f} -> {r['load'][1]:.1f})"
            )
        return
    with ExitStack() as stack:
        url, token = os.environ.get("RASA_URL"), os.environ.get("RASA_TOKEN", "")
        if not url:
            from nlu import server

            token = secrets.token_urlsafe(16)
            servers = [
                stack.enter_context(server.running(token=token)) for _ in range(args.rasa_servers)
            ]
            url = ",".join(s.url for s in servers)
        # the app's event loop as `aftercare run` chooses it (AFTERCARE_EVENT_LOOP)
        with asyncio.Runner(loop_factory=event_loop(Settings.from_env())) as runner:
            results = runner.run(
                run(
                    args.conversations,
                    args.rounds,
                    url,
                    token,
                    args.seed,
                    args.rate,
                    args.nlu_cache,
                )
            )
    one, many = results[1], results[args.conversations]
    pacing = f", {args.rate:g} msg/s offered" if args.rate else ", closed loop"
    rasa = f"{len(url.split(','))} Rasa server{'s' if ',' in url else ''}"
    print(f"REST chat round trip, {rasa} (varied conversations, seed {args.seed}{pacing})")
    for n, r in results.items():
        print(
            f"  {n:>3} concurrent: p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
            f"mean {r['mean_ms']:7.1f} ms  {r['messages_per_s']:7.1f} messages/s  "
            f"app CPU {r['app_cpu_ms']:.1f} ms/message  "
            f"({r['messages']} messages counted, {r['in_flight']} in flight on average; "
            f"of {r['sent']} sent, {r['nlu_calls']} needed NLU, "
            f"{r['cache_hits']} of them remembered; "
            f"load {r['load'][0]:.1f} -> {r['load'][1]:.1f})"
        )
    print(
        f"  targets: sequential p50 <= {TARGETS['p50_1']:.0f} ms "
        f"[{'ok' if one['p50_ms'] <= TARGETS['p50_1'] else 'MISSED'}]; "
        f"{args.conversations} concurrent >= {TARGETS['rate_20']:.0f} msg/s "
        f"[{'ok' if many['messages_per_s'] >= TARGETS['rate_20'] else 'MISSED'}] "
        f"with p99 <= {TARGETS['p99_20']:.0f} ms "
        f"[{'ok' if many['p99_ms'] <= TARGETS['p99_20'] else 'MISSED'}]"
    )


if __name__ == "__main__":
    main()
