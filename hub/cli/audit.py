"""``hub trace``, ``hub audit verify``, ``hub replay``: for auditors and operators."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.audit import trace as trace_chain
from hub.audit import verify as verify_chains
from hub.cli.options import as_json_option, data_dir_option, echo_json, settings_for
from hub.errors import InputError
from hub.runtime import replay as replays
from hub.runtime.embedded import EmbeddedHub, has_hub
from projections import PROJECTIONS

__all__ = ["audit", "replay", "trace"]


def _open(data_dir: Path | None) -> EmbeddedHub:
    settings = settings_for(data_dir)
    if not has_hub(settings):
        raise InputError(f"no hub in {settings.data_dir}")
    return EmbeddedHub(settings)


@click.command()
@click.argument("ident")
@data_dir_option
@as_json_option
def trace(ident: str, data_dir: Path | None, as_json: bool) -> None:
    """Show the chain of IDENT: a record id, a submission id or SOURCE_ID:SOURCE_RECORD_ID."""
    with _open(data_dir) as hub:
        hub.projector.run_until_current()
        entries = trace_chain(hub.views, ident)
    if not entries:
        raise InputError(f"nothing known about {ident}")
    if as_json:
        echo_json({"id": ident, "chain": [e.to_dict() for e in entries]})
        return
    for e in entries:
        who = e.source_id or ""
        what = ", ".join(f"{k}={v}" for k, v in e.detail.items() if v not in (None, [], ""))
        ids = " ".join(
            x
            for x in (
                e.submission_id,
                e.record_id and f"{e.record_id}{'/v' + str(e.version) if e.version else ''}",
            )
            if x
        )
        click.echo(f"{e.recorded_at[:23]}  {e.event_type:<26} {e.actor:<16} {who:<18} {ids}")
        if what:
            click.echo(f"{'':25}{what}")


@click.group()
def audit() -> None:
    """Audit the event history."""


@audit.command("verify")
@data_dir_option
@as_json_option
def audit_verify(data_dir: Path | None, as_json: bool) -> None:
    """Recompute every record's hash chain; exit 1 naming what was altered."""
    with _open(data_dir) as hub:
        hub.projector.run_until_current()
        findings = verify_chains(hub.store, hub.views, hub.codec)
        versions = hub.store.head("records")
    if as_json:
        echo_json(
            {
                "intact": not findings,
                "versions_checked": versions,
                "findings": [f.to_dict() for f in findings],
            }
        )
    elif not findings:
        click.echo(f"intact: {versions} versions, every hash chain and read model verified")
    else:
        for f in findings:
            click.echo(f"ALTERED {f.where}: {f.record_id} version {f.version}: {f.problem}")
    if findings:
        sys.exit(1)


@click.command()
@click.argument("projection", required=False)
@click.option("--list", "list_", is_flag=True, help="Name the projections.")
@click.option("--diff", is_flag=True, help="Build aside and compare; the live one is untouched.")
@data_dir_option
@as_json_option
def replay(
    projection: str | None, list_: bool, diff: bool, data_dir: Path | None, as_json: bool
) -> None:
    """Rebuild the read model PROJECTION from the event history."""
    if list_ or projection is None:
        for name in PROJECTIONS:
            click.echo(name)
        return
    with _open(data_dir) as hub:
        if diff:
            report = replays.diff(hub.views, hub.store, hub.codec, projection)
            if as_json:
                echo_json(report.to_dict())
            else:
                for table, t in report.tables.items():
                    click.echo(
                        f"{table}: {t.added} added, {t.removed} removed, {t.changed} changed"
                    )
                click.echo("identical" if report.identical else "differs")
            if not report.identical:
                sys.exit(1)
            return
        applied = replays.rebuild(hub.views, hub.store, hub.codec, projection)
    if as_json:
        echo_json({"projection": projection, "events_applied": applied})
    else:
        click.echo(f"{projection}: rebuilt from {applied} events")
