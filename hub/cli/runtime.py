"""``hub demo``, ``hub up``, ``hub project``, ``hub ingest``, ``hub status``: the embedded
runtime's commands."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import time
from collections.abc import Iterable
from contextlib import ExitStack, closing, nullcontext
from pathlib import Path
from typing import Any

import click

from hub.api.server import ApiServer
from hub.backends import backend_for
from hub.cli.ingested import BatchWatch, batch_outcome, interrupted, say_outcome, say_stored
from hub.cli.options import (
    as_json_option,
    data_dir_option,
    echo_json,
    settings_for,
    usable_source,
)
from hub.cli.report import check_report_path, lang_of, lang_option, report_option, type_id_of
from hub.cli.status_text import status_lines
from hub.cli.validate import print_header, profile_options
from hub.connectors.files import file_submissions
from hub.connectors.intake import profile_path, reading_for
from hub.engine.sink import Stored, SubmissionSink, sink_for, store_all
from hub.errors import AlreadyRunningError, BrokerUnavailableError, ConfigError, InputError
from hub.events import Event, load_codec
from hub.national.client import NationalClient
from hub.projections import ProjectionRunner, all_projections
from hub.report import Lang, pick
from hub.runtime.embedded import EmbeddedHub, has_hub
from hub.runtime.service import serve
from hub.settings import HubSettings
from hub.standard.reading import HeaderDiagnosis
from hub.storage.private import private_dir

__all__ = ["demo", "ingest", "project", "status", "up"]

_DEMO_MARKER = "DEMO"


def _print_status(summary: dict[str, Any]) -> None:
    for line in status_lines(summary):
        click.echo(line)


@click.command()
@click.option("--records", default=1000, show_default=True, help="Submissions to generate.")
@click.option("--seed", default=1, show_default=True, help="Seed of the generated province.")
@data_dir_option
@as_json_option
def demo(records: int, seed: int, data_dir: Path | None, as_json: bool) -> None:
    """Run a realistic province through the whole loop, national simulator included."""
    from hub.demo import run_demo

    settings = settings_for(data_dir)
    if settings.database_url is not None:
        raise ConfigError("hub demo runs on the embedded default: unset HUB_DATABASE_URL")
    target = settings.data_dir
    if (target / "log.db").exists():
        if not (target / _DEMO_MARKER).exists():
            raise ConfigError(f"{target} holds a hub that is not a demo; use another --data-dir")
        shutil.rmtree(target)
    private_dir(target)
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
    click.echo(f"hub: API and console on {api.start()} (OpenAPI at /openapi.json)", err=True)
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
    """Serve the API (ingest and /v1) and the console until SIGTERM/SIGINT, without the
    pipeline: a front door of its own (several may run beside ``hub up`` or the workers; they
    share the store)."""
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
    standard = settings.standard()
    codec = load_codec(standard.root)
    backend = backend_for(settings)
    store = backend.store()
    views = backend.views()
    try:
        tz = settings.policy().timezone
        runner = ProjectionRunner(views, store, codec, all_projections(codec, tz, standard))
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
@click.option(
    "--type", "type_id", required=True, help="Record type of every record in FILE (or 检查行为 …)."
)
@click.option(
    "--batch-id",
    default=None,
    help="Idempotency id of the batch (default: a digest of the file and of --type, "
    "--encoding, the profile and --delimiter).",
)
@click.option("--encoding", type=click.Choice(["utf-8", "gb18030"]), default=None)
@click.option(
    "--wait",
    is_flag=True,
    help="Wait for this batch's verdicts (embedded: process until idle, no delivery) and report"
    " them; exit 1 when any was rejected.",
)
@click.option("--process", is_flag=True, help="The former name of --wait.")
@click.option(
    "--wait-timeout", default=600.0, show_default=True, help="Seconds --wait waits at most."
)
@report_option
@lang_option
@profile_options
@click.argument("file", type=click.Path(path_type=Path))
@data_dir_option
@as_json_option
def ingest(
    source_id: str,
    type_id: str,
    batch_id: str | None,
    encoding: str | None,
    wait: bool,
    process: bool,
    wait_timeout: float,
    report_path: Path | None,
    lang: str | None,
    profile: Path | None,
    delimiter: str | None,
    file: Path,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Submit the records of FILE as SOURCE. Re-submitting the same file receives it once (an
    interrupted ingest resumes). With --wait, report this batch's verdicts by rule and field
    (--report FILE: every row too). A changed --type, --encoding or profile is a new batch; the
    source's profile (``HUB_PROFILES_DIR/<source>.toml``) applies unless --profile. Ctrl-C stops
    after what is stored (exit 130)."""
    check_report_path(report_path)
    wait = wait or process
    if report_path is not None and not wait:
        raise click.UsageError(
            "--report 需要 --wait（判定在处理之后） / --report needs --wait (the verdicts come"
            " after processing)"
        )
    settings = settings_for(data_dir)
    language = lang_of(lang, settings)
    standard = settings.standard()
    private_dir(settings.data_dir)  # the SQLite log lives here, the user's only
    with ExitStack() as stack:
        store = stack.enter_context(closing(backend_for(settings).store()))
        with store.transaction() as tx:
            usable_source(tx.source(source_id), source_id)  # Chinese first, whatever --lang
        type_id = type_id_of(standard, type_id)
        record_type = standard.record_type(type_id)
        reading = reading_for(
            standard, type_id, profile_path(settings.profiles_dir, source_id, profile)
        )
        codec = load_codec(standard.root)
        sink = stack.enter_context(closing(sink_for(settings, store, codec)))
        columns: list[HeaderDiagnosis] = []
        watch = BatchWatch()
        events = watch.watch(
            file_submissions(
                source_id,
                type_id,
                file,
                batch_id=batch_id,
                encoding=encoding,
                received_at=dt.datetime.now(dt.UTC),
                limits=settings.input_limits(),
                reading=reading,
                delimiter=delimiter,
                on_header=columns.append,
            )
        )
        result: dict[str, Any] = {
            "file": str(file),
            "source": source_id,
            "type": type_id,
            "profile": reading.profile_id,
        }
        kafka = bool(settings.kafka_bootstrap)
        if kafka:
            from hub.kafka.login import check_login

            check_login(settings)  # a refused login: exit 2 naming the settings, not "down"
        stored = [Stored(0)]
        try:
            # embedded: Ctrl-C between chunks, so "N stored" is exact
            with nullcontext() if kafka else watch.deferring_sigint():
                counts = _store(sink, events, file, as_json, stored, kafka)
        except KeyboardInterrupt:
            interrupted(stored[0].received + stored[0].already, language)
        if kafka:  # the broker acknowledged them; the workers judge them
            if not as_json:
                click.echo(
                    pick(
                        language,
                        f"{file}：{counts.received} 条已发送至 Kafka（已确认）",
                        f"{file}: {counts.received} submissions sent to Kafka (acknowledged)",
                    )
                )
            result.update(batch_id=watch.batch_id, sent=counts.received)
            _columns(result, columns, as_json)
            if not wait:
                if as_json:
                    echo_json(result)
                return
            running = True  # someone else judges the batch: wait for it
        else:
            result.update(batch_id=watch.batch_id, **counts.to_dict())
            _columns(result, columns, as_json)
            if not wait:
                say_stored(result, file, watch.batch_id, language, as_json)
                return
            running = _process(settings, counts, wait_timeout, language)
        if watch.batch_id is None:  # an empty file: nothing to wait for
            say_stored(result, file, None, language, as_json)
            return
        try:
            outcome = batch_outcome(
                settings,
                store,
                codec,
                record_type,
                source_id,
                watch.batch_id,
                f"{source_id} {file.name}",
                expected=watch.seen,
                timeout_s=wait_timeout if running else 0,
            )
        except KeyboardInterrupt:
            interrupted(watch.seen, language, waiting=True)
    sys.exit(say_outcome(result, outcome, report_path, language, as_json))


