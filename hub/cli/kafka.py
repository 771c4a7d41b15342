"""``hub worker`` and ``hub topics``: the distributed runtime's commands."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.options import as_json_option, data_dir_option, echo_json, settings_for
from hub.domain.subscribers import Subscriber
from hub.domain.values import Source
from hub.errors import ConfigError
from hub.national.client import NationalClient
from hub.settings import HubSettings

__all__ = ["acl", "topics", "worker"]


@click.command()
@click.option("--national-url", default=None, help="Push to this national endpoint.")
@data_dir_option
def worker(national_url: str | None, data_dir: Path | None) -> None:
    """Run a distributed worker (faust, Kafka, PostgreSQL) until SIGTERM/SIGINT. Start as many as
    the partitions allow; they share them. Needs HUB_KAFKA_BOOTSTRAP and HUB_DATABASE_URL."""
    from hub.backends import backend_for
    from hub.cli.runtime import start_api
    from hub.kafka.login import check_login
    from hub.runtime.distributed import run_worker

    settings = settings_for(data_dir, national_url=national_url)
    if settings.database_url is None or not settings.kafka_bootstrap:
        raise ConfigError("hub worker needs HUB_KAFKA_BOOTSTRAP and HUB_DATABASE_URL")
    check_login(settings)  # a refused login is a configuration error, not an outage to wait out
    backend_for(settings).store().close()  # schema
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
@data_dir_option
@as_json_option
def topics_create(data_dir: Path | None, as_json: bool) -> None:
    """Create the topics that are missing (idempotent): history topics kept forever, the
    quarantine, the outbound feeds per subscriber and record type, and the inbound topic
    ``in.<source>`` of every source with a Kafka principal (kept forever, like submissions)."""
    from hub.kafka.login import check_login
    from hub.kafka.topics import create_topics, hub_topics, inbound_topics

    settings = settings_for(data_dir)
    if settings.kafka_bootstrap:
        check_login(settings)
    sources, subscribers = _registry(settings)
    specs = hub_topics(settings, settings.standard().types, subscribers) + inbound_topics(
        settings, [s.source_id for s in sources if s.principal is not None]
    )
    report = create_topics(settings, specs)
    if as_json:
        echo_json(report.to_dict())
    else:
        click.echo(f"created {len(report.created)}, existing {len(report.existing)}")
    for name, have, want in report.mismatched:
        click.echo(f"warning: {name} has {have} partitions, settings say {want}", err=True)


@click.group()
def acl() -> None:
    """Kafka ACLs on a cluster with an authorizer (StandardAuthorizer, no ACL = denied)."""


@acl.command("sync")
@click.option(
    "--principal",
    required=True,
    help="The hub's own principal (its workers, relay and ingest): NAME or User:NAME.",
)
@click.option("--dry-run", is_flag=True, help="Show the grants, change nothing.")
@data_dir_option
@as_json_option
def acl_sync(principal: str, dry_run: bool, data_dir: Path | None, as_json: bool) -> None:
    """Grant the hub's principal what it needs on its topics, consumer group and cluster; each
    registered source with a principal write on its inbound topic ``in.<source>``; each enabled
    subscriber with a principal read on its own feed topics and its groups ``<name>.*``; nobody
    else anything. Grants this command made before for sources or subscribers no longer entitled
    are deleted (only ACLs on the hub's ``in.``/``out.`` topics and subscribers' groups; never
    others). Runs as the configured identity (HUB_KAFKA_SASL_USERNAME), which must be allowed
    to alter ACLs. Idempotent."""
    from hub.kafka.acl import AclReport, hub_grants, sync_acls

    settings = settings_for(data_dir)
    sources, subscribers = _registry(settings)
    grants = hub_grants(
        settings, principal, settings.standard().types, subscribers=subscribers, sources=sources
    )
    report = AclReport(created=[], existing=[]) if dry_run else sync_acls(settings, grants)
    if as_json:
        echo_json({"grants": [g.to_dict() for g in grants], **report.to_dict()})
        return
    if dry_run:
        for g in grants:
            name = f"{g.name}*" if g.pattern == "prefixed" else g.name
            click.echo(f"{g.principal}  {g.operation:<16} {g.resource} {name}")
        click.echo(f"{len(grants)} grants (dry run: nothing changed)")
    else:
        click.echo(
            f"created {len(report.created)}, existing {len(report.existing)}, "
            f"removed {len(report.removed)}"
        )


def _registry(settings: HubSettings) -> tuple[list[Source], list[Subscriber]]:
    """The registered sources and subscribers, from the store of the settings."""
    from hub.backends import backend_for

    store = backend_for(settings).store()
    try:
        sources = store.sources()
        subscribers = store.subscribers()
    finally:
        store.close()
    return sources, subscribers
