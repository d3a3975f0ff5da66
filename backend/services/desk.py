"""What every use case needs: the store, the clock and the rules in force."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from backend.domain.calendar import WorkingCalendar
from backend.domain.service_terms import ServiceTerms
from backend.domain.sla import SlaPolicy
from backend.metrics import Metrics
from backend.services.limits import Limits
from backend.services.sms import LogGateway, SmsGateway
from backend.store.db import Database


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass
class Desk:
    db: Database
    clock: Clock
    calendar: WorkingCalendar
    policy: SlaPolicy
    serious_severity: str = "serious"
    survey_delay: timedelta = timedelta(hours=2)
    # Erasure and retention (services/erasure.py, services/retention.py): how long a
    # closed ticket's transcripts and photos are kept, and where the photos are.
    retention: timedelta = timedelta(days=3 * 365)
    attachments_dir: Path | None = None
    # Counters of what the use cases did (backend/metrics.py), one registry per desk.
    metrics: Metrics = field(default_factory=Metrics)
    # Abuse limits; off unless the composition root gives the configured ones.
    limits: Limits = field(default_factory=Limits)
    # Where verification codes are texted (backend/services/sms.py); the log by default.
    sms: SmsGateway = field(default_factory=LogGateway)
    # The published price list and service wording (AFTERCARE_SERVICE_FILE).
    terms: ServiceTerms = field(default_factory=ServiceTerms.load)

    def __post_init__(self) -> None:
        # The limits count their refusals on this desk's registry (not a module global).
        if self.limits.on_refusal is None:
            self.limits.on_refusal = self.metrics.limit_refused

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """The local calendar date (ticket numbers and categories use local time)."""
        return self.clock.now().astimezone(self.calendar.tz).date()
