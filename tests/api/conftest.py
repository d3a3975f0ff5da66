"""The staff API, built through the same factory as production, on each backend."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.api.app import create_app
from backend.api.keys import CHAT_PUSH, DESK
from backend.config import Settings
from backend.services.replies import Reply
from tests.fixtures.staff import headers, seed_accounts

STAFF = headers("supervisor")  # all a dispatcher does and more; other roles: headers(role)


class RecordingPush:
    """CHAT_PUSH as a live channel would take it; `fail` makes the channel refuse."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Reply]] = []
        self.fail: Exception | None = None

    async def push(self, channel: str, chat_id: str, reply: Reply) -> None:
        if self.fail is not None:
            raise self.fail
        self.sent.append((channel, chat_id, reply))


@pytest.fixture
async def api(db, clock):
    """A client of the real app on the test database (`db` empties it first);
    `api.pushes` records what the staff endpoints hand to the live channels."""
    settings = Settings(database_url=db.url)
    app = create_app(settings, clock=clock)
    app[CHAT_PUSH] = pushes = RecordingPush()
    async with TestClient(TestServer(app)) as client:
        client.desk = app[DESK]
        client.pushes = pushes
        client.staff_ids = await seed_accounts(app[DESK].db)
        yield client
