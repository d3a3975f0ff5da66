"""The Telegram channel (python-telegram-bot 22).

Long polling, or webhook mode: PTB is built with `.updater(None)` and our own aiohttp
route checks the secret header (constant time) and puts `Update.de_json(...)` on
`application.update_queue`. Updates are processed concurrently across chats; the engine
keeps each chat in order and drops repeated update ids.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import re
import secrets
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

from aiohttp import web
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from backend.config import Settings
from backend.domain.errors import LimitReached
from backend.logs import new_request_id
from backend.services.chat_api import STAFF_LINK_PREFIX
from backend.services.replies import Reply
from bot.dialogue import texts as T
from bot.dialogue.engine import Engine, Input

log = logging.getLogger(__name__)

CHANNEL = "telegram"
LIMIT = 4096
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
CALLBACK_LIMIT = 64  # bytes of callback_data Telegram accepts
# A staff binding link's start: `/start bind_...` (a start parameter is A-Z a-z 0-9 _ -,
# up to 64); a customer's `/start` (with or without another parameter) is a greeting.
START = re.compile(rf"/start(?:@\w+)?\s+({STAFF_LINK_PREFIX}[A-Za-z0-9_-]{{1,59}})")


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """Chunks of at most `limit` characters, cut at a line break when there is one."""
    chunks = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= limit // 2:
            cut = limit
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    chunks.append(text)
    return chunks


def _start_token(text: str | None) -> str | None:
    """The token of a staff binding link's `/start bind_...` (`t.me/<bot>?start=...`);
    None for any other message, a customer's `/start` included."""
    match = START.fullmatch((text or "").strip())
    return match.group(1) if match else None


def file_url_for(api_url: str) -> str:
    """https://api.telegram.org/bot -> https://api.telegram.org/file/bot (same for a
    self-hosted Bot API server)."""
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


