"""Aliyun SMS (阿里云短信, `dysmsapi` 2017-05-25) as the SMS gateway.

`SendSms` is an RPC-style call: every parameter in the query string, signed with
signature version 1.0 (HMAC-SHA1 of the canonicalised, percent-encoded query under the
AccessKey secret + "&"). The answer is JSON whose `Code` is "OK" on success, else an
error code such as `isv.BUSINESS_LIMIT_CONTROL` (the provider's own rate limit).
Configured by the environment (README "Configuration": ALIYUN_SMS_*).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote

import aiohttp
from yarl import URL

from backend.services.sms import SmsFailed

log = logging.getLogger(__name__)

ENDPOINT = "https://dysmsapi.aliyuncs.com/"
VERSION = "2017-05-25"
TIMEOUT = aiohttp.ClientTimeout(total=10)


def percent_encode(value: str) -> str:
    """RFC 3986 as Aliyun's signature wants it: spaces %20, `*` %2A, `~` kept."""
    return quote(value, safe="~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def signature(method: str, params: Mapping[str, str], secret: str) -> str:
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms:
    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template_code: str,
        endpoint: str = ENDPOINT,
        region: str = "cn-hangzhou",
    ):
        self.access_key_id, self.secret = access_key_id, access_key_secret
        self.sign_name, self.template_code = sign_name, template_code
        self.endpoint, self.region = endpoint, region
        self._session: aiohttp.ClientSession | None = None

    def signed_params(self, phone: str, code: str, *, now: datetime | None = None) -> dict:
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": self.region,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps({"code": code}),
            "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": VERSION,
        }
        params["Signature"] = signature("GET", params, self.secret)
        return params

    async def send_code(self, phone: str, code: str) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        query = canonical_query(self.signed_params(phone, code))
        try:
            url = URL(f"{self.endpoint}?{query}", encoded=True)  # signed as encoded here
            async with self._session.get(url) as resp:
                body = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise SmsFailed(f"aliyun: {type(exc).__name__}") from None
        body = body if isinstance(body, dict) else {}
        result = body.get("Code")
        if result != "OK":
            log.warning("aliyun SMS refused: %s (request %s)", result, body.get("RequestId"))
            raise SmsFailed(f"aliyun: {result}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
