"""Typed errors with human messages; entry points turn them into toasts or pages."""


class DomainError(Exception):
    """A refused action. `str(err)` is the message a person sees."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotSignedIn(DomainError):
    def __init__(self, message: str = "Your session has ended. Please sign in again."):
        super().__init__(message)


class PermissionDenied(DomainError):
    def __init__(self, message: str = "You do not have permission to do that."):
        super().__init__(message)


class NotFound(DomainError):
    def __init__(self, message: str = "That item does not exist or is not visible to you."):
        super().__init__(message)


class InvalidInput(DomainError):
    """Bad input: nothing was changed."""


class SignInFailed(DomainError):
    def __init__(
        self,
        message: str = "Those details did not match an active account for that tenant.",
    ):
        super().__init__(message)


class LimitReached(DomainError):
    """A limit on how much may be done in a while; the message says when to try again,
    `retry_after` in how many seconds (None: not known)."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class TooManyAttempts(DomainError):
    def __init__(self, minutes: int, what: str = "failed sign-ins"):
        super().__init__(f"Too many {what}. Wait {minutes} minutes before trying again.")


class Conflict(DomainError):
    """Someone else changed the item first; the message says what happened."""
