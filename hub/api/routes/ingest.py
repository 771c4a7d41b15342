"""``POST /v1/records/{record_type}``: a source's batch (JSON ``{"records": [...]}`` or an Avro
object container file) stored as submissions, replied ``202`` only once they are durable.

The body is read within its bounds (``HUB_API_MAX_BODY_BYTES``, ``HUB_API_BODY_TIMEOUT_S``) on
the event loop, which only moves bytes; decoding, bounding and turning it into submissions is CPU
work on untrusted bytes and runs on a thread, as do the store and the sink. The same
``Idempotency-Key`` and body again return the first reply; with another body, 409.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect

from hub.api.middleware import ApiMetrics
from hub.api.models import REFUSALS, IngestReply, RefusedRecord, Submitted
from hub.api.source_auth import Caller
from hub.connectors import http as http_ingest
from hub.connectors.http_refusals import (
    BodyTimeoutError,
    BodyTooLargeError,
    ClientGoneError,
    IdempotencyConflictError,
    RecordTypeNotFoundError,
)
from hub.domain.values import ApiBatch, Source
from hub.engine.sink import SubmissionSink
from hub.events import Event
from hub.settings import HubSettings
from hub.standard import Standard
from hub.storage.pool import StorePool

__all__ = ["router"]

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


def router(
    settings: HubSettings,
    standard: Standard,
    stores: StorePool,
    sink: SubmissionSink,
    clock: Callable[[], dt.datetime],
    metrics: ApiMetrics,
) -> APIRouter:
    """The ingest route: credentials and idempotency records in ``stores``, submissions made
    durable by ``sink``, stamped by ``clock``, counted in ``metrics``."""
    routes = APIRouter()

    def prepare(
        body: bytes, content_type: str, source: Source, record_type: str, batch_id: str
    ) -> tuple[list[Event], list[dict[str, Any]]]:
        """Decode, bound and turn the body into submissions: CPU work on untrusted bytes, run
        on a thread so the event loop (``/healthz``, other sources) never waits on it."""
        limits = settings.input_limits(max_records=settings.api_max_records)
        records = http_ingest.read_records(body, content_type, limits)
        http_ingest.check_limits(
            records,
            settings.api_max_records,
            settings.api_max_field_chars,
            settings.max_record_fields,
            settings.max_record_depth,
        )
        reading = http_ingest.source_reading(
            settings.profiles_dir, standard, source.source_id, record_type
        )
        events = http_ingest.submissions(source, record_type, records, batch_id, clock(), reading)
        mapped = (
            [reading.fields(r) if isinstance(r, dict) else r for r in records]
            if reading
            else records
        )
        return events, http_ingest.prechecks(source, record_type, mapped, events)

    @routes.post(
        "/v1/records/{record_type}",
        status_code=202,
        response_model=IngestReply,
        responses=REFUSALS,
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
        body = await read_body(request, settings.api_max_body_bytes, settings.api_body_timeout_s)
        digest = http_ingest.body_hash(body, content_type, record_type)
        if idempotency_key is not None:
            earlier = await asyncio.to_thread(
                _first_reply, stores, source.source_id, idempotency_key
            )
            if earlier is not None:
                return _replay(earlier, digest)
        batch_id = http_ingest.batch_id_for(source.source_id, idempotency_key)
        events, refused_now = await asyncio.to_thread(
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

        stored = await asyncio.to_thread(
            http_ingest.store_batch, sink, events, idempotency_key, make_reply
        )
        if stored.body_hash != digest:
            raise IdempotencyConflictError("this Idempotency-Key was used with another body")
        metrics.records.labels(record_type).inc(len(events))
        return Response(stored.reply, status_code=202, media_type="application/json")

    return routes


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The body, refused past ``limit`` bytes (413, by its declared length before reading it)
    or ``timeout`` seconds (408), or when the client went away before it arrived."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError(f"the body has {declared} bytes; the limit is {limit}", max=limit)
    body = bytearray()
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
