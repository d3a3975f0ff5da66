"""The SMS gateway port: how a one-time code reaches a phone.

`LogGateway` (development, AFTERCARE_SMS_GATEWAY=log) writes the code to the application
log only; backend/services/aliyun_sms.py is the real provider (Aliyun SMS). The
composition root picks one from the settings (`gateway_for`).
"""

from __future__ import annotations

import logging
from typing import Protocol

from backend.domain.contact import mask_phone

log = logging.getLogger(__name__)


class SmsFailed(Exception):
    """The provider did not accept the message (its code, never the phone or the code)."""


class SmsGateway(Protocol):
    async def send_code(self, phone: str, code: str) -> None:
        """Send `code` to `phone` (canonical digits); raises SmsFailed."""
        ...

    async def close(self) -> None: ...


class LogGateway:
    """Development: the code goes to the application log, nowhere else."""

    async def send_code(self, phone: str, code: str) -> None:
        log.warning("SMS gateway 'log': verification code for %s is %s", mask_phone(phone), code)

    async def close(self) -> None:
        pass
