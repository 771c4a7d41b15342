"""``/v1/queues`` (lag, the national ledger, dead and retrying deliveries, the quarantine) and the
operator's two actions: ``POST /v1/deliveries/redrive`` and ``POST /v1/quarantine/release``.

Reading is for operators and auditors (it is the whole hub's, not a region's: a viewer gets 403);
acting is for operators only, checked twice: by the role here and, in the action's own
transaction, against the account in the store (:mod:`hub.query.queues`). Each action is an event
in the history naming the operator, and an entry in the audited journal."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from hub.api.roles import require
from hub.api.v1.context import Readers, json_body, readers, threaded
from hub.api.v1.errors import BadQueryError, UnavailableError, errors
from hub.domain.accounts import Principal
from hub.errors import HubError
from hub.events import load_codec
from hub.kafka.producer import release_publisher
from hub.query.queues import (
    LIST_STATES,
    MAX_IDS,
    QueueActionError,
    queues,
    redrive,
    release,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["queues"])

Read = Annotated[Readers, Depends(readers)]
Reader = Annotated[Principal, Depends(require("operator", "auditor"))]
Operator = Annotated[Principal, Depends(require("operator"))]
#: a delivery id or an origin: printable ASCII, no surrounding spaces (what the hub makes)
Id = Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[!-~](?:[ -~]*[!-~])?$")]
State = Literal["dead", "retrying", "pending", "sent"]


class DeliveryOut(BaseModel):
    delivery_id: str
    record_id: str
    version: int
    record_type: str
    destination: str
    state: str
    attempt: int
    redrives: int
    reasons: list[str]
    source_id: str
    submission_id: str
    next_attempt_at: str | None = Field(description="ISO 8601 UTC, for retrying rows")


class QuarantineOut(BaseModel):
    origin: str = Field(description="topic/partition/offset: the message's identity")
    stream: str
    reason: str
    bytes: int


class LagOut(BaseModel):
    stages: dict[str, int]
    projections: dict[str, int]


class QueuesReply(BaseModel):
    lag: LagOut
    ledger: dict[str, int] = Field(description="delivery rows per state, and attempted")
    deliveries: list[DeliveryOut] = Field(description="newest planned first")
    quarantined: int
    quarantine: list[QuarantineOut] = Field(description="no bodies: they may hold personal data")
    limit: int


def _queues(read: Readers, states: list[str], limit: int) -> QueuesReply:
    found = queues(
        read.store(), read.view_store(), settings=read.settings, states=states, limit=limit
    )
    return QueuesReply(**found.to_dict())


@router.get(
    "/queues",
    response_model=QueuesReply,
    responses=errors(403, 422),
    summary="Lag per stage and projection, the national ledger, dead deliveries, quarantine",
)
async def list_queues(
    _who: Reader,
    read: Read,
    state: Annotated[
        list[State] | None,
        Query(max_length=4, description=f"delivery states to list: {', '.join(LIST_STATES)}"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    states: list[str] = list(state or ["dead", "retrying"])
    return await threaded(_queues, read, states, limit)


class RedriveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delivery_ids: list[Id] | None = Field(
        max_length=MAX_IDS,
        description="required; null (written out): every dead delivery, so `{}` re-drives nothing",
    )


class RedriveReply(BaseModel):
    actor: str
    redriven: list[str]
    moved: int
    not_dead: dict[str, str] = Field(description="named ids that were not dead: their state")
    unknown: list[str]


class ReleaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    origins: list[Id] = Field(max_length=MAX_IDS)


class ReleaseReply(BaseModel):
    actor: str
    released: dict[str, str] = Field(description="origin → the event id now on its stream")
    still_quarantined: dict[str, str] = Field(description="origin → the new reason")
    unknown: list[str]


def _body(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _acted(action: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        report = action(*args, **kwargs)
    except QueueActionError as exc:
        zh, _, en = exc.message.partition(" / ")
        raise BadQueryError(zh, en or zh) from None
    result: dict[str, Any] = report.to_dict()
    return result


@router.post(
    "/deliveries/redrive",
    response_model=RedriveReply,
    responses=errors(400, 403, 413, 415, 422),
    openapi_extra=_body(RedriveRequest),
    summary="Re-drive dead deliveries (named, or all): back to pending, recorded with who",
)
async def redrive_deliveries(request: Request, who: Operator, read: Read) -> Any:
    asked = await json_body(request, RedriveRequest)
    codec = load_codec(read.standard.root)
    return await threaded(
        lambda: _acted(redrive, read.store(), asked.delivery_ids, who.name, codec=codec)
    )


def _release(read: Readers, origins: list[str], actor: str) -> dict[str, Any]:
    try:
        with release_publisher(read.settings) as (publish, unwrap):
            return _acted(
                release,
                read.store(),
                origins,
                actor,
                settings=read.settings,
                unwrap=unwrap,
                publish=publish,
            )
    except BadQueryError:
        raise
    except HubError as exc:  # the broker did not take the messages: nothing was released
        raise UnavailableError(
            f"释放失败，未作改动：{exc.message}", f"the release failed, nothing changed: {exc}"
        ) from None


@router.post(
    "/quarantine/release",
    response_model=ReleaseReply,
    responses=errors(400, 403, 413, 415, 422, 503),
    openapi_extra=_body(ReleaseRequest),
    summary="Release quarantined messages: read again with the current standard pack",
)
async def release_quarantine(request: Request, who: Operator, read: Read) -> Any:
    asked = await json_body(request, ReleaseRequest)
    return await threaded(_release, read, list(asked.origins), who.name)
