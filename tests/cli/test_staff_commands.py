"""`aftercare staff ...` and the refusal to serve the network without secrets, as an
operator runs them: real subprocesses on the test databases."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from backend.services import accounts, sessions
from backend.services.sessions import SessionPolicy
from backend.store.tables import AuditLog, Staff
from tests.cli.test_commands import aftercare
from tests.fixtures.db import opened


def _staff(db_url: str, *args: str, cwd, stdin: str | None = None):
    env = os.environ | {"DATABASE_URL": db_url, "AFTERCARE_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", "staff", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_add_token_list_and_disable(db, desk, tmp_path):
    added = _staff(
        db.url,
        "add",
        "liu",
        "--role",
        "technician",
        "--name",
        "刘师傅",
        "--region",
        "北京·朝阳",
        "--password-stdin",
        cwd=tmp_path,
        stdin="a long password\n",
    )
    assert added.returncode == 0, added.stderr
    again = _staff(db.url, "add", "liu", "--role", "dispatcher", cwd=tmp_path)
    assert again.returncode == 0 and "updated" in again.stdout  # an update, exit 0 too

    issued = _staff(db.url, "token", "liu", "--label", "手机", "--expires-days", "30", cwd=tmp_path)
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip().splitlines()[-1]  # the last line, as scripts read it
    who = await accounts.by_token(desk, token)
    assert (who.username, who.name, who.role, who.region) == (
        "liu",
        "刘师傅",
        "dispatcher",
        "北京·朝阳",
    )
    policy = SessionPolicy(key=b"k")
    signed_in = await sessions.login(desk, policy, "liu", "a long password", "127.0.0.1")
    async with opened(db) as s:
        stored = (await s.execute(select(Staff.password_hash))).scalar_one()
        audited = set((await s.execute(select(AuditLog.action))).scalars())
    assert stored.startswith("$argon2id$") and token not in str(audited)
    assert {"account.create", "account.update", "token.create", "login"} <= audited

    listed = _staff(db.url, "list", cwd=tmp_path)
    assert listed.returncode == 0 and "liu" in listed.stdout and "dispatcher" in listed.stdout

    disabled = _staff(db.url, "disable", "liu", cwd=tmp_path)
    assert disabled.returncode == 0, disabled.stderr
    assert await accounts.by_token(desk, token) is None
    assert await sessions.by_cookie(desk, policy, signed_in.cookie) is None


def test_bad_input_is_one_clear_line(db, tmp_path):
    role = _staff(db.url, "add", "x", "--role", "boss", cwd=tmp_path)
    assert role.returncode != 0 and "invalid choice" in role.stderr
    name = _staff(db.url, "add", "Bad Name", "--role", "agent", cwd=tmp_path)
    assert name.returncode == 2 and "username" in name.stderr and "Traceback" not in name.stderr
    unknown = _staff(db.url, "token", "nobody", cwd=tmp_path)
    assert unknown.returncode == 1 and "no staff account" in unknown.stderr


def test_run_refuses_a_public_address_without_its_secrets(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"AFTERCARE_SESSION_SECRET", "RASA_TOKEN", "AFTERCARE_REST_SECRET"}
    }
    env |= {
        "AFTERCARE_HOST": "0.0.0.0",
        "TELEGRAM_TOKEN": "123:abc",
        "TELEGRAM_WEBHOOK_URL": "https://desk.example/telegram/webhook",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
    }
    out = subprocess.run(
        [sys.executable, "-m", "backend.cli", "run"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode != 0
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr  # one message, naming every missing secret
    for name in (
        "AFTERCARE_SESSION_SECRET",
        "RASA_TOKEN",
        "TELEGRAM_WEBHOOK_SECRET",
        "AFTERCARE_REST_SECRET",
    ):
        assert name in lines[0]
    assert not (tmp_path / "x.db").exists()  # refused before anything was opened


def test_demo_seed_creates_every_role_with_its_demo_password(db, tmp_path):
    out = aftercare("demo", "seed", database_url=db.url, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    listed = _staff(db.url, "list", cwd=tmp_path).stdout
    for role in ("admin", "supervisor", "dispatcher", "technician", "agent", "hotline"):
        assert f" {role} " in listed, role


async def test_the_first_start_creates_one_admin_whose_password_works(desk):
    password = await accounts.ensure_admin(desk)
    assert password and await accounts.ensure_admin(desk) is None  # once
    policy = SessionPolicy(key=b"k")
    signed_in = await sessions.login(desk, policy, "admin", password, "127.0.0.1")
    assert signed_in.principal.role == "admin"
