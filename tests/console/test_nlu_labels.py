"""The inbox's intents by their Chinese labels (backend/services/texts.py INTENT_ZH)."""

from __future__ import annotations

import re

from backend.api.pages.nlu import UNKNOWN, intent_label, intents
from backend.services.texts import INTENT_ZH
from nlu.trainingdata import known_intents

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_intent_the_model_knows_has_a_chinese_label():
    assert set(INTENT_ZH) == set(known_intents())  # SPEC section 2's fifteen
    assert all(CJK.search(label) for label in INTENT_ZH.values())
    assert [i["code"] for i in intents()] == list(INTENT_ZH)  # offered in SPEC order


def test_no_likely_intent_is_said_as_undecided():
    assert intent_label(None) == UNKNOWN == "未能判断"
    assert intent_label("report_fault") == "报修"
