"""Federation, the way down: a higher hub's feedback to this hub becomes feedback to this hub's
own sources.

This hub is a source of the higher hub (it federates its records up with
:mod:`hub.connectors.federation`), so it reads its feedback there like any source does: from the
higher hub's ingest API, ``GET /v1/feedback`` with its token, by cursor. Each item is about one
of this hub's records:

- a verdict names it directly (``source_record_id`` is this hub's record id); the mapping from the
  higher hub's submission id to the record is kept (in the store's connector cursors), because
- a national ack or rejection names only the higher hub's submission.

The item becomes a feedback event here, addressed to the source that made the record's latest
version, marked ``upstream`` with the higher hub's name: a county learns that the province
deduplicated its record, and that the national platform accepted it through the province.
Event ids derive from the higher hub's feedback id, and the cursor moves in the same
transaction, so a crash or a re-read adds nothing twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from hub.engine.steps import append_events
from hub.errors import StorageUnavailableError, TransientDeliveryError
from hub.events import Codec, Event, derive_id
from hub.events.streams import RECORDS
from hub.processing.feedback import feedback_event
from hub.storage.ports import Store, Transaction

__all__ = ["Upstream"]


class Upstream:
    def __init__(
        self, store: Store, codec: Codec, *, url: str, token: str, upstream_hub: str
    ) -> None:
        self.store = store
        self.codec = codec
        self.upstream_hub = upstream_hub
        self.cursor_name = f"upstream:{upstream_hub}"
        self._client = httpx.Client(
            base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )

    def close(self) -> None:
        self._client.close()

    def poll(self, limit: int = 500) -> tuple[int, int]:
        """Read one page; ``(items read, feedback events new here)``."""
        with self.store.transaction() as tx:
            after = int(tx.cursor(self.cursor_name) or 0)
        try:
            reply = self._client.get("/v1/feedback", params={"after": after, "limit": limit})
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(
                f"the higher hub {self.upstream_hub} did not answer ({type(exc).__name__})"
            ) from None
        if reply.status_code >= 500:
            raise TransientDeliveryError(f"the higher hub answered {reply.status_code}")
        if reply.status_code != 200:
            raise StorageUnavailableError(
                f"the higher hub refused this hub's feedback read: {reply.status_code}"
            )
        page = reply.json()
        items: list[dict[str, Any]] = page["items"]
        if not items:
            return 0, 0
        with self.store.transaction(durable=True) as tx:
            events = [e for e in (self._event(tx, item) for item in items) if e is not None]
            new = append_events(tx, self.codec, events, dt.datetime.now(dt.UTC).timestamp())
            tx.set_cursor(self.cursor_name, str(page["next_cursor"]))
        return len(items), new

    def _event(self, tx: Transaction, item: dict[str, Any]) -> Event | None:
        mapping = f"upstream-sub:{self.upstream_hub}:{item['submission_id']}"
        record_id = item["source_record_id"] if item["kind"] == "verdict" else None
        if record_id:
            tx.set_cursor(mapping, record_id)
        else:
            record_id = tx.cursor(mapping)
        if not record_id:
            return None  # not about a federated record of this hub
        versions = self.store.read_key(RECORDS, record_id, 0, 100_000)
        if not versions:
            return None
        last = versions[-1]
        p = self.codec.decode_event(RECORDS, last.position, last.body).payload
        return feedback_event(
            feedback_id=derive_id("fb-up", self.upstream_hub, item["feedback_id"]),
            source_id=p["source_id"],
            kind=item["kind"],
            submission_id=p["submission_id"],
            record_id=record_id,
            version=p["version"],
            status=item["status"],
            messages=[f"{self.upstream_hub}: {m}" for m in item["messages"]][:20],
            correlation_id=p["submission_id"],
            occurred_at=dt.datetime.now(dt.UTC),
            causation_id=last.event_id,
            producer="connector.upstream",
            upstream=self.upstream_hub,
        )
