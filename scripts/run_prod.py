"""A production-like layout on one machine (`make run-prod`):

    the local PostgreSQL (a database of its own, created if missing, migrated once)
    one Rasa server                  (127.0.0.1:5005, or --rasa-url for running ones)
    N app processes (`aftercare run`) on 127.0.0.1:8081, 8082, ...
    nginx in front of them           (http://127.0.0.1:8080: web chat, console, API)

    .venv/bin/python -m scripts.run_prod [--apps 2] [--port 8080] [--database aftercare_prod]

It prints one line per process (`app 1 pid 1234 port 8081`) and then `ready`, and runs
until SIGINT/SIGTERM, which stops everything it started. Logs go to var/log/run-prod/.
Any app process can serve any message (the conversation state is in the store) and one
of them sends to Telegram at a time (backend/services/send_leader.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from nlu import server

ROOT = Path(__file__).resolve().parents[1]
AFTERCARE = Path(sys.executable).with_name("aftercare")
DEFAULT_PG = "postgresql+asyncpg://root@127.0.0.1:5432/postgres"

NGINX_CONF = """\
# Written by scripts/run_prod.py; deploy/nginx.conf is the TLS one for docker-compose.
worker_processes 1;
error_log {logs}/nginx-error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    log_format aftercare '$remote_addr [$time_local] "$request_method $uri" $status '
                         '$request_time $upstream_addr';
    access_log {logs}/nginx-access.log aftercare;
    upstream aftercare_app {{
{servers}
        # No idle connections kept to the apps: nginx never retries a POST it wrote to a
        # kept-alive connection that a killed app then reset (a 502 to the customer); a
        # fresh connection to a dead process is refused, and that one it does retry.
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 12m;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        # A dead app process: the request goes to the next one (state is in the store).
        proxy_next_upstream error timeout http_502 http_503;
        proxy_connect_timeout 2s;
        # Which process answered, for the scale-out test and for looking.
        add_header X-Aftercare-Upstream $upstream_addr always;
        location /chat/ {{
            proxy_read_timeout 60s;
            proxy_pass http://aftercare_app;
        }}
        location / {{
            proxy_pass http://aftercare_app;
        }}
    }}
}}
"""


def _nginx() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        sys.exit("nginx is not installed: `make system-deps` (apt-get install nginx)")
    return found


async def _create_database(admin_url: str, name: str) -> str:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if not found:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _wait_http(url: str, proc: subprocess.Popen | None, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            sys.exit(f"{what} exited with {proc.returncode} (see var/log/run-prod/)")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    sys.exit(f"{what} did not answer {url} within {timeout:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=2, help="app processes (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="nginx's port")
    parser.add_argument("--app-port", type=int, default=8081, help="the first app's port")
    parser.add_argument("--database", default="aftercare_prod")
    parser.add_argument("--pg", default=os.environ.get("AFTERCARE_PROD_PG", DEFAULT_PG))
    parser.add_argument("--rasa-url", default=None, help="running Rasa server(s), a,b")
    parser.add_argument("--rasa-token", default=os.environ.get("RASA_TOKEN"))
    parser.add_argument("--rasa-port", type=int, default=5005)
    args = parser.parse_args(argv)

    nginx = _nginx()
    logs = ROOT / "var" / "log" / "run-prod"
    prefix = ROOT / "var" / "run-prod" / str(args.port)
    logs.mkdir(parents=True, exist_ok=True)
    prefix.mkdir(parents=True, exist_ok=True)

    database_url = asyncio.run(_create_database(args.pg, args.database))
    # nginx and the apps share 127.0.0.1: nginx's X-Forwarded-For names the customer for
    # the per-address abuse limit (without it every customer would be 127.0.0.1).
    env = os.environ | {"DATABASE_URL": database_url}
    env.setdefault("AFTERCARE_TRUSTED_PROXIES", "127.0.0.1")
    # The apps behind one nginx check each other's web chat cookies: one key for all.
    env.setdefault("AFTERCARE_WEBCHAT_SECRET", secrets.token_urlsafe(32))
    # Migrated once, before any app starts: N apps migrating at once would race.
    subprocess.run([AFTERCARE, "db", "upgrade"], env=env, check=True, cwd=ROOT)

    started: list[subprocess.Popen] = []
    rasa = None
    stopping = False

    def on_signal(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        if args.rasa_url:
            rasa_url, token = args.rasa_url, args.rasa_token or os.environ.get("RASA_TOKEN")
            if not token:
                raise SystemExit("run_prod: --rasa-url needs --rasa-token (or RASA_TOKEN)")
        else:
            token = args.rasa_token or secrets.token_urlsafe(16)
            argv_rasa = [str(AFTERCARE), "nlu", "serve", "--port", str(args.rasa_port)]
            rasa = server.start(
                [*argv_rasa, f"--token={token}"],  # a token may begin with "-"
                port=args.rasa_port,
                token=token,
                log_path=logs / "rasa.log",
            )
            rasa_url = rasa.url
            print(f"rasa pid {rasa.process.pid} port {args.rasa_port}", flush=True)
        env |= {"RASA_URL": rasa_url, "RASA_TOKEN": token}
        # One session secret for every app: a console session signed in through one app
        # is good at the others behind the proxy.
        env.setdefault("AFTERCARE_SESSION_SECRET", secrets.token_urlsafe(32))

        ports = [args.app_port + i for i in range(args.apps)]
        for i, port in enumerate(ports, 1):
            log = (logs / f"app-{i}.log").open("ab")
            proc = subprocess.Popen(
                [AFTERCARE, "run"],
                env=env | {"AFTERCARE_PORT": str(port)},
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            started.append(proc)
            print(f"app {i} pid {proc.pid} port {port}", flush=True)
        for i, (proc, port) in enumerate(zip(started, ports, strict=True), 1):
            _wait_http(f"http://127.0.0.1:{port}/healthz", proc, f"app {i}", 120)

        servers = "\n".join(
            f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports
        )
        conf = prefix / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(logs=logs, prefix=prefix, servers=servers, port=args.port)
        )
        proxy = subprocess.Popen(
            [nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
            stdout=(logs / "nginx.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        started.append(proxy)
        base = f"http://127.0.0.1:{args.port}"
        _wait_http(f"{base}/healthz", proxy, "nginx", 30)
        print(f"nginx pid {proxy.pid} port {args.port}", flush=True)
        print(f"web chat {base}/chat   console {base}/console   logs {logs}", flush=True)
        print("ready", flush=True)
        while not stopping:
            time.sleep(0.2)
    finally:
        for proc in reversed(started):
            _stop(proc)
        if rasa is not None:
            rasa.stop()
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
