"""A fake Telegram Bot API server (aiohttp) for the real python-telegram-bot client.

It speaks the wire format PTB uses (`POST {base_url}{token}/{method}`, form-encoded or
multipart fields, nested objects as JSON strings), keeps every sent message, serves
updates to getUpdates long polling, and injects faults: 429 with retry_after, 403 (bot
blocked), 5xx, delays, and optionally enforces Telegram's rate limits.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from aiohttp import web

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Aftercare", "username": "aftercare_bot"}


@dataclass
class Fault:
    """Answer matching calls with an error (or a delay) `times` times (None: forever)."""

    status: int  # 429, 403, 500, 502 ...; 0 for a pure delay
    method: str | None = "sendMessage"
    chat_id: str | None = None
    retry_after: int = 1
    delay: float = 0.0
    times: int | None = 1


@dataclass
class Sent:
    method: str
    chat_id: str
    text: str | None
    reply_markup: dict | None
    message_id: int
    at: float
    params: dict = field(default_factory=dict)


class FakeBotApi:
    def __init__(self, token: str = "123456:TEST-TOKEN", *, enforce_limits: bool = False):
        self.token = token
        self.enforce_limits = enforce_limits
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, dict]] = []
        self.faults: list[Fault] = []
        self.rate_violations = 0
        self.webhook: dict | None = None
        self.files: dict[str, bytes] = {}
        self._updates: list[dict] = []
        self._new_update = asyncio.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._sent_event = asyncio.Condition()
        self._recent_all: deque[float] = deque()
        self._recent_chat: dict[str, float] = defaultdict(float)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self._hold_after: int | None = None
        self._release = asyncio.Event()
        self.held = 0  # send requests waiting behind hold()
        self.dropped = 0  # held requests whose client went away: never delivered

    # ---- lifecycle -------------------------------------------------------------------
    async def start(self, port: int | None = None) -> str:
        """Start serving; pass the old `port` to come back after stop() (an outage)."""
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port or 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self.base_url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---- what a test does to the "user side" ------------------------------------------
    def _user(self, user_id: int) -> dict:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"用户{user_id}",
            "language_code": "zh-hans",
        }

    def _message(
        self, chat_id: int, user_id: int | None, chat_type: str = "private", **content
    ) -> dict:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type},
            "from": self._user(user_id or chat_id),
            **content,
        }

    async def push_update(self, update: dict) -> dict:
        update.setdefault("update_id", next(self._update_ids))
        async with self._new_update:
            self._updates.append(update)
            self._new_update.notify_all()
        return update

    async def user_says(
        self, chat_id: int, text: str, *, user_id: int | None = None, chat_type: str = "private"
    ) -> dict:
        message = self._message(chat_id, user_id, chat_type, text=text)
        return await self.push_update({"message": message})

    async def user_taps(self, chat_id: int, data: str, *, message_id: int = 1) -> dict:
        query = {
            "id": str(next(self._update_ids) * 1000),
            "from": self._user(chat_id),
            "chat_instance": str(chat_id),
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": "…",
            },
        }
        return await self.push_update({"callback_query": query})

    async def user_shares_contact(
        self,
        chat_id: int,
        phone: str,
        *,
        contact_user_id: int | None = None,
        user_id: int | None = None,
        chat_type: str = "private",
    ) -> dict:
        """A contact shared in the chat; by default the sender's own (the user's id is
        the chat's, as in a private chat)."""
        sender = user_id or chat_id
        contact = {
            "phone_number": phone,
            "first_name": "客户",
            "user_id": contact_user_id if contact_user_id is not None else sender,
        }
        message = self._message(chat_id, sender, chat_type, contact=contact)
        return await self.push_update({"message": message})

    async def user_sends_photo(self, chat_id: int, data: bytes = b"\x89PNG fake") -> dict:
        file_id = f"photo-{len(self.files) + 1}"
        self.files[file_id] = data
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 90,
                "height": 90,
                "file_size": len(data),
            }
        ]
        return await self.push_update({"message": self._message(chat_id, None, photo=photo)})

    def hold(self, after: int) -> None:
        """Let `after` messages through in total, then keep further sends waiting
        (a stalled network) until release(); a held send whose client has gone away by
        then is dropped, as Telegram never received it."""
        self._hold_after = after
        self._release.clear()

    def release(self) -> None:
        self._hold_after = None
        self._release.set()

    def messages_to(self, chat_id: int | str) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == str(chat_id)]

    async def wait_for(self, chat_id: int | str, count: int, within: float = 10.0) -> list[Sent]:
        """Wait until `count` messages were sent to the chat; return them all."""

        async def enough():
            async with self._sent_event:
                await self._sent_event.wait_for(lambda: len(self.messages_to(chat_id)) >= count)

        try:
            await asyncio.wait_for(enough(), within)
        except TimeoutError:
            texts = [s.text for s in self.messages_to(chat_id)]
            raise AssertionError(f"chat {chat_id}: wanted {count} messages, got {texts}") from None
        return self.messages_to(chat_id)

    # ---- the Bot API side -------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict:
        if request.method == "GET":
            return dict(request.query)
        if request.content_type == "application/json":
            return await request.json()
        if request.can_read_body:
            return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        return {}

    def _fault_for(self, method: str, chat_id: str | None) -> Fault | None:
        for fault in self.faults:
            if fault.method not in (None, method):
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            if fault.times is not None:
                if fault.times <= 0:
                    continue
                fault.times -= 1
            return fault
        return None

    def _limit_violation(self, chat_id: str) -> int | None:
        """Telegram's limits: ~30 messages/s overall, ~1 message/s per chat."""
        now = time.monotonic()
        while self._recent_all and now - self._recent_all[0] > 1.0:
            self._recent_all.popleft()
        if len(self._recent_all) >= 30 or now - self._recent_chat[chat_id] < 1.0:
            self.rate_violations += 1
            return 1
        self._recent_all.append(now)
        self._recent_chat[chat_id] = now
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        chat_id = str(params["chat_id"]) if "chat_id" in params else None
        fault = self._fault_for(method, chat_id)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status == 429:
                return _error(
                    429,
                    f"Too Many Requests: retry after {fault.retry_after}",
                    {"retry_after": fault.retry_after},
                )
            if fault.status == 403:
                return _error(403, "Forbidden: bot was blocked by the user")
            if fault.status:
                return _error(fault.status, "Internal Server Error")
        if method == "sendMessage" and await self._held(request):
            return _error(499, "client went away")
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _ok(True)
        return await handler(params)

    async def _m_getMe(self, params):
        return _ok(
            BOT_USER
            | {
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )

    async def _m_setWebhook(self, params):
        self.webhook = params
        return _ok(True)

    async def _m_deleteWebhook(self, params):
        self.webhook = None
        return _ok(True)

    async def _m_getUpdates(self, params):
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

        def pending():
            return [u for u in self._updates if u["update_id"] >= offset]

        async with self._new_update:
            if not pending() and timeout:
                try:
                    await asyncio.wait_for(self._new_update.wait_for(pending), timeout)
                except TimeoutError:
                    pass
        return _ok(pending()[: int(params.get("limit", 100) or 100)])

    async def _held(self, request: web.Request) -> bool:
        """True when the request was held and its client disconnected meanwhile."""
        if self._hold_after is None or len(self.sent) < self._hold_after:
            return False
        self.held += 1
        try:
            await self._release.wait()
        finally:
            self.held -= 1
        transport = request.transport
        if transport is None or transport.is_closing():
            self.dropped += 1
            return True
        return False

    async def _record(self, method: str, params: dict) -> web.Response:
        chat_id = str(params.get("chat_id"))
        if self.enforce_limits and method.startswith("send"):
            if (retry := self._limit_violation(chat_id)) is not None:
                return _error(
                    429, f"Too Many Requests: retry after {retry}", {"retry_after": retry}
                )
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        message_id = int(params.get("message_id") or next(self._message_ids))
        sent = Sent(
            method,
            chat_id,
            params.get("text") or params.get("caption"),
            markup,
            message_id,
            time.monotonic(),
            params,
        )
        async with self._sent_event:
            self.sent.append(sent)
            self._sent_event.notify_all()
        result = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private"},
            "from": BOT_USER,
        }
        if sent.text is not None:
            result["text"] = sent.text
        if markup and "inline_keyboard" in markup:
            # Telegram's Message carries only inline keyboards; a reply keyboard (the
            # share-my-phone button) or a removal is not echoed back.
            result["reply_markup"] = markup
        return _ok(result)

    async def _m_sendMessage(self, params):
        return await self._record("sendMessage", params)

    async def _m_editMessageText(self, params):
        return await self._record("editMessageText", params)

    async def _m_editMessageReplyMarkup(self, params):
        return _ok(True)

    async def _m_answerCallbackQuery(self, params):
        return _ok(True)

    async def _m_getFile(self, params):
        file_id = params["file_id"]
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        return _ok(
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_size": len(self.files[file_id]),
                "file_path": f"photos/{file_id}.jpg",
            }
        )

    async def _file(self, request: web.Request) -> web.Response:
        name = request.match_info["path"].rsplit("/", 1)[-1].removesuffix(".jpg")
        if name not in self.files:
            raise web.HTTPNotFound()
        return web.Response(body=self.files[name])


def _ok(result) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str, parameters: dict | None = None) -> web.Response:
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)
