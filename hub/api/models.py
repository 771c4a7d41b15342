"""The API's replies as pydantic models: what ``/openapi.json`` documents and the routes return.

The class names are the OpenAPI document's schema names (``docs/openapi.json``): renaming one
changes the document.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "REFUSALS",
    "ErrorBody",
    "ErrorDetail",
    "FeedbackItem",
    "FeedbackPage",
    "IngestReply",
    "RefusedRecord",
    "SessionInfo",
    "Submitted",
]


class Submitted(BaseModel):
    index: int = Field(description="1-based position of the record in the request")
    submission_id: str
    source_record_id: str | None = None


class RefusedRecord(BaseModel):
    index: int
    submission_id: str
    rule: str = Field(description="rule code, e.g. SOURCE.REGION")
    message_zh: str
    message_en: str


class IngestReply(BaseModel):
    batch_id: str
    source_id: str
    record_type: str
    received: int = Field(description="submissions stored by this request")
    already_received: int = Field(description="submissions of a retried batch stored before")
    submissions: list[Submitted]
    refused_records: list[RefusedRecord] = Field(
        description="records the hub will reject for least privilege (stored, verdict to come)"
    )


class FeedbackItem(BaseModel):
    cursor: int
    feedback_id: str
    kind: str = Field(
        description="verdict, national_ack, national_rejection, delivery_dead, task, risk_clue,"
        " ownership, quarantine_release"
    )
    submission_id: str = Field(description="the submission concerned (for a task: its task id)")
    source_record_id: str | None
    record_id: str | None
    version: int | None
    status: str
    messages: list[str]
    upstream: str | None = Field(
        default=None, description="set when a higher hub sent it (its name)"
    )


class FeedbackPage(BaseModel):
    items: list[FeedbackItem]
    next_cursor: int = Field(description="pass as ?after= to read on")


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class SessionInfo(BaseModel):
    name: str
    role: str = Field(description="operator, auditor or viewer")
    region: str | None = Field(description="a viewer's GB/T 2260 region; null: every region")
    expires_at: str | None = Field(description="ISO 8601 UTC; null: signed in by a token")


#: the ingest API's refusals by status, as its routes document them (``responses=``)
REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in {
        400: "malformed body",
        401: "missing or unknown token",
        403: "source disabled",
        404: "unknown record type",
        409: "idempotency key reused with another body",
        408: "the body did not arrive in time",
        413: "body over the limit",
        415: "content type not taken",
        422: "too many records, or a field over the limit",
    }.items()
}
