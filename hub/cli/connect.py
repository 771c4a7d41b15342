"""``hub connect``: connectors that run as processes of their own (poll, store, repeat)."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.options import as_json_option, data_dir_option, echo_json, settings_for
from hub.errors import InputError
from hub.events import load_codec
from hub.runtime.service import serve
from hub.storage import open_store

__all__ = ["connect"]


@click.group()
def connect() -> None:
    """Connectors that pull from a source's systems."""


@connect.command("frontdb")
@click.option("--source", "source_id", required=True, help="Registered source id.")
@click.option("--type", "type_id", required=True, help="Record type of the exchange table.")
@click.option("--table", required=True, help="Exchange table ([schema.]table) with cd_* columns.")
@click.option(
    "--url",
    envvar="HUB_FRONTDB_URL",
    required=True,
    help="postgresql:// URL of the source's front-end database (or HUB_FRONTDB_URL; a secret).",
)
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
@click.option("--batch", default=1000, show_default=True, help="Rows per poll.")
@click.option("--overlap", default=10.0, show_default=True, help="Seconds re-read for late rows.")
@click.option("--once", is_flag=True, help="Poll until caught up, then exit.")
@data_dir_option
@as_json_option
def frontdb(
    source_id: str,
    type_id: str,
    table: str,
    url: str,
    interval: float,
    batch: int,
    overlap: float,
    once: bool,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Poll a front-end database (前置库) exchange table: i/u rows become submissions, d rows
    retractions. Safe to stop or kill at any moment; it resumes at its saved watermark."""
    from connectors.frontdb import FrontDb

    settings = settings_for(data_dir)
    standard = settings.standard()
    standard.record_type(type_id)
    database = settings.database_url.get_secret_value() if settings.database_url else None
    store = open_store(settings.data_dir, database)
    poller = FrontDb(
        settings,
        store,
        load_codec(standard.root),
        source_id=source_id,
        record_type=type_id,
        url=url,
        table=table,
        batch=batch,
        overlap_s=overlap,
    )
    totals = {"rows": 0, "new": 0}
    try:
        with store.transaction() as tx:
            if tx.source(source_id) is None:
                raise InputError(f"source {source_id!r} is not registered (hub sources add ...)")

        def step() -> int:
            rows, new = poller.poll()
            totals["rows"] += rows
            totals["new"] += new
            return rows  # caught up (0): a service sleeps its interval before the next poll

        if once:
            while step():
                pass
        else:
            serve(f"hub connect frontdb {table}", step, idle_sleep_s=interval)
    finally:
        poller.close()
        store.close()
    if as_json:
        echo_json({"table": table, "source": source_id, **totals})
    else:
        click.echo(f"{table}: {totals['rows']} rows read, {totals['new']} new submissions")
