"""The running app tells customers the configured price list and wording
(AFTERCARE_SERVICE_FILE), not a placeholder in the code, and refuses to start with a
bad file."""

from __future__ import annotations

import pytest

from backend.domain.service_terms import ServiceTermsError
from bot.dialogue.parsing import payload
from tests.bot.harness import joined
from tests.bot.scripts import verify_by_sms
from tests.domain.test_service_terms import GOOD
from tests.store.seed import seed_units


async def test_the_chat_quotes_the_configured_price_list(stack_factory, tmp_path):
    path = tmp_path / "service.toml"
    path.write_text(GOOD, "utf-8")
    async with stack_factory(service_file=path) as stack:
        await seed_units(stack.desk)
        d = stack.driver("web", 1)
        # not verified yet: the configured prices, nothing of the unit the serial names
        stranger = joined(await d.say(payload("ask_warranty", serial_number="SNPAID000003")))
        assert "收费标准：上门费 30 元/次；配件另计。" in stranger and "XQG100" not in stranger
        await verify_by_sms(d, stack)
        paid = joined(await d.say(payload("ask_warranty", serial_number="SNPAID000003")))
        assert paid == "洗衣机 XQG100已过保。收费标准：上门费 30 元/次；配件另计。"
        contract = joined(await d.say(payload("ask_warranty", serial_number="SNCONTRACT02")))
        assert contract.endswith("合同至 2027-01-01。")
        unknown = joined(await d.say(payload("ask_warranty", serial_number="SNNOSUCH99")))
        assert unknown == "查不到记录。收费标准：上门费 30 元/次；配件另计。"


async def test_a_bad_service_file_stops_the_app_at_start(stack_factory, tmp_path):
    path = tmp_path / "service.toml"
    path.write_text(GOOD.replace("{product}已过保。", "{model}已过保。"), "utf-8")
    with pytest.raises(ServiceTermsError, match=r"wording\.warranty_paid"):
        async with stack_factory(service_file=path):
            pass
