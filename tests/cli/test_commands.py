"""The `aftercare` command as a user runs it: a real subprocess on a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def aftercare(*args: str, database_url: str, cwd) -> subprocess.CompletedProcess:
    env = os.environ | {"DATABASE_URL": database_url, "AFTERCARE_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help_lists_the_commands(tmp_path):
    out = aftercare("--help", database_url="sqlite+aiosqlite:///x.db", cwd=tmp_path)
    assert out.returncode == 0
    for command in ("run", "db", "demo", "report", "nlu"):
        assert command in out.stdout


def test_db_upgrade_and_demo_seed_are_idempotent(db, tmp_path):
    db_url = db.url  # `db` empties the shared test database first
    assert aftercare("db", "upgrade", database_url=db_url, cwd=tmp_path).returncode == 0
    first = aftercare("demo", "seed", database_url=db_url, cwd=tmp_path)
    second = aftercare("demo", "seed", database_url=db_url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    added_first, added_second = json.loads(first.stdout), json.loads(second.stdout)
    assert added_first["units"] >= 5 and added_first["staff"] >= 4
    assert added_second == {"customers": 0, "units": 0, "staff": 0}


def test_default_store_is_a_sqlite_file_under_var(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    out = subprocess.run(
        [sys.executable, "-m", "backend.cli", "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "var" / "aftercare.db").exists()


@pytest.mark.parametrize("month", ["2026-13", "last month"])
def test_report_rejects_a_bad_month(month, tmp_path):
    out = aftercare(
        "report", "monthly", month, database_url="sqlite+aiosqlite:///r.db", cwd=tmp_path
    )
    assert out.returncode != 0
