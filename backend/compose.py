"""The composition root: settings in, a fully wired application out.

Channels, the NLU client and the scheduler are attached here, so the layers below never
reach for configuration or open connections on their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator

from aiohttp import web

from backend.api import hotline
from backend.api.app import create_app
from backend.api.keys import CHAT_PUSH, DESK, NLU, SETTINGS
from backend.config import Settings
from backend.domain.kinds import Channel
from backend.scheduler import running as scheduler_running
from backend.services.chat import ChatService
from backend.services.desk import Clock
from backend.services.replies import Reply
from bot.channels.keys import CHAT_DESK, TELEGRAM
from bot.senders import default_senders
from bot.wiring import install as install_chat
from nlu.client import NluClient

log = logging.getLogger(__name__)

LOCAL_RASA_PORT = 5005


async def nlu_ctx(app: web.Application) -> AsyncIterator[None]:
    """One NLU client per app; without a Rasa URL it answers "unavailable" at once."""
    settings = app[SETTINGS]
    app[NLU] = NluClient(
        settings.rasa_url or "http://127.0.0.1:9",
        settings.rasa_token,
        cache_size=settings.nlu_cache_size,
    )
    yield
    await app[NLU].close()


async def chat_desk_ctx(app: web.Application) -> AsyncIterator[None]:
    """The services as the chat calls them, on the desk the store context opened."""
    app[CHAT_DESK] = ChatService(app[DESK])
    yield


class LiveChannels:
    """CHAT_PUSH: what staff say reaches a Telegram chat at once; a web page picks it up
    from the transcript by polling. The channel is looked up per push because it starts
    after the routes are fixed (bot/wiring.py) and only when a bot token is set."""

    def __init__(self, app: web.Application):
        self.app = app

    async def push(self, channel: str, chat_id: str, reply: Reply) -> None:
        if channel != Channel.TELEGRAM:
            return
        telegram = self.app.get(TELEGRAM)
        if telegram is None:
            log.warning("Telegram is not running: message to chat %s only recorded", chat_id)
            return
        await telegram.send(chat_id, reply)


async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    """The outbox dispatcher and the periodic scans for the app's lifetime (after the
    store opens: create_app's context comes first)."""
    async with scheduler_running(app[DESK], default_senders(app[SETTINGS])):
        yield


def build_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    app = create_app(settings, clock=clock)
    app.cleanup_ctx.append(nlu_ctx)
    app.cleanup_ctx.append(chat_desk_ctx)
    install_chat(app, settings, nlu=lambda: app.get(NLU))  # engine, REST/web chat, Telegram
    app[CHAT_PUSH] = LiveChannels(app)  # staff replies and hand-backs to live chats
    app.add_routes(hotline.routes)
    app.cleanup_ctx.append(scheduler_ctx)  # outbox dispatcher and periodic scans
    return app


@contextlib.contextmanager
def local_rasa(settings: Settings) -> Iterator[Settings]:
    """Start the project's own Rasa server(s) when no RASA_URL is configured: one per
    `rasa_servers`, on consecutive ports from 5005 (Rasa parses one message at a time)."""
    if settings.rasa_url:
        yield settings
        return
    ports = [LOCAL_RASA_PORT + i for i in range(settings.rasa_servers)]
    log.info("starting %d local Rasa server(s) on port(s) %s", len(ports), ports)
    argv = [sys.executable, "-m", "backend.cli", "nlu", "serve", "--token", settings.rasa_token]
    procs = [subprocess.Popen([*argv, "--port", str(p)], env=os.environ.copy()) for p in ports]
    try:
        urls = ",".join(f"http://127.0.0.1:{p}" for p in ports)
        yield settings.model_copy(update={"rasa_url": urls})
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


async def serve(settings: Settings) -> None:
    app = build_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    log.info(
        "Aftercare is listening on http://%s:%s (event loop: %s)",
        settings.host,
        settings.port,
        type(asyncio.get_running_loop()).__module__.split(".")[0],
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def event_loop(settings: Settings) -> Callable[[], asyncio.AbstractEventLoop]:
    """uvloop where installed (unless AFTERCARE_EVENT_LOOP=asyncio): the app is one event
    loop serving every chat, and uvloop's sockets, timers and callbacks cost less CPU
    than asyncio's own (bench/chat_rest.py prints the app's CPU per message)."""
    if settings.event_loop == "uvloop":
        try:
            import uvloop
        except ImportError:
            log.warning("uvloop is not installed: running on asyncio's event loop")
        else:
            return uvloop.new_event_loop
    return asyncio.new_event_loop


def run(settings: Settings) -> int:
    with (
        local_rasa(settings) as wired,
        asyncio.Runner(loop_factory=event_loop(settings)) as runner,
    ):
        runner.run(serve(wired))
    return 0
