"""Read models in PostgreSQL (the database of ``HUB_DATABASE_URL``).

- **Bulk writes.** A batch's rows are COPYed into a temporary staging table (one per read-model
  table and connection, emptied at commit) and merged into the table by one
  ``INSERT ... SELECT ... ON CONFLICT`` per table and batch. Write-once (history) rows are COPYed
  straight into their table inside a savepoint, falling back to the merge if one exists already
  (an event applied again is still a no-op; measured: bench/project_postgres.py). A table that
  borrows columns (:class:`~hub.projections.tables.Borrow`: ``records_current``' content) stages the
  rest and the merge joins the borrowed values from the rows written just before, so a record's
  content is sent and parsed into ``jsonb`` once, not twice.
- **Turns.** A transaction takes ``pg_advisory_xact_lock`` on each projection it writes, in name
  order; two runner processes therefore never apply the same batch twice (the second waits, then
  reads the first one's committed position). ``swap`` takes the same lock.
- **Durability.** Projection commits use ``synchronous_commit = off``: a server crash may roll back
  the last commits, rows and positions together, and the runner applies those events again.
- **Blue/green.** Tables built aside (``<table><suffix>``, indexes ``<table><suffix>__...``) are
  renamed over the live ones, indexes included, in one transaction; readers block for the
  renames only, and never see a half-built model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from hub.projections.ports import ViewStore, ViewTransaction
from hub.projections.tables import Kind, Merge, Row, Table
from hub.storage.postgres import connect, live, translate
from hub.storage.sql import VIEW_POSITIONS, adapt

__all__ = ["PostgresViews"]

log = logging.getLogger("hub.projections")

_TYPES = {Kind.TEXT: "text", Kind.INT: "bigint", Kind.JSON: "jsonb", Kind.TIME: "timestamptz"}


def _ident(*parts: str) -> sql.Identifier:
    return sql.Identifier("".join(parts))


def _merge_sql(table: Table, physical: str, stage: str, suffix: str) -> sql.Composed:
    """The statement merging a staged batch into ``physical``. A table that borrows columns
    has them taken from the row of the table it borrows from (written earlier in the same
    transaction) by a correlated subquery on the borrow's columns: always an index lookup per
    row whatever the planner thinks of the unanalysed stage (a join may become a hash join over
    the whole history), and a missing row gives NULL, which the NOT NULL column refuses."""
    names = sql.SQL(", ").join(map(sql.Identifier, table.names))
    borrow = table.borrows
    if borrow is None:
        source = sql.SQL("SELECT {} FROM {}").format(names, _ident(stage))
    else:
        match = sql.SQL(" AND ").join(
            sql.SQL("b.{c} = s.{c}").format(c=sql.Identifier(c)) for c in borrow.on
        )
        picked = sql.SQL(", ").join(
            sql.SQL("(SELECT b.{} FROM {} b WHERE {})").format(
                sql.Identifier(n), _ident(borrow.table, suffix), match
            )
            if n in borrow.columns
            else sql.SQL("s.{}").format(sql.Identifier(n))
            for n in table.names
        )
        source = sql.SQL("SELECT {} FROM {} s").format(picked, _ident(stage))
    head = sql.SQL("INSERT INTO {} ({}) {} ON CONFLICT ({})").format(
        _ident(physical),
        names,
        source,
        sql.SQL(", ").join(map(sql.Identifier, table.key)),
    )
    if table.merge is Merge.KEEP:
        return head + sql.SQL(" DO NOTHING")
    if table.merge is Merge.ADD:
        sets = sql.SQL(", ").join(
            sql.SQL("{c} = {t}.{c} + EXCLUDED.{c}").format(c=sql.Identifier(c), t=_ident(physical))
            for c in table.updated
        )
        return head + sql.SQL(" DO UPDATE SET ") + sets
    sets = sql.SQL(", ").join(
        sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in table.updated
    )
    return head + sql.SQL(" DO UPDATE SET {} WHERE EXCLUDED.{v} > {t}.{v}").format(
        sets, v=sql.Identifier(table.version), t=_ident(physical)
    )


class _Transaction(ViewTransaction):
    """One projection transaction in few round trips: one to begin (locks, the positions of the
    names it holds, a savepoint), one per COPY, one to commit (the merges, the positions, COMMIT).
    Statements that return nothing the runner needs wait in ``_pending`` and go with the next
    round trip. Each round trip is a wait in which the runner's decoding thread may take the
    GIL (for up to the switch interval, 5 ms): fewer waits, less time lost to it."""

    def __init__(self, owner: PostgresViews, conn: psycopg.Connection, names: Sequence[str]):
        self._owner = owner
        self._c = conn
        self._names = sorted(set(names))
        self._staged: set[str] = set()
        self._pending: list[sql.Composable] = []
        self._positions: dict[tuple[str, str], int] = {}
        self._savepoints = 0
        self._fresh = False  # a savepoint stands, nothing written since
        self.created: set[str] = set()

    def begin(self) -> None:
        statements: list[sql.Composable] = [
            sql.SQL("BEGIN"),
            sql.SQL("SET LOCAL synchronous_commit = off"),
        ]
        statements += [
            sql.SQL("SELECT pg_advisory_xact_lock(hashtext({}))").format(sql.Literal(f"view:{n}"))
            for n in self._names
        ]
        statements.append(sql.SQL("SAVEPOINT keep__0"))
        self._fresh = True
        if not self._names:
            self._run(statements)
            return
        statements.append(  # after the locks: the positions the previous holder committed
            sql.SQL(adapt(VIEW_POSITIONS.of_owners(len(self._names)), "{}")).format(
                *map(sql.Literal, self._names)
            )
        )
        for name, stream, position in self._run(statements):
            self._positions[(str(name), str(stream))] = int(position)

    def commit(self) -> None:
        self._pending.append(sql.SQL("COMMIT"))
        self._flush()

    def _run(self, statements: Sequence[sql.Composable]) -> list[Row]:
        """Statements in one round trip (simple query); the rows of the last one."""
        cursor = self._c.execute(sql.SQL("; ").join(statements))
        while cursor.nextset():
            pass
        return [tuple(r) for r in cursor.fetchall()] if cursor.description else []

    def _flush(self) -> None:
        if self._pending:
            statements, self._pending = self._pending, []
            self._run(statements)

    def position(self, name: str, stream: str) -> int:
        if name in self._names:
            return self._positions.get((name, stream), 0)
        self._flush()
        row = self._c.execute(adapt(VIEW_POSITIONS.select, "%s"), (name, stream)).fetchone()
        return int(row[0]) if row else 0

    def set_position(self, name: str, stream: str, position: int) -> None:
        self._positions[(name, stream)] = position
        self._pending.append(
            sql.SQL(adapt(VIEW_POSITIONS.upsert, "{}")).format(
                sql.Literal(name), sql.Literal(stream), sql.Literal(position)
            )
        )

    def write(self, table: Table, rows: Sequence[Row], suffix: str = "") -> None:
        if not rows:
            return
        physical = table.name + suffix
        if table.merge is Merge.KEEP and self._copy_new(table, physical, rows):
            return
        stage, create = self._owner.stage(table, physical, self.created)
        if create is not None:
            self._pending.append(create)
        if stage in self._staged:  # a second batch for this table in one transaction
            self._pending.append(sql.SQL("DELETE FROM {}").format(_ident(stage)))
        self._staged.add(stage)
        self._flush()
        self._fresh = False
        if table.borrows is None:
            self._copy(table.names, stage, rows)
        else:  # the borrowed columns stay behind: the merge takes them from the stored rows
            at = table.own_at
            own = itemgetter(*at) if len(at) > 1 else lambda row: (row[at[0]],)
            self._copy(table.own, stage, [own(row) for row in rows])
        self._pending.append(_merge_sql(table, physical, stage, suffix))

    def _copy(self, names: Sequence[str], target: str, rows: Sequence[Row]) -> None:
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            _ident(target), sql.SQL(", ").join(map(sql.Identifier, names))
        )
        with self._c.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)

    def _copy_new(self, table: Table, physical: str, rows: Sequence[Row]) -> bool:
        """Write-once rows are new in the normal course (positions commit with them, writers
        take turns): COPY them straight into the table, after a savepoint (the one the
        transaction began with, if nothing was written since). If one is already there (an
        event applied again), roll back to it and go the merge's way, which skips it."""
        if not self._fresh:
            self._savepoints += 1
            self._pending.append(sql.SQL("SAVEPOINT {}").format(_keep(self._savepoints)))
        self._flush()
        self._fresh = False
        try:
            self._copy(table.names, physical, rows)
        except psycopg.errors.UniqueViolation:
            self._c.execute(sql.SQL("ROLLBACK TO SAVEPOINT {}").format(_keep(self._savepoints)))
            self._fresh = True  # the savepoint stands again, with nothing written since
            return False
        return True


