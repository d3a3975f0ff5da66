"""Console sign-in: password check, throttling, server-side sessions, sign-out.

Failed sign-ins are audit-log entries (`login.failed`, subject the username, actor the
client address), so the throttle holds across processes and restarts and is the same
evidence an admin reads: after `max_per_user` failures in `window` for one username,
or `max_per_address` from one address, sign-in is refused until the oldest of those
failures leaves the window, and the refusal says for how long.

The session cookie's value is random and kept only as an HMAC under the session secret,
with its CSRF token. A session ends on sign-out, when the account is disabled, after
`idle` without use, and `ABSOLUTE` after sign-in whatever happens.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.domain.errors import DomainError
from backend.services import audit
from backend.services.accounts import Principal, hash_password, password_ok, principal_of
from backend.services.desk import Desk
from backend.store.tables import AuditLog, Staff, StaffSession

ABSOLUTE = timedelta(days=7)
TOUCH_EVERY = timedelta(minutes=1)  # last use written at most this often
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))  # an unknown user costs the same


@dataclass(frozen=True)
class SessionPolicy:
    key: bytes  # the session secret
    idle: timedelta = timedelta(hours=8)
    window: timedelta = timedelta(minutes=15)
    max_per_user: int = 5
    max_per_address: int = 20


class LoginRefused(DomainError):
    code = "login_failed"

    def __init__(self) -> None:
        super().__init__("用户名或密码不正确。")


class LockedOut(DomainError):
    code = "locked_out"

    def __init__(self, seconds: float, by_address: bool) -> None:
        self.retry_after = max(1, math.ceil(seconds))
        minutes = max(1, math.ceil(seconds / 60))
        who = "来自您所在地址的登录" if by_address else "该账号"
        super().__init__(f"登录失败次数过多，{who}已被暂时锁定，请在 {minutes} 分钟后再试。")


@dataclass(frozen=True)
class SignedIn:
    cookie: str  # the session cookie's value (shown to the browser only)
    principal: Principal


def _digest(policy: SessionPolicy, cookie: str) -> str:
    return hmac.new(policy.key, cookie.encode(), hashlib.sha256).hexdigest()


async def login(
    desk: Desk, policy: SessionPolicy, username: str, password: str, address: str
) -> SignedIn:
    username, now = username.strip()[:64], desk.now()
    found = await desk.db.read(_before_login, username, address, now - policy.window)
    staff_hash, user_failures, address_failures = found
    _check_lock(policy, now, user_failures, address_failures)
    ok = password_ok(staff_hash or _DUMMY_HASH, password) and staff_hash is not None
    cookie = secrets.token_urlsafe(32)
    principal = await desk.db.write(
        _after_login, desk, username, address, ok, _digest(policy, cookie)
    )
    if principal is None:
        raise LoginRefused()
    return SignedIn(cookie, principal)


def _check_lock(policy: SessionPolicy, now: datetime, by_user: list, by_address: list) -> None:
    for failures, limit, is_address in (
        (by_user, policy.max_per_user, False),
        (by_address, policy.max_per_address, True),
    ):
        if len(failures) >= limit:
            until = failures[-limit] + policy.window
            raise LockedOut((until - now).total_seconds(), is_address)


def _failures(session: Session, since: datetime, where) -> list[datetime]:
    stmt = select(AuditLog.at).where(AuditLog.action == "login.failed", AuditLog.at > since)
    return list(session.execute(stmt.where(where).order_by(AuditLog.at)).scalars())


def _before_login(session: Session, username: str, address: str, since: datetime):
    staff = session.execute(
        select(Staff).where(Staff.username == username, Staff.active.is_(True))
    ).scalar_one_or_none()
    return (
        staff.password_hash if staff is not None else None,
        _failures(session, since, AuditLog.subject == f"staff:{username}"),
        _failures(session, since, AuditLog.actor == f"address:{address}"),
    )


def _after_login(
    session: Session, desk: Desk, username: str, address: str, ok: bool, digest: str
) -> Principal | None:
    now = desk.now()
    subject = f"staff:{username}"
    if not ok:
        audit.record(
            session,
            at=now,
            actor=f"address:{address}"[:64],
            action="login.failed",
            subject=subject,
            detail={},
        )
        return None
    staff = session.execute(select(Staff).where(Staff.username == username)).scalar_one()
    csrf = secrets.token_urlsafe(24)
    session.add(
        StaffSession(staff_id=staff.id, id_hash=digest, csrf=csrf, created_at=now, last_seen_at=now)
    )
    audit.record(
        session,
        at=now,
        actor=f"staff:{username}",
        action="login",
        subject=subject,
        detail={"address": address},
    )
    return principal_of(staff, "session", csrf)


async def by_cookie(desk: Desk, policy: SessionPolicy, cookie: str) -> Principal | None:
    """The signed-in account of a live session, else None."""
    now = desk.now()
    found = await desk.db.read(_by_cookie, _digest(policy, cookie), now, policy.idle)
    if found is None:
        return None
    principal, session_id, stale = found
    if stale:
        await desk.db.write(_touch, session_id, now)
    return principal


def _by_cookie(session: Session, digest: str, now: datetime, idle: timedelta):
    row = session.execute(
        select(StaffSession, Staff)
        .join(Staff, Staff.id == StaffSession.staff_id)
        .where(StaffSession.id_hash == digest)
    ).first()
    if row is None:
        return None
    live, staff = row
    if not staff.active or live.ended_at is not None:
        return None
    if now - live.last_seen_at >= idle or now - live.created_at >= ABSOLUTE:
        return None
    stale = now - live.last_seen_at >= TOUCH_EVERY
    return principal_of(staff, "session", live.csrf), live.id, stale


def _touch(session: Session, session_id: int, now: datetime) -> None:
    session.execute(
        update(StaffSession).where(StaffSession.id == session_id).values(last_seen_at=now)
    )


async def logout(desk: Desk, policy: SessionPolicy, cookie: str) -> None:
    await desk.db.write(_logout, desk, _digest(policy, cookie))


def _logout(session: Session, desk: Desk, digest: str) -> None:
    live = session.execute(
        select(StaffSession).where(StaffSession.id_hash == digest)
    ).scalar_one_or_none()
    if live is None or live.ended_at is not None:
        return
    live.ended_at = desk.now()
    staff = session.get(Staff, live.staff_id)
    audit.record(
        session,
        at=desk.now(),
        actor=f"staff:{staff.username}",
        action="logout",
        subject=f"staff:{staff.username}",
        detail={},
    )
