"""Verifying a chat by a one-time code sent by SMS (one unit of work per step).

A code is 6 digits, valid 5 minutes, for 5 tries; a new code replaces the chat's older
ones. Only a hash of it is stored. The right code binds the chat to the phone's
customer, verified (`customers.bind_verified`). How many codes a phone and a chat may
get is backend/services/limits.py `check_codes`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.domain.contact import normalise_phone
from backend.domain.errors import ValidationFailed
from backend.services import customers, limits
from backend.services.chat_api import CodeCheck
from backend.services.desk import Desk
from backend.services.sms import SmsFailed
from backend.store.tables import SmsCode

log = logging.getLogger(__name__)

DIGITS = 6
VALID = timedelta(minutes=5)
TRIES = 5
MOBILE = re.compile(r"1[3-9]\d{9}")  # a text reaches a mobile only


def _hash(channel: str, chat_id: str, phone: str, code: str) -> str:
    return hashlib.sha256(f"{channel}\x00{chat_id}\x00{phone}\x00{code}".encode()).hexdigest()


async def send_code(desk: Desk, channel: str, chat_id: str, phone: str) -> bool:
    """Make a code for this chat and phone and text it. False when the provider did not
    take it; LimitReached over the limits; ValidationFailed for a number no SMS reaches."""
    canonical = normalise_phone(phone)
    if canonical is None or not MOBILE.fullmatch(canonical):
        raise ValidationFailed("a verification code goes to a mainland mobile number only")
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    await desk.db.write(_new_code, desk, channel, chat_id, canonical, code)
    try:
        await desk.sms.send_code(canonical, code)
    except SmsFailed as exc:
        log.warning("verification code not sent: %s", exc)
        return False
    return True


def _new_code(session: Session, desk: Desk, channel: str, chat_id: str, phone: str, code: str):
    now = desk.now()
    limits.check_codes(session, desk.limits, channel=channel, chat_id=chat_id, phone=phone, now=now)
    session.execute(  # one code at a time per chat: the older ones stop working
        update(SmsCode)
        .where(
            SmsCode.channel == channel,
            SmsCode.external_id == chat_id,
            SmsCode.used_at.is_(None),
        )
        .values(expires_at=now)
    )
    session.add(
        SmsCode(
            channel=channel,
            external_id=chat_id,
            phone=phone,
            code_hash=_hash(channel, chat_id, phone, code),
            created_at=now,
            expires_at=now + VALID,
            tries=0,
        )
    )


async def check_code(desk: Desk, channel: str, chat_id: str, code: str) -> CodeCheck:
    return await desk.db.write(_check, desk.now(), channel, chat_id, code.strip())


def _check(session: Session, now: datetime, channel: str, chat_id: str, code: str) -> CodeCheck:
    row = session.execute(
        select(SmsCode)
        .where(SmsCode.channel == channel, SmsCode.external_id == chat_id)
        .order_by(SmsCode.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if row is None or row.used_at is not None:
        return CodeCheck("none")
    if now >= row.expires_at:
        return CodeCheck("expired")
    if row.tries >= TRIES:
        return CodeCheck("locked")
    given = _hash(channel, chat_id, row.phone, code)
    if not hmac.compare_digest(given, row.code_hash):
        row.tries += 1
        left = TRIES - row.tries
        return CodeCheck("wrong" if left else "locked", tries_left=left)
    row.used_at = now
    customer_id = customers.bind_verified(session, channel, chat_id, row.phone, now=now)
    return CodeCheck("verified", customer_id=customer_id, phone=row.phone)
