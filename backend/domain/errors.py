"""Errors the domain raises; adapters turn them into replies or HTTP statuses."""


class DomainError(Exception):
    """A request the rules refuse. `code` is stable for API clients."""

    code = "domain_error"


class InvalidTransition(DomainError):
    code = "invalid_transition"

    def __init__(self, kind: str, current: str, target: str, allowed: tuple[str, ...]):
        self.kind, self.current, self.target, self.allowed = kind, current, target, allowed
        options = ", ".join(allowed) or "none (final state)"
        super().__init__(
            f"a {kind} ticket cannot go from '{current}' to '{target}'; allowed: {options}"
        )


class NotFound(DomainError):
    code = "not_found"


class ValidationFailed(DomainError):
    code = "validation_failed"


class Conflict(DomainError):
    """The request is valid but the current state refuses it (urging a closed ticket,
    handing back a chat the bot already has)."""

    code = "conflict"


class LimitReached(DomainError):
    """An abuse limit refuses the request (backend/services/limits.py). `limit` names it
    (the metrics label), `retry_after` says in how many seconds it may be tried again."""

    code = "rate_limited"

    def __init__(self, limit: str, retry_after: float, message: str):
        self.limit, self.retry_after = limit, retry_after
        super().__init__(message)
