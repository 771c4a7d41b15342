"""Why a ``/v1`` query is refused, as exception classes with codes and HTTP statuses.

Messages are Chinese first, then English (``"没有这条记录 / no such record: rec-..."``), with both
halves also given apart (``message_zh``, ``message_en``) for a page that shows one language. A
record outside a viewer's area is *not found*, never *forbidden*: a viewer learns nothing about
records it may not see, not even that they exist.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from hub.connectors.http_refusals import RefusedError

__all__ = [
    "ERRORS",
    "BadQueryError",
    "NotFoundError",
    "QueryError",
    "QueryErrorBody",
    "UnavailableError",
    "errors",
]


class QueryError(RefusedError):
    code = "V1"
    status = 400

    def __init__(self, message_zh: str, message_en: str, **detail: Any) -> None:
        super().__init__(
            f"{message_zh} / {message_en}", message_zh=message_zh, message_en=message_en, **detail
        )


class NotFoundError(QueryError):
    """No such record, entity or trace, or one outside the caller's area."""

    code = "V1.NOT_FOUND"
    status = 404


class BadQueryError(QueryError):
    """A query the hub cannot answer as asked (a malformed code, a wrong number of parts)."""

    code = "V1.QUERY"
    status = 422


class UnavailableError(QueryError):
    """The action needs a service that did not answer; nothing changed."""

    code = "V1.UNAVAILABLE"
    status = 503


class QueryErrorDetail(BaseModel):
    code: str = Field(description="stable code, e.g. V1.NOT_FOUND")
    message: str = Field(description="Chinese first, then English")
    message_zh: str | None = None
    message_en: str | None = None


class QueryErrorBody(BaseModel):
    error: QueryErrorDetail


ERRORS: dict[int, str] = {
    400: "a body that is not JSON",
    401: "not signed in (session cookie hub_session or Authorization: Bearer <account token>)",
    403: "the role may not do this, or (an action) the request came from another origin",
    404: "not found, or outside the caller's area",
    413: "a body over the limit",
    415: "an action's body not declared Content-Type: application/json",
    422: "a malformed query",
    503: "a service the action needs (the Kafka broker) did not answer: nothing changed",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented error replies of a route (``responses=`` of FastAPI)."""
    return {s: {"model": QueryErrorBody, "description": ERRORS[s]} for s in (401, *statuses)}
