"""400-hotline handoff (SPEC section 7): a call record becomes a ticket, exactly once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import lifecycle
from backend.domain.contact import normalise_phone
from backend.domain.dates import parse_date
from backend.domain.errors import ValidationFailed
from backend.domain.kinds import Channel, Severity, TicketKind
from backend.domain.numbering import normalise_number
from backend.domain.transcript import (
    CUSTOMER,
    FOLLOW_UP_INTENTS,
    NEW_TICKET_INTENTS,
    Turn,
    call_kind,
)
from backend.services import expedite, nlu_inbox
from backend.services.chat_api import Miss
from backend.services.desk import Desk
from backend.services.queries import find_ticket
from backend.services.registration import MAX_TEXT, Registration, file_ticket
from backend.store.tables import HotlineCall, Message, Ticket, TicketEvent
from backend.store.upsert import dialect_insert
from nlu.client import FALLBACK_INTENT

HOTLINE_URGE = "客户来电催单"
SERIOUS_WORDS = ("曝光", "起诉", "律师", "12315", "媒体", "消协", "严重", "受伤", "起火", "漏电")


class EntityLike(Protocol):
    entity: str
    value: str


class Analysis(Protocol):
    """What the NLU says about one customer turn (nlu.client.NluResult fits)."""

    intent: str | None
    entities: Sequence[EntityLike]


@dataclass(frozen=True)
class CallRecord:
    call_id: str
    caller: str
    agent_id: str
    started_at: datetime
    ended_at: datetime | None
    turns: list[Turn]
    kind: TicketKind | None = None  # the agent's own choice wins over the NLU's
    # What a signed-in agent files from the screen pop (POST /api/calls): their own
    # account is the actor, and what they typed wins over what the NLU read.
    actor: str | None = None  # default agent:<agent_id>
    description: str | None = None
    severity: Severity | None = None
    address: str | None = None
    serial_number: str | None = None
    visit_time: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class CallResult:
    number: str
    kind: str
    created: bool  # False: attached to an existing ticket, or the call was posted before
    duplicate: bool = False


def _first(analyses: Sequence[Analysis | None], name: str) -> str | None:
    for analysis in analyses:
        for entity in analysis.entities if analysis else ():
            if entity.entity == name and entity.value:
                return entity.value
    return None


def _named_ticket(call: CallRecord, analyses: Sequence[Analysis | None]) -> str | None:
    named = _first(analyses, "ticket_id")
    if named:
        return normalise_number(named)
    for turn in call.turns:
        if turn.speaker == CUSTOMER and (number := normalise_number(turn.text)):
            return number
    return None


async def import_call(
    desk: Desk, call: CallRecord, analyses: Sequence[Analysis | None]
) -> CallResult:
    """One transaction: the call row, the ticket (or the follow-up on the named one: an
    urge runs the expedite rule), the turns."""
    if normalise_phone(call.caller) is None:
        raise ValidationFailed(f"the caller number is not a phone number: {call.caller!r}")
    try:
        return await desk.db.write(_import, desk, call, analyses)
    except _PostedMeanwhile:
        # The same call was posted concurrently and won: ours rolled back, answer with its.
        previous = await desk.db.read(_previous, call.call_id)
        assert previous is not None
        return previous


class _PostedMeanwhile(Exception):
    """Rolls the import back: a concurrent post of the same call committed first."""


def _import(
    session: Session, desk: Desk, call: CallRecord, analyses: Sequence[Analysis | None]
) -> CallResult:
    previous = _previous(session, call.call_id)
    if previous is not None:
        return previous
    ticket, created = _ticket_for(session, desk, call, analyses)
    claimed = session.execute(
        dialect_insert(session)(HotlineCall)
        .values(
            call_key=call.call_id,
            caller=normalise_phone(call.caller),
            agent_id=call.agent_id,
            started_at=call.started_at,
            ended_at=call.ended_at,
            ticket_id=ticket.id,
            created_at=desk.now(),
        )
        .on_conflict_do_nothing(index_elements=[HotlineCall.call_key])
        .returning(HotlineCall.id)
    )
    if claimed.first() is None:
        raise _PostedMeanwhile
    _store_turns(session, call, ticket, analyses, desk.now())
    nlu_inbox.keep_all(session, _misses(call, analyses), Channel.HOTLINE.value, desk.now())
    return CallResult(ticket.number, ticket.kind, created)


def _misses(call: CallRecord, analyses: Sequence[Analysis | None]) -> list[Miss]:
    """The customer turns the NLU missed (fell back), and those whose service intent the
    agent's own choice of kind contradicts (the agent read them differently): for the
    labelling inbox, the agent's reading as the likely intent."""
    agent_reads = next((i for i, k in NEW_TICKET_INTENTS if call.kind and k == call.kind), None)
    service = {i for i, _ in NEW_TICKET_INTENTS}
    # Paired like _store_turns: one analysis per customer turn, in order.
    said = [t for t in call.turns if t.speaker == CUSTOMER]
    misses = []
    for turn, analysis in zip(said, analyses, strict=False):
        if analysis is None or not turn.text:
            continue
        ranking = tuple(getattr(analysis, "ranking", ()) or ())
        model = getattr(analysis, "model", None)
        if analysis.intent == FALLBACK_INTENT:
            misses.append(Miss(turn.text, ranking, model))
        elif agent_reads and analysis.intent in service and analysis.intent != agent_reads:
            misses.append(Miss(turn.text, ranking, model, "corrected", agent_reads))
    return misses


