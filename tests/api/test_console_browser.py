"""The console in a real browser (headless Chromium, driven over the DevTools protocol):
sign in through the form, the page's script runs under its Content-Security-Policy,
lists the tickets over the session, and a note added on the page is recorded with the
session's CSRF token under the signed-in account. Skipped where no Chromium is
installed (`make system-deps` does not need it; Debian's `chromium` package is it)."""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil

import aiohttp
import pytest

from tests.fixtures.staff import PASSWORD, USERNAMES, headers

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")
WAIT = 30.0  # seconds a page may take on a loaded machine


class Page:
    """One browser tab over the DevTools protocol."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse):
        self.ws, self.ids = ws, itertools.count(1)

    async def send(self, method: str, **params):
        ident = next(self.ids)
        await self.ws.send_json({"id": ident, "method": method, "params": params})
        while True:
            message = json.loads((await self.ws.receive()).data)
            if message.get("id") == ident:
                if "error" in message:
                    raise AssertionError(message["error"])
                return message["result"]

    async def js(self, expression: str):
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def until(self, expression: str):
        """Wait until `expression` is truthy in the page (not a timing assertion: it
        fails only if it never becomes true within WAIT)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while loop.time() < deadline:
            try:
                value = await self.js(expression)
            except AssertionError:
                value = None
            if value:
                return value
            await asyncio.sleep(0.2)
        html = await self.js("document.documentElement.outerHTML")
        raise AssertionError(f"never true: {expression}\n{html[:2000]}")


@pytest.fixture
async def browser(tmp_path):
    proc = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--remote-debugging-port=0",
        f"--user-data-dir={tmp_path / 'profile'}",
        "about:blank",
        stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
    )
    drain = None
    try:
        port = None
        while line := (await asyncio.wait_for(proc.stderr.readline(), WAIT)).decode():
            if "DevTools listening on" in line:
                port = int(line.rsplit(":", 1)[1].split("/", 1)[0])
                break
        assert port, "Chromium did not start its DevTools endpoint"
        drain = asyncio.create_task(proc.stderr.read())  # a full pipe would stall Chromium
        async with aiohttp.ClientSession() as http:
            targets = await (await http.get(f"http://127.0.0.1:{port}/json")).json()
            page_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
            async with http.ws_connect(page_url, max_msg_size=0) as ws:
                page = Page(ws)
                await page.send("Runtime.enable")
                yield page
    finally:
        proc.terminate()
        await proc.wait()
        if drain is not None:
            await drain


async def test_sign_in_list_tickets_and_add_a_note_in_the_browser(api, browser):
    resp = await api.post(
        "/api/tickets",
        json={"kind": "repair", "description": "热水器打不着火", "phone": "13812345678"},
        headers=headers("dispatcher"),
    )
    number = (await resp.json())["number"]
    await browser.send(
        "Page.navigate", url=str(api.make_url("/console/login?next=/console/classic"))
    )
    await browser.until("document.querySelector('#username') !== null")
    await browser.js(
        f"document.querySelector('#username').value = {json.dumps(USERNAMES['dispatcher'])};"
        f"document.querySelector('#password').value = {json.dumps(PASSWORD)};"
        "document.querySelector('form').submit(); true"
    )
    # the script ran (CSP allowed its nonce): it asked /api/me and listed the tickets
    await browser.until("document.querySelector('#me')?.textContent.includes('测试调度')")
    await browser.until(f"document.querySelector('#list').innerText.includes('{number}')")
    assert await browser.js("document.cookie") == ""  # HttpOnly: the script sees no cookie
    assert await browser.js("JSON.stringify(Object.keys(localStorage))") == "[]"

    await browser.js(f"document.querySelector('tr[data-number=\"{number}\"]').click(); true")
    await browser.until("document.querySelector('#addnote') !== null")
    await browser.js(
        "document.querySelector('#note').value = '已电话联系客户，明早上门';"
        "document.querySelector('#addnote').click(); true"
    )
    await browser.until("document.querySelector('#detail').innerText.includes('明早上门')")
    ticket = await (await api.get(f"/api/tickets/{number}", headers=headers("dispatcher"))).json()
    note = [e for e in ticket["events"] if e["action"] == "note"][-1]
    assert (note["actor"], note["note"]) == ("staff:test-dispatcher", "已电话联系客户，明早上门")
