"""The dialogue's service port: every read and write the conversation needs, on the store.

The engine calls only this class, so its decisions stay testable and the store work is
grouped into few short transactions per turn (NLU calls happen outside any transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from backend.domain import lifecycle
from backend.domain.category import service_category
from backend.domain.contact import normalise_phone
from backend.domain.kinds import TicketKind
from backend.domain.numbering import normalise_number
from backend.services import customers, notices, texts
from backend.services.desk import Desk
from backend.services.queries import find_ticket
from backend.services.registration import Registration, file_ticket
from backend.services.transitions import StatusChange, change_status
from backend.services.views import TicketView, ticket_view, view_of
from backend.store.tables import (
    Attachment,
    ChannelIdentity,
    Conversation,
    Customer,
    Message,
    SlaClock,
    Ticket,
    TicketEvent,
    Unit,
)
from bot.dialogue import turn_sql as sql


@dataclass(frozen=True)
class KnownCustomer:
    """What the dialogue uses of the chat's customer."""

    id: int
    phone: str | None


@dataclass
class ConvRow:
    state: dict
    handed_off: bool
    last_update_id: int | None
    exists: bool
    customer: KnownCustomer | None = None  # the customer this chat is bound to, if any
    survey_open: bool = False  # a survey of this chat waits for an answer or a comment


@dataclass(frozen=True)
class UnitInfo:
    id: int
    product_name: str
    model: str
    serial_number: str
    address: str | None
    warranty_end: date | None
    contract_end: date | None

    @property
    def label(self) -> str:
        return f"{self.product_name} {self.model}"


@dataclass(frozen=True)
class Filed:
    """What the customer is told of a ticket just filed."""

    id: int
    number: str
    category: str | None
    region_class: str
    severity: str | None


@dataclass(frozen=True)
class TicketBrief:
    id: int
    number: str
    kind: str
    status: str
    registered_at: datetime


# State flag set by a step that starts a form: save_turn records where its transcript begins.
FORM_STARTS = "form_starts_here"


@dataclass(frozen=True)
class Outgoing:
    text: str
    speaker: str = "bot"


def _unit(u: Unit) -> UnitInfo:
    return UnitInfo(
        u.id, u.product_name, u.model, u.serial_number, u.address, u.warranty_end, u.contract_end
    )


