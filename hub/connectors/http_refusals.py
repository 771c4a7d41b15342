"""Why the API refuses a request, as exception classes with codes and HTTP statuses.

Kept beside the HTTP connector (:mod:`hub.connectors.http`), which refuses malformed or oversized
bodies before anything is stored; the API layer above raises the rest and answers them all.

A refused request stores nothing (it never became submissions) and is counted in the metrics by
its code. Records that arrive but break the standard are *not* refusals: they are stored and get
rejected verdicts, which the source reads in its feedback.
"""

from __future__ import annotations

from typing import Any

from hub.errors import HubError

__all__ = [
    "BadRequestError",
    "BodyTimeoutError",
    "BodyTooLargeError",
    "ClientGoneError",
    "ForbiddenError",
    "IdempotencyConflictError",
    "LimitExceededError",
    "RecordTypeNotFoundError",
    "RefusedError",
    "UnauthenticatedError",
    "UnsupportedMediaTypeError",
]


class RefusedError(HubError):
    code = "API"
    status = 400

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.detail = detail

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.detail}}


class BadRequestError(RefusedError):
    """The body is not what the content type says (malformed JSON, not an Avro file)."""

    code = "API.MALFORMED"


class UnauthenticatedError(RefusedError):
    """No bearer token, or one that belongs to no source."""

    code = "API.UNAUTHENTICATED"
    status = 401


class ForbiddenError(RefusedError):
    """The source is disabled."""

    code = "API.SOURCE_DISABLED"
    status = 403


class RecordTypeNotFoundError(RefusedError):
    code = "API.TYPE_UNKNOWN"
    status = 404


class IdempotencyConflictError(RefusedError):
    """The idempotency key was used before with another body."""

    code = "API.IDEMPOTENCY_CONFLICT"
    status = 409


class BodyTooLargeError(RefusedError):
    code = "API.LIMIT.BODY"
    status = 413


class UnsupportedMediaTypeError(RefusedError):
    code = "API.CONTENT_TYPE"
    status = 415


class LimitExceededError(RefusedError):
    """A batch with too many records, or a field longer than the limit."""

    code = "API.LIMIT"
    status = 422


class BodyTimeoutError(RefusedError):
    """The body did not arrive within ``HUB_API_BODY_TIMEOUT_S`` (a slow or stalled client)."""

    code = "API.TIMEOUT"
    status = 408


class ClientGoneError(RefusedError):
    """The client went away before its body arrived: nothing stored, nothing to answer (the
    reply goes nowhere; the refusal is only counted)."""

    code = "API.DISCONNECTED"
    status = 400
