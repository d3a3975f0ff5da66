"""The local Rasa servers `aftercare run` starts: real processes, real signals."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from nlu.server import free_port
from nlu.supervisor import LocalServers


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _post(url: str, body: dict) -> list[dict]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead but not yet reaped by its (new) parent.
    stat = Path(f"/proc/{pid}/stat").read_text(errors="replace")
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait(predicate, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := predicate()) is not None and value is not False:
            return value
        time.sleep(step)
    return None


def test_run_is_ready_only_with_its_nlu_and_a_killed_app_leaves_no_rasa(tmp_path):
    port, rasa_port = free_port(), free_port()
    env = os.environ | {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "AFTERCARE_PORT": str(port),
        "AFTERCARE_VAR_DIR": str(tmp_path),
        "AFTERCARE_RASA_PORT": str(rasa_port),
    }
    for name in ("TELEGRAM_TOKEN", "RASA_URL"):
        env.pop(name, None)
    err = (tmp_path / "app.err").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=err,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    rasa_pid = None
    try:
        started = re.compile(rf"starting Rasa on port {rasa_port} \(pid (\d+)\)")

        def rasa_started():
            m = started.search((tmp_path / "app.err").read_text())
            return int(m.group(1)) if m else None

        rasa_pid = _wait(rasa_started, 60)
        assert rasa_pid, (tmp_path / "app.err").read_text()
        _wait(lambda: _get_or_none(f"{base}/healthz"), 60)
        status, body = _get(f"{base}/readyz")
        assert status == 503 and body["checks"]["nlu"]["starting"] is True, body
        said = {"sender": "run-1", "message": "洗衣机漏水了，派个师傅来"}
        replies = _post(f"{base}/webhooks/rest/webhook", said)
        assert "正在启动" in replies[0]["text"] and replies[0]["buttons"], replies

        assert _wait(lambda: _get(f"{base}/readyz")[0] == 200, 420, 2.0), _get(f"{base}/readyz")
        replies = _post(
            f"{base}/webhooks/rest/webhook", {"sender": "run-2", "message": said["message"]}
        )
        assert "型号" in replies[0]["text"], replies  # understood now: asks for the product
        # The terminal stays quiet: Rasa's own output went to var/log/.
        log = tmp_path / "log" / f"rasa-{rasa_port}.log"
        assert log.stat().st_size > 0
        assert "tensorflow" not in (tmp_path / "app.err").read_text().lower()

        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert _wait(lambda: not _alive(rasa_pid), 15), "Rasa outlived its app"
    finally:
        if proc.poll() is None:
            proc.kill()
        if rasa_pid and _alive(rasa_pid):
            os.kill(rasa_pid, signal.SIGKILL)
        err.close()


def _get_or_none(url: str):
    try:
        return _get(url)[0] == 200
    except (urllib.error.URLError, OSError):
        return None


def test_a_server_that_dies_is_reported_and_started_again(tmp_path, caplog):
    def exits(port: int) -> list[str]:
        return [sys.executable, "-c", "import sys; print('address already in use'); sys.exit(3)"]

    caplog.set_level(logging.INFO, logger="nlu.supervisor")
    with LocalServers([free_port()], "t", tmp_path, argv=exits, poll=0.1) as servers:
        assert _wait(lambda: caplog.text.count("starting Rasa") >= 2, 20), caplog.text
        assert servers.starting()
    assert "exited with 3; starting it again" in caplog.text
    assert "address already in use" in caplog.text  # the log's tail is in the report


def test_a_port_held_by_another_process_is_reported_not_used(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="nlu.supervisor")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        started = []
        with LocalServers([port], "t", tmp_path, argv=started.append, poll=0.1):
            assert _wait(lambda: "is taken by another process" in caplog.text, 10)
        assert started == []


def test_a_child_dies_with_its_parent_even_on_sigkill(tmp_path):
    # A parent that starts a supervised child (a sleep standing in for Rasa), then is
    # killed with SIGKILL: nothing of it can run, the kernel must end the child.
    script = f"""
import sys, time
sys.path.insert(0, {str(Path.cwd())!r})
from nlu.supervisor import LocalServers
servers = LocalServers([{free_port()}], "t", __import__("pathlib").Path({str(tmp_path)!r}),
                       argv=lambda port: ["sleep", "300"], poll=0.1).start()
while not servers.pids():
    time.sleep(0.05)
print(servers.pids()[0], flush=True)
time.sleep(300)
"""
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        assert _wait(lambda: not _alive(child), 10), "the child outlived its parent"
    finally:
        parent.kill()
