"""The composition root: settings in, a fully wired application out.

Channels, the NLU client and the scheduler are attached here, so the layers below never
reach for configuration or open connections on their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial

from aiohttp import web

from backend.api import hotline
from backend.api.access import mark_public
from backend.api.app import create_app
from backend.api.keys import BOT_NAME, CHAT_PUSH, DESK, NLU, SETTINGS
from backend.config import Settings, SettingsError, check_secrets, is_loopback
from backend.domain.kinds import Channel
from backend.scheduler import running as scheduler_running
from backend.services.accounts import ensure_admin
from backend.services.chat import ChatService
from backend.services.desk import Clock
from backend.services.replies import Reply
from bot.channels.keys import CHAT_DESK, TELEGRAM
from bot.senders import default_senders
from bot.wiring import install as install_chat
from nlu import activation
from nlu.client import NluClient
from nlu.supervisor import LocalServers

log = logging.getLogger(__name__)

NLU_WATCH_SECONDS = 15.0  # how often a ready NLU is asked again which model it serves


def nlu_ctx(starting: Callable[[], bool] | None):
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        """One NLU client per app; without a Rasa URL it answers "unavailable" at once.
        It parses only once the server(s) serve the expected model (readiness), and a
        watch asks again every few seconds, so a swapped or restarted server is noticed."""
        settings = app[SETTINGS]
        client = NluClient(
            settings.rasa_url or "http://127.0.0.1:9",
            settings.rasa_token or "",
            cache_size=settings.nlu_cache_size,
            # The configured model, or the active one, following a switch to a better
            # model (`aftercare nlu train`, nlu/activation.py) without a restart.
            expected_model=settings.nlu_model or activation.accepted,
            starting=starting,
            observe=app[DESK].metrics.nlu_parsed,
        )
        app[NLU] = client
        watch = asyncio.create_task(_watch_nlu(client)) if settings.rasa_url else None
        yield
        if watch is not None:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
        await client.close()

    return ctx


async def _watch_nlu(client: NluClient) -> None:
    while True:
        state = await client.check()  # logs the moment it becomes (or stops being) ready
        await asyncio.sleep(NLU_WATCH_SECONDS if state.ready else 1.0)


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


def _bot_name(app: web.Application) -> str | None:
    """The running bot's username (PTB asked getMe when it started), if it runs."""
    telegram = app.get(TELEGRAM)
    if telegram is None:
        return None
    try:
        return telegram.application.bot.username
    except RuntimeError:  # not initialised (yet)
        return None


async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    """The outbox dispatcher and the periodic scans for the app's lifetime (after the
    store opens: create_app's context comes first)."""
    async with scheduler_running(app[DESK], default_senders(app[SETTINGS])):
        yield


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    nlu_starting: Callable[[], bool] | None = None,
) -> web.Application:
    """`nlu_starting`: whether the local Rasa servers are still loading (LocalServers)."""
    app = create_app(settings, clock=clock)
    app.cleanup_ctx.append(nlu_ctx(nlu_starting))
    app.cleanup_ctx.append(chat_desk_ctx)
    # engine, REST/web chat, Telegram; the engine counts messages on the desk's metrics
    before = set(app.router.routes())
    install_chat(app, settings, nlu=lambda: app.get(NLU), meter=lambda: app[DESK].metrics)
    # The customers' chat needs no account (it guards itself: sessions, the webhook secret).
    mark_public(app, [r for r in app.router.routes() if r not in before])
    app[CHAT_PUSH] = LiveChannels(app)  # staff replies and hand-backs to live chats
    app[BOT_NAME] = partial(_bot_name, app)  # staff binding links name the bot
    app.add_routes(hotline.routes)
    app.cleanup_ctx.append(scheduler_ctx)  # outbox dispatcher and periodic scans
    return app


@contextlib.contextmanager
def local_rasa(settings: Settings) -> Iterator[tuple[Settings, LocalServers | None]]:
    """Start the project's own Rasa server(s) when no RASA_URL is configured: one per
    `rasa_servers`, on consecutive ports from AFTERCARE_RASA_PORT (Rasa parses one
    message at a time), supervised (nlu/supervisor.py), their output in var/log/."""
    if settings.rasa_url:
        yield settings, None
        return
    ports = [settings.rasa_port + i for i in range(settings.rasa_servers)]
    with LocalServers(ports, settings.rasa_token or "", settings.var_dir / "log") as servers:
        yield settings.model_copy(update={"rasa_url": ",".join(servers.urls)}), servers


async def serve(settings: Settings, servers: LocalServers | None = None) -> None:
    app = build_app(settings, nlu_starting=servers.starting if servers else None)
    runner = web.AppRunner(app)
    await runner.setup()
    await bootstrap_admin(app, settings)
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    base = f"http://{settings.host}:{settings.port}"
    log.info(
        "Aftercare is listening on %s (event loop: %s)",
        base,
        type(asyncio.get_running_loop()).__module__.split(".")[0],
    )
    log.info("web chat: %s/chat  staff console: %s/console  readiness: %s/readyz", *[base] * 3)
    if servers is not None:
        log.info("the NLU is loading (about a minute); until then the chat offers buttons")
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


async def bootstrap_admin(app: web.Application, settings: Settings) -> None:
    """A fresh store on loopback gets a local `admin` whose password is printed once, so
    `make run` needs no manual step (off loopback an operator runs `aftercare staff add`)."""
    if not is_loopback(settings.host):
        return
    password = await ensure_admin(app[DESK])
    if password is not None:
        print(
            "\n  No admin account existed: created `admin` with the password\n"
            f"      {password}\n"
            "  (shown once; sign in at /console/login and change it with\n"
            "   `aftercare staff add admin --role admin --password-stdin`)\n",
            flush=True,
        )


def run(settings: Settings) -> int:
    """Serve; refuses (exit 2, one message naming each missing secret) off loopback."""
    try:
        settings, generated = check_secrets(settings)
    except SettingsError as exc:
        print(f"aftercare: {exc}", file=sys.stderr)
        return 2
    if generated:
        log.warning(
            "generated for this process (loopback, development): %s; set them to keep "
            "console sessions across restarts",
            ", ".join(generated),
        )
    with (
        local_rasa(settings) as (wired, servers),
        asyncio.Runner(loop_factory=event_loop(settings)) as runner,
    ):
        runner.run(serve(wired, servers))
    return 0
