"""``hub connect``: connectors that run as processes of their own (poll, store, repeat)."""

from __future__ import annotations

from pathlib import Path

import click

from hub.backends import backend_for
from hub.cli.options import (
    as_json_option,
    data_dir_option,
    echo_json,
    settings_for,
    usable_source,
)
from hub.connectors.intake import profile_path, reading_for
from hub.errors import InputError
from hub.events import load_codec
from hub.runtime.service import serve
from hub.settings import HubSettings
from hub.storage.ports import Store

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
@click.option(
    "--profile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Mapping profile (TOML); default HUB_PROFILES_DIR/<source>.toml when it exists.",
)
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
    profile: Path | None,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Poll a front-end database (前置库) exchange table: i/u rows become submissions, d rows
    retractions. Columns are read as a file's are (field names, Chinese data-element names,
    aliases, the source's profile). Safe to stop or kill at any moment; it resumes at its
    saved watermark."""
    from hub.connectors.frontdb import FrontDb

    settings = settings_for(data_dir)
    standard = settings.standard()
    reading = reading_for(
        standard, type_id, profile_path(settings.profiles_dir, source_id, profile)
    )
    store = _store(settings, source_id)
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
        reading=reading,
    )
    totals = {"rows": 0, "new": 0}
    try:

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
    _report({"table": table, "source": source_id, **totals}, as_json)


@connect.command("federation")
@click.option("--source", "source_id", required=True, help="The lower hub's source id here.")
@click.option("--hub-name", "origin_hub", required=True, help="The lower hub's name (provenance).")
@click.option("--bootstrap", required=True, help="The lower hub's Kafka (host:port).")
@click.option("--prefix", default="hub.", show_default=True, help="The lower hub's topic prefix.")
@click.option("--once", is_flag=True, help="Read until caught up, then exit.")
@click.option(
    "--kafka-env",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="HUB_KAFKA_* security settings (KEY=value lines) for the lower hub's Kafka; "
    "default: plaintext. The hub's own Kafka credentials are never used there.",
)
@data_dir_option
@as_json_option
def federation(
    source_id: str,
    origin_hub: str,
    bootstrap: str,
    prefix: str,
    once: bool,
    kafka_env: Path | None,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Take a lower hub's record history (its <prefix>records topic) as this hub's input,
    keeping its provenance; retractions there retract here."""
    from hub.connectors.federation import Federation
    from hub.kafka.security import aiokafka_options, from_env_text
    from hub.kafka.wire import wire_format

    settings = settings_for(data_dir)
    text = kafka_env.read_text(encoding="utf-8") if kafka_env is not None else ""
    lower = aiokafka_options(from_env_text(settings, text, bootstrap))  # checked before any I/O
    codec = load_codec(settings.standard().root)
    store = _store(settings, source_id)
    try:
        connector = Federation(
            settings,
            store,
            codec,
            wire_format(settings, codec),
            source_id=source_id,
            origin_hub=origin_hub,
            bootstrap=bootstrap,
            prefix=prefix,
            security=lower,
        )
        read, new = connector.run(until_idle=once)
    finally:
        store.close()
    _report({"source": source_id, "hub": origin_hub, "read": read, "new": new}, as_json)


@connect.command("upstream")
@click.option("--hub-name", "upstream_hub", required=True, help="The higher hub's name.")
@click.option("--url", required=True, help="The higher hub's ingest API.")
@click.option(
    "--token", envvar="HUB_UPSTREAM_TOKEN", required=True, help="This hub's token there (secret)."
)
@click.option("--interval", default=10.0, show_default=True, help="Seconds between reads.")
@click.option("--once", is_flag=True, help="Read until caught up, then exit.")
@data_dir_option
@as_json_option
def upstream(
    upstream_hub: str,
    url: str,
    token: str,
    interval: float,
    once: bool,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Bring a higher hub's feedback on this hub's records (its verdicts, the national
    platform's acks through it) down to the sources that made them."""
    from hub.connectors.upstream import Upstream

    settings = settings_for(data_dir)
    store = backend_for(settings).store()
    reader = Upstream(
        store, load_codec(settings.standard().root), url=url, token=token, upstream_hub=upstream_hub
    )
    totals = {"read": 0, "new": 0}

    def step() -> int:
        read, new = reader.poll()
        totals["read"] += read
        totals["new"] += new
        return read

    try:
        if once:
            while step():
                pass
        else:
            serve(f"hub connect upstream {upstream_hub}", step, idle_sleep_s=interval)
    finally:
        reader.close()
        store.close()
    _report({"hub": upstream_hub, **totals}, as_json)


def _store(settings: HubSettings, source_id: str) -> Store:
    store = backend_for(settings).store()
    try:
        with store.transaction() as tx:
            source = tx.source(source_id)
        usable_source(source, source_id)  # refused outside the transaction, then closed
    except InputError:
        store.close()
        raise
    return store


def _report(totals: dict[str, object], as_json: bool) -> None:
    if as_json:
        echo_json(totals)
    else:
        click.echo(", ".join(f"{k} {v}" for k, v in totals.items()))
