"""The satisfaction survey (回访, SPEC section 5): sending, reminding, expiring, answering.

A Survey row is created (status `scheduled`, due_at out of quiet hours) by
transitions when a ticket is resolved. From there:

- `send_due` turns due surveys into an outbox notice on the customer's chat: the first
  question (repairs, maintenance) or the accept/reject question (complaints);
- `handle_survey_input` takes the customer's button taps (`sv:<id>:<question>:<level>`,
  `sv:<id>:accept|reject|skip`), typed level words and the optional free-text comment,
  and answers with the next question;
- `remind_and_expire` sends the one reminder and later expires unanswered surveys.

A survey's status: scheduled -> sent -> answered | expired (or unreachable when the
customer has no chat to push to). `awaiting_comment` is true while the optional
free-text question is open; the score counts from the fourth answer on.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import survey as rules
from backend.domain.errors import ValidationFailed
from backend.domain.kinds import Channel, TicketKind
from backend.domain.survey import LABELS_ZH, QUESTIONS, Level
from backend.services import notices, transitions
from backend.services.desk import Desk
from backend.services.registration import Registration, file_ticket
from backend.services.replies import Button, Reply
from backend.services.transitions import StatusChange
from backend.store.tables import Staff, Survey, Ticket, TicketEvent

PREFIX = "sv:"
REMIND_AFTER = timedelta(hours=24)  # after sending, if unanswered
EXPIRE_AFTER = timedelta(hours=24)  # after the reminder
COMMENT_WINDOW = timedelta(hours=24)  # how long the optional comment question stays open
_QUESTION_NAMES = [q for q, _ in QUESTIONS]
_LEVEL_BY_LABEL = {label: level for level, label in LABELS_ZH.items()}
_ACCEPT_WORDS = {"接受": "accept", "不接受": "reject"}
SKIP = "跳过"


# ---- wording ---------------------------------------------------------------------------
def question_reply(survey: Survey, index: int, intro: str = "") -> Reply:
    name, label = QUESTIONS[index]
    text = f"{intro}（{index + 1}/{len(QUESTIONS)}）您对师傅的【{label}】是否满意？"
    buttons = tuple(
        Button(LABELS_ZH[level], f"{PREFIX}{survey.id}:{name}:{level.value}") for level in Level
    )
    return Reply(text.strip(), buttons)


def acceptance_reply(survey: Survey, ticket: Ticket, intro: str = "") -> Reply:
    outcome = ticket.outcome or "（见处理通知）"
    text = (
        f"{intro}您的投诉单 {ticket.number} 已处理完成，处理结果：{outcome}。"
        "请问您是否接受这个处理结果？"
    )
    return Reply(
        text,
        (
            Button("接受", f"{PREFIX}{survey.id}:accept"),
            Button("不接受", f"{PREFIX}{survey.id}:reject"),
        ),
    )


def _comment_reply(survey: Survey) -> Reply:
    return Reply(
        "感谢您的评价！如有意见或建议，请直接输入文字告诉我们（可选）。",
        (Button(SKIP, f"{PREFIX}{survey.id}:skip"),),
    )


def _intro(ticket: Ticket) -> str:
    kind = _KIND_ZH.get(ticket.kind, "")
    return f"您好，您的{kind}单 {ticket.number} 已完成服务，耽误您一分钟做个回访。"


_KIND_ZH = {TicketKind.REPAIR.value: "报修", TicketKind.MAINTENANCE.value: "保养"}
_DONE = Reply("本次回访已完成，感谢您的支持！")
_OVER = Reply("本次回访已结束，感谢您的支持！如仍有问题，请直接告诉我们。")


def _first_open(survey: Survey) -> int | None:
    for index, name in enumerate(_QUESTION_NAMES):
        if getattr(survey, name) is None:
            return index
    return None


def _opening(survey: Survey, ticket: Ticket, intro: str) -> Reply:
    if survey.kind == "acceptance":
        return acceptance_reply(survey, ticket, intro)
    return question_reply(survey, _first_open(survey) or 0, intro)


# ---- the schedule ------------------------------------------------------------------------
def _lock(stmt, session: Session, *, skip_locked: bool = True):
    """Row locks where the backend has them; SQLite transactions are serialised anyway."""
    if session.bind.dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=skip_locked)
    return stmt


async def send_due(desk: Desk, *, limit: int = 200) -> int:
    """Push every survey that has become due; returns how many were sent."""
    return await desk.db.write(_send_due, desk, limit)


def _send_due(session: Session, desk: Desk, limit: int) -> int:
    now = desk.now()
    stmt = (
        select(Survey)
        .where(Survey.status == "scheduled", Survey.due_at <= now)
        .order_by(Survey.due_at, Survey.id)
        .limit(limit)
    )
    sent = 0
    for survey in session.execute(_lock(stmt, session)).scalars().all():
        ticket = session.get(Ticket, survey.ticket_id)
        if survey.kind == "acceptance" and ticket.status != "resolved":
            survey.status = "cancelled"  # reopened or closed by staff meanwhile
            continue
        target = notices.customer_target(session, ticket)
        if target is None or target.blocked_at is not None:
            survey.status = "unreachable"  # e.g. a hotline caller with no chat bound
            continue
        survey.channel, survey.chat_id = target.channel, target.external_id
        survey.status, survey.sent_at = "sent", now
        notices.notify_customer(
            session,
            ticket,
            key=f"survey:{survey.id}:ask",
            kind="survey",
            payload=_opening(survey, ticket, _intro(ticket)).to_payload(),
            now=now,
        )
        sent += 1
    return sent


async def remind_and_expire(desk: Desk) -> tuple[int, int]:
    """One reminder 24 h after sending (out of quiet hours), expiry 24 h after that."""
    return await desk.db.write(_remind_and_expire, desk)


def _remind_and_expire(session: Session, desk: Desk) -> tuple[int, int]:
    now, tz = desk.now(), desk.calendar.tz
    reminded = expired = 0
    stmt = select(Survey).where(Survey.status == "sent")
    for survey in session.execute(_lock(stmt, session)).scalars().all():
        ticket = session.get(Ticket, survey.ticket_id)
        if survey.reminded_at is None:
            if rules.send_time(survey.sent_at, REMIND_AFTER, tz) <= now:
                survey.reminded_at = now
                notices.notify_customer(
                    session,
                    ticket,
                    key=f"survey:{survey.id}:remind",
                    kind="survey",
                    payload=_opening(survey, ticket, "温馨提醒：").to_payload(),
                    now=now,
                )
                reminded += 1
        elif survey.reminded_at + EXPIRE_AFTER <= now:
            survey.status = "expired"
            _close(session, desk, ticket, "回访超时未答复")
            expired += 1
    # The optional comment question closes quietly if never answered.
    stmt = select(Survey).where(
        Survey.awaiting_comment.is_(True), Survey.answered_at <= now - COMMENT_WINDOW
    )
    for survey in session.execute(_lock(stmt, session)).scalars().all():
        survey.awaiting_comment = False
        _close(session, desk, session.get(Ticket, survey.ticket_id), "回访完成")
    return reminded, expired


def _close(session: Session, desk: Desk, ticket: Ticket, note: str) -> None:
    """Repairs and maintenance close once the survey is done (or timed out)."""
    if ticket.kind != TicketKind.COMPLAINT.value and ticket.status == "resolved":
        change = StatusChange("closed", actor="system", note=note)
        transitions.apply_status(session, desk, ticket, change)


# ---- answers -----------------------------------------------------------------------------
async def handle_survey_input(
    desk: Desk, channel: str, external_id: str, text: str
) -> list[Reply] | None:
    """Consume survey input from a chat (one transaction); None when the input is not
    survey input."""
    text = (text or "").strip()
    if text.startswith(PREFIX):
        parts = text[len(PREFIX) :].split(":")
        if len(parts) not in (2, 3) or not parts[0].isdigit():
            return [_OVER]
        return await desk.db.write(
            _handle_button, desk, channel, external_id, int(parts[0]), parts[1:]
        )
    if not text:
        return None
    return await desk.db.write(_handle_text, desk, channel, external_id, text)


def _handle_text(
    session: Session, desk: Desk, channel: str, external_id: str, text: str
) -> list[Reply] | None:
    """Typed level words and 接受/不接受 count as the open question's buttons; anything
    else is the optional comment, when that question is open."""
    survey = _open_survey(session, channel, external_id)
    if survey is not None:
        if survey.kind == "acceptance" and text in _ACCEPT_WORDS:
            action = [_ACCEPT_WORDS[text]]
        elif survey.kind == "satisfaction" and text in _LEVEL_BY_LABEL:
            index = _first_open(survey)
            action = [_QUESTION_NAMES[index], _LEVEL_BY_LABEL[text].value]
        else:
            survey = None
    if survey is None:
        pending = _commenting(session, channel, external_id)
        if pending is None:
            return None
        return _finish(session, desk, pending, None if text == SKIP else text)
    return _handle_button(session, desk, channel, external_id, survey.id, action)


def _open_survey(session: Session, channel: str, external_id: str) -> Survey | None:
    stmt = (
        select(Survey)
        .where(Survey.channel == channel, Survey.chat_id == external_id, Survey.status == "sent")
        .order_by(Survey.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def _commenting(session: Session, channel: str, external_id: str) -> Survey | None:
    stmt = (
        select(Survey)
        .where(
            Survey.channel == channel,
            Survey.chat_id == external_id,
            Survey.awaiting_comment.is_(True),
        )
        .order_by(Survey.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def _handle_button(
    session: Session,
    desk: Desk,
    channel: str,
    external_id: str,
    survey_id: int,
    action: list[str],
) -> list[Reply]:
    stmt = _lock(select(Survey).where(Survey.id == survey_id), session, skip_locked=False)
    survey = session.execute(stmt).scalar_one_or_none()
    # Answers count only from the chat the survey went to (web payloads can be forged).
    if survey is None or (survey.channel, survey.chat_id) != (channel, external_id):
        return [_OVER]
    if action == ["reject"]:
        return _reject(session, desk, survey)
    if action == ["skip"]:
        if not survey.awaiting_comment:
            return [_DONE]
        return _finish(session, desk, survey, None)
    if survey.status != "sent":
        return [_DONE if survey.status == "answered" else _OVER]
    ticket = session.get(Ticket, survey.ticket_id)
    if action == ["accept"] and survey.kind == "acceptance":
        return _accept(session, desk, survey, ticket)
    if len(action) == 2 and survey.kind == "satisfaction":
        return _answer(session, desk, survey, ticket, *action)
    return [_opening(survey, ticket, "")]


def _answer(
    session: Session, desk: Desk, survey: Survey, ticket: Ticket, question: str, value: str
) -> list[Reply]:
    try:
        level = Level(value)
    except ValueError:
        level = None
    # A double tap, or an old button of an already answered question: re-ask the open one.
    if level is None or question not in _QUESTION_NAMES or getattr(survey, question) is not None:
        return [question_reply(survey, _first_open(survey))]
    setattr(survey, question, level.value)
    replies: list[Reply] = []
    if level is Level.DISSATISFIED and survey.follow_up_ticket_id is None:
        label = dict(QUESTIONS)[question]
        follow_up = _open_follow_up(session, desk, survey, ticket, f"回访中对【{label}】不满意")
        replies.append(_follow_up_reply(follow_up))
    index = _first_open(survey)
    if index is not None:
        return [*replies, question_reply(survey, index)]
    now = desk.now()
    answers = {name: Level(getattr(survey, name)) for name in _QUESTION_NAMES}
    survey.score = rules.score(answers)
    survey.status, survey.answered_at, survey.awaiting_comment = "answered", now, True
    return [*replies, _comment_reply(survey)]


def _finish(session: Session, desk: Desk, survey: Survey, comment: str | None) -> list[Reply]:
    """The optional comment (or 跳过): store it, follow up a complaint in it, close."""
    survey.awaiting_comment = False
    ticket = session.get(Ticket, survey.ticket_id)
    replies = []
    if comment:
        survey.comment = comment[:2000]
        answers = {name: getattr(survey, name) for name in _QUESTION_NAMES}
        if survey.follow_up_ticket_id is not None:
            follow_up = session.get(Ticket, survey.follow_up_ticket_id)
            session.add(
                TicketEvent(
                    ticket_id=follow_up.id,
                    at=desk.now(),
                    actor="customer",
                    action="note",
                    note=f"回访留言：{survey.comment}",
                )
            )
        elif rules.needs_follow_up(answers, comment):
            follow_up = _open_follow_up(
                session, desk, survey, ticket, f"回访留言：{survey.comment}"
            )
            replies.append(_follow_up_reply(follow_up))
    _close(session, desk, ticket, "回访完成")
    return [*replies, Reply("感谢您的反馈，祝您生活愉快！")]


def _accept(session: Session, desk: Desk, survey: Survey, ticket: Ticket) -> list[Reply]:
    survey.accepted, survey.status, survey.answered_at = True, "answered", desk.now()
    if ticket.status == "resolved":
        change = StatusChange("closed", actor="customer", note="客户接受处理结果")
        transitions.apply_status(session, desk, ticket, change)
    return [Reply(f"感谢您的确认，投诉单 {ticket.number} 已结案。")]


def _reject(session: Session, desk: Desk, survey: Survey) -> list[Reply]:
    """Close the complaint and open a linked new one, in the same transaction as the
    answer. A second tap finds the complaint closed (reject_in refuses before it writes
    anything) and only gets the thanks."""
    if survey.kind != "acceptance" or survey.status not in ("sent", "answered"):
        return [_OVER]
    number = session.get(Ticket, survey.ticket_id).number
    try:
        new = transitions.reject_in(session, desk, number, "回访中客户不接受处理结果")
    except ValidationFailed:
        new = None  # already closed: an earlier tap (or staff) handled it
    if survey.status == "sent":
        survey.accepted, survey.status, survey.answered_at = False, "answered", desk.now()
    if new is None:
        return [_DONE]
    survey.follow_up_ticket_id = new.id
    notices.notify_supervisors(
        session,
        new,
        key=f"{new.number}:outcome-rejected",
        text=f"【回访】客户不接受 {number} 的处理结果，已新开投诉 {new.number}，请主管跟进。",
        now=desk.now(),
    )
    return [Reply(f"已为您重新登记投诉单 {new.number}，主管将尽快与您联系。")]


def _open_follow_up(
    session: Session, desk: Desk, survey: Survey, ticket: Ticket, reason: str
) -> Ticket:
    """A complaint linked to the surveyed ticket, put in a supervisor's hands."""
    new = file_ticket(
        session,
        desk,
        Registration(
            kind=TicketKind.COMPLAINT,
            channel=Channel(survey.channel),
            external_id=survey.chat_id,
            actor="survey",
            description=f"{ticket.number} 回访跟进：{reason}",
            region=ticket.region,
            parent_id=ticket.id,
        ),
    )
    new.customer_id = ticket.customer_id or new.customer_id
    new.contact_phone = new.contact_phone or ticket.contact_phone
    new.technician_id = _supervisor_for(session, ticket.region)
    survey.follow_up_ticket_id = new.id
    notices.notify_supervisors(
        session,
        new,
        key=f"{new.number}:survey-follow-up",
        text=f"【回访】{ticket.number} 客户不满意（{reason}），已开投诉 {new.number}，请主管跟进。",
        now=desk.now(),
    )
    return new


def _supervisor_for(session: Session, region: str | None) -> int | None:
    stmt = select(Staff.id).where(Staff.role == "supervisor", Staff.active.is_(True))
    ids = session.execute(stmt.order_by(Staff.id)).scalars().all()
    if region:
        local = session.execute(stmt.where(Staff.region == region).order_by(Staff.id))
        ids = local.scalars().all() or ids
    return ids[0] if ids else None


def _follow_up_reply(follow_up: Ticket) -> Reply:
    return Reply(
        f"很抱歉给您带来不好的体验。已为您登记回访投诉单 {follow_up.number}，主管将尽快与您联系。"
    )