def _roll_back(conn: psycopg.Connection) -> None:
    """End a failed transaction, if the connection still stands (a broken one is reopened by
    the next use, and the server rolled the transaction back when it went)."""
    if conn.closed or conn.broken or conn.info.transaction_status == TransactionStatus.IDLE:
        return
    try:
        conn.execute("ROLLBACK")
    except psycopg.Error:
        log.warning("rolling back a read-model transaction failed", exc_info=True)


def _keep(n: int) -> sql.Identifier:
    return sql.Identifier(f"keep__{n}")


class PostgresViews(ViewStore):
    """Read models in PostgreSQL over one connection, reopened after the server went away."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self._url = url
        self._stages: set[str] = set()
        self._conn = self._connect()

    def _connect(self) -> psycopg.Connection:
        conn = connect(self._url, "PostgreSQL (read models)", "SET TIME ZONE 'UTC'")
        self._stages = set()  # temporary tables die with their session
        return conn

    def _live(self) -> psycopg.Connection:
        self._conn = live(self._conn, self._connect)
        return self._conn

    def stage(
        self, table: Table, physical: str, created: set[str]
    ) -> tuple[str, sql.Composable | None]:
        """The session's staging table for ``physical`` (its columns but the borrowed ones, no
        constraints: the merge checks them), and the statement creating it on first use (it is
        remembered only once the creating transaction commits: a rollback takes it along)."""
        stage = f"stage__{physical}"
        if stage in self._stages or stage in created:
            return stage, None
        created.add(stage)
        return stage, sql.SQL(
            "CREATE TEMPORARY TABLE IF NOT EXISTS {} ON COMMIT DELETE ROWS"
            " AS SELECT {} FROM {} WITH NO DATA"
        ).format(
            _ident(stage),
            sql.SQL(", ").join(map(sql.Identifier, table.own)),
            _ident(physical),
        )

    @contextmanager
    def _tx(self, names: Sequence[str], what: str) -> Iterator[psycopg.Connection]:
        conn = self._live()
        try:
            with conn.transaction():
                conn.execute("SET LOCAL synchronous_commit = off")
                for name in sorted(set(names)):
                    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"view:{name}",))
                yield conn
        except psycopg.Error as exc:
            raise translate(exc, what) from exc

    @contextmanager
    def transaction(self, names: Sequence[str]) -> Iterator[ViewTransaction]:
        conn = self._live()
        tx = _Transaction(self, conn, names)
        try:
            try:
                tx.begin()
                yield tx
                tx.commit()
            except BaseException:
                _roll_back(conn)
                raise
        except psycopg.Error as exc:
            raise translate(exc, f"projection of {', '.join(names)}") from exc
        self._stages |= tx.created

    def _create(self, conn: psycopg.Connection, table: Table, suffix: str) -> None:
        physical = table.name + suffix
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}{}").format(
                sql.Identifier(c.name),
                sql.SQL(_TYPES[c.kind]),
                sql.SQL("" if c.nullable else " NOT NULL"),
            )
            for c in table.columns
        )
        conn.execute(
            sql.SQL("CREATE TABLE IF NOT EXISTS {} ({}, CONSTRAINT {} PRIMARY KEY ({}))").format(
                _ident(physical),
                columns,
                _ident(physical, "__pk"),
                sql.SQL(", ").join(map(sql.Identifier, table.key)),
            )
        )
        for index in table.indexes:
            conn.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
                    _ident(table.index_name(suffix, index)),
                    _ident(physical),
                    sql.SQL(", ").join(map(sql.Identifier, index)),
                )
            )

    def create(self, tables: Sequence[Table], suffix: str = "") -> None:
        with self._tx(["(tables)"], "creating read-model tables") as conn:
            for table in tables:
                self._create(conn, table, suffix)

    def drop(self, tables: Sequence[Table], name: str, suffix: str) -> None:
        with self._tx([name + suffix], f"dropping {name}{suffix}") as conn:
            for table in tables:
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_ident(table.name, suffix)))
                self._forget(table.name + suffix)
            conn.execute(adapt(VIEW_POSITIONS.forget, "%s"), (name + suffix,))

    def _forget(self, physical: str) -> None:
        """Drop the session's staging table of a dropped table on the next use."""
        self._stages.discard(f"stage__{physical}")
        self._conn.execute(
            sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(_ident("stage__", physical))
        )

    def swap(self, tables: Sequence[Table], name: str, suffix: str) -> None:
        with self._tx([name, name + suffix], f"swapping {name}{suffix} in") as conn:
            for table in tables:
                aside = table.name + suffix
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_ident(table.name)))
                self._forget(table.name)
                conn.execute(
                    sql.SQL("ALTER TABLE {} RENAME TO {}").format(_ident(aside), _ident(table.name))
                )
                renames = [(aside + "__pk", table.name + "__pk")] + [
                    (table.index_name(suffix, i), table.index_name("", i)) for i in table.indexes
                ]
                for old, new in renames:
                    conn.execute(
                        sql.SQL("ALTER INDEX {} RENAME TO {}").format(_ident(old), _ident(new))
                    )
                self._forget(aside)
            for text, params in VIEW_POSITIONS.swapped_in(name, name + suffix):
                conn.execute(adapt(text, "%s"), params)

    def rows(
        self,
        table: Table,
        *,
        suffix: str = "",
        columns: Sequence[str] | None = None,
        where: Mapping[str, Sequence[Any]] | None = None,
    ) -> list[Row]:
        names = tuple(columns or table.names)
        kinds = table.kinds_of(names)
        query = sql.SQL("SELECT {} FROM {}").format(
            sql.SQL(", ").join(map(sql.Identifier, names)), _ident(table.name, suffix)
        )
        params: list[Any] = []
        if where:
            query += sql.SQL(" WHERE ") + sql.SQL(" AND ").join(
                sql.SQL("{} = ANY(%s)").format(sql.Identifier(c)) for c in where
            )
            params = [list(v) for v in where.values()]
        try:
            raw = self._live().execute(query, params).fetchall()
        except psycopg.Error as exc:
            raise translate(exc, f"reading {table.name}{suffix}") from exc
        time_at = [i for i, k in enumerate(kinds) if k is Kind.TIME]
        if not time_at:
            return [tuple(r) for r in raw]
        out = []
        for r in raw:
            row = list(r)
            for i in time_at:
                if row[i] is not None:
                    row[i] = row[i].isoformat()
            out.append(tuple(row))
        return out

    def positions(self, name: str) -> dict[str, int]:
        try:
            rows = self._live().execute(adapt(VIEW_POSITIONS.of_owner, "%s"), (name,)).fetchall()
        except psycopg.Error as exc:
            raise translate(exc, "reading read-model positions") from exc
        return {str(s): int(p) for s, p in rows}

    def columns(self, table: str) -> list[str]:
        rows = (
            self._live()
            .execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = %s"
                " ORDER BY ordinal_position",
                (table,),
            )
            .fetchall()
        )
        return [str(r[0]) for r in rows]

    def tables(self) -> set[str]:
        rows = (
            self._live()
            .execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            .fetchall()
        )
        return {str(r[0]) for r in rows}

    def close(self) -> None:
        self._conn.close()
