"""``GET /v1/feedback``: a source reads its verdicts, national acks and rejections (and the
other feedback kinds) after a cursor, only its own: the feedback stream is keyed by source."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query

from hub.api.models import REFUSALS, FeedbackItem, FeedbackPage
from hub.api.source_auth import Caller
from hub.events import Codec
from hub.events.streams import FEEDBACK
from hub.storage.pool import StorePool

__all__ = ["router"]


def router(stores: StorePool, codec: Codec) -> APIRouter:
    """The feedback route over ``stores`` (the feedback stream), decoded with ``codec``."""
    routes = APIRouter()

    @routes.get(
        "/v1/feedback",
        response_model=FeedbackPage,
        responses={401: REFUSALS[401], 403: REFUSALS[403]},
        summary="The source's verdicts, national acks and rejections after a cursor",
    )
    async def feedback(
        source: Caller,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> FeedbackPage:
        rows = await asyncio.to_thread(
            stores.get().read_key, FEEDBACK, source.source_id, after, limit
        )
        items = [
            FeedbackItem(cursor=r.position, **_feedback_fields(codec, r.position, r.body))
            for r in rows
        ]
        return FeedbackPage(items=items, next_cursor=rows[-1].position if rows else after)

    return routes


def _feedback_fields(codec: Codec, position: int, body: bytes) -> dict[str, Any]:
    payload = codec.decode_event(FEEDBACK, position, body).payload
    keep = FeedbackItem.model_fields.keys() - {"cursor"}
    return {k: v for k, v in payload.items() if k in keep}
