"""``hub worker`` and ``hub topics``: the distributed runtime's commands."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.options import as_json_option, data_dir_option, echo_json, settings_for
from hub.errors import ConfigError
from hub.national.client import NationalClient

__all__ = ["topics", "worker"]


@click.command()
@click.option("--national-url", default=None, help="Push to this national endpoint.")
@data_dir_option
def worker(national_url: str | None, data_dir: Path | None) -> None:
    """Run a distributed worker (faust, Kafka, PostgreSQL) until SIGTERM/SIGINT. Start as many as
    the partitions allow; they share them. Needs HUB_KAFKA_BOOTSTRAP and HUB_DATABASE_URL."""
    from hub.cli.runtime import start_api
    from hub.kafka.worker import run_worker
    from hub.storage import open_store

    settings = settings_for(data_dir, national_url=national_url)
    if settings.database_url is None or not settings.kafka_bootstrap:
        raise ConfigError("hub worker needs HUB_KAFKA_BOOTSTRAP and HUB_DATABASE_URL")
    open_store(settings.data_dir, settings.database_url.get_secret_value()).close()  # schema
    client = (
        NationalClient(settings.national_url, timeout_s=settings.national_timeout_s)
        if settings.national_url
        else None
    )
    click.echo(
        f"hub worker: group {settings.kafka_group}, topics {settings.kafka_topic_prefix}*",
        err=True,
    )
    api = start_api(settings) if settings.api_enabled else None
    try:
        run_worker(settings, client)
    finally:
        if api is not None:
            api.stop()
        if client is not None:
            client.close()


@click.group()
def topics() -> None:
    """The hub's Kafka topics."""


@topics.command("create")
@as_json_option
def topics_create(as_json: bool) -> None:
    """Create the topics that are missing (idempotent): history topics kept forever, the
    quarantine, and the outbound feeds per subscriber and record type."""
    from hub.kafka.topics import create_topics, hub_topics

    settings = settings_for(None)
    report = create_topics(settings, hub_topics(settings, settings.standard().types))
    if as_json:
        echo_json(report.to_dict())
    else:
        click.echo(f"created {len(report.created)}, existing {len(report.existing)}")
    for name, have, want in report.mismatched:
        click.echo(f"warning: {name} has {have} partitions, settings say {want}", err=True)