def _process(settings: HubSettings, stored: Stored, wait_timeout: float, language: Lang) -> bool:
    """``--wait`` on the embedded runtime: process until idle (no delivery) here, unless a
    running ``hub up`` holds the data directory and does it; whether someone else processes."""
    with EmbeddedHub(settings) as hub:
        try:
            hub.lock()
        except AlreadyRunningError:
            return True
        try:
            hub.run_until_idle(settle_deliveries=False, timeout_s=wait_timeout)
        except KeyboardInterrupt:
            interrupted(stored.received + stored.already, language, waiting=True)
        except TimeoutError:
            pass  # reported below: what is not judged yet is in flight
    return False


def _columns(result: dict[str, Any], columns: list[HeaderDiagnosis], as_json: bool) -> None:
    """The header-level diagnosis of a table file, once: in the JSON, or on stderr."""
    if columns:
        result["columns"] = columns[0].to_dict()
        if not as_json:
            print_header(columns[0])


def _store(
    sink: SubmissionSink,
    events: Iterable[Event],
    file: Path,
    as_json: bool,
    stored: list[Stored],
    kafka: bool,
) -> Stored:
    """Hand the events to the sink a chunk at a time, with a progress bar on a terminal;
    ``stored[0]`` follows what is durable (on Kafka: what the broker acknowledged). Whether a
    submission was received before is decided there by the judge stage (by id), not here."""

    def committed(totals: Stored) -> None:
        stored[0] = totals

    if not sys.stderr.isatty() or as_json:
        return store_all(sink, events, on_commit=committed)
    if kafka:
        with click.progressbar(
            length=0, label=f"sending {file.name}", file=sys.stderr, show_pos=True
        ) as bar:

            def both(totals: Stored) -> None:
                bar.update(totals.received - stored[0].received)
                committed(totals)

            return store_all(sink, events, on_commit=both)
    with click.progressbar(
        events, label=f"ingesting {file.name}", file=sys.stderr, show_pos=True
    ) as read:
        return store_all(sink, read, on_commit=committed)


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
