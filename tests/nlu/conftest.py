"""NLU test helpers: a client on the session's real Rasa server."""

from __future__ import annotations

import pytest

from nlu.client import NluClient


@pytest.fixture
async def nlu(rasa_server):
    # Generous timeout: correctness is tested here, speed lives in bench/nlu_latency.py.
    async with NluClient(rasa_server.url, rasa_server.token, timeout=30.0) as client:
        yield client
