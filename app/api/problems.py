"""Errors of the HTTP API as problem documents (RFC 9457): a stable `type` per error, the
status code it means, the title, and the same sentence a person reads in the app."""

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from app.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    LimitReached,
    NotFound,
    NotSignedIn,
    PermissionDenied,
)

BASE = "https://commons.example/problems/"
# error class -> (status, type, title); the first match in order wins
KINDS: list[tuple[type[DomainError], int, str, str]] = [
    (NotSignedIn, 401, "unauthorized", "Not authenticated"),
    (PermissionDenied, 403, "forbidden", "Not allowed"),
    (NotFound, 404, "not-found", "Not found"),
    (Conflict, 409, "conflict", "Not possible in this state"),
    (LimitReached, 429, "rate-limited", "Limit reached"),
    (InvalidInput, 422, "invalid-input", "Invalid input"),
    (DomainError, 400, "refused", "Refused"),
]


class Problem(BaseModel):
    """A problem document (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str


# What any operation may answer besides its success, for the OpenAPI document.
RESPONSES = {status: {"description": title, "model": Problem,
                      "content": {"application/problem+json": {}}}
             for _, status, _, title in KINDS}
RESPONSES[400]["description"] = "Refused, or a request that cannot be read"


def problem(status: int, kind: str, title: str, detail: str, headers=None) -> JSONResponse:
    return JSONResponse({"type": BASE + kind, "title": title, "status": status,
                         "detail": detail}, status_code=status,
                        media_type="application/problem+json", headers=headers)


def from_error(err: DomainError) -> JSONResponse:
    for cls, status, kind, title in KINDS:
        if isinstance(err, cls):
            headers = {}
            if status == 401:
                headers["WWW-Authenticate"] = 'Bearer realm="commons"'
            if isinstance(err, LimitReached) and err.retry_after:
                headers["Retry-After"] = str(err.retry_after)
            return problem(status, kind, title, err.message, headers or None)
    raise AssertionError("DomainError is the last kind")  # pragma: no cover


async def domain_error(_request: Request, err: DomainError) -> JSONResponse:
    return from_error(err)


async def bad_request(_request: Request, err: RequestValidationError) -> JSONResponse:
    fields = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: "
                       f"{e.get('msg', 'invalid')}" for e in err.errors()[:10])
    return problem(422, "invalid-input", "Invalid input", fields or "The request is invalid.")


async def http_error(_request: Request, err: HTTPException) -> JSONResponse:
    kind = {400: "bad-request", 404: "not-found", 405: "method-not-allowed"}.get(
        err.status_code, "http-error")
    return problem(err.status_code, kind, str(err.detail), str(err.detail))


HANDLERS = {DomainError: domain_error, RequestValidationError: bad_request,
            HTTPException: http_error}
