"""Every Prometheus metric of the desk, defined once (served at `/metrics`).

One `Metrics` (and so one registry) per desk: tests build several apps in one process,
and each must count only its own traffic. The counters are bumped where things happen;
on the chat path that is one in-memory increment, never store work. The outbox backlog
gauges are instead read from the store at scrape time (`services/health.outbox_backlog`,
one read unit): the outbox is shared by every dispatcher process, so only the store
knows the backlog, and a gauge kept in one process would show that process's view.

Hooks for other parts: `limit_refused(limit)` counts a request an abuse limit turned
away (`aftercare_limit_refusals_total{limit}`; `limit` names the limit: chat, address,
tickets, handoff, agent_calls, supervisor_page); backend/services/limits.py calls it
through the desk, so the limits need no metric of their own.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE  # noqa: F401 (re-export)
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# NLU parse latency buckets around our figures (p50 ~15 ms, p99 ~40 ms, 2 s timeout).
NLU_BUCKETS = (0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.messages = Counter(
            "aftercare_messages",
            "Chat messages by channel; direction in (from customers) or out (bot replies "
            "and pushed notices)",
            ["channel", "direction"],
            registry=r,
        )
        self.nlu_parse = Histogram(
            "aftercare_nlu_parse_seconds",
            "NLU server round trips (parse cache hits excluded)",
            buckets=NLU_BUCKETS,
            registry=r,
        )
        self.nlu_fallback = Counter(
            "aftercare_nlu_fallback",
            "Parses that gave no intent: nlu_fallback, or the NLU unavailable or starting",
            registry=r,
        )
        # The fallback rate before and after a model switch: fallback / all, per model
        # (the served model's file name, which carries the hash of its inputs).
        self.nlu_parses = Counter(
            "aftercare_nlu_parses",
            "Parses answered by the NLU (cache hits included), by model and outcome "
            "(understood or fallback)",
            ["model", "outcome"],
            registry=r,
        )
        self.tickets_created = Counter(
            "aftercare_tickets_created",
            "Tickets filed, by kind and the channel they came in on",
            ["kind", "channel"],
            registry=r,
        )
        self.outbox_pending = Gauge(
            "aftercare_outbox_pending", "Outbox notices not yet sent (read at scrape)", registry=r
        )
        self.outbox_oldest = Gauge(
            "aftercare_outbox_oldest_seconds",
            "Age of the oldest unsent outbox notice that is due (0 when none)",
            registry=r,
        )
        self.send_errors = Counter(
            "aftercare_send_errors",
            "Failed pushes by channel; kind: retry, throttled, blocked, rejected",
            ["channel", "kind"],
            registry=r,
        )
        self.sla_breaches = Counter(
            "aftercare_sla_breaches",
            "SLA escalations at or past the deadline, by clock",
            ["clock"],
            registry=r,
        )
        self.surveys = Counter(
            "aftercare_surveys",
            "Satisfaction surveys by what happened: sent, reminded, answered, expired",
            ["state"],
            registry=r,
        )
        self.limit_refusals = Counter(
            "aftercare_limit_refusals",
            "Requests refused by an abuse limit, by limit",
            ["limit"],
            registry=r,
        )

    # ---- the hooks the parts call (cheap: in-memory increments) ------------------------
    def message(self, channel: str, direction: str, count: int = 1) -> None:
        if count:
            self.messages.labels(channel, direction).inc(count)

    def nlu_parsed(self, result, seconds: float | None) -> None:
        """The NLU client's observer: `result` an NluResult, `seconds` None from cache."""
        if seconds is not None:
            self.nlu_parse.observe(seconds)
        if not result.understood:
            self.nlu_fallback.inc()
        if result.available:
            outcome = "understood" if result.understood else "fallback"
            self.nlu_parses.labels(result.model or "unknown", outcome).inc()

    def ticket_created(self, kind: str, channel: str) -> None:
        self.tickets_created.labels(kind, channel).inc()

    def send_error(self, channel: str, kind: str) -> None:
        self.send_errors.labels(channel, kind).inc()

    def sla_breach(self, clock: str) -> None:
        self.sla_breaches.labels(clock).inc()

    def survey(self, state: str, count: int = 1) -> None:
        if count:
            self.surveys.labels(state).inc(count)

    def limit_refused(self, limit: str) -> None:
        self.limit_refusals.labels(limit).inc()

    def render(self, *, outbox_pending: int, outbox_oldest_seconds: float) -> bytes:
        self.outbox_pending.set(outbox_pending)
        self.outbox_oldest.set(outbox_oldest_seconds)
        return generate_latest(self.registry)
