"""The front-end database connector (前置库): poll a source's exchange table in its PostgreSQL.

Provincial exchanges keep, per record type, a table of the record's columns plus five of their
own: ``cd_id`` (the row's id), ``cd_time`` (when the row was written), ``cd_source`` (the writing
system), ``cd_batch`` (its batch) and ``cd_operation`` (``i`` insert, ``u`` update, ``d``
delete). The connector reads rows by watermark ``(cd_time, cd_id)`` at an interval:

- every row becomes one submission; ``d`` asks for the record's retraction (it propagates to the
  read models, the national push and the outbound feeds), an unknown operation is stored and
  rejected (``INPUT.CD_OPERATION``) like any record that breaks the standard;
- a row's submission id derives from the table, ``cd_id`` and ``cd_time``, so reading a row
  twice stores it once. That allows an **overlap**: each poll re-reads the last ``overlap_s``
  seconds before the watermark, so a row whose transaction committed late with an older
  ``cd_time`` is still picked up (a plain ``>`` watermark would skip it for ever);
- the watermark is saved in the hub's store in the same transaction as the submissions (embedded
  runtime) or after Kafka acknowledged them (distributed): the sink's ``also``
  (:mod:`hub.engine.sink`); a crash re-reads, never skips.

The source's database URL is a secret: it is never logged or put in an error message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from psycopg import sql

from hub.bounds import shape_over
from hub.connectors.formats.files import jsonable
from hub.connectors.submissions import submission_event, table_row
from hub.engine.sink import SubmissionSink, sink_for
from hub.errors import InputError, StorageUnavailableError
from hub.events import Codec, Event
from hub.processing.judge import TABLE_ROW
from hub.settings import HubSettings
from hub.standard.reading import Reading
from hub.storage.ports import Store, Transaction

__all__ = ["CD_COLUMNS", "FrontDb", "Row", "row_submission"]

CD_COLUMNS = ("cd_id", "cd_time", "cd_source", "cd_batch", "cd_operation")
_OPERATIONS = {"i": "upsert", "u": "upsert", "d": "delete"}


@dataclass(frozen=True, slots=True)
class Row:
    """One exchange row; ``problem`` (rule, params) when it cannot become a record: a NULL
    ``cd_time``, a value over the record bounds, a value that cannot be encoded. Such a row is
    still a submission (stored, rejected with that rule), so the connector goes on past it."""

    cd_id: str
    cd_time: dt.datetime | None
    cd_source: str | None
    cd_batch: str | None
    cd_operation: str | None
    record: dict[str, Any]
    problem: tuple[str, dict[str, Any]] | None = None


def row_submission(
    source_id: str,
    record_type: str,
    table: str,
    row: Row,
    received_at: dt.datetime,
    reading: Reading | None = None,
) -> Event:
    """One exchange row as a submission (pure: the same row always makes the same id).

    With ``reading`` the row's columns are read as a file's are (Chinese column names, ``N/A``,
    the source's profile; :meth:`Reading.fields`) and the submission carries the row, the record
    and the profile (``TABLE_ROW``); without, the columns are the standard's fields as typed."""
    operation = _OPERATIONS.get((row.cd_operation or "").strip().lower())
    problem = None
    if row.problem is not None:
        problem = {"rule": row.problem[0], "params": row.problem[1]}
    elif operation is None:
        problem = {
            "rule": "INPUT.CD_OPERATION",
            "params": {"line": row.cd_id, "value": str(row.cd_operation)[:20]},
        }
    at = row.cd_time.isoformat() if row.cd_time is not None else "null"
    raw = b"" if row.problem is not None else orjson.dumps(row.record)
    content_type = "application/json; charset=utf-8"
    if reading is not None and row.problem is None:
        raw = table_row(reading.fields(row.record), row.record, reading.profile_id)
        content_type = TABLE_ROW
    return submission_event(
        source_id=source_id,
        record_type=record_type,
        channel="frontdb",
        batch_id=f"frontdb:{table}:{row.cd_id}:{at}",
        index=1,
        raw=raw,
        content_type=content_type,
        received_at=received_at,
        source_record_id=row.cd_id[:100],
        problem=problem,
        operation=operation or "upsert",
    )


class FrontDb:
    """One exchange table of one source; :meth:`poll` reads, stores and advances once."""

    def __init__(
        self,
        settings: HubSettings,
        store: Store,
        codec: Codec,
        *,
        source_id: str,
        record_type: str,
        url: str,
        table: str,
        batch: int = 1000,
        overlap_s: float = 60.0,
        reading: Reading | None = None,
        sink: SubmissionSink | None = None,
    ) -> None:
        """``sink``: where the submissions go (default: the one the settings choose, which
        :meth:`close` closes)."""
        self.settings = settings
        self.store = store
        self.codec = codec
        self._own_sink = sink is None
        self.sink = sink if sink is not None else sink_for(settings, store, codec)
        self.source_id = source_id
        self.record_type = record_type
        self.table = table
        self.batch = batch
        self.overlap = dt.timedelta(seconds=overlap_s)
        self.cursor_name = f"frontdb:{source_id}:{table}"
        self._url = url
        self.reading = reading
        self._conn: psycopg.Connection[Any] | None = None

    def close(self) -> None:
        self._disconnect()
        if self._own_sink:
            self.sink.close()

    def _disconnect(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _source_db(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            try:
                self._conn = psycopg.connect(self._url, autocommit=True, connect_timeout=10)
            except psycopg.OperationalError:
                raise StorageUnavailableError(
                    f"the front-end database of {self.source_id} is unreachable"
                ) from None
        return self._conn

    def watermark(self) -> tuple[dt.datetime, str] | None:
        with self.store.transaction() as tx:
            saved = tx.cursor(self.cursor_name)
        if saved is None:
            return None
        at, _, cd_id = saved.partition("|")
        return dt.datetime.fromisoformat(at), cd_id

    def read(self, after: tuple[dt.datetime, str] | None) -> list[Row]:
        """The next rows after the watermark, in watermark order."""
        where: sql.Composable = sql.SQL("WHERE cd_time IS NOT NULL")
        params: tuple[Any, ...] = ()
        if after is not None:
            where = sql.SQL('WHERE (cd_time, cd_id::text COLLATE "C") > (%s, %s)')
            params = after
        return self._query(where, (*params, self.batch))

    def read_untimed(self) -> list[Row]:
        """Rows with a NULL ``cd_time``: no watermark can pass them, so they are read apart
        (each poll, a batch at most) and become rejected submissions (``INPUT.CD_TIME``),
        stored once by their ids, instead of stopping the connector."""
        return self._query(sql.SQL("WHERE cd_time IS NULL"), (self.batch,))

    def read_late(self, after: tuple[dt.datetime, str]) -> list[Row]:
        """Rows at or before the watermark but within the overlap: the ones a late commit may
        have added behind it (those already received are skipped by their ids)."""
        where = sql.SQL('WHERE cd_time >= %s AND (cd_time, cd_id::text COLLATE "C") <= (%s, %s)')
        return self._query(where, (after[0] - self.overlap, *after, 10 * self.batch))

    def _query(self, where: sql.Composable, params: tuple[Any, ...]) -> list[Row]:
        query = sql.SQL(
            'SELECT * FROM {} {} ORDER BY cd_time, cd_id::text COLLATE "C" LIMIT %s'
        ).format(sql.Identifier(*self.table.split(".")), where)
        try:
            cursor = self._source_db().execute(query, params)
            names = [c.name for c in cursor.description or ()]
            rows = cursor.fetchall()
        except psycopg.OperationalError:
            self._disconnect()
            raise StorageUnavailableError(
                f"the front-end database of {self.source_id} went away"
            ) from None
        except psycopg.Error as exc:
            raise InputError(
                f"{self.table}: cannot read the exchange table ({exc.sqlstate})"
            ) from None
        missing = [c for c in CD_COLUMNS if c not in names]
        if missing:
            raise InputError(f"{self.table} lacks the exchange columns {', '.join(missing)}")
        return [self._row(dict(zip(names, values, strict=True))) for values in rows]

    def _row(self, values: dict[str, Any]) -> Row:
        """A row as the hub takes it, bounded before it is encoded (a jsonb value 400 levels
        deep would break the JSON encoder, whose limit is 254)."""
        record = {k: v for k, v in values.items() if k not in CD_COLUMNS}
        cd_id = str(values["cd_id"])
        cd_time = values["cd_time"]
        problem: tuple[str, dict[str, Any]] | None = None
        if cd_time is None:
            problem = ("INPUT.CD_TIME", {"cd_id": cd_id[:100]})
        elif cd_time.tzinfo is None:
            cd_time = cd_time.replace(tzinfo=dt.UTC)
        settings = self.settings
        shape = shape_over(record, settings.max_record_fields, settings.max_record_depth)
        if problem is None and shape is not None:
            rule = "INPUT.TOO_MANY_FIELDS" if shape.limit == "fields" else "INPUT.TOO_DEEP"
            at = shape.path or "(record)"
            problem = (rule, {"actual": f"{shape.actual:,}", "max": shape.max, "field": at})
        if problem is None:
            try:
                record = jsonable(record)
            except (TypeError, ValueError) as exc:
                problem = ("INPUT.ROW", {"cd_id": cd_id[:100], "detail": str(exc)[:120]})
        return Row(
            cd_id,
            cd_time,
            values["cd_source"],
            values["cd_batch"],
            values["cd_operation"],
            {} if problem is not None else record,
            problem,
        )

    def poll(self) -> tuple[int, int]:
        """Read once; ``(rows read, submissions new to the hub)``."""
        after = self.watermark()
        rows = self.read(after)
        late = self.read_late(after) if after is not None and self.overlap else []
        untimed = self.read_untimed()
        if not rows and not late and not untimed:
            return 0, 0
        now = dt.datetime.now(dt.UTC)
        events = [
            row_submission(self.source_id, self.record_type, self.table, r, now, self.reading)
            for r in (*untimed, *late, *rows)
        ]
        last = rows[-1].cd_time if rows else None
        head = (last, rows[-1].cd_id) if last is not None else after
        mark = None if head is None else f"{head[0].isoformat()}|{head[1]}"
        return len(rows), self._store(events, mark)

    def _store(self, events: Sequence[Event], mark: str | None) -> int:
        def save_mark(tx: Transaction) -> None:
            if mark is not None:  # only untimed rows so far: no watermark to save yet
                tx.set_cursor(self.cursor_name, mark)

        return self.sink.store(events, also=save_mark).received
