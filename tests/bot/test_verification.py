"""The SMS one-time code, through the running app and the real store: with the `log`
gateway (the code only in the application log) and with the Aliyun SMS adapter against
a fake server that speaks its API (signature v1 checked as Aliyun documents it).
Expiry (the clock moved), a wrong code, too many tries, the limits per phone and per
chat."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from backend.store.tables import ChannelIdentity, SmsCode
from tests.bot.harness import joined
from tests.fakes.sms import RecordingSms
from tests.fixtures.db import opened
from tests.store.seed import seed_units

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

PHONE = "13812345678"


async def _bound(stack, chat: str) -> ChannelIdentity | None:
    async with opened(stack.desk.db) as s:
        stmt = select(ChannelIdentity).where(ChannelIdentity.external_id == chat)
        return (await s.execute(stmt)).scalar_one_or_none()


async def _verified(stack, chat: str) -> bool:
    ident = await _bound(stack, chat)
    return ident is not None and ident.verified_at is not None


async def _ask_code(d, phone: str = PHONE) -> list:
    await d.say("验证手机号")
    return await d.say(phone)


async def test_log_gateway_puts_the_code_in_the_application_log_only(stack_factory, caplog):
    async with stack_factory() as stack:
        seed = await seed_units(stack.desk)
        d = stack.driver("web", 1)
        with caplog.at_level(logging.WARNING, logger="backend.services.sms"):
            r = await _ask_code(d)
        assert "验证码已发送到 138****5678" in joined(r)
        (line,) = [
            rec.getMessage() for rec in caplog.records if "verification code" in rec.getMessage()
        ]
        code = re.search(r"\b(\d{6})\b", line).group(1)
        assert PHONE not in line  # the phone masked in the log
        assert code not in joined(r)
        async with opened(stack.desk.db) as s:
            row = (await s.execute(select(SmsCode))).scalar_one()
        assert code not in row.code_hash and len(row.code_hash) == 64  # only a hash stored
        r = await d.say(code)
        assert "验证成功" in joined(r)
        ident = await _bound(stack, d.chat)
        assert ident.customer_id == seed["customer"] and ident.verified_at is not None


async def test_a_code_expires_after_five_minutes(stack_factory):
    async with stack_factory() as stack:
        stack.desk.sms = sms = RecordingSms()
        d = stack.driver("web", 2)
        await _ask_code(d)
        stack.desk.clock.advance(minutes=5, seconds=1)
        r = await d.say(sms.last_code(PHONE))
        assert "已过期" in joined(r)
        assert not await _verified(stack, d.chat)
        # a new code, typed in time, works
        await _ask_code(d)
        stack.desk.clock.advance(minutes=4, seconds=59)
        assert "验证成功" in joined(await d.say(sms.last_code(PHONE)))


async def test_wrong_codes_then_too_many_tries(stack_factory):
    async with stack_factory() as stack:
        stack.desk.sms = sms = RecordingSms()
        d = stack.driver("web", 3)
        await _ask_code(d)
        right = sms.last_code(PHONE)
        wrong = f"{(int(right) + 1) % 10**6:06d}"
        r = await d.say(wrong)
        assert "验证码不正确" in joined(r) and "4 次" in joined(r)
        for _ in range(3):
            r = await d.say(wrong)
        assert "1 次" in joined(r)
        r = await d.say(wrong)  # the fifth wrong try
        assert "错误次数过多" in joined(r)
        r = await d.say(right)  # too late: the code is dead
        assert "验证成功" not in joined(r)
        assert not await _verified(stack, d.chat)
        # an older code stops working once a new one is sent
        await _ask_code(d)
        first = sms.last_code(PHONE)
        await _ask_code(d)
        if sms.last_code(PHONE) != first:  # (equal once in a million)
            assert "验证成功" not in joined(await d.say(first))
        assert "验证成功" in joined(await d.say(sms.last_code(PHONE)))


async def test_codes_are_limited_per_phone_and_per_chat(stack_factory):
    async with stack_factory(limits=True, chat_burst=200, codes_per_hour=3) as stack:
        stack.desk.sms = sms = RecordingSms()
        for n in range(3):  # three chats ask codes for the same phone
            assert "验证码已发送" in joined(await _ask_code(stack.driver("web", 10 + n)))
        r = await _ask_code(stack.driver("web", 20))
        assert "发送次数有点多" in joined(r)
        one = stack.driver("web", 30)  # one chat tries phone after phone
        for phone in ("13900000001", "13900000002", "13900000003"):
            assert "验证码已发送" in joined(await _ask_code(one, phone))
        r = await _ask_code(one, "13900000004")
        assert "发送次数有点多" in joined(r)
        assert len(sms.sent) == 6
        stack.desk.clock.advance(hours=1, seconds=1)  # an hour later: allowed again
        assert "验证码已发送" in joined(await _ask_code(one, "13900000004"))


async def test_only_a_mobile_gets_a_code(stack_factory):
    async with stack_factory() as stack:
        stack.desk.sms = sms = RecordingSms()
        d = stack.driver("web", 4)
        r = await _ask_code(d, "010-62345678")
        assert "11 位手机号" in joined(r) and sms.sent == []


# ---- the Aliyun SMS adapter against a fake dysmsapi ------------------------------------
ACCESS_KEY_ID, ACCESS_KEY_SECRET = "LTAI-test-id", "test-secret"


def _aliyun_encode(value: str) -> str:
    # As Aliyun's documentation says: URL-encode (UTF-8), then "+" -> %20, "*" -> %2A,
    # "%7E" -> "~" (written independently of the adapter's own encoder).
    return quote(value, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


class FakeDysmsapi:
    """SendSms as Aliyun answers it: the signature checked, the code kept."""

    def __init__(self):
        self.received: list[dict] = []
        self.refuse: set[str] = set()  # phones answered with the provider's own limit

    async def send_sms(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        given = params.pop("Signature", "")
        canonical = "&".join(
            f"{_aliyun_encode(k)}={_aliyun_encode(v)}" for k, v in sorted(params.items())
        )
        to_sign = f"{request.method}&%2F&{_aliyun_encode(canonical)}"
        mac = hmac.new(f"{ACCESS_KEY_SECRET}&".encode(), to_sign.encode(), hashlib.sha1)
        if given != base64.b64encode(mac.digest()).decode():
            return web.json_response(
                {"Code": "SignatureDoesNotMatch", "RequestId": "r-bad"}, status=400
            )
        assert params["Action"] == "SendSms" and params["Version"] == "2017-05-25"
        assert params["AccessKeyId"] == ACCESS_KEY_ID and params["SignatureVersion"] == "1.0"
        if params["PhoneNumbers"] in self.refuse:
            return web.json_response(
                {
                    "Code": "isv.BUSINESS_LIMIT_CONTROL",
                    "Message": "触发天级流控",
                    "RequestId": "r-2",
                }
            )
        self.received.append(params)
        return web.json_response(
            {"Code": "OK", "Message": "OK", "BizId": "9006197469364984400", "RequestId": "r-1"}
        )

    def code_for(self, phone: str) -> str:
        params = next(p for p in reversed(self.received) if p["PhoneNumbers"] == phone)
        return json.loads(params["TemplateParam"])["code"]


@pytest.fixture
async def dysmsapi():
    fake = FakeDysmsapi()
    app = web.Application()
    app.router.add_get("/", fake.send_sms)
    server = TestServer(app)
    await server.start_server()
    fake.url = str(server.make_url("/"))
    yield fake
    await server.close()


def _aliyun(dysmsapi, **extra) -> dict:
    return {
        "sms_gateway": "aliyun",
        "aliyun_sms_access_key_id": ACCESS_KEY_ID,
        "aliyun_sms_access_key_secret": ACCESS_KEY_SECRET,
        "aliyun_sms_sign_name": "售后服务",
        "aliyun_sms_template_code": "SMS_123456789",
        "aliyun_sms_endpoint": dysmsapi.url,
        **extra,
    }


async def test_aliyun_adapter_sends_a_signed_sendsms_and_the_code_verifies(stack_factory, dysmsapi):
    async with stack_factory(**_aliyun(dysmsapi)) as stack:
        seed = await seed_units(stack.desk)
        d = stack.driver("web", 5)
        r = await _ask_code(d)
        assert "验证码已发送" in joined(r)
        (params,) = dysmsapi.received
        assert params["SignName"] == "售后服务" and params["TemplateCode"] == "SMS_123456789"
        assert params["PhoneNumbers"] == PHONE
        wrong = f"{(int(dysmsapi.code_for(PHONE)) + 1) % 10**6:06d}"
        assert "验证码不正确" in joined(await d.say(wrong))
        stack.desk.clock.advance(minutes=2)
        r = await d.say(dysmsapi.code_for(PHONE))
        assert "验证成功" in joined(r)
        assert (await _bound(stack, d.chat)).customer_id == seed["customer"]


async def test_aliyun_refusal_and_expiry_through_the_adapter(stack_factory, dysmsapi):
    dysmsapi.refuse.add("13900000009")
    async with stack_factory(**_aliyun(dysmsapi)) as stack:
        d = stack.driver("web", 6)
        r = await _ask_code(d, "13900000009")
        assert "短信暂时没能发出去" in joined(r)
        r = await _ask_code(d)
        stack.desk.clock.advance(minutes=6)
        assert "已过期" in joined(await d.say(dysmsapi.code_for(PHONE)))
        assert not await _verified(stack, d.chat)


async def test_aliyun_limits_per_phone_hold_with_the_adapter(stack_factory, dysmsapi):
    async with stack_factory(
        **_aliyun(dysmsapi, limits=True, chat_burst=200, codes_per_hour=2)
    ) as stack:
        for n in range(2):
            assert "验证码已发送" in joined(await _ask_code(stack.driver("web", 40 + n)))
        assert "发送次数有点多" in joined(await _ask_code(stack.driver("web", 50)))
        assert len(dysmsapi.received) == 2  # the refused one never reached the provider
