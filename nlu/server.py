"""Start, wait for and stop a Rasa NLU server (used by `nlu serve`, `nlu eval`, tests, bench)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nlu import paths


class NluSetupError(RuntimeError):
    """The Rasa venv or the trained model is missing: say what to run."""


def serve_argv(model: Path, host: str, port: int, token: str | None) -> list[str]:
    rasa = paths.rasa_executable()
    if not rasa.exists():
        raise NluSetupError(f"{rasa} not found: run `make rasa-venv` (or set AFTERCARE_RASA_VENV)")
    if not model.exists():
        raise NluSetupError(
            f"no trained NLU model {model.name} for the current data/config in "
            f"{model.parent}: run `aftercare nlu train` (or `make nlu-model`)"
        )
    # `rasa run` through our launcher: PUT /model then loads beside the served model
    # (nlu/project/aftercare_serve.py), so a switch costs no parse.
    python = str(paths.rasa_venv() / "bin" / "python")
    argv = [python, "-m", "aftercare_serve", "run", "--enable-api", "-m", str(model)]
    argv += ["-i", host, "-p", str(port)]
    if token:
        # one argument: a token starting with "-" (token_urlsafe makes 1 in 64) must not
        # read as an option (rasa exited with "--auth-token: expected one argument")
        argv += [f"--auth-token={token}"]
    return argv


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def status(url: str, token: str | None, timeout: float = 1.0) -> dict | None:
    """GET /status: the loaded model's info, or None while the server is not up."""
    query = f"?token={token}" if token else ""
    try:
        with urllib.request.urlopen(f"{url}/status{query}", timeout=timeout) as resp:
            return json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


@dataclass
class RunningServer:
    url: str
    token: str
    process: subprocess.Popen
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            # Rasa runs in its own session so its Sanic workers go with it.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start(
    argv: list[str] | None = None,
    *,
    model: Path | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
    token: str | None = None,
    log_path: Path | None = None,
    ready_timeout: float = 240.0,
) -> RunningServer:
    """Start a server (Rasa directly, or the given argv, e.g. `aftercare nlu serve`).

    Blocks until /status answers; raises with the log's tail if it dies or times out.
    """
    port = port or free_port(host)
    token = token or secrets.token_urlsafe(16)
    if argv is None:
        argv = serve_argv(model or paths.current_model(), host, port, token)
    log_path = log_path or paths.REPO_ROOT / "var" / "nlu" / "logs" / f"rasa-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=paths.rasa_env(serving=True),
            start_new_session=True,
        )
    server = RunningServer(f"http://{host}:{port}", token, process, log_path)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NluSetupError(
                f"Rasa server exited with {process.returncode}; log {log_path}:\n{tail(log_path)}"
            )
        if status(server.url, token) is not None:
            return server
        time.sleep(0.5)
    server.stop()
    raise NluSetupError(f"Rasa server not ready after {ready_timeout:.0f}s:\n{tail(log_path)}")


@contextmanager
def running(**kwargs) -> Iterator[RunningServer]:
    server = start(**kwargs)
    try:
        yield server
    finally:
        server.stop()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