def _previous(session: Session, call_id: str) -> CallResult | None:
    stmt = (
        select(Ticket.number, Ticket.kind)
        .join(HotlineCall, HotlineCall.ticket_id == Ticket.id)
        .where(HotlineCall.call_key == call_id)
    )
    row = session.execute(stmt).first()
    return CallResult(row.number, row.kind, created=False, duplicate=True) if row else None


def _ticket_for(
    session: Session, desk: Desk, call: CallRecord, analyses: Sequence[Analysis | None]
) -> tuple[Ticket, bool]:
    intents = [a.intent for a in analyses if a and a.intent]
    kind = call.kind.value if call.kind else call_kind(intents)
    named = _named_ticket(call, analyses)
    if named and (kind is None or FOLLOW_UP_INTENTS & set(intents)) and call.kind is None:
        ticket = find_ticket(session, named, lock=True)
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                at=desk.now(),
                actor=call.actor or f"agent:{call.agent_id}",
                action="hotline",
                note=f"来电 {call.call_id}：{', '.join(intents)}",
            )
        )
        # An urge on a ticket that still needs work is the same urge as in the chat; on
        # a finished one the call is only recorded (the agent has answered it already).
        if "expedite" in intents and ticket.status not in lifecycle.DONE:
            expedite.urge(
                session, desk, ticket, actor=f"hotline:{call.agent_id}", note=HOTLINE_URGE
            )
        return ticket, False
    if kind is None:
        raise ValidationFailed(
            "the call names no ticket and asks for no repair, complaint or booking; "
            'post it with "kind" set'
        )
    said = " / ".join(t.text for t in call.turns if t.speaker == CUSTOMER and t.text)
    described = call.description or said
    visit = call.visit_time or _first(analyses, "visit_time")
    requested = None
    if kind == TicketKind.MAINTENANCE.value:
        requested = parse_date(visit or said, desk.today()) or desk.today() + timedelta(days=1)
    ticket = file_ticket(
        session,
        desk,
        Registration(
            kind=TicketKind(kind),
            channel=Channel.HOTLINE,
            actor=call.actor or f"agent:{call.agent_id}",
            description=described[:MAX_TEXT],
            phone=normalise_phone(_first(analyses, "phone") or "") or call.caller,
            name=call.name,
            serial_number=call.serial_number or _first(analyses, "serial_number"),
            product_model=None if call.serial_number else _first(analyses, "product_model"),
            address=call.address or _first(analyses, "address"),
            visit_time=visit,
            requested_date=requested,
            severity=call.severity
            or (
                Severity.SERIOUS
                if kind == "complaint" and any(w in said for w in SERIOUS_WORDS)
                else None
            ),
        ),
    )
    return ticket, True


def _store_turns(
    session: Session, call: CallRecord, ticket: Ticket, analyses, now: datetime
) -> None:
    customer_turns = iter(analyses)
    for turn in call.turns:
        analysis = next(customer_turns, None) if turn.speaker == CUSTOMER else None
        session.add(
            Message(
                channel=Channel.HOTLINE.value,
                external_id=normalise_phone(call.caller),
                customer_id=ticket.customer_id,
                ticket_id=ticket.id,
                call_id=call.call_id,
                direction="in" if turn.speaker == CUSTOMER else "out",
                speaker=turn.speaker,
                text=turn.text,
                intent=analysis.intent if analysis else None,
                at=now,
            )
        )
