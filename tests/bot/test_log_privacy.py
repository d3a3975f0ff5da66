"""A customer's phone and address never reach the log in clear, in whatever form the
customer types the phone (the chat accepts "138 1234 5678", "+86 138-1234-5678", ...):
against the running app at DEBUG level (the NLU's debug line quotes the message), and
through a store error in the middle of a chat turn (its traceback is logged)."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import text

from backend import logs
from tests.fixtures.db import opened

URL = "/webhooks/rest/webhook"
ADDRESS = "上海市浦东新区张江路1388号5栋1203室"
FORMS = ["138 1234 5678", "+86 138-1234-5678", "+8613812345678", "１３８１２３４５６７８"]


@pytest.fixture
def captured():
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logs.configure("DEBUG", stream=buffer)
    yield buffer
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def _clear_of_pii(log: str) -> None:
    for clear in [*FORMS, "13812345678", "1234 5678", "1234-5678", "１２３４５６７８"]:
        assert clear not in log, clear
    assert "1203室" not in log and "张江路1388号" not in log


async def test_phones_in_any_typed_form_and_addresses_are_masked_at_debug(
    stack_factory, rasa, captured
):
    async with stack_factory(rasa=rasa) as stack:
        for i, form in enumerate(FORMS):
            said = {"sender": f"log-{i}", "message": f"空调坏了，电话{form}，地址{ADDRESS}"}
            assert (await stack.client.post(URL, json=said)).status == 200
    log = captured.getvalue()
    assert "nlu " in log  # the debug line that quotes the message is there, masked
    assert "138****5678" in log
    _clear_of_pii(log)


async def test_a_store_error_in_a_chat_turn_leaves_no_phone_or_address_in_the_log(
    stack_factory, captured
):
    async with stack_factory() as stack:
        async with opened(stack.desk.db) as s:
            await s.execute(text("ALTER TABLE conversations RENAME TO conversations_away"))
        try:
            said = {"sender": "log-x", "message": f"洗衣机漏水，电话 138 1234 5678，{ADDRESS}"}
            assert (await stack.client.post(URL, json=said)).status == 500
        finally:
            async with opened(stack.desk.db) as s:
                await s.execute(text("ALTER TABLE conversations_away RENAME TO conversations"))
    log = captured.getvalue()
    assert "Traceback" in log and "conversations" in log  # the error itself is logged
    _clear_of_pii(log)


async def test_a_web_chat_session_id_never_reaches_the_log(stack_factory, captured):
    """The session is the key to a conversation: not in the access log's request lines
    (a staff reply's path names it), nor in the desk's own lines."""
    async with stack_factory() as stack:
        d = stack.driver("web", 1)
        await d.say("转人工")
        staff = {"Authorization": "Bearer test-staff"}
        for path in (f"/api/chats/web/{d.chat}/transcript", f"/api/chats/web/{d.chat}/reply"):
            body = {"text": "您好，我是客服小李。"}
            resp = await stack.client.request(
                "POST" if path.endswith("reply") else "GET", path, json=body, headers=staff
            )
            assert resp.status in (200, 201), await resp.text()
    log = captured.getvalue()
    assert "/api/chats/web/" in log and "staff" in log  # the lines are there, masked
    assert d.chat not in log and d.chat[:4] + "…" in log
