"""Domain errors raised by services; views turn them into form errors, API answers or flashes."""


class DomainError(Exception):
    """A business rule refused the request; nothing was changed. `field` names the form field at fault."""

    status_code = 422

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(DomainError):
    """The request clashes with the current state (duplicate, illegal transition)."""

    status_code = 409


class ForbiddenError(DomainError):
    """The actor may not do this to this object (a role or organisation-scope refusal)."""

    status_code = 403
