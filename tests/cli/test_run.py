"""`aftercare run` as deployed: a real process on a real port, SIGTERM to stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from nlu.server import free_port


def _post(url: str, body: dict) -> list[dict]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if json.loads(resp.read()) == {"status": "ok"}:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise AssertionError("aftercare run did not become healthy")


def test_run_serves_the_chat_and_stops_cleanly(rasa_server, tmp_path):
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "AFTERCARE_PORT": str(port),
        "AFTERCARE_VAR_DIR": str(tmp_path),
        "RASA_URL": rasa_server.url,
        "RASA_TOKEN": rasa_server.token,
    }
    env.pop("TELEGRAM_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(f"{base}/healthz", proc)
        said = {"sender": "smoke-1", "message": "洗衣机漏水了，派个师傅来"}
        replies = _post(f"{base}/webhooks/rest/webhook", said)
        assert replies and replies[0]["recipient_id"] == "smoke-1"
        assert "型号" in replies[0]["text"]  # understood: the repair form asks the product
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert "event loop: uvloop" in stderr
