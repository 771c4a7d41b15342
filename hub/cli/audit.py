"""``hub trace``, ``hub audit verify|keygen|checkpoint``, ``hub replay``: for auditors and
operators."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from hub.audit import audit as run_audit
from hub.audit import checkpoint as checkpoints
from hub.audit import trace as trace_chain
from hub.cli.options import as_json_option, data_dir_option, echo_json, settings_for
from hub.errors import ConfigError, HubError, InputError
from hub.projections import PROJECTIONS
from hub.runtime import replay as replays
from hub.runtime.embedded import EmbeddedHub, has_hub
from hub.storage.chain import JOURNAL
from hub.storage.private import private_dir

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
    """Audit the event history: verify it, sign checkpoints of it, make the signing key."""


def _catch_up(hub: EmbeddedHub) -> None:
    """Bring the read models up to the log first; an event they cannot take is what the audit
    then names, not a reason to stop before it."""
    try:
        hub.projector.run_until_current()
    except HubError as exc:
        click.echo(f"hub: warning: the read models could not catch up: {exc}", err=True)


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


@audit.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A signed checkpoint: find any rewrite made after it, even with recomputed hashes.",
)
@click.option(
    "--public-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The public key the checkpoint is signed with (default: $HUB_AUDIT_PUBLIC_KEY_FILE).",
)
@data_dir_option
@as_json_option
def audit_verify(
    checkpoint_file: Path | None, public_key: Path | None, data_dir: Path | None, as_json: bool
) -> None:
    """Check every stream's chain, every record's versions, the registry, the delivery ledger,
    the sources and every read model against the history; exit 1 naming what was altered."""
    settings = settings_for(data_dir)
    signed = None
    if checkpoint_file is not None:
        key_file = public_key or settings.audit_public_key_file
        if key_file is None:
            raise click.UsageError("--checkpoint needs --public-key (or HUB_AUDIT_PUBLIC_KEY_FILE)")
        signed = checkpoints.read(checkpoint_file, checkpoints.load_public_key(key_file))
    with _open(data_dir) as hub:
        _catch_up(hub)
        tz = hub.settings.policy().timezone
        report = run_audit(hub.store, hub.views, hub.codec, signed, timezone=tz)
    if as_json:
        echo_json(
            {
                "intact": report.intact,
                "versions_checked": report.versions,
                "events_checked": {n: h.count for n, h in report.heads.items()},
                "checkpoint": signed.made_at if signed else None,
                "findings": [f.to_dict() for f in report.findings],
            }
        )
    elif report.intact:
        anchored = f", and the checkpoint of {signed.made_at}" if signed else ""
        changes = report.heads[JOURNAL].count if JOURNAL in report.heads else 0
        events = sum(h.count for h in report.heads.values()) - changes
        click.echo(
            f"intact: {events} events, {report.versions} versions and {changes} journal entries"
            " (sources, subscribers, accounts, people's actions); every chain, the registry, the"
            " ledger, the sources, the subscribers, the accounts and every read model verified"
            f"{anchored}"
        )
    else:
        for f in report.findings:
            click.echo(f.line())
    if not report.intact:
        sys.exit(1)


@audit.command("keygen")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where the private key goes (0600, outside the data directory); the public key goes"
    " to OUT.pub.",
)
@data_dir_option
def audit_keygen(out: Path, data_dir: Path | None) -> None:
    """Make the Ed25519 key pair that signs checkpoints. Keep the private key away from the data
    directory (another machine, an HSM, a safe): whoever holds it can sign a rewritten history."""
    settings = settings_for(data_dir)
    if _inside(out, settings.data_dir):
        raise click.UsageError(f"{out} is inside the data directory: keep the key apart")
    public = out.with_name(out.name + ".pub")
    kid = checkpoints.keygen(out, public)
    click.echo(f"key {kid}: private {out} (0600), public {public}")


@audit.command("checkpoint")
@click.option(
    "--key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The private key (default: $HUB_AUDIT_KEY_FILE).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The checkpoint file (default: <data-dir>/checkpoints/<time>.json); send a copy"
    " where the operator cannot rewrite it.",
)
@data_dir_option
@as_json_option
def audit_checkpoint(
    key: Path | None, out: Path | None, data_dir: Path | None, as_json: bool
) -> None:
    """Verify the history, then sign its heads (position, chain value, count per stream) and the
    time; exit 1 without signing when anything was altered."""
    settings = settings_for(data_dir)
    key_file = key or settings.audit_key_file
    if key_file is None:
        raise click.UsageError("give --key (or HUB_AUDIT_KEY_FILE)")
    if _inside(key_file, settings.data_dir):
        raise ConfigError(f"{key_file} is inside the data directory: keep the key apart")
    private = checkpoints.load_private_key(key_file)
    with _open(data_dir) as hub:
        _catch_up(hub)
        tz = hub.settings.policy().timezone
        report = run_audit(hub.store, hub.views, hub.codec, timezone=tz)
        if not report.intact:
            for f in report.findings:
                click.echo(f.line(), err=True)
            click.echo("hub: not signed: the history is not intact", err=True)
            sys.exit(1)
        now = dt.datetime.fromtimestamp(hub.clock(), dt.UTC)
    data = checkpoints.make(report.heads, now, private)
    if out is None:
        out = private_dir(settings.data_dir / "checkpoints") / f"{now:%Y%m%dT%H%M%SZ}.json"
    checkpoints.write(out, data)
    if as_json:
        echo_json({"checkpoint": str(out), "made_at": now.isoformat(), **json.loads(data)})
    else:
        events = sum(h.count for h in report.heads.values())
        click.echo(f"checkpoint {out}: {events} events in {len(report.heads)} streams signed")


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
        tz = hub.settings.policy().timezone
        if diff:
            report = replays.diff(hub.views, hub.store, hub.codec, projection, timezone=tz)
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
        applied = replays.rebuild(hub.views, hub.store, hub.codec, projection, timezone=tz)
    if as_json:
        echo_json({"projection": projection, "events_applied": applied})
    else:
        click.echo(f"{projection}: rebuilt from {applied} events")