def inline_keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    rows, row = [], []
    for button in reply.buttons:
        if len(button.payload.encode()) > CALLBACK_LIMIT:
            log.warning("button payload longer than %d bytes dropped", CALLBACK_LIMIT)
            continue
        row.append(InlineKeyboardButton(button.title, callback_data=button.payload))
        if len(row) == 2 or len(button.title) > 8:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramChannel:
    POLL_TIMEOUT = 10  # seconds a getUpdates long poll waits (stop() waits for it too)

    def __init__(self, settings: Settings, engine: Engine, *, attachments_dir: Path | None = None):
        if not settings.telegram_token:
            raise ValueError("TELEGRAM_TOKEN is not set")
        self.settings = settings
        self.engine = engine
        self.webhook_mode = bool(settings.telegram_webhook_url)
        self.secret = settings.telegram_webhook_secret or secrets.token_urlsafe(32)
        self.attachments_dir = attachments_dir
        self._contact_keyboard: set[str] = set()
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_token)
            .base_url(settings.telegram_api_url)
            .base_file_url(file_url_for(settings.telegram_api_url))
            .concurrent_updates(True)
        )
        if self.webhook_mode:
            builder = builder.updater(None)
        self.application: Application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.processed: set[int] = set()  # update ids handled by this process (tests wait on it)
        self._told_to_wait: set[str] = set()  # chats told they send too fast, until admitted

    @property
    def webhook_path(self) -> str:
        if not self.settings.telegram_webhook_url:
            return DEFAULT_WEBHOOK_PATH
        return urlparse(self.settings.telegram_webhook_url).path or DEFAULT_WEBHOOK_PATH

    # ---- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        app = self.application
        await app.initialize()
        await app.start()
        if self.webhook_mode:
            await app.bot.set_webhook(
                self.settings.telegram_webhook_url,
                secret_token=self.secret,
                allowed_updates=["message", "callback_query"],
            )
            log.info("telegram: webhook mode")
        else:
            await app.updater.start_polling(
                timeout=self.POLL_TIMEOUT, allowed_updates=["message", "callback_query"]
            )
            log.info("telegram: long polling")

    async def stop(self) -> None:
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    # ---- webhook -------------------------------------------------------------------------
    async def webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return web.json_response({"error": "forbidden"}, status=403)
        try:
            data = await request.json()
        except ValueError:
            return web.json_response({"error": "malformed_json"}, status=400)
        update = Update.de_json(data, self.application.bot)
        if update is not None:
            await self.application.update_queue.put(update)
        return web.json_response({"ok": True})

    # ---- incoming ------------------------------------------------------------------------
    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        new_request_id(f"tg-{update.update_id}")  # one id per update in every log line
        try:
            await self._dispatch(update)
        finally:
            self.processed.add(update.update_id)

    async def _dispatch(self, update: Update) -> None:
        try:
            await self._turn(update)
        except LimitReached as exc:
            # Told once per flood, not once per refused message: the answers would be a
            # flood of their own, against Telegram's per-chat limit.
            chat = update.effective_chat
            if chat is not None and str(chat.id) not in self._told_to_wait:
                self._told_to_wait.add(str(chat.id))
                await self.send(str(chat.id), Reply(str(exc)))
            if update.callback_query is not None:
                with contextlib.suppress(TelegramError):
                    await update.callback_query.answer()
            return
        chat = update.effective_chat
        if chat is not None:
            self._told_to_wait.discard(str(chat.id))

    async def _turn(self, update: Update) -> None:
        query = update.callback_query
        message = update.message
        if query is not None and query.message is not None:
            chat_id = str(query.message.chat.id)
            private = query.message.chat.type == "private"
            inp = Input(text=query.data or "", update_id=update.update_id, private=private)
            replies = await self.engine.handle(CHANNEL, chat_id, inp)
            try:
                await query.answer()
            except TelegramError as exc:
                log.info("answering a callback failed: %s", exc)
        elif message is not None and message.chat is not None:
            chat_id = str(message.chat.id)
            if (token := _start_token(message.text)) is not None:
                await self._bind_staff(message, chat_id, token)
                return
            inp = await self._input(message, update.update_id)
            if inp is None:
                return
            replies = await self.engine.handle(CHANNEL, chat_id, inp)
        else:
            return
        for reply in replies:
            await self.send(chat_id, reply)

    async def _bind_staff(self, message, chat_id: str, token: str) -> None:
        """A staff member's one-time binding link: not a customer's turn (no transcript,
        no dialogue state); only in a private chat, where the chat is the person's."""
        desk = self.engine.desk
        desk.admit(CHANNEL, chat_id, None)  # guessing tokens is flooding like any other
        if message.chat.type != "private":
            await self.send(chat_id, Reply(T.STAFF_BIND_PRIVATE))
            return
        name = await desk.bind_staff(token, chat_id)
        text = T.STAFF_BOUND.format(name=name) if name else T.STAFF_LINK_INVALID
        await self.send(chat_id, Reply(text))

    async def _input(self, message, update_id: int) -> Input | None:
        private = message.chat.type == "private"  # groups never become verified
        inp = await self._read(message, update_id)
        return None if inp is None else replace(inp, private=private)

    async def _read(self, message, update_id: int) -> Input | None:
        if message.contact is not None:
            own = (
                message.from_user is not None
                and message.contact.user_id is not None
                and message.contact.user_id == message.from_user.id
            )
            if own:
                return Input(contact_phone=message.contact.phone_number, update_id=update_id)
            return Input(contact_rejected=True, update_id=update_id)
        if message.photo:
            largest = message.photo[-1]
            path = await self._download(largest)
            return Input(
                text=message.caption or "",
                photo_ref=largest.file_id,
                photo_path=path,
                update_id=update_id,
            )
        if message.text:
            return Input(text=message.text.strip(), update_id=update_id)
        return None

    async def _download(self, photo) -> str | None:
        if self.attachments_dir is None:
            return None
        try:
            file = await photo.get_file()
            self.attachments_dir.mkdir(parents=True, exist_ok=True)
            target = self.attachments_dir / f"{photo.file_unique_id}.jpg"
            await file.download_to_drive(target)
            return str(target)
        except (TelegramError, OSError) as exc:
            log.warning("downloading a photo failed: %s", exc)
            return None

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed: %r", context.error, exc_info=context.error)

    # ---- outgoing ------------------------------------------------------------------------
    async def send(self, chat_id: str, reply: Reply) -> None:
        """Send one reply: long text split, inline buttons or the share-phone keyboard
        on the last chunk."""
        markup = None
        if reply.buttons:
            markup = inline_keyboard(reply)
        elif reply.request_contact:
            markup = ReplyKeyboardMarkup(
                [[KeyboardButton(T.SHARE_PHONE, request_contact=True)]],
                one_time_keyboard=True,
                resize_keyboard=True,
            )
            self._contact_keyboard.add(chat_id)
        elif chat_id in self._contact_keyboard:
            markup = ReplyKeyboardRemove()
            self._contact_keyboard.discard(chat_id)
        chunks = split_text(reply.text)
        bot = self.application.bot
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            await bot.send_message(int(chat_id), chunk, reply_markup=markup if last else None)
