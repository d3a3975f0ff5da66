"""Drivers that play a customer on each channel, so one script runs on all of them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from backend.api.keys import DESK
from backend.compose import build_app
from backend.config import Settings
from bot.channels.keys import ENGINE, TELEGRAM
from bot.channels.sessions import COOKIE
from tests.fakes.bot_api import FakeBotApi

STAFF_TOKEN = "test-staff"
STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}
CLOSED_PORT_URL = "http://127.0.0.1:9"  # nothing listens there: NLU is "down"


@dataclass
class Said:
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (title, payload)


def joined(replies: list[Said]) -> str:
    return "\n".join(r.text for r in replies)


class Driver:
    """say / tap / share_phone; `last` holds the bot's answer to the latest input."""

    channel: str
    chat: str
    last: list[Said]

    async def say(self, text: str) -> list[Said]: ...

    async def press(self, payload: str) -> list[Said]: ...

    def payload_of(self, title: str) -> str:
        for reply in reversed(self.last):
            for t, payload in reply.buttons:
                if title in t:
                    return payload
        raise AssertionError(f"no button {title!r} in {[r.buttons for r in self.last]}")

    async def tap(self, title: str) -> list[Said]:
        return await self.press(self.payload_of(title))


def _said(items: list[dict]) -> list[Said]:
    return [
        Said(m["text"], [(b["title"], b["payload"]) for b in m.get("buttons", [])]) for m in items
    ]


class RestDriver(Driver):
    """An integration on the REST channel (stored as channel "web", chat `rest:<sender>`)."""

    channel = "web"

    def __init__(self, client: TestClient, sender: str, headers: dict | None = None):
        self.client, self.sender, self.last = client, sender, []
        self.chat = f"rest:{sender}"
        self.headers = headers or {}

    async def say(self, text: str) -> list[Said]:
        resp = await self.client.post(
            "/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            headers=self.headers,
        )
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        for item in body:
            assert item["recipient_id"] == self.sender
        self.last = _said(body)
        return self.last

    async def press(self, payload: str) -> list[Said]:
        return await self.say(payload)


class WebChatDriver(Driver):
    """A browser on the web chat page: its own cookie jar, the session the server
    issued in it (`chat`, read from the cookie once the page was opened)."""

    channel = "web"

    def __init__(self, stack: Stack):
        self.stack, self.last = stack, []
        self.http: aiohttp.ClientSession | None = None

    async def open(self) -> aiohttp.ClientSession:
        if self.http is None:
            self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
            self.stack.sessions.append(self.http)
            async with self.http.get(self.url("/chat")) as resp:
                assert resp.status == 200, await resp.text()
        return self.http

    def url(self, path: str):
        return self.stack.client.make_url(path)

    @property
    def chat(self) -> str:
        assert self.http is not None, "the page was not opened yet (say something first)"
        cookie = next(c for c in self.http.cookie_jar if c.key == COOKIE)
        return cookie.value.split(".")[0]

    async def say(self, text: str) -> list[Said]:
        http = await self.open()
        async with http.post(self.url("/chat/send"), json={"message": text}) as resp:
            assert resp.status == 200, await resp.text()
            self.last = _said((await resp.json())["replies"])
        return self.last

    async def press(self, payload: str) -> list[Said]:
        return await self.say(payload)

    async def pushed(self, after: int | None = 0) -> dict:
        """The page's poll: what was pushed to this session after message `after`."""
        http = await self.open()
        params = {} if after is None else {"after": str(after)}
        async with http.get(self.url("/chat/messages"), params=params) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()


class TelegramDriver(Driver):
    channel = "telegram"

    def __init__(self, fake: FakeBotApi, app_ref, chat_id: int):
        self.fake, self.app_ref, self.chat_id, self.last = fake, app_ref, chat_id, []
        self.chat = str(chat_id)

    async def _turn(self, push) -> list[Said]:
        before = len(self.fake.messages_to(self.chat_id))
        update = await push()
        channel = self.app_ref()[TELEGRAM]
        for _ in range(3000):  # until the bot has handled the update (not a timing assert)
            if update["update_id"] in channel.processed:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError(f"update {update['update_id']} was never handled")
        sent = self.fake.messages_to(self.chat_id)[before:]
        self.last = [Said(s.text or "", _buttons(s.reply_markup)) for s in sent]
        return self.last

    async def say(self, text: str) -> list[Said]:
        return await self._turn(lambda: self.fake.user_says(self.chat_id, text))

    async def press(self, payload: str) -> list[Said]:
        return await self._turn(lambda: self.fake.user_taps(self.chat_id, payload))

    async def share_phone(self, phone: str, *, contact_user_id: int | None = None):
        return await self._turn(
            lambda: self.fake.user_shares_contact(
                self.chat_id, phone, contact_user_id=contact_user_id
            )
        )

    async def send_photo(self, data: bytes = b"\x89PNG fake"):
        return await self._turn(lambda: self.fake.user_sends_photo(self.chat_id, data))


def _buttons(markup: dict | None) -> list[tuple[str, str]]:
    if not markup or "inline_keyboard" not in markup:
        return []
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


class Stack:
    """The app (built by the composition root) + a fake Telegram, restartable."""

    def __init__(self, settings: Settings, clock, fake: FakeBotApi | None):
        self.settings, self.clock, self.fake = settings, clock, fake
        self.client: TestClient | None = None
        self.app = None
        self.sessions: list[aiohttp.ClientSession] = []  # the web chat drivers' browsers

    async def start(self) -> None:
        self.app = build_app(self.settings, clock=self.clock)
        self.client = TestClient(TestServer(self.app))
        await self.client.start_server()

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    @property
    def desk(self):
        return self.app[DESK]

    @property
    def engine(self):
        return self.app[ENGINE]

    def driver(self, channel: str, chat: int) -> Driver:
        """ "web": the web chat page (cookie session); "rest": the REST channel."""
        if channel == "web":
            return WebChatDriver(self)
        if channel == "rest":
            return RestDriver(_LazyClient(self), f"web-{chat}")
        return TelegramDriver(self.fake, lambda: self.app, chat)


class _LazyClient:
    """The current test client, even after a restart."""

    def __init__(self, stack: Stack):
        self.stack = stack

    def __getattr__(self, name):
        return getattr(self.stack.client, name)


def settings_for(
    db_url: str, fake: FakeBotApi | None, rasa_url: str | None, rasa_token: str, tmp_path, **extra
) -> Settings:
    base = Settings(
        database_url=db_url,
        staff_token=STAFF_TOKEN,
        rasa_url=rasa_url or CLOSED_PORT_URL,
        rasa_token=rasa_token,
        var_dir=tmp_path,
        webchat_secret="test-webchat-key",  # cookies stay valid across a restart
        # Scripts talk faster than people on a frozen clock: the chat tests run without
        # abuse limits; tests/limits turns them on.
        limits=False,
    )
    if fake is not None:
        base = base.model_copy(
            update={"telegram_token": fake.token, "telegram_api_url": fake.base_url}
        )
    return base.model_copy(update=extra)


@contextlib.asynccontextmanager
async def running(settings: Settings, clock, fake) -> AsyncIterator[Stack]:
    stack = Stack(settings, clock, fake)
    await stack.start()
    try:
        yield stack
    finally:
        for http in stack.sessions:
            await http.close()
        await stack.stop()
