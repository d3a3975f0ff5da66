"""Scale-out shown: `scripts/run_prod.py` (make run-prod) with the local PostgreSQL, two
app processes behind nginx and the session's Rasa server. One app process is killed
(SIGKILL) in the middle of a repair form; the customer's next message, through the same
proxy, is answered by the other process, which carries on with the form."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from nlu.server import free_port
from tests.fixtures.db import _pg_admin_url

ROOT = Path(__file__).resolve().parents[2]


def _say(base: str, sender: str, message: str) -> tuple[str, str]:
    """One REST-channel turn: (the bot's answer, which app process served it)."""
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(
        f"{base}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        replies = json.loads(resp.read())
        served_by = resp.headers["X-Aftercare-Upstream"]
    return "\n".join(r.get("text", "") for r in replies), served_by


def _wait_closed(address: str, timeout: float = 15) -> None:
    """Until the killed process is gone. SIGKILL returns before the kernel has torn the
    process down (its memory goes before its files), and until then its listening socket
    still accepts: nginx would write the next POST there, get a reset and, rightly, not
    resend a POST (a 502). A dead process refuses, and that nginx does pass on."""
    host, port = address.split(":")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
        except OSError:
            return
        time.sleep(0.05)
    raise AssertionError(f"{address} still accepts connections {timeout} s after SIGKILL")


def _free_pair() -> int:
    """A port whose successor is free too (the layout numbers its apps' ports on)."""
    while True:
        first = free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", first + 1))
            except OSError:
                continue
        return first


async def _drop(name: str) -> None:
    engine = create_async_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


@pytest.fixture
def layout(rasa_server):
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        pytest.skip("nginx is not installed and could not be (make system-deps)")
    if os.environ.get("AFTERCARE_SKIP_PG") == "1":
        pytest.skip("AFTERCARE_SKIP_PG=1: the production layout runs on PostgreSQL")
    database = f"aftercare_scale_{uuid.uuid4().hex[:8]}"
    port, first_app = free_port(), _free_pair()
    argv = [sys.executable, "-m", "scripts.run_prod", "--apps", "2", "--port", str(port)]
    argv += ["--app-port", str(first_app), "--database", database, "--pg", _pg_admin_url()]
    argv += ["--rasa-url", rasa_server.url, f"--rasa-token={rasa_server.token}"]  # "-..." too
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_TOKEN"}
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    apps: dict[str, int] = {}  # "127.0.0.1:port" -> pid
    try:
        deadline, line = time.monotonic() + 180, ""  # stays "" if it printed nothing
        for line in proc.stdout:
            words = line.split()
            if words[:1] == ["app"]:
                apps[f"127.0.0.1:{words[5]}"] = int(words[3])
            if line.strip() == "ready" or time.monotonic() > deadline:
                break
        assert line.strip() == "ready", f"run_prod did not come up (exit {proc.poll()})"
        yield f"http://127.0.0.1:{port}", apps
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        asyncio.run(_drop(database))
    assert proc.returncode == 0


def test_an_app_process_dies_mid_form_and_the_other_carries_on(layout):
    base, apps = layout
    assert len(apps) == 2
    sender = f"scale-{uuid.uuid4().hex[:6]}"

    answer, _ = _say(base, sender, "空调不制冷了，型号KFR-35GW/BpR3")
    assert "地址" in answer  # product and fault read; the address is asked next
    answer, served_by = _say(base, sender, "朝阳区建国路88号")
    assert "电话" in answer

    os.kill(apps[served_by], signal.SIGKILL)  # the process that holds the last turn
    (survivor,) = set(apps) - {served_by}
    _wait_closed(served_by)

    # nginx may try the dead one first (refused: "a, b" in the header), then the other.
    answer, tried = _say(base, sender, "13812345678")
    assert tried.split(", ")[-1] == survivor
    assert "什么时间上门" in answer  # the form went on: nothing asked again
    answer, tried = _say(base, sender, "明天上午")
    assert tried.split(", ")[-1] == survivor
    assert "请核对" in answer
    for kept in ("KFR-35GW", "建国路88号", "13812345678", "明天上午"):
        assert kept in answer
