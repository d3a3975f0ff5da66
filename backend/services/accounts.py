"""Staff accounts: create / update, personal API tokens, disabling, hotline agents, and
binding a person's Telegram chat through a one-time `/start` link.

Tokens are random (`secrets.token_urlsafe`), shown once and kept only as their SHA-256:
a copy of the store gives nobody a working token. Passwords are argon2id hashes
(argon2-cffi). Every change is written to the audit log in the same unit of work. The
console's sign-in and sessions are in services/sessions.py.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.domain import fields
from backend.domain.errors import NotFound, ValidationFailed
from backend.domain.permissions import ROLES, Role
from backend.services import audit
from backend.services.chat_api import STAFF_LINK_PREFIX
from backend.services.desk import Desk
from backend.store.tables import HotlineAgent, Staff, StaffLink, StaffSession, StaffToken

TOKEN_PREFIX = "ac_"  # makes a leaked token recognisable in a log or a paste
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
LINK_TTL = timedelta(hours=24)  # a Telegram binding link works this long, and once
LINK_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # a start parameter Telegram passes
LAST_USED_EVERY = timedelta(minutes=1)  # a token's last use is written at most this often
_HASHER = PasswordHasher()  # argon2id with the library's current parameters


@dataclass(frozen=True)
class Principal:
    """Who is asking: the authenticated account (the actor of what they do)."""

    staff_id: int
    username: str
    name: str
    role: str
    region: str | None
    via: str  # "token" | "session"
    csrf: str | None = None  # the session's CSRF token (sessions only)

    @property
    def actor(self) -> str:
        return f"staff:{self.username}"

    def as_dict(self) -> dict:
        return {
            "id": self.staff_id,
            "username": self.username,
            "name": self.name,
            "role": self.role,
            "region": self.region,
        }


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_ok(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def check_username(username: object) -> str:
    if not isinstance(username, str) or not USERNAME.fullmatch(username):
        raise ValidationFailed(
            "username must be 1-64 of a-z 0-9 . _ - (lower case, starting with a letter or digit)"
        )
    return username


def check_role(role: object) -> str:
    if role not in ROLES:
        raise ValidationFailed(f"role must be one of: {', '.join(ROLES)}")
    return str(role)


def account_dict(staff: Staff) -> dict:
    return {
        "id": staff.id,
        "username": staff.username,
        "name": staff.name,
        "role": staff.role,
        "region": staff.region,
        "active": staff.active,
        "telegram_bound": staff.telegram_chat_id is not None,
        "has_password": staff.password_hash is not None,
    }


def principal_of(staff: Staff, via: str, csrf: str | None = None) -> Principal:
    return Principal(staff.id, staff.username, staff.name, staff.role, staff.region, via, csrf)


def find(session: Session, username: str) -> Staff:
    staff = session.execute(select(Staff).where(Staff.username == username)).scalar_one_or_none()
    if staff is None:
        raise NotFound(f"no staff account {username!r}")
    return staff


# --- accounts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    account: dict
    created: bool


async def save(
    desk: Desk,
    username: str,
    *,
    role: str,
    actor: str,
    name: str | None = None,
    region: str | None = None,
    password: str | None = None,
    active: bool | None = None,
    telegram_chat_id: str | None = None,
) -> Saved:
    """Create the account, or update the one of that username (role, and what is given).
    `telegram_chat_id` binds the person's Telegram chat (the desk's notices to them)."""
    check_username(username)
    check_role(role)
    for field, value in (("name", name), ("region", region), ("telegram", telegram_chat_id)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValidationFailed(f"{field} must be a non-empty string")
    fields.check(
        {"display_name": name, "staff_region": region, "telegram_chat_id": telegram_chat_id}
    )
    if password is not None and len(password) < 8:
        raise ValidationFailed("a password needs at least 8 characters")
    hashed = hash_password(password) if password is not None else None
    given = {"name": name, "region": region, "password_hash": hashed}
    given["telegram_chat_id"] = telegram_chat_id
    return await desk.db.write(_save, desk, username, role, given, active, actor)


def _save(session, desk, username, role, given: dict, active, actor) -> Saved:
    staff = session.execute(select(Staff).where(Staff.username == username)).scalar_one_or_none()
    created = staff is None
    if staff is None:
        staff = Staff(username=username, name=given["name"] or username, role=role, active=True)
        session.add(staff)
    staff.role = role
    changed = ["role"]
    for attr, value in given.items():
        if value is not None:
            setattr(staff, attr, value)
            changed.append("password" if attr == "password_hash" else attr)
    if active is not None:
        staff.active = active
        changed.append("active")
    session.flush()
    if active is False:
        _end_access(session, staff.id, desk.now())
    audit.record(
        session,
        at=desk.now(),
        actor=actor,
        action="account.create" if created else "account.update",
        subject=f"staff:{staff.username}",
        detail={"role": role, "changed": changed},
    )
    return Saved(account_dict(staff), created)


async def accounts(desk: Desk) -> list[dict]:
    return await desk.db.read(_accounts)


def _accounts(session: Session) -> list[dict]:
    rows = session.execute(select(Staff).order_by(Staff.id)).scalars()
    return [account_dict(s) for s in rows]


async def disable(desk: Desk, username: str, *, actor: str) -> dict:
    """The account stops at once: its tokens are revoked and its sessions ended."""
    return await desk.db.write(_disable, desk, username, actor)


def _disable(session: Session, desk: Desk, username: str, actor: str) -> dict:
    staff = find(session, username)
    staff.active = False
    ended = _end_access(session, staff.id, desk.now())
    audit.record(
        session,
        at=desk.now(),
        actor=actor,
        action="account.disable",
        subject=f"staff:{username}",
        detail=ended,
    )
    return account_dict(staff)


def _end_access(session: Session, staff_id: int, now: datetime) -> dict:
    tokens = session.execute(
        update(StaffToken)
        .where(StaffToken.staff_id == staff_id, StaffToken.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount
    sessions = session.execute(
        update(StaffSession)
        .where(StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now)
    ).rowcount
    return {"tokens_revoked": tokens, "sessions_ended": sessions}


# --- personal tokens --------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    token: str  # shown once
    info: dict


async def issue_token(
    desk: Desk, username: str, *, actor: str, label: str | None = None, expires_days=None
) -> Issued:
    if expires_days is not None and (
        not isinstance(expires_days, int) or isinstance(expires_days, bool) or expires_days < 1
    ):
        raise ValidationFailed("expires_days must be a whole number of days, at least 1")
    if expires_days is not None and expires_days > 3650:
        raise ValidationFailed("expires_days must be at most 3650")
    if label is not None and (not isinstance(label, str) or len(label) > 100):
        raise ValidationFailed("label must be a string of at most 100 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    info = await desk.db.write(_issue, desk, username, token, label, expires_days, actor)
    return Issued(token, info)


def _issue(session, desk: Desk, username, token, label, expires_days, actor) -> dict:
    staff = find(session, username)
    if not staff.active:
        raise ValidationFailed(f"account {username!r} is disabled")
    now = desk.now()
    row = StaffToken(
        staff_id=staff.id,
        token_hash=token_hash(token),
        label=(label or "").strip() or f"token {now:%Y-%m-%d}",
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="token.create",
        subject=f"staff:{username}",
        detail={"token_id": row.id, "label": row.label, "expires_days": expires_days},
    )
    return _token_dict(row, username)


def _token_dict(row: StaffToken, username: str) -> dict:
    iso = lambda t: t.isoformat() if t else None  # noqa: E731
    return {
        "id": row.id,
        "username": username,
        "label": row.label,
        "created_at": iso(row.created_at),
        "expires_at": iso(row.expires_at),
        "revoked_at": iso(row.revoked_at),
        "last_used_at": iso(row.last_used_at),
    }


async def tokens(desk: Desk, username: str) -> list[dict]:
    return await desk.db.read(_tokens, username)


def _tokens(session: Session, username: str) -> list[dict]:
    staff = find(session, username)
    rows = session.execute(
        select(StaffToken).where(StaffToken.staff_id == staff.id).order_by(StaffToken.id)
    ).scalars()
    return [_token_dict(r, username) for r in rows]


async def revoke_token(desk: Desk, token_id: int, *, actor: str) -> dict:
    return await desk.db.write(_revoke, desk, token_id, actor)


def _revoke(session: Session, desk: Desk, token_id: int, actor: str) -> dict:
    row = session.get(StaffToken, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}")
    staff = session.get(Staff, row.staff_id)
    if row.revoked_at is None:
        row.revoked_at = desk.now()
        audit.record(
            session,
            at=desk.now(),
            actor=actor,
            action="token.revoke",
            subject=f"staff:{staff.username}",
            detail={"token_id": row.id},
        )
    return _token_dict(row, staff.username)


async def by_token(desk: Desk, token: str) -> Principal | None:
    """The account a bearer token belongs to, if the token is live and the account
    active; its last use is recorded (at most once a minute: a write per request would
    queue every API call behind SQLite's write lock)."""
    found = await desk.db.read(_by_token, token_hash(token), desk.now())
    if found is None:
        return None
    principal, token_id, stale = found
    if stale:
        await desk.db.write(_touch_token, token_id, desk.now())
    return principal


def _by_token(session: Session, digest: str, now: datetime):
    row = session.execute(
        select(StaffToken, Staff)
        .join(Staff, Staff.id == StaffToken.staff_id)
        .where(StaffToken.token_hash == digest)
    ).first()
    if row is None:
        return None
    token, staff = row
    if not staff.active or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    stale = token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY
    return principal_of(staff, "token"), token.id, stale


def _touch_token(session: Session, token_id: int, now: datetime) -> None:
    session.execute(update(StaffToken).where(StaffToken.id == token_id).values(last_used_at=now))


# --- Telegram binding -------------------------------------------------------------------


@dataclass(frozen=True)
class BindingLink:
    url: str  # shown once: only the token's hash is kept
    username: str
    expires_at: datetime


async def binding_link(desk: Desk, username: str, *, bot_username: str, actor: str) -> BindingLink:
    """A one-time link `https://t.me/<bot>?start=<token>` that binds the Telegram chat
    opening it to the account: valid for LINK_TTL, once. A new link replaces the
    account's unused ones."""
    # 5 + 32 characters of A-Z a-z 0-9 _ -, as Telegram allows (at most 64)
    token = STAFF_LINK_PREFIX + secrets.token_urlsafe(24)
    expires_at = await desk.db.write(_binding_link, desk, username, token_hash(token), actor)
    url = f"https://t.me/{bot_username.lstrip('@')}?start={token}"
    return BindingLink(url, username, expires_at)


def _binding_link(session: Session, desk: Desk, username: str, digest: str, actor: str):
    staff = find(session, username)
    if not staff.active:
        raise ValidationFailed(f"account {username!r} is disabled")
    now = desk.now()
    session.execute(
        update(StaffLink)
        .where(StaffLink.staff_id == staff.id, StaffLink.used_at.is_(None))
        .where(StaffLink.expires_at > now)
        .values(expires_at=now)
    )
    link = StaffLink(
        staff_id=staff.id, token_hash=digest, created_at=now, expires_at=now + LINK_TTL
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="account.telegram_link",
        subject=f"staff:{username}",
        detail={"link_id": link.id, "expires_at": link.expires_at.isoformat()},
    )
    return link.expires_at


async def bind_telegram(desk: Desk, token: str, chat_id: str) -> str | None:
    """The Telegram chat that sent `/start <token>` becomes the account's chat for the
    desk's notices; the account's display name, or None when the token is unknown,
    used, expired or its account disabled (nothing is bound then). A chat is one
    person's: another account bound to it loses it."""
    if not isinstance(token, str) or not LINK_TOKEN.fullmatch(token):
        return None
    fields.check({"telegram_chat_id": chat_id})
    return await desk.db.write(_bind_telegram, desk, token_hash(token), chat_id)


def _bind_telegram(session: Session, desk: Desk, digest: str, chat_id: str) -> str | None:
    now = desk.now()
    # One conditional UPDATE takes the link: of two chats racing, one binds.
    taken = session.execute(
        update(StaffLink)
        .where(StaffLink.token_hash == digest, StaffLink.used_at.is_(None))
        .where(StaffLink.expires_at > now)
        .values(used_at=now)
        .returning(StaffLink.id, StaffLink.staff_id)
    ).first()
    if taken is None:
        return None
    staff = session.get(Staff, taken.staff_id)
    if not staff.active:
        return None  # the link is spent all the same
    others = session.execute(
        update(Staff)
        .where(Staff.telegram_chat_id == chat_id, Staff.id != staff.id)
        .values(telegram_chat_id=None)
        .returning(Staff.username)
    ).scalars()
    unbound = sorted(others)
    staff.telegram_chat_id = chat_id
    audit.record(
        session,
        at=now,
        actor=f"staff:{staff.username}",
        action="account.telegram_bind",
        subject=f"staff:{staff.username}",
        detail={"link_id": taken.id, "via": "telegram /start", "unbound": unbound},
    )
    return staff.name


# --- hotline agents ---------------------------------------------------------------------


async def add_agent(desk: Desk, username: str, agent_id: str, *, actor: str) -> list[str]:
    """Make `agent_id` a known agent of the hotline account; its agents afterwards."""
    if not isinstance(agent_id, str) or not agent_id.strip():
        raise ValidationFailed("agent_id is required")
    fields.check({"agent_id": agent_id.strip()})
    return await desk.db.write(_add_agent, desk, username, agent_id.strip(), actor)


def _add_agent(session: Session, desk: Desk, username: str, agent_id: str, actor: str):
    staff = find(session, username)
    if staff.role != Role.HOTLINE:
        raise ValidationFailed(f"{username!r} is not a hotline account")
    if agent_id not in _agents(session, staff.id):
        session.add(HotlineAgent(staff_id=staff.id, agent_id=agent_id))
        session.flush()
        audit.record(
            session,
            at=desk.now(),
            actor=actor,
            action="agent.add",
            subject=f"staff:{username}",
            detail={"agent_id": agent_id},
        )
    return _agents(session, staff.id)


async def agents(desk: Desk, username: str) -> list[str]:
    return await desk.db.read(lambda s: _agents(s, find(s, username).id))


def _agents(session: Session, staff_id: int) -> list[str]:
    stmt = select(HotlineAgent.agent_id).where(HotlineAgent.staff_id == staff_id)
    return list(session.execute(stmt.order_by(HotlineAgent.agent_id)).scalars())


async def check_agent(desk: Desk, principal: Principal, agent_id: str) -> None:
    """A hotline account posts calls only for its known agents; a person (an `agent`)
    only for themselves. Anything else is a 422: the call is not taken."""
    if principal.role == Role.AGENT:
        if agent_id != principal.username:
            raise ValidationFailed(f"agent_id must be your own username ({principal.username})")
        return
    known = await desk.db.read(_agents, principal.staff_id)
    if agent_id not in known:
        raise ValidationFailed(f"agent_id {agent_id!r} is not a known agent of this account")


# --- bootstrap --------------------------------------------------------------------------


async def ensure_admin(desk: Desk) -> str | None:
    """With no active admin at all, create `admin` with a random password and return
    the password (shown once); None when an admin exists."""
    password = secrets.token_urlsafe(12)
    try:
        created = await desk.db.write(_ensure_admin, desk, hash_password(password))
    except IntegrityError:  # another process starting on the same store made it first
        return None
    return password if created else None


def _ensure_admin(session: Session, desk: Desk, hashed: str) -> bool:
    stmt = select(Staff.id).where(Staff.role == Role.ADMIN, Staff.active.is_(True))
    if session.execute(stmt.limit(1)).first():
        return False
    staff = session.execute(select(Staff).where(Staff.username == "admin")).scalar_one_or_none()
    if staff is None:
        staff = Staff(username="admin", name="管理员", role=Role.ADMIN, active=True)
        session.add(staff)
    staff.role, staff.active, staff.password_hash = Role.ADMIN, True, hashed
    session.flush()
    audit.record(
        session,
        at=desk.now(),
        actor="system:bootstrap",
        action="account.create",
        subject="staff:admin",
        detail={"role": "admin", "bootstrap": True},
    )
    return True
