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
