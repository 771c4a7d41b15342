"""The contract of the submission sink (:mod:`hub.engine.sink`), reusable by any sink.

Subclass :class:`SubmissionSinkContract` in a test module and give it three fixtures: ``sink``
(the sink under test, closed by the fixture), ``store`` (a handle of its own on the store the
sink commits idempotency records and ``also`` to) and ``held`` (reads back the submission ids the
sink's durable medium holds, in order: the log's submissions stream, or the Kafka topic).
``tests/connectors/test_sink.py`` runs it on the log (SQLite and PostgreSQL) and on Kafka.

What every sink promises, whatever it stores in:

- when ``store`` returns, the submissions are durable (``held`` shows them), and so are the
  idempotency record and what ``also`` wrote; ``received + already`` is the number handed over;
- the same submissions again are held once per id where the sink ``tells_resent`` (the log:
  ``already`` counts them); elsewhere (Kafka) they are sent again and counted received, and the
  judge claims each id once;
- ``make_reply`` gets the counts, and its reply is returned; with an idempotency key it is
  recorded, and a key the source used before returns the first reply (whatever the body: the
  caller compares the body hash and refuses another body) with nothing stored, sent or run;
- a failure inside ``also`` propagates and commits neither ``also`` nor the reply; an
  ``atomic`` sink (the log) stores none of the submissions either, the others (Kafka) have sent
  them, and the retry sends the same ids again; either way nothing is lost;
- a closed sink can store again (a connector closes it between runs).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest

from hub.connectors.submissions import submission_event
from hub.domain.values import ApiBatch
from hub.engine.sink import SubmissionSink, store_all
from hub.events import Event
from hub.storage.ports import Store, Transaction

__all__ = ["SubmissionSinkContract"]

T0 = dt.datetime(2025, 3, 10, 9, 30, tzinfo=dt.UTC)
SOURCE = "s-440106"
CURSOR = "contract:cursor"


def batch(
    n: int, *, source_id: str = SOURCE, batch_id: str = "b-1", start: int = 1, tag: str = ""
) -> list[Event]:
    """``n`` submissions of one batch (indexes from ``start``); ``tag`` changes their bytes,
    not their ids (the same batch and index make the same id)."""
    return [
        submission_event(
            source_id=source_id,
            record_type="inspection",
            channel="api",
            batch_id=batch_id,
            index=i,
            raw=orjson.dumps({"n": i, "tag": tag}),
            content_type="application/json; charset=utf-8",
            received_at=T0,
        )
        for i in range(start, start + n)
    ]


def ids(events: Sequence[Event]) -> list[str]:
    return [e.event_id for e in events]


class Replies:
    """A ``make_reply`` that notes its calls; the reply's bytes carry the counts."""

    def __init__(self, body_hash: str = "h-1", key: str | None = None, source_id: str = SOURCE):
        self.body_hash = body_hash
        self.key = key
        self.source_id = source_id
        self.calls: list[tuple[int, int]] = []

    def __call__(self, received: int, already: int) -> ApiBatch:
        self.calls.append((received, already))
        reply = orjson.dumps({"received": received, "already": already, "hash": self.body_hash})
        return ApiBatch(self.source_id, self.key or "", self.body_hash, reply)


def set_cursor(value: str) -> Callable[[Transaction], None]:
    def also(tx: Transaction) -> None:
        tx.set_cursor(CURSOR, value)

    return also


class AlsoFailedError(Exception):
    """Raised inside ``also`` by the contract, after it wrote."""


def failing_also(tx: Transaction) -> None:
    tx.set_cursor(CURSOR, "written before the failure")
    raise AlsoFailedError("the connector's own write failed")


def cursor(store: Store) -> str | None:
    with store.transaction() as tx:
        return tx.cursor(CURSOR)


def recorded(store: Store, key: str, source_id: str = SOURCE) -> ApiBatch | None:
    with store.transaction() as tx:
        return tx.api_batch(source_id, key)