class StorePort:
    def __init__(self, desk: Desk):
        self.desk = desk

    # ---- conversation state ------------------------------------------------------------
    async def load(self, channel: str, external_id: str) -> ConvRow:
        """Everything a turn starts from, in one statement of a read-only transaction: the
        state, the bound customer and whether a survey of this chat waits for input."""
        row = await self.desk.db.run(sql.load, sql.chat(channel, external_id), read_only=True)
        conv_id, state, handed_off, last_update_id, customer_id, phone, survey_open = row
        customer = None if customer_id is None else KnownCustomer(customer_id, phone)
        return ConvRow(
            dict(state or {}),
            bool(handed_off),
            last_update_id,
            conv_id is not None,
            customer,
            bool(survey_open),
        )

    async def save_turn(
        self,
        channel: str,
        external_id: str,
        *,
        state: dict,
        handed_off: bool,
        update_id: int | None,
        incoming: str | None,
        intent: str | None,
        outgoing: list[Outgoing],
        exists: bool = False,
    ) -> None:
        """Store the new state and the turn's transcript rows in one transaction.

        `exists`: the conversation row is known to exist (the turn loaded it), so no
        insert is tried first. A state with `FORM_STARTS` set starts its form's
        transcript at this turn's incoming message (`form_started_after`)."""
        now = self.desk.now()
        ticket_id = state.get("ticket_id")
        customer_id = state.get("customer_id")
        common = {
            "channel": channel,
            "external_id": external_id,
            "at": now,
            "ticket_id": ticket_id,
            "customer_id": customer_id,
            "call_id": None,
        }
        rows = []
        if incoming is not None:
            rows.append(
                {
                    **common,
                    "direction": "in",
                    "speaker": "customer",
                    "text": incoming,
                    "intent": intent,
                }
            )
        for out in outgoing:
            rows.append(
                {
                    **common,
                    "direction": "out",
                    "speaker": out.speaker,
                    "text": out.text,
                    "intent": None,
                }
            )
        link = state.pop("link_from_message", None)
        await self.desk.db.run(
            partial(
                sql.save,
                now=now,
                state=state,
                handed_off=handed_off,
                messages=rows,
                exists=exists,
                update_id=update_id,
                form_starts=state.pop(FORM_STARTS, False),
                link=None if link is None or ticket_id is None else (link, ticket_id),
            ),
            sql.chat(channel, external_id),
        )

    async def set_handed_off(self, channel: str, external_id: str, value: bool) -> bool:
        async with self.desk.db.transaction() as session:
            row = await _conversation(session, channel, external_id)
            if row is None:
                return False
            row.handed_off = value
            state = dict(row.state or {})
            if value:
                state["handed_off_at"] = self.desk.now().isoformat()
            else:
                state.pop("handed_off_at", None)
                state["misses"] = 0
            row.state = state
            flag_modified(row, "state")
            row.updated_at = self.desk.now()
            return True

    async def add_message(
        self, channel: str, external_id: str, *, direction: str, speaker: str, text: str
    ) -> int:
        async with self.desk.db.transaction() as session:
            row = await _conversation(session, channel, external_id)
            state = (row.state or {}) if row else {}
            msg = Message(
                channel=channel,
                external_id=external_id,
                direction=direction,
                speaker=speaker,
                text=text,
                at=self.desk.now(),
                ticket_id=state.get("ticket_id"),
                customer_id=state.get("customer_id"),
            )
            session.add(msg)
            await session.flush()
            return msg.id

    # ---- customers and units -------------------------------------------------------------
    async def customer_of(self, channel: str, external_id: str) -> Customer | None:
        async with self.desk.db.reading() as session:
            return await _customer_of(session, channel, external_id)

    async def bind_phone(self, channel: str, external_id: str, phone: str) -> int:
        """Bind a chat to the customer owning `phone` (verified by the channel)."""
        canonical = normalise_phone(phone)
        if canonical is None:
            raise ValueError("not a phone number")
        return await self.desk.db.run_orm(
            _bind_phone, channel, external_id, canonical, self.desk.now()
        )

    async def units_of(self, customer_id: int | None) -> list[UnitInfo]:
        if customer_id is None:
            return []
        return await self.desk.db.run_orm(_units_of, customer_id, read_only=True)

    async def unit_by_serial(self, serial: str) -> UnitInfo | None:
        return await self.unit_for(serial=serial, model=None, customer_id=None)

    async def unit_for(
        self, *, serial: str | None, model: str | None, customer_id: int | None
    ) -> UnitInfo | None:
        find = partial(_find_unit, serial_number=serial, model=model, customer_id=customer_id)
        return await self.desk.db.run_orm(find, read_only=True)

    def category_of(self, unit: UnitInfo | None) -> str:
        return service_category(
            self.desk.today(), unit and unit.warranty_end, unit and unit.contract_end
        ).value

    def today(self) -> date:
        return self.desk.today()

    # ---- tickets -------------------------------------------------------------------------
    async def register(self, reg: Registration) -> Filed:
        """File the ticket and give it the photos this chat sent while the form was open,
        in one transaction."""
        return await self.desk.db.run_orm(_file, self.desk, reg)

    async def tickets_of(
        self,
        channel: str,
        external_id: str,
        *,
        verified: bool,
        open_only: bool = False,
        limit: int = 5,
    ) -> list[TicketBrief]:
        """Tickets filed from this chat, plus the bound customer's when the phone is verified."""
        find = partial(
            _tickets_of,
            channel=channel,
            external_id=external_id,
            verified=verified,
            open_only=open_only,
            limit=limit,
        )
        return await self.desk.db.run_orm(find, read_only=True)

    async def own_ticket(
        self, channel: str, external_id: str, number: str, *, verified: bool
    ) -> TicketBrief | None:
        canonical = normalise_number(number)
        if canonical is None:
            return None
        mine = await self.tickets_of(channel, external_id, verified=verified, limit=1000)
        return next((t for t in mine if t.number == canonical), None)

    async def view(self, number: str) -> TicketView:
        return await self.desk.db.run_orm(_view, number, read_only=True)

    async def expedite(self, number: str) -> tuple[TicketView, bool]:
        """Record the urge; escalate when a running clock is past its warning point."""
        now = self.desk.now()
        async with self.desk.db.transaction() as session:
            ticket = (
                await session.execute(select(Ticket).where(Ticket.number == number))
            ).scalar_one()
            session.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    at=now,
                    actor="customer",
                    action="expedite",
                    note="客户催单",
                )
            )
            clocks = (
                (
                    await session.execute(
                        select(SlaClock).where(
                            SlaClock.ticket_id == ticket.id,
                            SlaClock.stopped_at.is_(None),
                            SlaClock.exempt.is_(False),
                        )
                    )
                )
                .scalars()
                .all()
            )
            late = any(now >= c.warn_at for c in clocks)
            if late:
                local = now.astimezone(self.desk.calendar.tz)
                await session.run_sync(
                    notices.escalate,
                    ticket,
                    key=f"{ticket.number}:expedite:{local:%Y%m%d%H}",
                    text=texts.escalation_notice(ticket.number, "客户催单，已超过预警时限"),
                    note="客户催单且已过预警点，上报主管",
                    now=now,
                )
            ticket.updated_at = now
            await session.flush()
            return await view_of(session, ticket), late

    async def cancel(self, number: str) -> TicketView:
        return await change_status(self.desk, number, StatusChange("cancelled", actor="customer"))

    def can_cancel(self, kind: str, status: str) -> bool:
        return lifecycle.can_cancel(TicketKind(kind), status)

    async def add_attachment(
        self,
        channel: str,
        external_id: str,
        *,
        file_ref: str,
        ticket_id: int | None,
        path: str | None = None,
    ) -> None:
        async with self.desk.db.transaction() as session:
            session.add(
                Attachment(
                    ticket_id=ticket_id,
                    channel=channel,
                    external_id=external_id,
                    kind="photo",
                    file_ref=file_ref,
                    path=path,
                    created_at=self.desk.now(),
                )
            )


