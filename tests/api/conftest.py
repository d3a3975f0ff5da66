"""The staff API, built through the same factory as production, on each backend."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.api.app import create_app
from backend.api.keys import DESK
from backend.config import Settings

STAFF = {"Authorization": "Bearer test-staff"}


@pytest.fixture
async def api(db, clock):
    """A client of the real app on the test database (`db` empties it first)."""
    settings = Settings(database_url=db.url, staff_token="test-staff")
    app = create_app(settings, clock=clock)
    async with TestClient(TestServer(app)) as client:
        client.desk = app[DESK]
        yield client
