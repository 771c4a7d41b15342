"""The HTTP connector: what a POSTed batch becomes, from the request body to the stored reply.

The FastAPI app (``hub.api``) mounts the route and moves the bytes; the rules live here,
apart from the web framework, so the same rules hold for any front door and can be tested
without a server:
- the body is a JSON document ``{"records": [...]}`` or an Avro object container file (the
  records of any schema; fields map by name);
- limits are checked before anything is stored (records per request, characters per field);
- with an ``Idempotency-Key`` the batch id derives from the source and the key, so a retry makes
  the very same submission ids; without one every request is a new batch;
- least privilege is pre-checked per record (allowed type, region within the source's own), so
  the reply can say at once which records will be rejected and why; the judge's verdict, which
  the source reads in its feedback, is what counts;
- the reply is sent only after the submissions are durable: :func:`store_batch` hands them to
  the :class:`~hub.engine.sink.SubmissionSink` with the idempotency key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from hub.bounds import InputLimits, shape_over
from hub.connectors.formats.avro_container import AvroLimitError
from hub.connectors.formats.files import AVRO_MAGIC, Problem, avro_records
from hub.connectors.http_refusals import (
    BadRequestError,
    LimitExceededError,
    UnsupportedMediaTypeError,
)
from hub.connectors.intake import profile_path, reading_for
from hub.connectors.submissions import record_submissions
from hub.domain.values import ApiBatch, Source
from hub.engine.sink import MakeReply, SubmissionSink
from hub.errors import InputError
from hub.events import Event, derive_id
from hub.standard.messages import RULES, render
from hub.standard.pack import Standard
from hub.standard.profile import ProfileError
from hub.standard.reading import Reading

__all__ = [
    "AVRO_TYPES",
    "JSON_TYPES",
    "batch_id_for",
    "body_hash",
    "check_limits",
    "prechecks",
    "read_records",
    "source_reading",
    "store_batch",
    "submissions",
]

JSON_TYPES = ("application/json",)
AVRO_TYPES = ("application/avro", "avro/binary", "application/vnd.apache.avro.file")


def read_records(body: bytes, content_type: str, limits: InputLimits | None = None) -> list[Any]:
    """The records in a request body (each a JSON value; non-objects are stored and rejected
    by the judge like any other record that breaks the standard). An Avro body is read within
    ``limits`` (its writer schema checked before anything is decoded, its records counted
    while they are read): a body over them is refused (422) naming the limit."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in JSON_TYPES:
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise BadRequestError(
                f"the body is not valid JSON: {exc.msg}", position=exc.pos
            ) from None
        if not isinstance(document, dict) or not isinstance(document.get("records"), list):
            raise BadRequestError('the body must be a JSON object {"records": [...]}')
        return list(document["records"])
    if media in AVRO_TYPES:
        if not body.startswith(AVRO_MAGIC):
            raise BadRequestError("the body is not an Avro object container file (no Obj1)")
        return _avro_body(body, limits or InputLimits())
    raise UnsupportedMediaTypeError(
        f"content type {media or '(none)'} is not taken here",
        accepted=[*JSON_TYPES, *AVRO_TYPES],
    )


def _avro_body(body: bytes, limits: InputLimits) -> list[Any]:
    records = []
    try:
        for item in avro_records(io.BytesIO(body), limits.avro):
            if isinstance(item, Problem):
                raise BadRequestError(
                    f"the Avro body breaks off at record {item.line}", **item.params
                )
            records.append(item.data)
    except AvroLimitError as exc:
        raise LimitExceededError(
            exc.message, limit=exc.limit, max=exc.max, actual=exc.actual
        ) from None
    except InputError as exc:
        raise BadRequestError(exc.message) from None
    return records


