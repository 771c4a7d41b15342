"""The ``hub`` command line: thin commands that build settings and call library functions.

Exit codes: 0 success, 1 invalid data (a verdict said no), 2 unusable input or usage, 3 a broken
standard pack or environment, 130 interrupted (Ctrl-C). A :class:`~hub.errors.HubError` becomes
a one-line message on stderr with its code, never a traceback.
"""

from __future__ import annotations

from typing import Any

import click

from hub.cli.accounts import accounts
from hub.cli.audit import audit, replay, trace
from hub.cli.connect import connect
from hub.cli.console import console
from hub.cli.db import db
from hub.cli.dossier import dossier_command
from hub.cli.kafka import acl, topics, worker
from hub.cli.national import national_sim
from hub.cli.queues import deliveries, quarantine
from hub.cli.report import report
from hub.cli.runtime import api, demo, ingest, project, status, up
from hub.cli.scorecards import scorecards
from hub.cli.sources import sources
from hub.cli.standard import standard
from hub.cli.subscribers import subscribers
from hub.cli.validate import validate
from hub.errors import HubError

__all__ = ["cli", "main"]


class _HubGroup(click.Group):
    """Turns the hub's own errors into a message and their exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HubError as exc:
            click.echo(f"hub: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:  # Ctrl-C: 130, as a shell reports it, not click's "Aborted!"/1
            click.echo("\nhub: interrupted / 已中断", err=True)
            ctx.exit(130)


@click.group(cls=_HubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="supervision-data-hub", prog_name="hub")
def cli() -> None:
    """Supervision Data Hub (互联网+监管 data exchange)."""


for command in (
    validate,
    standard,
    demo,
    up,
    api,
    project,
    ingest,
    connect,
    status,
    trace,
    audit,
    replay,
    sources,
    subscribers,
    national_sim,
    db,
    worker,
    topics,
    report,
    acl,
    deliveries,  # queues
    quarantine,  # queues
    accounts,
    scorecards,
    dossier_command,
    console,
):
    cli.add_command(command)


def main() -> None:
    """Console entry point."""
    cli(prog_name="hub")
