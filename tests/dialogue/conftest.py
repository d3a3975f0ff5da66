"""The dialogue engine with a scripted NLU on the real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from backend.services.chat import ChatService
from backend.services.replies import Reply
from bot.dialogue.engine import Engine, Input
from tests.dialogue.scripted import ScriptedNlu


class Chat:
    """One customer's chat with the engine: say / tap, and the bot's last answer."""

    def __init__(self, engine: Engine, channel: str = "web", chat_id: str = "chat-1"):
        self.engine, self.channel, self.chat_id = engine, channel, chat_id
        self.last: list[Reply] = []

    async def say(self, text: str) -> list[Reply]:
        self.last = await self.engine.handle(self.channel, self.chat_id, Input(text=text))
        return self.last

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    @property
    def payloads(self) -> list[str]:
        return [b.payload for r in self.last for b in r.buttons]

    async def tap(self, title: str) -> list[Reply]:
        for reply in self.last:
            for button in reply.buttons:
                if title in button.title:
                    return await self.say(button.payload)
        raise AssertionError(f"no button {title!r} in {[r.buttons for r in self.last]}")


@pytest.fixture
def nlu() -> ScriptedNlu:
    return ScriptedNlu()


@pytest.fixture
def chat_desk(desk) -> ChatService:
    return ChatService(desk)


@pytest.fixture
def engine(chat_desk, nlu) -> Engine:
    return Engine(chat_desk, nlu)


@pytest.fixture
def chat(engine) -> Chat:
    return Chat(engine)
