"""An SMS gateway that keeps what it would send (the tests read the code from it)."""

from __future__ import annotations


class RecordingSms:
    def __init__(self, *, fail: bool = False):
        self.sent: list[tuple[str, str]] = []  # (phone, code)
        self.fail = fail

    async def send_code(self, phone: str, code: str) -> None:
        from backend.services.sms import SmsFailed

        if self.fail:
            raise SmsFailed("recording gateway told to fail")
        self.sent.append((phone, code))

    async def close(self) -> None:
        pass

    def last_code(self, phone: str) -> str:
        return next(code for p, code in reversed(self.sent) if p == phone)