async def _customer_of(session: AsyncSession, channel: str, external_id: str):
    stmt = (
        select(Customer)
        .join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def _conversation(session: AsyncSession, channel: str, external_id: str):
    stmt = select(Conversation).where(
        Conversation.channel == channel, Conversation.external_id == external_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def _bind_phone(session: Session, channel: str, external_id: str, phone: str, now) -> int:
    ident = customers.identity(session, channel, external_id, now)
    owner = customers.by_phone(session, phone)
    if owner is not None:
        ident.customer_id = owner.id
        return owner.id
    customer = customers.find_or_create(session, now, ident=ident)
    if customer.phone is None:
        customer.phone = phone
    elif customer.phone != phone:
        customer = customers.find_or_create(session, now, phone=phone)
        ident.customer_id = customer.id
    return customer.id


def _find_unit(session: Session, **how) -> UnitInfo | None:
    unit = customers.find_unit(session, **how)
    return _unit(unit) if unit else None


def _file(session: Session, desk: Desk, reg: Registration) -> Filed:
    ticket = file_ticket(session, desk, reg)
    if reg.external_id is not None:
        session.execute(
            update(Attachment)
            .where(
                Attachment.channel == reg.channel.value,
                Attachment.external_id == reg.external_id,
                Attachment.ticket_id.is_(None),
            )
            .values(ticket_id=ticket.id)
        )
    return Filed(ticket.id, ticket.number, ticket.category, ticket.region_class, ticket.severity)


def _tickets_of(
    session: Session,
    *,
    channel: str,
    external_id: str,
    verified: bool,
    open_only: bool,
    limit: int,
) -> list[TicketBrief]:
    ident = session.execute(
        select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
    ).scalar_one_or_none()
    if ident is None:
        return []
    scope = [Ticket.identity_id == ident.id]
    if verified and ident.customer_id is not None:
        scope.append(Ticket.customer_id == ident.customer_id)
    stmt = select(Ticket).where(or_(*scope))
    if open_only:
        stmt = stmt.where(Ticket.status.not_in(tuple(lifecycle.FINAL)))
    stmt = stmt.order_by(Ticket.registered_at.desc(), Ticket.id.desc()).limit(limit)
    return [
        TicketBrief(t.id, t.number, t.kind, t.status, t.registered_at)
        for t in session.execute(stmt).scalars()
    ]


def _units_of(session: Session, customer_id: int) -> list[UnitInfo]:
    stmt = select(Unit).where(Unit.customer_id == customer_id).order_by(Unit.id)
    return [_unit(u) for u in session.execute(stmt).scalars()]


def _view(session: Session, number: str) -> TicketView:
    return ticket_view(session, find_ticket(session, number))
