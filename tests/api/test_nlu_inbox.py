"""The misunderstood-message inbox: kept masked and counted, grouped for supervisors,
labelled with one call, taken in as training data (real store, both backends)."""

from __future__ import annotations

from sqlalchemy import select

from backend.domain.kinds import TicketKind
from backend.domain.transcript import Turn
from backend.services import nlu_inbox
from backend.services.chat import ChatService
from backend.services.hotline import CallRecord, import_call
from backend.store.tables import NluInboxItem
from bot.dialogue.engine import Engine, Input
from nlu.client import FALLBACK_INTENT, NluResult
from nlu.trainingdata import LABELLED_FILE, read_file, write_labelled
from tests.api.conftest import STAFF
from tests.fixtures.db import opened
from tests.fixtures.staff import headers

MISSED = "我家在北京市海淀区中关村大街27号院3号楼502室 电话13812345678 那个东西又那样了"
RANKING = ((FALLBACK_INTENT, 0.41), ("report_fault", 0.41), ("complain", 0.3), ("inform", 0.1))


class MissingNlu:
    """Falls back on everything, the way Rasa reports it (nlu_fallback, then the rest)."""

    async def parse(self, text: str) -> NluResult:
        return NluResult(text, FALLBACK_INTENT, 0.41, ranking=RANKING, model="nlu-test.tar.gz")


async def _rows(db):
    async with opened(db) as session:
        return (
            (await session.execute(select(NluInboxItem).order_by(NluInboxItem.id))).scalars().all()
        )


async def test_a_fallen_back_message_is_kept_masked_and_counted_once(api, db):
    engine = Engine(ChatService(api.desk), MissingNlu())
    await engine.handle("web", "chat-a", Input(text=MISSED))
    await engine.handle("telegram", "chat-b", Input(text="  " + MISSED + " "))  # same text
    rows = await _rows(db)
    assert len(rows) == 1
    row = rows[0]
    assert "13812345678" not in row.text and "138****5678" in row.text
    assert "中关村大街27号院" not in row.text and "****" in row.text
    assert "那个东西又那样了" in row.text  # the words that matter stay
    assert row.count == 2 and row.channel == "telegram" and row.reason == "fallback"
    assert row.likely_intent == "report_fault"
    assert row.top_intents == [["report_fault", 0.41], ["complain", 0.3], ["inform", 0.1]]
    assert row.model == "nlu-test.tar.gz" and row.label is None


async def test_a_button_or_an_understood_message_is_not_kept(api, db):
    class Understands:
        async def parse(self, text):
            return NluResult(text, "greet", 0.99, ranking=(("greet", 0.99),))

    engine = Engine(ChatService(api.desk), Understands())
    await engine.handle("web", "chat-c", Input(text="你好呀"))
    await engine.handle("web", "chat-c", Input(text="/report_fault"))
    assert await _rows(db) == []


async def test_a_hotline_turn_the_agent_read_differently_is_kept_as_corrected(api, db):
    turns = [Turn("customer", "你们那个师傅上次来修完又坏了，我很不满意"), Turn("agent", "好的")]
    read = NluResult(turns[0].text, "report_fault", 0.8, ranking=(("report_fault", 0.8),))
    call = CallRecord(
        "call-1", "13812345678", "a1", api.desk.now(), None, turns, kind=TicketKind.COMPLAINT
    )
    await import_call(api.desk, call, [read])
    (row,) = await _rows(db)
    assert row.reason == "corrected" and row.likely_intent == "complain"
    assert row.channel == "hotline"


async def test_supervisors_see_groups_and_label_with_one_call(api, db):
    engine = Engine(ChatService(api.desk), MissingNlu())
    # Two misses in a row hand a chat to a person (who reads the rest): three chats.
    for n, text in enumerate((MISSED, MISSED, "嗯那啥就是说吧")):
        await engine.handle("web", f"chat-d{n}", Input(text=text))
    assert (await api.get("/api/nlu/inbox")).status == 401
    answer = await api.get("/api/nlu/inbox", headers=STAFF)
    assert answer.status == 200
    body = await answer.json()
    assert body["items"] == 2 and "complain" in body["intents"]
    (group,) = body["groups"]  # both were most likely report_fault
    assert group["likely_intent"] == "report_fault" and group["messages"] == 3
    first = group["items"][0]
    assert first["count"] == 2 and "138****5678" in first["text"]

    path = f"/api/nlu/inbox/{first['id']}/label"
    assert (await api.post(path, json={"intent": "report_fault"})).status == 401
    wrong = await api.post(path, json={"intent": "buy_a_pony"}, headers=STAFF)
    assert wrong.status == 422
    assert (await _rows(db))[0].label is None  # nothing half-written
    for item in ("9999", "0", "-1", "x", str(2**80)):  # the fuzzer found the last one
        missing = await api.post(
            f"/api/nlu/inbox/{item}/label", json={"intent": "greet"}, headers=STAFF
        )
        assert missing.status == 404, item
    for role in ("dispatcher", "technician", "agent", "admin"):  # the supervisors' work
        refused = await api.post(path, json={"intent": "greet"}, headers=headers(role))
        assert refused.status == 403, role
    # A body's actor is never believed: the label is the signed-in supervisor's.
    done = await api.post(path, json={"intent": "report_fault", "actor": "王主管"}, headers=STAFF)
    assert done.status == 200
    assert (await done.json())["labelled_by"] == "staff:test-supervisor"
    still_open = await (await api.get("/api/nlu/inbox", headers=STAFF)).json()
    assert still_open["items"] == 1
    labelled = await (await api.get("/api/nlu/inbox?labelled=true", headers=STAFF)).json()
    assert labelled["groups"][0]["items"][0]["label"] == "report_fault"
    assert (await api.get("/api/nlu/inbox?labelled=maybe", headers=STAFF)).status == 422


async def test_labelling_adds_a_training_example(api, db, tmp_path):
    engine = Engine(ChatService(api.desk), MissingNlu())
    await engine.handle("web", "chat-e", Input(text=MISSED))
    (row,) = await _rows(db)
    await nlu_inbox.label(api.desk, row.id, "report_fault", "staff:王主管")
    items = await api.desk.db.read(nlu_inbox.labelled_examples)
    examples = [(i.label, i.text, f"inbox:{i.id}") for i in items]
    data = tmp_path / "data"
    data.mkdir()
    (data / "greet.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 你好\n', "utf-8"
    )
    sources = tmp_path / "inbox.tsv"
    # A text the data teaches already keeps its label: the inbox's is left out.
    assert write_labelled([*examples, ("thanks", "你好", "inbox:0")], data, sources)
    assert read_file(data / LABELLED_FILE) == [("report_fault", " ".join(row.text.split()))]
    assert f"report_fault\tinbox:{row.id}\t" in sources.read_text("utf-8")
    assert not write_labelled(examples, data, sources)  # unchanged: nothing to retrain
