"""The misunderstood-message inbox (console page): what the NLU missed, grouped by the
intent it most likely is, for supervisors to label with one click.

The page reads through backend/services/nlu_inbox.py (the texts are stored masked) and
labels through the API (POST /api/nlu/inbox/{id}/label, from static/nlu.js), so the
rule of what may be a label lives once. `?labelled=true` lists the labelled ones (a
label can be given again: the latest wins).
"""

from __future__ import annotations

from aiohttp import web

from backend.api.access import page
from backend.api.keys import DESK
from backend.api.pages.render import render
from backend.domain.permissions import Action
from backend.services import nlu_inbox
from backend.services.texts import INTENT_ZH
from nlu.trainingdata import known_intents

routes = web.RouteTableDef()

UNKNOWN = "未能判断"  # a group with no likely intent


def intent_label(code: str | None) -> str:
    if not code:
        return UNKNOWN
    return INTENT_ZH.get(code, code)


def intents() -> list[dict[str, str]]:
    """What a message may be labelled as (the training data's intents), in SPEC order."""
    order = list(INTENT_ZH)
    known = sorted(known_intents(), key=lambda i: (order.index(i) if i in order else 99, i))
    return [{"code": code, "label": intent_label(code)} for code in known]


def _item(item: dict) -> dict:
    guesses = [
        {
            "code": t["intent"],
            "label": intent_label(t["intent"]),
            "confidence": f"{t['confidence'] * 100:.0f}%",
        }
        for t in item["top_intents"]
    ]
    return {**item, "guesses": guesses, "label_zh": intent_label(item["label"])}


@routes.get("/console/nlu")
@page(Action.NLU_INBOX)
async def nlu_page(request: web.Request) -> web.Response:
    labelled = request.query.get("labelled") == "true"
    found = await nlu_inbox.items(request.app[DESK], labelled=labelled)
    groups = [
        {
            "code": group["likely_intent"] or "",
            "label": intent_label(group["likely_intent"]),
            "messages": group["messages"],
            "items": [_item(i) for i in group["items"]],
        }
        for group in nlu_inbox.grouped(found)
    ]
    context = {
        "title": "未识别消息",
        "labelled": labelled,
        "groups": groups,
        "waiting": len(found),
        "limit": nlu_inbox.MAX_ITEMS,
        "intents": intents(),
    }
    return render(request, "nlu_page.html", context)