class SubmissionSinkContract:
    """What every submission sink must do (see the module docstring)."""

    @pytest.fixture
    def sink(self) -> Iterator[SubmissionSink]:
        raise NotImplementedError

    @pytest.fixture
    def store(self) -> Iterator[Store]:
        """Another handle on the store ``sink`` commits its idempotency records and ``also``
        to (closed by the fixture)."""
        raise NotImplementedError

    @pytest.fixture
    def held(self) -> Callable[[], list[str]]:
        """Reads back the ids of the submissions the sink's durable medium holds, in order."""
        raise NotImplementedError

    # -- durability and counts ----------------------------------------------------------------

    def test_a_batch_is_held_when_store_returns(
        self, sink: SubmissionSink, held: Callable[[], list[str]]
    ) -> None:
        events = batch(3)
        stored = sink.store(events)
        assert (stored.received, stored.already, stored.reply, stored.replayed) == (
            3,
            0,
            None,
            False,
        )
        assert held() == ids(events)

    def test_the_same_batch_twice(
        self, sink: SubmissionSink, held: Callable[[], list[str]]
    ) -> None:
        events = batch(3)
        sink.store(events)
        again = sink.store(events)
        if sink.tells_resent:
            assert (again.received, again.already) == (0, 3)
            assert held() == ids(events)
        else:  # sent again, counted again: the judge claims each id once
            assert (again.received, again.already) == (3, 0)
            assert held() == ids(events) * 2

    def test_a_batch_partly_stored_before(
        self, sink: SubmissionSink, held: Callable[[], list[str]]
    ) -> None:
        first, second = batch(2), batch(2, start=2)
        sink.store(first)
        stored = sink.store(second)
        assert stored.received + stored.already == 2
        assert (stored.received, stored.already) == ((1, 1) if sink.tells_resent else (2, 0))
        assert set(held()) == set(ids(first)) | set(ids(second))

    def test_an_empty_batch_stores_nothing_and_still_commits_also(
        self, sink: SubmissionSink, store: Store, held: Callable[[], list[str]]
    ) -> None:
        stored = sink.store([], also=set_cursor("7"))
        assert (stored.received, stored.already) == (0, 0)
        assert cursor(store) == "7" and held() == []

    # -- also: a connector's cursor and quarantine -------------------------------------------

    def test_also_is_committed_with_the_submissions(
        self, sink: SubmissionSink, store: Store, held: Callable[[], list[str]]
    ) -> None:
        events = batch(2)
        sink.store(events, also=set_cursor("2"))
        assert cursor(store) == "2" and held() == ids(events)
        sink.store(batch(1, start=3), also=set_cursor("3"))
        assert cursor(store) == "3"

    def test_a_failure_inside_also_commits_neither_it_nor_the_reply(
        self, sink: SubmissionSink, store: Store, held: Callable[[], list[str]]
    ) -> None:
        events = batch(2)
        replies = Replies(key="k-1")
        with pytest.raises(AlsoFailedError):
            sink.store(events, idempotency_key="k-1", make_reply=replies, also=failing_also)
        assert cursor(store) is None and recorded(store, "k-1") is None
        assert held() == ([] if sink.atomic else ids(events))  # Kafka: sent before also ran
        retried = sink.store(
            events, idempotency_key="k-1", make_reply=replies, also=set_cursor("2")
        )
        assert not retried.replayed and cursor(store) == "2"
        assert recorded(store, "k-1") == retried.reply
        assert set(held()) == set(ids(events))  # nothing lost; a resent id is claimed once

    # -- replies and idempotency keys --------------------------------------------------------

    def test_make_reply_gets_the_counts_and_nothing_is_recorded_without_a_key(
        self, sink: SubmissionSink, store: Store
    ) -> None:
        events = batch(2)
        sink.store(events[:1])
        replies = Replies()
        stored = sink.store(events, make_reply=replies)
        counts = (1, 1) if sink.tells_resent else (2, 0)
        assert replies.calls == [counts]
        assert stored.reply == replies(*counts) and not stored.replayed
        assert recorded(store, "") is None

    def test_a_key_records_the_reply_with_the_submissions(
        self, sink: SubmissionSink, store: Store, held: Callable[[], list[str]]
    ) -> None:
        events = batch(2)
        stored = sink.store(events, idempotency_key="k-1", make_reply=Replies(key="k-1"))
        assert stored.reply is not None and not stored.replayed
        assert (stored.received, stored.already) == (2, 0)
        assert recorded(store, "k-1") == stored.reply
        assert held() == ids(events)

    def test_a_key_used_again_with_the_same_body_returns_the_first_reply(
        self, sink: SubmissionSink, held: Callable[[], list[str]]
    ) -> None:
        events = batch(2)
        first = sink.store(events, idempotency_key="k-1", make_reply=Replies(key="k-1"))
        replies = Replies(key="k-1")
        again = sink.store(events, idempotency_key="k-1", make_reply=replies)
        assert again.replayed and again.reply == first.reply
        assert (again.received, again.already, replies.calls) == (0, 0, [])
        assert held() == ids(events)  # nothing stored or sent again

    def test_a_key_used_again_with_another_body_returns_the_first_reply_and_stores_nothing(
        self, sink: SubmissionSink, store: Store, held: Callable[[], list[str]]
    ) -> None:
        events = batch(2)
        first = sink.store(events, idempotency_key="k-1", make_reply=Replies("h-1", "k-1"))
        other = batch(3, tag="changed")  # the same batch id (from the key): 2 ids alike, 1 new
        again = sink.store(
            other,
            idempotency_key="k-1",
            make_reply=Replies("h-2", "k-1"),
            also=set_cursor("must not run"),
        )
        assert again.replayed and again.reply == first.reply
        assert again.reply is not None and again.reply.body_hash == "h-1"  # the caller refuses
        assert held() == ids(events) and cursor(store) is None

    def test_a_key_is_the_sources_own(self, sink: SubmissionSink, store: Store) -> None:
        sink.store(batch(1), idempotency_key="k-1", make_reply=Replies(key="k-1"))
        elsewhere = batch(1, source_id="s-440111")
        replies = Replies(key="k-1", source_id="s-440111")
        stored = sink.store(elsewhere, idempotency_key="k-1", make_reply=replies)
        assert not stored.replayed and replies.calls == [(1, 0)]
        assert recorded(store, "k-1", "s-440111") == stored.reply

    def test_one_key_from_two_threads_at_once_gets_one_reply(
        self, sink: SubmissionSink, store: Store, held: Callable[[], list[str]]
    ) -> None:
        """A client that retries before its first request was answered: both requests get
        the reply recorded first."""
        events = batch(2)
        both = threading.Barrier(2)

        def send(_: int) -> ApiBatch | None:
            both.wait(10)
            return sink.store(events, idempotency_key="k-1", make_reply=Replies(key="k-1")).reply

        with ThreadPoolExecutor(2) as threads:
            first, second = threads.map(send, range(2))
        assert first is not None and first == second == recorded(store, "k-1")
        assert set(held()) == set(ids(events))
        if sink.tells_resent:
            assert held() == ids(events)

    def test_a_key_needs_a_reply_to_record(self, sink: SubmissionSink) -> None:
        with pytest.raises(ValueError, match="make_reply"):
            sink.store(batch(1), idempotency_key="k-1")

    # -- threads, streams and lifecycle -------------------------------------------------------

    def test_batches_from_several_threads_are_all_held(
        self, sink: SubmissionSink, held: Callable[[], list[str]]
    ) -> None:
        """The API stores from a thread per request, each with a store handle of its own."""
        batches = [batch(3, batch_id=f"b-{n}") for n in range(4)]
        with ThreadPoolExecutor(4) as threads:
            stored = list(threads.map(sink.store, batches))
        assert [(s.received, s.already) for s in stored] == [(3, 0)] * 4
        assert sorted(held()) == sorted(i for events in batches for i in ids(events))

    def test_store_all_makes_each_chunk_durable_before_the_next(
        self, sink: SubmissionSink, held: Callable[[], list[str]]
    ) -> None:
        events = batch(5)
        commits: list[tuple[int, int]] = []
        seen: list[int] = []

        def reading() -> Iterator[Event]:
            for event in events:
                seen.append(len(held()))  # what was durable when this event was read
                yield event

        totals = store_all(
            sink, reading(), chunk=2, on_commit=lambda s: commits.append((s.received, s.already))
        )
        assert (totals.received, totals.already) == (5, 0)
        assert commits == [(2, 0), (4, 0), (5, 0)]
        assert seen == [0, 0, 2, 2, 4]
        assert held() == ids(events)
        again = store_all(sink, iter(events), chunk=2)
        assert (again.received, again.already) == ((0, 5) if sink.tells_resent else (5, 0))

    def test_a_closed_sink_stores_again(
        self, sink: SubmissionSink, held: Callable[[], list[str]]
    ) -> None:
        first, second = batch(1), batch(1, start=2)
        sink.store(first)
        sink.close()
        sink.close()  # twice is harmless
        sink.store(second)
        assert held() == ids(first) + ids(second)
