"""The app's own Rasa servers (`aftercare run` without RASA_URL), supervised.

- They die with the app, even on `kill -9` of the app: each child asks the kernel for
  SIGKILL when its parent dies (Linux `PR_SET_PDEATHSIG`, set between fork and exec, and
  kept across Rasa's exec). The children are started from the supervisor's own thread,
  which lives as long as the app: the signal fires when the *thread* that forked exits.
- A server that exits (a crash, "address already in use", a missing model) is reported
  with its log's tail and started again, waiting longer after each failure (2 s ... 60 s).
- A port some other process holds (say an orphan of an earlier run) is reported and not
  started on: the client's readiness check refuses whatever answers there unless it
  serves the current model (nlu/client.py), so it is never used silently.
- Rasa's chatter (TensorFlow warnings, Sanic banners) goes to `<log_dir>/rasa-<port>.log`,
  not to the app's terminal.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nlu import paths, server

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
BACKOFF = (2.0, 4.0, 8.0, 15.0, 30.0, 60.0)

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def die_with_parent(parent: int) -> Callable[[], None]:
    """A `preexec_fn`: SIGKILL this child when the parent dies. If the parent died before
    the call took effect (a race with `kill -9`), exit at once instead of orphaning."""

    def preexec() -> None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def port_taken(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


@dataclass
class _Child:
    port: int
    process: subprocess.Popen | None = None
    failures: int = 0
    retry_at: float = 0.0
    up: bool = False  # answered /status since it was started
    problem: str | None = None


@dataclass
class LocalServers:
    """Start `ports` Rasa servers of `model`, keep them running, stop them on `stop()`."""

    ports: list[int]
    token: str
    log_dir: Path
    # None: the active model, looked up at every (re)start, so a server restarted after
    # `aftercare nlu train` switched the others serves the model they serve.
    model: Path | None = None
    host: str = "127.0.0.1"
    argv: Callable[[int], list[str]] | None = None  # tests: a stand-in command
    poll: float = 0.5

    def __post_init__(self) -> None:
        self._children = [_Child(p) for p in self.ports]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def urls(self) -> list[str]:
        return [f"http://{self.host}:{p}" for p in self.ports]

    def starting(self) -> bool:
        """Some server of ours is alive (or about to be retried) and not yet answering."""
        with self._lock:
            return any(not c.up for c in self._children)

    def pids(self) -> list[int]:
        with self._lock:
            return [c.process.pid for c in self._children if c.process and c.process.poll() is None]

    def start(self) -> LocalServers:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._supervise, name="rasa-supervisor", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def __enter__(self) -> LocalServers:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- the supervisor thread ---------------------------------------------------------
    def _supervise(self) -> None:
        try:
            while not self._stop.is_set():
                for child in self._children:
                    self._tend(child)
                self._stop.wait(self.poll)
        finally:
            for child in self._children:
                _terminate(child.process)

    def _tend(self, child: _Child) -> None:
        proc = child.process
        if proc is None:
            if time.monotonic() >= child.retry_at:
                self._spawn(child)
            return
        code = proc.poll()
        if code is None:
            if not child.up and server.status(self._url(child), self.token, timeout=0.5):
                with self._lock:
                    child.up, child.failures, child.problem = True, 0, None
                log.info("Rasa on port %d is up (pid %d)", child.port, proc.pid)
            return
        wait = BACKOFF[min(child.failures, len(BACKOFF) - 1)]
        log.error(
            "Rasa on port %d exited with %s; starting it again in %.0f s. Log %s:\n%s",
            child.port,
            code,
            wait,
            self._log(child),
            server.tail(self._log(child), 12),
        )
        with self._lock:
            child.process, child.up = None, False
            child.failures += 1
            child.retry_at = time.monotonic() + wait

    def _spawn(self, child: _Child) -> None:
        if port_taken(child.port, self.host):
            seen = server.status(self._url(child), self.token)
            problem = (
                f"port {child.port} is taken by another process"
                + (f" serving {Path(str(seen.get('model_file'))).name}" if seen else "")
                + ": not starting Rasa there"
            )
            if problem != child.problem:
                log.error("%s; retrying every few seconds until it is free", problem)
            child.problem = problem
            child.retry_at = time.monotonic() + BACKOFF[0]
            return
        try:
            argv = (
                self.argv(child.port)
                if self.argv
                else server.serve_argv(
                    self.model or paths.current_model(), self.host, child.port, self.token
                )
            )
        except server.NluSetupError as exc:  # no Rasa venv or model yet: say so, look again
            if str(exc) != child.problem:
                log.error("cannot start Rasa on port %d: %s", child.port, exc)
            child.problem, child.retry_at = str(exc), time.monotonic() + BACKOFF[-1]
            return
        with self._log(child).open("ab") as out:
            proc = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=paths.rasa_env(serving=True),
                # Its own session: Ctrl-C in the terminal reaches the app, which stops
                # Rasa itself; and the app's death reaches Rasa through the kernel.
                start_new_session=True,
                preexec_fn=die_with_parent(os.getpid()),
            )
        with self._lock:
            child.process, child.up, child.problem = proc, False, None
        log.info(
            "starting Rasa on port %d (pid %d), log %s", child.port, proc.pid, self._log(child)
        )

    def _url(self, child: _Child) -> str:
        return f"http://{self.host}:{child.port}"

    def _log(self, child: _Child) -> Path:
        return self.log_dir / f"rasa-{child.port}.log"


def _terminate(proc: subprocess.Popen | None, timeout: float = 15.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
