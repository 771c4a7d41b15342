"""``hub demo``, ``hub up``, ``hub project``, ``hub ingest``, ``hub status``: the embedded
runtime's commands."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from connectors.files import file_submissions
from hub.api.server import ApiServer
from hub.cli.options import as_json_option, data_dir_option, echo_json, settings_for
from hub.errors import BrokerUnavailableError, ConfigError, InputError
from hub.events import Event, load_codec
from hub.national.client import NationalClient
from hub.runtime.embedded import OUTCOMES, EmbeddedHub, has_hub
from hub.runtime.service import serve
from hub.settings import HubSettings
from hub.storage import open_store
from projections import ProjectionRunner, all_projections, open_views

__all__ = ["demo", "ingest", "project", "status", "up"]

_DEMO_MARKER = "DEMO"


def _print_status(summary: dict[str, Any]) -> None:
    click.echo(f"received           {summary['received']}")
    for outcome in (*OUTCOMES, "in_flight"):
        click.echo(f"  {outcome:<16} {summary[outcome]}")
    terms = " + ".join((*OUTCOMES, "in_flight"))
    click.echo(
        f"reconciled         {'yes' if summary['reconciled'] else 'NO'} (received = {terms})"
    )
    click.echo(
        f"canonical records  {summary['canonical_records']} ({summary['versions']} versions)"
    )
    d = summary["deliveries"]
    click.echo(
        f"deliveries         sent {d['sent']}, acked {d['acked']}, rejected {d['rejected']},"
        f" dead {d['dead']}, pending {d['pending']}"
    )
    click.echo(f"feedback           {summary['feedback']}")
    lagging = {
        k: v for k, v in {**summary["lag"]["stages"], **summary["lag"]["projections"]}.items() if v
    }
    click.echo(f"lag                {lagging or 'none'}")
    if "kafka" in summary["lag"]:
        kafka = summary["lag"]["kafka"]
        behind = {k: v for k, v in kafka.items() if v} if isinstance(kafka, dict) else kafka
        click.echo(f"kafka group lag    {behind or 'none'}")
    if summary.get("quarantined"):
        click.echo(f"quarantined        {summary['quarantined']}")


@click.command()
@click.option("--records", default=1000, show_default=True, help="Submissions to generate.")
@click.option("--seed", default=1, show_default=True, help="Seed of the generated province.")
@data_dir_option
@as_json_option
def demo(records: int, seed: int, data_dir: Path | None, as_json: bool) -> None:
    """Run a realistic province through the whole loop, national simulator included."""
    from hub.runtime.demo import run_demo

    settings = settings_for(data_dir)
    if settings.database_url is not None:
        raise ConfigError("hub demo runs on the embedded default: unset HUB_DATABASE_URL")
    target = settings.data_dir
    if (target / "log.db").exists():
        if not (target / _DEMO_MARKER).exists():
            raise ConfigError(f"{target} holds a hub that is not a demo; use another --data-dir")
        shutil.rmtree(target)
    target.mkdir(parents=True, exist_ok=True)
    (target / _DEMO_MARKER).write_text("created by hub demo; hub demo may delete this folder\n")
    started = time.monotonic()
    summary = run_demo(settings, records, seed)
    summary["seconds"] = round(time.monotonic() - started, 2)
    if as_json:
        echo_json(summary)
        return
    province = summary["province"]
    click.echo(
        f"{province['name']} ({province['code']}): {province['sources']} sources,"
        f" {records} submissions, {summary['seconds']} s\n"
    )
    _print_status(summary)
    n = summary["national"]
    click.echo(
        f"national-sim       {n['accepted']} accepted, {n['duplicates']} duplicate acks,"
        f" {n['rejected']} rejected, {n['failed_requests']} failed requests (injected)"
    )
    click.echo("\nworth tracing:")
    for name, ident in summary["examples"].items():
        if ident:
            click.echo(f"  hub trace {ident} --data-dir {target}    # {name.replace('_', ' ')}")


def start_api(settings: HubSettings) -> ApiServer:
    api = ApiServer(settings)
    click.echo(f"hub: ingest API on {api.start()} (OpenAPI at /openapi.json)", err=True)
    return api


@click.command()
@click.option("--exit-when-idle", is_flag=True, help="Stop once everything is processed.")
@click.option("--national-url", default=None, help="Push to this national endpoint.")
@data_dir_option
def up(exit_when_idle: bool, national_url: str | None, data_dir: Path | None) -> None:
    """Run the embedded hub until stopped (SIGINT/SIGTERM finish the current step)."""
    settings = settings_for(data_dir, national_url=national_url)
    client = (
        NationalClient(settings.national_url, timeout_s=settings.national_timeout_s)
        if settings.national_url
        else None
    )
    with EmbeddedHub(settings, national=client) as hub:
        hub.lock()
        if client is None:
            click.echo(
                "hub up: no national URL (HUB_NATIONAL_URL): versions wait in the ledger", err=True
            )
        click.echo(f"hub up: {settings.data_dir} (standard {hub.standard.version})", err=True)

        def idle() -> bool:
            return exit_when_idle and (client is None or not hub.status()["deliveries"]["pending"])

        api = start_api(settings) if settings.api_enabled and not exit_when_idle else None
        try:
            serve("hub up", hub.step, done=idle)
        finally:
            if api is not None:
                api.stop()
    if client is not None:
        client.close()


@click.command("api")
@data_dir_option
def api(data_dir: Path | None) -> None:
    """Serve only the ingest API until SIGTERM/SIGINT: an ingest front door of its own (several
    may run beside ``hub up`` or the workers; they share the store)."""
    settings = settings_for(data_dir)
    server = start_api(settings)
    try:
        serve("hub api", lambda: 0, idle_sleep_s=0.2)
    finally:
        server.stop()


@click.command()
@click.option("--exit-when-current", is_flag=True, help="Stop once the read models are current.")
@click.option("--batch", default=1000, show_default=True, help="Events per stream per commit.")
@data_dir_option
def project(exit_when_current: bool, batch: int, data_dir: Path | None) -> None:
    """Keep the read models current from the log: a process of its own beside ``hub up`` or
    the workers. Several may run; they take turns per projection. Safe to kill at any moment."""
    settings = settings_for(data_dir)
    url = settings.database_url.get_secret_value() if settings.database_url else None
    codec = load_codec(settings.standard().root)
    store = open_store(settings.data_dir, url)
    views = open_views(settings.data_dir, url)
    try:
        runner = ProjectionRunner(views, store, codec, all_projections(codec))
        click.echo(f"hub project: {', '.join(p.name for p in runner.projections)}", err=True)
        try:
            serve("hub project", lambda: runner.step(batch), done=lambda: exit_when_current)
        finally:
            runner.close()
    finally:
        views.close()
        store.close()


@click.command()
@click.option("--source", "source_id", required=True, help="Registered source id.")
@click.option("--type", "type_id", required=True, help="Record type of every record in FILE.")
@click.option("--batch-id", default=None, help="Idempotency id of the batch (default: SHA-256).")
@click.option("--encoding", type=click.Choice(["utf-8", "gb18030"]), default=None)
@click.option("--process", is_flag=True, help="Also process until idle (no delivery).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@data_dir_option
@as_json_option
def ingest(
    source_id: str,
    type_id: str,
    batch_id: str | None,
    encoding: str | None,
    process: bool,
    file: Path,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Submit the records of FILE as SOURCE. Re-submitting the same file receives it once."""
    settings = settings_for(data_dir)
    with EmbeddedHub(settings) as hub:
        if hub.source(source_id) is None:
            raise InputError(f"source {source_id!r} is not registered (hub sources add ...)")
        hub.standard.record_type(type_id)
        events = file_submissions(
            source_id,
            type_id,
            file,
            batch_id=batch_id,
            encoding=encoding,
            received_at=dt.datetime.now(dt.UTC),
        )
        if settings.kafka_bootstrap:
            if process:
                raise ConfigError("--process is for the embedded runtime; hub worker processes")
            _ingest_to_kafka(settings, hub, events, file, source_id, type_id, as_json)
            return
        if sys.stderr.isatty() and not as_json:
            with click.progressbar(
                events, label=f"ingesting {file.name}", file=sys.stderr, show_pos=True
            ) as bar:
                report = hub.ingest(bar)
        else:
            report = hub.ingest(events)
        if process:
            hub.run_until_idle(settle_deliveries=False)
        result: dict[str, Any] = {
            "file": str(file),
            "source": source_id,
            "type": type_id,
            **report.to_dict(),
        }
        if process:
            result["status"] = hub.status()
    if as_json:
        echo_json(result)
    else:
        click.echo(
            f"{file}: {report.received} submissions received"
            + (f", {report.already} already received before" if report.already else "")
        )


