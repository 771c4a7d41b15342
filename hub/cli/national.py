"""``hub national-sim``: run the national platform's stand-in, a test peer, until stopped.

The first line on stdout is ``national-sim listening on http://127.0.0.1:PORT`` and is flushed at
once, so a script or test that started the process can read the URL (useful with ``--port 0``).
SIGTERM or SIGINT stops it cleanly with exit code 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.national.sim import RunningSim, SimConfig, serve_forever

__all__ = ["national_sim"]

_RATE = click.FloatRange(0.0, 1.0)


@click.command("national-sim")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port on 127.0.0.1; 0 picks a free one.",
)
@click.option(
    "--reject-rate",
    type=_RATE,
    default=0.0,
    show_default=True,
    help="Share of keys rejected as NAT.CONTENT_REJECTED (by key hash: stable).",
)
@click.option(
    "--fail-rate",
    type=_RATE,
    default=0.0,
    show_default=True,
    help="Probability that a push gets 503 without being processed.",
)
@click.option(
    "--latency-ms",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Delay before handling each push.",
)
@click.option(
    "--timeout-rate",
    type=_RATE,
    default=0.0,
    show_default=True,
    help="Probability that a push is committed but its reply held for --timeout-ms.",
)
@click.option(
    "--timeout-ms",
    type=click.IntRange(min=0),
    default=6000,
    show_default=True,
    help="How long a reply is held under --timeout-rate.",
)
@click.option(
    "--duplicate-ack-rate",
    type=_RATE,
    default=0.0,
    show_default=True,
    help="Probability that each result is repeated in the reply.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the fault RNG (fail, timeout, duplicate ack).",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file holding the state across restarts; a temporary one if omitted.",
)
def national_sim(
    port: int,
    reject_rate: float,
    fail_rate: float,
    latency_ms: int,
    timeout_rate: float,
    timeout_ms: int,
    duplicate_ack_rate: float,
    seed: int,
    db_path: Path | None,
) -> None:
    """Run a stand-in for the national platform (a TEST PEER, not the platform) on 127.0.0.1."""
    config = SimConfig(
        port=port,
        reject_rate=reject_rate,
        fail_rate=fail_rate,
        latency_ms=latency_ms,
        timeout_rate=timeout_rate,
        timeout_ms=timeout_ms,
        duplicate_ack_rate=duplicate_ack_rate,
        seed=seed,
        db_path=db_path,
    )

    def ready(sim: RunningSim) -> None:
        click.echo(f"national-sim listening on {sim.url}")
        sys.stdout.flush()  # a supervisor is waiting for this line
        click.echo(
            f"national-sim: a test peer, not the national platform; state in {sim.db_path}",
            err=True,
        )

    serve_forever(config, on_ready=ready)
