"""The ingest API: how county, city and provincial systems send records and read their feedback.

``POST /v1/records/{record_type}`` takes a batch (JSON ``{"records": [...]}`` or an Avro object
container file) with a source's bearer token, stores every record as a submission, and replies
``202`` with their submission ids only after they are durable. ``GET /v1/feedback`` returns the
source's verdicts, national acks and rejections after a cursor: only its own.

Refusals (nothing stored): 401 no or unknown token, 403 disabled source, 404 unknown record type,
409 idempotency key reused with another body, 408 a body that did not arrive in time, 413 body
over the limit, 415 content type, 422 too many records, a record with too many keys or nested too
deep, a field over the limit or an Avro writer schema refused (recursive, too deep, too large),
400 a body that is not what its content type says. Every refusal is counted in ``/metrics`` by
code. Tokens are looked up by their SHA-256 and never logged. Bodies are decoded on a thread:
the event loop only moves bytes, so ``/healthz`` answers during any request.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CollectorRegistry, Counter
from pydantic import BaseModel, Field
from starlette.requests import ClientDisconnect
from starlette.routing import Match

from hub.api.roles import install_accounts, require
from hub.api.tokens import token_hash
from hub.api.v1 import install_v1
from hub.connectors import http as batches
from hub.connectors.http_refusals import (
    BodyTimeoutError,
    BodyTooLargeError,
    ClientGoneError,
    ForbiddenError,
    IdempotencyConflictError,
    RecordTypeNotFoundError,
    RefusedError,
    UnauthenticatedError,
)
from hub.connectors.sink import SubmissionSink
from hub.console import install_console
from hub.console.pages import LENIENT_QUERY
from hub.domain.values import ApiBatch, Source
from hub.events import Codec, Event
from hub.events.streams import FEEDBACK
from hub.metrics import install_metrics
from hub.reasons_zh import problem_zh
from hub.settings import HubSettings
from hub.standard import Standard
from hub.storage.pool import StorePool

__all__ = ["create_app"]

VERSION = "1"


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


_REFUSALS: dict[int | str, dict[str, Any]] = {
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

_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["records"],
                "properties": {"records": {"type": "array", "items": {"type": "object"}}},
            }
        },
        "application/avro": {"schema": {"type": "string", "format": "binary"}},
    },
}


class _Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hub_api_requests", "API requests by route and status", ["route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.refused = Counter(
            "hub_api_refused", "API requests refused, by code", ["code"], registry=self.registry
        )
        self.records = Counter(
            "hub_api_records", "records stored as submissions", ["record_type"],
            registry=self.registry,
        )  # fmt: skip


_bearer = HTTPBearer(auto_error=False, description="the source's token (hub sources add)")


def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Source:
    """The source the bearer token belongs to; 401 without one or for an unknown one, 403 for
    a disabled source. The token is looked up by its hash and never kept or logged."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthenticatedError("a bearer token is required (Authorization: Bearer ...)")
    stores: StorePool = request.app.state.stores
    found = stores.get().credential(token_hash(credentials.credentials))
    if found is None:
        raise UnauthenticatedError("the token belongs to no source")
    source, credential = found
    if credential.disabled:
        raise ForbiddenError(f"source {source.source_id} is disabled")
    return source


Caller = Annotated[Source, Depends(authenticated)]