def check_limits(
    records: Sequence[Any],
    max_records: int,
    max_field_chars: int,
    max_fields: int = 2_000,
    max_depth: int = 64,
) -> None:
    """Refuse the whole request (422) before anything is stored, naming the limit: too many
    records, a record with too many keys or nested too deep (checked first: the walk below
    and the JSON encoder recurse), a field too long."""
    if len(records) > max_records:
        raise LimitExceededError(
            f"{len(records)} records in one request; the limit is {max_records}",
            limit="records",
            max=max_records,
            actual=len(records),
        )
    for index, record in enumerate(records, start=1):
        shape = shape_over(record, max_fields, max_depth)
        if shape is not None:
            what = "keys" if shape.limit == "fields" else "levels of nesting"
            raise LimitExceededError(
                f"record {index}: {shape.actual} {what} at {shape.path or '(the record)'};"
                f" the limit is {shape.max}",
                limit=shape.limit,
                max=shape.max,
                actual=shape.actual,
                record=index,
                field=shape.path or None,
            )
    for index, record in enumerate(records, start=1):
        for path, length in _long_strings(record, "", max_field_chars):
            raise LimitExceededError(
                f"record {index}: field {path or '(value)'} has {length} characters;"
                f" the limit is {max_field_chars}",
                limit="field_chars",
                max=max_field_chars,
                actual=length,
                record=index,
                field=path,
            )


def _long_strings(value: Any, path: str, limit: int) -> Iterator[tuple[str, int]]:
    if isinstance(value, str):
        if len(value) > limit:
            yield path, len(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _long_strings(item, f"{path}.{key}" if path else str(key), limit)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _long_strings(item, f"{path}[{i}]", limit)


def body_hash(body: bytes, content_type: str, record_type: str) -> str:
    """What makes two requests "the same" for an idempotency key."""
    digest = hashlib.sha256()
    for part in (record_type.encode(), content_type.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def batch_id_for(source_id: str, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return f"api-{uuid.uuid4().hex}"
    return derive_id("api", source_id, idempotency_key)


def submissions(
    source: Source,
    record_type: str,
    records: Sequence[Any],
    batch_id: str,
    received_at: dt.datetime,
    reading: Reading | None = None,
) -> list[Event]:
    return list(
        record_submissions(
            source.source_id,
            record_type,
            list(records),
            batch_id=batch_id,
            received_at=received_at,
            channel="api",
            reading=reading,
        )
    )


def source_reading(
    profiles_dir: Path | None, standard: Standard, source_id: str, record_type: str
) -> Reading | None:
    """The source's profile (``<profiles_dir>/<source_id>.toml``) for ``record_type``, if it has
    one: its records are then read as table rows under it."""
    path = profile_path(profiles_dir, source_id, None)
    if path is None:
        return None
    try:
        return reading_for(standard, record_type, path)
    except ProfileError as exc:
        raise BadRequestError(
            f"the hub's mapping profile for this source is unusable (tell its operator): "
            f"{exc.message}"
        ) from None


def prechecks(
    source: Source, record_type: str, records: Sequence[Any], events: Sequence[Event]
) -> list[dict[str, Any]]:
    """Records the judge will reject for least privilege, with the rule and its message."""
    refused = []
    for index, (record, event) in enumerate(zip(records, events, strict=True), start=1):
        rule, params = _privilege(source, record_type, record)
        if rule is not None:
            zh, en = render(RULES[rule], params)
            refused.append(
                {
                    "index": index,
                    "submission_id": event.event_id,
                    "rule": rule,
                    "message_zh": zh,
                    "message_en": en,
                }
            )
    return refused


def _privilege(source: Source, record_type: str, record: Any) -> tuple[str | None, dict[str, Any]]:
    if not source.may_submit(record_type):
        return "SOURCE.TYPE_NOT_ALLOWED", {"type": record_type}
    region = record.get("region_code") if isinstance(record, dict) else None
    if isinstance(region, str) and region and not source.covers(region):
        return "SOURCE.REGION", {"code": region, "scope": source.region_code}
    return None, {}


def store_batch(
    sink: SubmissionSink,
    events: Sequence[Event],
    idempotency_key: str | None,
    make_reply: MakeReply,
) -> ApiBatch:
    """Store the batch durably; the reply to send: this request's, or the first one's when its
    ``idempotency_key`` was taken meanwhile (the caller refuses it if the body differs)."""
    stored = sink.store(events, idempotency_key=idempotency_key, make_reply=make_reply)
    assert stored.reply is not None  # a sink builds the reply whenever make_reply is given
    return stored.reply