def _ingest_to_kafka(
    settings: HubSettings,
    hub: EmbeddedHub,
    events: Iterable[Event],
    file: Path,
    source_id: str,
    type_id: str,
    as_json: bool,
) -> None:
    """The distributed runtime: each chunk is received once the broker acknowledged it. Whether
    a submission was received before is decided by the judge stage (by id), not here."""
    from hub.kafka.ingest import produce_submissions
    from hub.kafka.login import check_login

    check_login(settings)  # a refused login: exit 2 naming the settings, not "Kafka is down"

    if sys.stderr.isatty() and not as_json:
        with click.progressbar(
            length=0, label=f"sending {file.name}", file=sys.stderr, show_pos=True
        ) as bar:
            sent = produce_submissions(settings, hub.codec, events, progress=bar.update)
    else:
        sent = produce_submissions(settings, hub.codec, events)
    if as_json:
        echo_json({"file": str(file), "source": source_id, "type": type_id, "sent": sent})
    else:
        click.echo(f"{file}: {sent} submissions sent to Kafka (acknowledged)")


def _kafka_lag(settings: HubSettings, streams: list[str]) -> dict[str, int] | str:
    """The workers' group lag per input topic; a broker that does not answer is reported, not
    fatal (the rest of the status comes from the database)."""
    from hub.kafka.lag import group_lag
    from hub.kafka.topics import stream_topic

    try:
        return group_lag(settings, [stream_topic(settings, s) for s in dict.fromkeys(streams)])
    except BrokerUnavailableError as exc:
        return f"unavailable: {exc.message}"


@click.command()
@data_dir_option
@as_json_option
def status(data_dir: Path | None, as_json: bool) -> None:
    """Reconciliation, deliveries, feedback and processing lag."""
    settings = settings_for(data_dir)
    if not has_hub(settings):
        raise InputError(f"no hub in {settings.data_dir} (run hub demo or hub up first)")
    with EmbeddedHub(settings) as hub:
        summary = hub.status()
        if settings.kafka_bootstrap:
            summary["lag"]["kafka"] = _kafka_lag(settings, [s.input for s in hub.stages])
    if as_json:
        echo_json(summary)
    else:
        _print_status(summary)
    if not summary["reconciled"]:
        sys.exit(1)
