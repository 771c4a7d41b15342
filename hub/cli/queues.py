"""``hub deliveries list|redrive`` and ``hub quarantine list|release``: the operator's queues.

Thin: each command opens the store (``--data-dir`` or ``HUB_DATABASE_URL``) and calls
:mod:`hub.query.queues`. They run beside a running hub (``hub up``, ``hub worker``): an action
is one transaction, and the senders pick re-driven rows up from the ledger. Exit codes: 0 done
(or nothing to do, said so), 1 some of what was named could not be done (not dead, unknown, or
still not readable: listed), 2 bad input, 4 storage.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from hub.backends import backend_for
from hub.cli.options import as_json_option, data_dir_option, echo_json, settings_for
from hub.errors import InputError
from hub.query.queues import LIST_STATES, queues, redrive, release
from hub.runtime.embedded import has_hub
from hub.settings import HubSettings
from hub.storage.ports import Store

__all__ = ["deliveries", "quarantine"]

_by_option = click.option(
    "--by",
    "actor",
    required=True,
    help="The operator account acting (recorded in the history and the journal).",
)
_limit_option = click.option(
    "--limit", type=click.IntRange(1, 1000), default=100, show_default=True, help="Rows at most."
)


@contextmanager
def _store(settings: HubSettings) -> Iterator[Store]:
    if not has_hub(settings):
        raise InputError(f"没有找到中枢数据 / no hub in {settings.data_dir}")
    store = backend_for(settings).store()
    try:
        yield store
    finally:
        store.close()


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@click.group()
def deliveries() -> None:
    """The national delivery ledger: list rows by state, re-drive dead ones."""


@deliveries.command("list")
@click.option(
    "--state",
    "states",
    type=click.Choice(LIST_STATES),
    multiple=True,
    help="States to list (repeatable; default: dead and retrying).",
)
@_limit_option
@data_dir_option
@as_json_option
def list_deliveries(
    states: tuple[str, ...], limit: int, data_dir: Path | None, as_json: bool
) -> None:
    """Deliveries in a state with their reasons, newest first (never their content)."""
    settings = settings_for(data_dir)
    with _store(settings) as store, backend_for(settings).views() as views:
        seen = queues(
            store, views, settings=settings, states=states or ("dead", "retrying"), limit=limit
        )
    if as_json:
        echo_json({"ledger": seen.ledger, "deliveries": [d.to_dict() for d in seen.deliveries]})
        return
    counts = "  ".join(f"{k} {v}" for k, v in sorted(seen.ledger.items()))
    click.echo(f"台账 / ledger: {counts or 'empty'}")
    if not seen.deliveries:
        click.echo("没有符合条件的交付 / no deliveries in that state")
        return
    width = max(len(d.delivery_id) for d in seen.deliveries)  # whole: --id takes it
    click.echo(f"{'delivery':<{width}} {'state':<9} {'try':>3} {'redr':>4}  reason")
    for d in seen.deliveries:
        reason = _fit("; ".join(d.reasons), 70)
        click.echo(
            f"{d.delivery_id:<{width}} {d.state:<9} {d.attempt:>3} {d.redrives:>4}  {reason}"
        )


@deliveries.command("redrive")
@click.option("--id", "ids", multiple=True, help="A dead delivery's id (repeatable).")
@click.option("--all-dead", is_flag=True, help="Every dead delivery.")
@_by_option
@data_dir_option
@as_json_option
def redrive_deliveries(
    ids: tuple[str, ...], all_dead: bool, actor: str, data_dir: Path | None, as_json: bool
) -> None:
    """Send dead deliveries again: pending, with a fresh attempt count, recorded with --by."""
    if bool(ids) == all_dead:
        raise click.UsageError("give --id ID ... or --all-dead (one of them) / 二选一")
    settings = settings_for(data_dir)
    with _store(settings) as store:
        report = redrive(store, None if all_dead else list(ids), actor)
    if as_json:
        echo_json(report.to_dict())
    else:
        if report.moved:
            click.echo(f"已重新投递 {report.moved} 条 / re-driven {report.moved} by {report.actor}")
            for delivery_id in report.redriven:
                click.echo(f"  {delivery_id}")
        else:
            click.echo("没有重新投递任何交付 / nothing re-driven (no dead delivery matched)")
        for delivery_id, state in report.not_dead.items():
            click.echo(f"未重投（状态 {state}，非 dead） / not re-driven, {state}: {delivery_id}")
        for delivery_id in report.unknown:
            click.echo(f"台账中没有 / not in the ledger: {delivery_id}")
    if report.not_dead or report.unknown:
        raise SystemExit(1)


@click.group()
def quarantine() -> None:
    """Messages that could not be read: list them, release them once they can be."""


@quarantine.command("list")
@_limit_option
@data_dir_option
@as_json_option
def list_quarantine(limit: int, data_dir: Path | None, as_json: bool) -> None:
    """Quarantined messages, oldest first: origin, stream, reason, size (never the body)."""
    settings = settings_for(data_dir)
    with _store(settings) as store:
        total = store.quarantine_count()
        entries = store.quarantine_entries(limit)
    if as_json:
        echo_json(
            {
                "quarantined": total,
                "quarantine": [
                    {"origin": e.origin, "stream": e.stream, "reason": e.reason, "bytes": e.size}
                    for e in entries
                ],
            }
        )
        return
    click.echo(f"隔离 / quarantined: {total}")
    width = max((len(e.origin) for e in entries), default=0)  # whole: release takes it
    for e in entries:
        click.echo(f"{e.origin:<{width}} {e.stream:<12} {e.size:>8} B  {_fit(e.reason, 70)}")


@quarantine.command("release")
@click.argument("origins", nargs=-1, required=True)
@_by_option
@data_dir_option
@as_json_option
def release_quarantine(
    origins: tuple[str, ...], actor: str, data_dir: Path | None, as_json: bool
) -> None:
    """Read ORIGIN's message again with the current standard pack: if it decodes it goes on to
    its stream (with HUB_KAFKA_BOOTSTRAP: to the topic it came from) and leaves the quarantine,
    else it stays with the new reason. Recorded with --by."""
    settings = settings_for(data_dir)
    from hub.kafka.producer import release_publisher  # aiokafka only when a release runs

    with _store(settings) as store, release_publisher(settings) as (publish, unwrap):
        report = release(
            store, list(origins), actor, settings=settings, unwrap=unwrap, publish=publish
        )
    if as_json:
        echo_json(report.to_dict())
    else:
        for origin, event_id in report.released.items():
            click.echo(f"已放行 / released: {origin} → {event_id}")
        for origin, reason in report.still_quarantined.items():
            click.echo(f"仍隔离 / still quarantined: {origin}: {_fit(reason, 100)}")
        for origin in report.unknown:
            click.echo(f"隔离区中没有 / not in the quarantine: {origin}")
        if not report.released:
            click.echo("没有放行任何消息 / nothing released")
    if report.still_quarantined or report.unknown:
        raise SystemExit(1)