def create_app(
    settings: HubSettings,
    standard: Standard,
    codec: Codec,
    stores: StorePool,
    sink: SubmissionSink,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> FastAPI:
    """The API over a store pool (credentials, idempotency, feedback) and a sink (submissions)."""
    app = FastAPI(
        title="Supervision Data Hub ingest API",
        version=VERSION,
        description=__doc__,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    metrics = _Metrics()
    app.state.stores = stores
    install_metrics(app, settings, stores, metrics.registry, require("operator", "auditor"))

    @app.exception_handler(RefusedError)
    async def refused(_request: Request, exc: RefusedError) -> JSONResponse:
        metrics.refused.labels(exc.code).inc()
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        metrics.refused.labels("API.PARAMS").inc()
        found = exc.errors()[:5]
        zh = "；".join(f"{'.'.join(map(str, e['loc']))}：{problem_zh(e)}" for e in found)
        en = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in found)
        message = f"请求参数不符合要求：{zh} / {en}"
        body = {"error": {"code": "API.PARAMS", "message": message}}
        return JSONResponse(body, status_code=422)

    @app.middleware("http")
    async def strict_query(request: Request, call_next: Any) -> Response:
        """An unknown query parameter is refused: a source that types ``?afer=`` must not
        silently read its feedback from the start again."""
        route = next(
            (r for r in app.router.routes if r.matches(request.scope)[0] == Match.FULL), None
        )
        known = {p.alias for p in getattr(getattr(route, "dependant", None), "query_params", [])}
        unknown = sorted(set(request.query_params) - known)
        # a console page's address may carry anything (``?lang=en``, ``?utm_source=``): the
        # page reads what it knows and the API it calls checks it
        page = getattr(getattr(route, "endpoint", None), LENIENT_QUERY, False)
        if route is not None and unknown and not page:
            metrics.refused.labels("API.PARAMS").inc()
            names = ", ".join(unknown)[:200]
            message = f"未知的查询参数：{names} / unknown query parameter(s): {names}"
            return JSONResponse({"error": {"code": "API.PARAMS", "message": message}}, 422)
        response: Response = await call_next(request)
        return response

    @app.middleware("http")
    async def count(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        metrics.requests.labels(path, str(response.status_code)).inc()
        return response

    async def read_body(request: Request) -> bytes:
        limit = settings.api_max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise BodyTooLargeError(
                f"the body has {declared} bytes; the limit is {limit}", max=limit
            )
        body = bytearray()
        timeout = settings.api_body_timeout_s
        try:
            async with asyncio.timeout(timeout):
                async for chunk in request.stream():
                    body += chunk
                    if len(body) > limit:
                        raise BodyTooLargeError(
                            f"the body exceeds the limit of {limit} bytes", max=limit
                        )
        except TimeoutError:
            raise BodyTimeoutError(
                f"the body did not arrive within {timeout:g} s", limit="body_seconds", max=timeout
            ) from None
        except ClientDisconnect:
            raise ClientGoneError("the client went away before its body arrived") from None
        return bytes(body)

    def prepare(
        body: bytes, content_type: str, source: Source, record_type: str, batch_id: str
    ) -> tuple[list[Event], list[dict[str, Any]]]:
        """Decode, bound and turn the body into submissions: CPU work on untrusted bytes, run
        on a thread so the event loop (``/healthz``, other sources) never waits on it."""
        limits = settings.input_limits(max_records=settings.api_max_records)
        records = batches.read_records(body, content_type, limits)
        batches.check_limits(
            records,
            settings.api_max_records,
            settings.api_max_field_chars,
            settings.max_record_fields,
            settings.max_record_depth,
        )
        reading = batches.source_reading(
            settings.profiles_dir, standard, source.source_id, record_type
        )
        events = batches.submissions(source, record_type, records, batch_id, clock(), reading)
        mapped = (
            [reading.fields(r) if isinstance(r, dict) else r for r in records]
            if reading
            else records
        )
        return events, batches.prechecks(source, record_type, mapped, events)

    @app.post(
        "/v1/records/{record_type}",
        status_code=202,
        response_model=IngestReply,
        responses=_REFUSALS,
        openapi_extra={"requestBody": _BODY},
        summary="Submit a batch of records of one type",
    )
    async def submit(
        record_type: str,
        request: Request,
        source: Caller,
        idempotency_key: Annotated[
            str | None,
            Header(
                min_length=1,
                max_length=200,
                description="the same key and body again return the first reply",
            ),
        ] = None,
    ) -> Response:
        if record_type not in standard.types:
            raise RecordTypeNotFoundError(f"{record_type} is not a record type of the standard")
        content_type = request.headers.get("content-type", "")
        body = await read_body(request)
        digest = batches.body_hash(body, content_type, record_type)
        if idempotency_key is not None:
            earlier = await _threaded(_first_reply, stores, source.source_id, idempotency_key)
            if earlier is not None:
                return _replay(earlier, digest)
        batch_id = batches.batch_id_for(source.source_id, idempotency_key)
        events, refused_now = await _threaded(
            prepare, body, content_type, source, record_type, batch_id
        )

        def make_reply(received: int, already: int) -> ApiBatch:
            reply = IngestReply(
                batch_id=batch_id,
                source_id=source.source_id,
                record_type=record_type,
                received=received,
                already_received=already,
                submissions=[
                    Submitted(
                        index=i,
                        submission_id=e.event_id,
                        source_record_id=e.payload["source_record_id"],
                    )
                    for i, e in enumerate(events, start=1)
                ],
                refused_records=[RefusedRecord(**r) for r in refused_now],
            )
            return ApiBatch(
                source.source_id, idempotency_key or "", digest, reply.model_dump_json().encode()
            )

        stored = await _threaded(batches.store_batch, sink, events, idempotency_key, make_reply)
        if stored.body_hash != digest:
            raise IdempotencyConflictError("this Idempotency-Key was used with another body")
        metrics.records.labels(record_type).inc(len(events))
        return Response(stored.reply, status_code=202, media_type="application/json")

    @app.get(
        "/v1/feedback",
        response_model=FeedbackPage,
        responses={401: _REFUSALS[401], 403: _REFUSALS[403]},
        summary="The source's verdicts, national acks and rejections after a cursor",
    )
    async def feedback(
        source: Caller,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> FeedbackPage:
        rows = await _threaded(stores.get().read_key, FEEDBACK, source.source_id, after, limit)
        items = [
            FeedbackItem(cursor=r.position, **_feedback_fields(codec, r.position, r.body))
            for r in rows
        ]
        return FeedbackPage(items=items, next_cursor=rows[-1].position if rows else after)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.state.metrics = metrics
    install_accounts(app, settings)  # issue 15: people's sign-in (hub.api.roles)
    install_v1(app, settings)  # issue 15: the /v1 query API (hub.api.v1)
    install_console(app, settings, read_only=settings.console_read_only)  # issue 15: the pages
    return app


def _first_reply(stores: StorePool, source_id: str, idempotency_key: str) -> ApiBatch | None:
    with stores.get().transaction() as tx:
        return tx.api_batch(source_id, idempotency_key)


def _replay(earlier: ApiBatch, digest: str) -> Response:
    if earlier.body_hash != digest:
        raise IdempotencyConflictError("this Idempotency-Key was used with another body")
    return Response(
        earlier.reply,
        status_code=202,
        media_type="application/json",
        headers={"Idempotent-Replayed": "true"},
    )


def _feedback_fields(codec: Codec, position: int, body: bytes) -> dict[str, Any]:
    payload = codec.decode_event(FEEDBACK, position, body).payload
    keep = FeedbackItem.model_fields.keys() - {"cursor"}
    return {k: v for k, v in payload.items() if k in keep}


async def _threaded(function: Callable[..., Any], *args: Any) -> Any:
    """Blocking storage and Kafka calls run off the event loop."""
    return await asyncio.to_thread(function, *args)
