"""NluClient when Rasa is stopped, slow or refuses us.

Tests of what goes over the network turn the parse cache off (`cache_size=0`) where
they send one short text twice.

The client talks to the real session server through a small TCP proxy that each test
can stop, slow down or make hang up: from the client's side that is exactly a Rasa
that went away, without killing the one server the whole session shares.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from nlu.client import NluClient


class Proxy:
    def __init__(self, target_url: str, *, delay: float = 0.0, hang_up: bool = False):
        parts = urlsplit(target_url)
        self.target = (parts.hostname, parts.port)
        self.delay = delay
        self.hang_up = hang_up
        self.connections = 0
        self.port: int | None = None
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> Proxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port or 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self._server.close()
        for writer in list(self._writers):  # drop kept-alive connections too
            writer.close()
        await self._server.wait_closed()

    async def _handle(self, reader, writer) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            if self.hang_up:
                return
            await asyncio.sleep(self.delay)
            up_reader, up_writer = await asyncio.open_connection(*self.target)
            self._writers.add(up_writer)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def proxy(rasa_server):
    p = await Proxy(rasa_server.url).start()
    yield p
    await p.stop()


async def test_stopped_server_gives_unavailable_instead_of_raising(proxy, rasa_server):
    async with NluClient(proxy.url, rasa_server.token, timeout=30.0, cache_size=0) as client:
        assert (await client.parse("转人工")).intent == "request_human"
        await proxy.stop()
        result = await client.parse("转人工")
    assert result.available is False
    assert result.intent is None
    assert result.understood is False


async def test_breaker_opens_after_threshold_and_closes_after_a_good_trial(proxy, rasa_server):
    clock = FakeClock()
    client = NluClient(
        proxy.url, rasa_server.token, timeout=30.0, retries=0,
        breaker_threshold=3, breaker_reset=30.0, clock=clock,
    )  # fmt: skip
    async with client:
        await proxy.stop()
        for _ in range(3):
            assert not (await client.parse("师傅几点到")).available
        assert client.circuit_open

        await proxy.start()  # Rasa is back, but the circuit is still open:
        before = proxy.connections
        assert not (await client.parse("师傅几点到")).available
        assert proxy.connections == before  # answered without touching the network

        clock.now += 31  # reset period over: one trial call goes through
        result = await client.parse("师傅几点到")
        assert result.available and result.intent == "query_status"
        assert not client.circuit_open


async def test_failed_trial_reopens_the_circuit(proxy, rasa_server):
    clock = FakeClock()
    client = NluClient(proxy.url, rasa_server.token, retries=0, breaker_threshold=2, clock=clock)
    async with client:
        await proxy.stop()
        for _ in range(2):
            await client.parse("你好")
        clock.now += 31
        assert not client.circuit_open
        assert not (await client.parse("你好")).available  # the trial fails
        assert client.circuit_open


async def test_slow_server_times_out_without_retrying(rasa_server):
    slow = await Proxy(rasa_server.url, delay=5.0).start()
    try:
        async with NluClient(slow.url, rasa_server.token, timeout=0.3, retries=2) as client:
            result = await client.parse("空调不制冷")
    finally:
        await slow.stop()
    assert result.available is False
    assert slow.connections == 1


async def test_dropped_connections_are_retried(rasa_server):
    rude = await Proxy(rasa_server.url, hang_up=True).start()
    try:
        async with NluClient(rude.url, rasa_server.token, retries=2) as client:
            result = await client.parse("空调不制冷")
    finally:
        await rude.stop()
    assert result.available is False
    assert rude.connections == 3


async def test_wrong_token_is_unavailable(rasa_server):
    async with NluClient(rasa_server.url, "not-the-token") as client:
        result = await client.parse("空调不制冷")
    assert result.available is False


async def test_blank_text_is_not_sent():
    # Port 9 (discard) on loopback: nothing listens; a request would fail.
    async with NluClient("http://127.0.0.1:9") as client:
        result = await client.parse("   ")
    assert result.available and result.intent == "nlu_fallback" and not result.understood


# ---- several Rasa servers -----------------------------------------------------------------
async def test_parses_spread_over_several_servers(rasa_server):
    """Concurrent parses go to the least busy server: both proxies carry some of them."""
    a, b = await Proxy(rasa_server.url, delay=0.05).start(), await Proxy(rasa_server.url).start()
    try:
        async with NluClient(f"{a.url}, {b.url}/", rasa_server.token, cache_size=0) as client:
            results = await asyncio.gather(*(client.parse("空调不制冷") for _ in range(8)))
    finally:
        await a.stop()
        await b.stop()
    assert all(r.intent == "report_fault" for r in results)
    assert a.connections >= 1 and b.connections >= 1


async def test_a_server_that_went_away_is_passed_over(rasa_server):
    clock = FakeClock()
    gone, alive = await Proxy(rasa_server.url).start(), await Proxy(rasa_server.url).start()
    await gone.stop()
    try:
        async with NluClient(
            f"{gone.url},{alive.url}", rasa_server.token, retries=1, clock=clock, cache_size=0
        ) as client:
            for _ in range(6):  # each answered, the first by failing over
                assert (await client.parse("转人工")).intent == "request_human"
            assert not client.circuit_open
            await gone.start()  # back on the same port, but passed over for a while
            before = gone.connections
            await client.parse("转人工")
            await client.parse("转人工")
            assert gone.connections == before
            clock.now += 31
            await asyncio.gather(*(client.parse("转人工") for _ in range(4)))
            assert gone.connections > before  # taken back into the rotation
    finally:
        await gone.stop()
        await alive.stop()


# ---- remembered parses --------------------------------------------------------------------
async def test_a_short_message_is_parsed_once(proxy, rasa_server):
    async with NluClient(proxy.url, rasa_server.token, retries=0) as client:
        first = await client.parse("谢谢")
        await proxy.stop()  # Rasa gone: the remembered parse still answers
        again = await client.parse("谢谢")
        long = await client.parse("洗衣机漏水了，麻烦明天上午派人来修")
    assert first.intent == again.intent == "thanks" and again.available
    assert not long.available  # long texts are always asked


async def test_failures_are_not_remembered(proxy, rasa_server):
    async with NluClient(proxy.url, rasa_server.token, retries=0) as client:
        await proxy.stop()
        assert not (await client.parse("你好")).available
        await proxy.start()
        assert (await client.parse("你好")).intent == "greet"


async def test_cache_off(proxy, rasa_server):
    async with NluClient(proxy.url, rasa_server.token, cache_size=0) as client:
        await client.parse("你好")
        await client.parse("你好")
    assert client.cache.hits == 0 and len(client.cache) == 0


async def test_parses_arriving_together_wait_for_the_first_readiness_check():
    """The first parses of a fresh client (a hotline call's turns, in parallel) all go
    through once the server serves the expected model; none is refused meanwhile."""
    from aiohttp import web

    from nlu.server import free_port

    async def status(request):
        await asyncio.sleep(0.2)  # a slow first answer: the other parses arrive meanwhile
        return web.json_response({"model_file": "m.tar.gz"})

    async def parse(request):
        return web.json_response({"intent": {"name": "greet", "confidence": 0.99}})

    app = web.Application()
    app.router.add_get("/status", status)
    app.router.add_post("/model/parse", parse)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with NluClient(
            f"http://127.0.0.1:{port}", expected_model="m.tar.gz", cache_size=0
        ) as client:
            results = await asyncio.gather(*(client.parse(f"你好{i}") for i in range(5)))
            assert all(r.available and r.intent == "greet" for r in results)
        async with NluClient(
            f"http://127.0.0.1:{port}", expected_model="other.tar.gz", cache_size=0
        ) as client:
            result = await client.parse("你好")
            assert not result.available and not result.starting
            assert "serves m.tar.gz, expected other.tar.gz" in client.readiness.reason
    finally:
        await runner.cleanup()


async def test_readiness_follows_a_model_switch_and_the_cache_forgets_the_old_model():
    """`expected_model` as a callable (what compose passes: nlu.activation.accepted) is
    asked at every check: a server switched to the newly accepted model stays ready, its
    answers name the new model, and short parses cached from the old one are dropped."""
    from aiohttp import web

    from nlu.server import free_port

    serving = {"model": "old.tar.gz"}
    accepted = ["old.tar.gz"]

    async def status(request):
        return web.json_response({"model_file": "/models/" + serving["model"]})

    async def parse(request):
        name = "greet" if serving["model"] == "old.tar.gz" else "thanks"
        return web.json_response({"intent": {"name": name, "confidence": 0.99}})

    app = web.Application()
    app.router.add_get("/status", status)
    app.router.add_post("/model/parse", parse)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with NluClient(
            f"http://127.0.0.1:{port}", expected_model=lambda: tuple(accepted)
        ) as client:
            before = await client.parse("谢谢")
            assert before.intent == "greet" and before.model == "old.tar.gz"
            accepted.append("new.tar.gz")  # the marker's switching_to
            serving["model"] = "new.tar.gz"  # PUT /model done
            assert (await client.check()).ready
            del accepted[0]  # the marker names the new model
            assert (await client.check()).ready
            after = await client.parse("谢谢")  # not the cached answer of the old model
            assert after.intent == "thanks" and after.model == "new.tar.gz"
            serving["model"] = "stale.tar.gz"
            assert not (await client.check()).ready
    finally:
        await runner.cleanup()
