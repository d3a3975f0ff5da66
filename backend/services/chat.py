"""`ChatService`: the services as the chat calls them (backend.services.chat_api.ChatDesk).

Each method is one unit of work (`Database.read` / `Database.write`). The rules live in
the services they belong to (customers, registration, transitions, expedite, surveys,
webchat) and are called from here; this class only adapts them to the chat's values.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, tzinfo
from functools import partial
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from backend.domain import lifecycle
from backend.domain.category import service_category
from backend.domain.contact import normalise_phone
from backend.domain.kinds import TicketKind
from backend.domain.numbering import normalise_number
from backend.domain.service_terms import ServiceTerms
from backend.services import accounts, customers, nlu_inbox, surveys, verification
from backend.services import conversations as turn
from backend.services.chat_api import (
    ChatRow,
    CodeCheck,
    Filed,
    KnownCustomer,
    Miss,
    Outgoing,
    PushedPage,
    TicketBrief,
    UnitInfo,
)
from backend.services.desk import Desk
from backend.services.expedite import expedite
from backend.services.queries import find_ticket
from backend.services.registration import file_ticket
from backend.services.replies import Reply
from backend.services.transitions import StatusChange, change_status
from backend.services.values import Registration, TicketView
from backend.services.views import ticket_view
from backend.services.webchat import pushed
from backend.store.tables import Attachment, ChannelIdentity, Ticket, Unit


class ChatService:
    def __init__(self, desk: Desk):
        self.desk = desk

    @property
    def tz(self) -> tzinfo:
        return self.desk.calendar.tz

    @property
    def attachments_dir(self) -> Path | None:
        return self.desk.attachments_dir

    @property
    def terms(self) -> ServiceTerms:
        return self.desk.terms

    def today(self) -> date:
        return self.desk.today()

    def admit(self, channel: str, chat_id: str, address: str | None) -> None:
        self.desk.limits.message(channel, chat_id, address, self.desk.now())

    def admit_handoff(self, channel: str, chat_id: str) -> None:
        self.desk.limits.handoff(channel, chat_id, self.desk.now())

    def now(self) -> datetime:
        return self.desk.now()

    # ---- the conversation ------------------------------------------------------------
    async def load(self, channel: str, chat_id: str) -> ChatRow:
        """Everything a turn starts from, in one statement of a read-only unit."""
        row = await self.desk.db.read(turn.load, turn.chat(channel, chat_id))
        conv_id, state, handed_off, last_update_id, customer_id, phone, survey, last = row
        return ChatRow(
            dict(state or {}),
            bool(handed_off),
            last_update_id,
            conv_id is not None,
            None if customer_id is None else KnownCustomer(customer_id, phone),
            bool(survey),
            last or 0,
        )

    async def save_turn(
        self,
        channel: str,
        chat_id: str,
        *,
        state: dict,
        handed_off: bool,
        update_id: int | None,
        incoming: str | None,
        intent: str | None,
        outgoing: list[Outgoing],
        exists: bool = False,
        link: tuple[int, int] | None = None,
        customer_id: int | None = None,
        ticket_id: int | None = None,
        missed: Miss | None = None,
    ) -> None:
        now = self.desk.now()
        common = {
            "channel": channel,
            "external_id": chat_id,
            "at": now,
            "ticket_id": ticket_id,
            "customer_id": customer_id,
            "call_id": None,
        }
        rows = []
        if incoming is not None:
            rows.append(
                {**common, "direction": "in", "speaker": "customer", "text": incoming}
                | {"intent": intent}
            )
        rows += [
            {**common, "direction": "out", "speaker": o.speaker, "text": o.text, "intent": None}
            for o in outgoing
        ]
        save = partial(
            _save_turn,
            missed=missed,
            channel=channel,
            now=now,
            state=state,
            handed_off=handed_off,
            messages=rows,
            exists=exists,
            update_id=update_id,
            link=link,
        )
        await self.desk.db.write(save, turn.chat(channel, chat_id))

    async def survey_input(self, channel: str, chat_id: str, text: str) -> list[Reply] | None:
        return await surveys.handle_survey_input(self.desk, channel, chat_id, text)

    async def pushed(self, channel: str, chat_id: str, after: int | None) -> PushedPage:
        return await pushed(self.desk, channel, chat_id, after)

    # ---- staff --------------------------------------------------------------------------
    async def bind_staff(self, token: str, chat_id: str) -> str | None:
        return await accounts.bind_telegram(self.desk, token, chat_id)

    # ---- customers and units -----------------------------------------------------------
    async def customer_of(self, channel: str, chat_id: str) -> KnownCustomer | None:
        return await self.desk.db.read(_customer_of, channel, chat_id)

    async def bind_phone(self, channel: str, chat_id: str, phone: str) -> int:
        canonical = normalise_phone(phone)
        if canonical is None:
            raise ValueError("not a phone number")
        bind = partial(customers.bind_verified, now=self.desk.now())
        return await self.desk.db.write(bind, channel, chat_id, canonical)

    async def send_code(self, channel: str, chat_id: str, phone: str) -> bool:
        return await verification.send_code(self.desk, channel, chat_id, phone)

    async def check_code(self, channel: str, chat_id: str, code: str) -> CodeCheck:
        return await verification.check_code(self.desk, channel, chat_id, code)

    async def units_of(self, customer_id: int | None) -> list[UnitInfo]:
        if customer_id is None:
            return []
        return await self.desk.db.read(_units_of, customer_id)

    async def unit_for(
        self, *, serial: str | None, model: str | None, customer_id: int | None
    ) -> UnitInfo | None:
        find = partial(_find_unit, serial_number=serial, model=model, customer_id=customer_id)
        return await self.desk.db.read(find)

    def category_of(self, unit: UnitInfo | None) -> str:
        return service_category(
            self.desk.today(), unit and unit.warranty_end, unit and unit.contract_end
        ).value

    # ---- tickets -------------------------------------------------------------------------
    async def register(self, reg: Registration) -> Filed:
        """File the ticket and give it the photos this chat sent while the form was open,
        in one unit of work."""
        return await self.desk.db.write(_file, self.desk, reg)

    async def tickets_of(
        self,
        channel: str,
        chat_id: str,
        *,
        verified: bool,
        open_only: bool = False,
        limit: int = 5,
    ) -> list[TicketBrief]:
        find = partial(
            _tickets_of,
            channel=channel,
            chat_id=chat_id,
            verified=verified,
            open_only=open_only,
            limit=limit,
        )
        return await self.desk.db.read(find)

    async def own_ticket(
        self, channel: str, chat_id: str, number: str, *, verified: bool
    ) -> TicketBrief | None:
        canonical = normalise_number(number)
        if canonical is None:
            return None
        find = partial(_tickets_of, channel=channel, chat_id=chat_id, verified=verified)
        found = await self.desk.db.read(partial(find, number=canonical, limit=1))
        return found[0] if found else None

    async def view(self, number: str) -> TicketView:
        return await self.desk.db.read(_view, number)

    async def expedite(self, number: str) -> tuple[TicketView, bool]:
        done = await expedite(self.desk, number, actor="customer")
        return done.view, done.escalated

    async def cancel(self, number: str) -> TicketView:
        return await change_status(self.desk, number, StatusChange("cancelled", actor="customer"))

    def can_cancel(self, kind: str, status: str) -> bool:
        return lifecycle.can_cancel(TicketKind(kind), status)

    async def add_attachment(
        self,
        channel: str,
        chat_id: str,
        *,
        file_ref: str,
        ticket_id: int | None,
        path: str | None = None,
    ) -> None:
        row = {
            "ticket_id": ticket_id,
            "channel": channel,
            "external_id": chat_id,
            "kind": "photo",
            "file_ref": file_ref,
            "path": path,
            "created_at": self.desk.now(),
        }
        await self.desk.db.write(lambda session: session.add(Attachment(**row)))


def _save_turn(session: Session, chat: dict, *, missed: Miss | None, channel: str, **turn_values):
    turn.save(session, chat, **turn_values)
    if missed is not None:
        nlu_inbox.keep(session, missed, channel, turn_values["now"])


def _unit(u: Unit) -> UnitInfo:
    return UnitInfo(
        u.id, u.product_name, u.model, u.serial_number, u.address, u.warranty_end, u.contract_end
    )


def _customer_of(session: Session, channel: str, chat_id: str) -> KnownCustomer | None:
    customer = customers.of_chat(session, channel, chat_id)
    return None if customer is None else KnownCustomer(customer.id, customer.phone)


def _find_unit(session: Session, **how) -> UnitInfo | None:
    """Only for a chat's own (verified) customer, and only their own unit or one nobody
    owns yet: what the chat is shown of a unit (its address, its warranty) must not tell
    a stranger with a guessed serial number whether it exists or whose it is."""
    owner, serial, model = how["customer_id"], how["serial_number"], how["model"]
    if owner is None:
        return None
    unit = customers.find_unit(session, serial_number=serial) if serial else None
    if unit is None and (model or not serial):  # a serial not found is not "their only unit"
        unit = customers.find_unit(session, model=model, customer_id=owner)
    if unit is None:
        return None
    if unit.customer_id == owner:
        return _unit(unit)
    if unit.customer_id is None:  # sold to nobody on record yet: no one's address
        return replace(_unit(unit), address=None)
    return None


def _units_of(session: Session, customer_id: int) -> list[UnitInfo]:
    stmt = select(Unit).where(Unit.customer_id == customer_id).order_by(Unit.id)
    return [_unit(u) for u in session.execute(stmt).scalars()]


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
    chat_id: str,
    verified: bool,
    open_only: bool = False,
    limit: int = 5,
    number: str | None = None,
) -> list[TicketBrief]:
    """The chat's tickets, newest first: those it filed itself, and the bound customer's
    when the chat is verified. Ownership is this WHERE clause, nothing else."""
    ident = select(ChannelIdentity.id).where(
        ChannelIdentity.channel == channel, ChannelIdentity.external_id == chat_id
    )
    scope = [Ticket.identity_id == ident.scalar_subquery()]
    if verified:
        bound = ident.with_only_columns(ChannelIdentity.customer_id)
        scope.append(Ticket.customer_id == bound.scalar_subquery())
    stmt = select(Ticket).where(or_(*scope))
    if number is not None:
        stmt = stmt.where(Ticket.number == number)
    if open_only:
        stmt = stmt.where(Ticket.status.not_in(tuple(lifecycle.FINAL)))
    stmt = stmt.order_by(Ticket.registered_at.desc(), Ticket.id.desc()).limit(limit)
    return [
        TicketBrief(t.id, t.number, t.kind, t.status, t.registered_at)
        for t in session.execute(stmt).scalars()
    ]


def _view(session: Session, number: str) -> TicketView:
    return ticket_view(session, find_ticket(session, number))
