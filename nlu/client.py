"""Asyncio client for the Rasa NLU server (`POST /model/parse`).

The app talks to Rasa only through this client and never imports rasa. Network
trouble never raises: the caller gets `NluResult(available=False)` and falls back to
buttons. Connection errors and 5xx answers are retried; a timeout is not (the server
is slow, asking again only doubles the wait). After `breaker_threshold` failed calls
in a row the circuit opens and calls return at once for `breaker_reset` seconds; then
one trial call is let through and its outcome closes or re-opens the circuit.

Rasa parses one message at a time per process. `base_url` may name several servers
(comma-separated, e.g. two `rasa run` processes of the same model): each parse goes
to the one with the fewest parses in flight, and a server that refused a connection
is passed over for `breaker_reset` seconds while another one answers. Parses of short
messages are remembered (nlu/cache.py).

Readiness: given `expected_model` (the model file's name, which carries the hash of the
training inputs), the client parses only once every server's `GET /status` names that
model, so a stale server left on the port (an orphan of an earlier run, another model)
is never used silently; until then `parse` answers unavailable at once, and `starting`
(a hook the supervisor of local servers gives) says whether that is "still loading"
rather than "down". `check()` asks again (for `/readyz` and the periodic watch).

A model switch without downtime (`aftercare nlu train` activates a better model and
sends `PUT /model` to the running servers, nlu/activation.py): `expected_model` may be a
callable answering the model names accepted right now (the active model, and during a
switch also the one being loaded), asked again at every check, so readiness follows the
switch instead of refusing the new model. When the served model changes the parse cache
is emptied (its answers were the old model's), and every result names the model that
gave it (`NluResult.model`: the metrics count parses and fallbacks per model).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

import aiohttp

from nlu.cache import ParseCache

log = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"
# /status is cheap, but a loaded machine can delay any answer: a slow status must not
# refuse the parses behind it (the parse itself keeps the client's own timeout).
_STATUS_TIMEOUT = aiohttp.ClientTimeout(total=5.0)


@dataclass(frozen=True)
class Entity:
    entity: str  # phone | ticket_id | product_model | serial_number | address | visit_time
    value: str  # normalised value (synonyms applied)
    start: int
    end: int


@dataclass(frozen=True)
class NluResult:
    text: str
    intent: str | None  # a SPEC intent, or "nlu_fallback" below threshold; None if unavailable
    confidence: float
    entities: tuple[Entity, ...] = ()
    available: bool = True  # False when Rasa is down/slow/circuit open
    starting: bool = False  # unavailable because the server is still loading its model
    ranking: tuple[tuple[str, float], ...] = ()
    seconds: float | None = field(default=None, compare=False)  # the server round trip
    model: str | None = field(default=None, compare=False)  # the model file that parsed it

    @property
    def understood(self) -> bool:
        return self.available and self.intent is not None and self.intent != FALLBACK_INTENT

    def first(self, entity: str) -> str | None:
        """Value of the first entity of that type, if any."""
        return next((e.value for e in self.entities if e.entity == entity), None)


class NluClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 2.0,
        retries: int = 1,
        breaker_threshold: int = 3,
        breaker_reset: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        cache_size: int = 2048,
        expected_model: str | Callable[[], Collection[str]] | None = None,
        starting: Callable[[], bool] | None = None,
        observe: Callable[[NluResult, float | None], None] | None = None,
    ) -> None:
        urls = [u.strip().rstrip("/") for u in base_url.split(",") if u.strip()]
        self._servers = [_Server(u + "/model/parse") for u in urls or ["http://127.0.0.1:9"]]
        self._turn = 0
        self._params = {"token": token} if token else {}  # Rasa checks ?token=
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._retries = max(0, retries)
        self._breaker_threshold = max(1, breaker_threshold)
        self._breaker_reset = breaker_reset
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._session: aiohttp.ClientSession | None = None
        self.cache: ParseCache[NluResult] = ParseCache(cache_size, clock=clock)
        self._bases = urls or ["http://127.0.0.1:9"]
        self._expected = (
            expected_model
            if callable(expected_model) or expected_model is None
            else (lambda: (expected_model,))
        )
        self.served_model: str | None = None  # what the last check found (all servers)
        self._starting = starting or (lambda: False)
        # (result, seconds of the server round trip or None from the cache): metrics.
        self._observe = observe or (lambda result, seconds: None)
        self.readiness = Readiness(expected_model is None, "not checked yet")
        self._checked_at: float | None = None
        self._check_lock = asyncio.Lock()

    @property
    def circuit_open(self) -> bool:
        return self._opened_at is not None and (
            self._clock() - self._opened_at < self._breaker_reset
        )

    async def parse(self, text: str) -> NluResult:
        if not text.strip():
            # Nothing to classify; Rasa would only echo an empty parse.
            return NluResult(text=text, intent=FALLBACK_INTENT, confidence=0.0)
        if (known := self.cache.get(text)) is not None:
            self._observe(known, None)
            return known
        result = await self._parse(text)
        self._observe(result, result.seconds)
        return result

    async def _parse(self, text: str) -> NluResult:
        if not self.readiness.ready and not await self._ready_now():
            return _unavailable(text, starting=self._starting())
        if self.circuit_open:
            return _unavailable(text)
        started = time.perf_counter()
        payload = await self._post(text)
        seconds = time.perf_counter() - started
        if payload is None:
            self._failures += 1
            if self._failures >= self._breaker_threshold or self._opened_at is not None:
                # Threshold reached, or the half-open trial failed: (re)open.
                self._opened_at = self._clock()
            return _unavailable(text)
        self._failures = 0
        self._opened_at = None
        result = replace(_result(text, payload), seconds=seconds, model=self.served_model)
        log.debug("parsed %d characters in %.1f ms", len(text), seconds * 1000)
        self.cache.put(text, result)
        return result

    async def _ready_now(self) -> bool:
        """While not ready, ask /status at most once a second (a message arriving while
        Rasa loads must not wait for it, nor hammer it). Parses arriving together wait
        for the one check under way instead of being refused while it runs."""
        async with self._check_lock:
            if not self.readiness.ready and (
                self._checked_at is None or self._clock() - self._checked_at >= 1.0
            ):
                await self._check()
        return self.readiness.ready

    async def check(self) -> Readiness:
        """Ask every server which model it serves; ready when all serve `expected_model`.
        Under the same lock as a parse's own check: a parse arriving while the watch's
        check is under way waits for its answer instead of being refused (the first
        message after start used to be answered "unavailable")."""
        async with self._check_lock:
            return await self._check()

    async def _check(self) -> Readiness:
        self._checked_at = self._clock()
        if self._expected is None:
            self.readiness = Readiness(True, "model not checked")
            return self.readiness
        accepted = tuple(self._expected())
        session = self._session_for_loop()
        problems, served = [], set()
        for base in self._bases:
            model = await self._served_model(session, base)
            if model is None:
                state = "starting" if self._starting() else "not answering"
                problems.append(f"{base}: {state}")
            elif model not in accepted:
                problems.append(f"{base}: serves {model}, expected {' or '.join(accepted)}")
            else:
                served.add(model)
        # Two servers in the middle of a switch serve two models: name both.
        now_serving = " + ".join(sorted(served)) or None
        if now_serving != self.served_model:
            if self.served_model is not None:
                log.info("NLU model now %s (was %s)", now_serving, self.served_model)
                self.cache.clear()  # those answers were the old model's
            self.served_model = now_serving
        was = self.readiness.ready
        if problems:
            self.readiness = Readiness(False, "; ".join(problems), self._starting())
            if was:
                log.error("NLU no longer ready: %s", self.readiness.reason)
            else:
                log.debug("NLU not ready: %s", self.readiness.reason)
        else:
            self.readiness = Readiness(True, f"serving {now_serving}")
            if not was:
                log.info("NLU ready: %s on %s", now_serving, ", ".join(self._bases))
        return self.readiness

    async def _served_model(self, session: aiohttp.ClientSession, base: str) -> str | None:
        try:
            async with session.get(
                base + "/status", params=self._params, timeout=_STATUS_TIMEOUT
            ) as resp:
                if resp.status != 200:
                    return None
                body = await resp.json()
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError):
            return None
        # Rasa 3 answers {"model_file": "nlu-<hash>.tar.gz", "model_id": ..., ...}; the
        # file name is the model's fingerprint here (paths.model_name hashes its inputs).
        model_file = body.get("model_file") if isinstance(body, dict) else None
        return PurePosixPath(str(model_file)).name if model_file else ""

    async def _post(self, text: str) -> dict[str, Any] | None:
        session = self._session_for_loop()
        for attempt in range(self._retries + 1):
            server = self._pick()
            server.in_flight += 1
            try:
                async with session.post(
                    server.url, json={"text": text}, params=self._params
                ) as resp:
                    if resp.status == 200:
                        server.down_until = None
                        return await resp.json()
                    log.warning("NLU answered HTTP %s: %s", resp.status, await resp.text())
                    if resp.status < 500:
                        return None  # bad token or request: asking again won't help
            except TimeoutError:
                log.warning("NLU parse timed out after %.1fs", self._timeout.total)
                return None
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                log.warning("NLU parse failed (attempt %d): %s", attempt + 1, exc)
                if len(self._servers) > 1:
                    server.down_until = self._clock() + self._breaker_reset
            finally:
                server.in_flight -= 1
            if attempt < self._retries:
                await asyncio.sleep(0.05 * (attempt + 1))
        return None

    def _pick(self) -> _Server:
        """The least busy server that is not passed over, taking turns among equals."""
        if len(self._servers) == 1:
            return self._servers[0]
        now = self._clock()
        self._turn = (self._turn + 1) % len(self._servers)
        order = self._servers[self._turn :] + self._servers[: self._turn]
        up = [s for s in order if s.down_until is None or s.down_until <= now] or order
        return min(up, key=lambda s: s.in_flight)

    def _session_for_loop(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def __aenter__(self) -> NluClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


@dataclass
class _Server:
    url: str
    in_flight: int = 0
    down_until: float | None = None  # passed over until then after a refused connection


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str
    starting: bool = False


def _unavailable(text: str, *, starting: bool = False) -> NluResult:
    return NluResult(text=text, intent=None, confidence=0.0, available=False, starting=starting)


def _result(text: str, payload: dict[str, Any]) -> NluResult:
    intent = payload.get("intent") or {}
    ranking = tuple(
        (r["name"], float(r.get("confidence") or 0.0))
        for r in payload.get("intent_ranking") or ()
        if r.get("name")
    )
    entities = tuple(
        Entity(
            entity=e["entity"],
            value=_normalise(e["entity"], str(e.get("value", ""))),
            start=int(e["start"]),
            end=int(e["end"]),
        )
        for e in payload.get("entities") or ()
        if "start" in e and "end" in e
    )
    return NluResult(
        text=text,
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        entities=entities,
        ranking=ranking,
    )


def _normalise(entity: str, value: str) -> str:
    # Codes are matched case-insensitively; store them the way the desk prints them.
    if entity == "ticket_id":
        return value.upper()
    if entity == "phone":
        return value.replace(" ", "")
    return value
