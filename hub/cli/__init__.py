"""The ``hub`` command line: thin commands that build settings and call library functions.

Exit codes: 0 success, 1 invalid data (a verdict said no), 2 unusable input or usage, 3 a broken
standard pack or environment. A :class:`~hub.errors.HubError` becomes a one-line message on stderr
with its code, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from hub.cli.standard import standard
from hub.cli.validate import validate
from hub.errors import HubError

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="supervision-data-hub", prog_name="hub")
def cli() -> None:
    """Supervision Data Hub (互联网+监管 data exchange)."""


cli.add_command(validate)
cli.add_command(standard)


def main(argv: list[str] | None = None) -> Any:
    """Console entry point: HubError → message and its exit code."""
    try:
        return cli.main(args=argv, prog_name="hub", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except HubError as exc:
        click.echo(f"hub: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)
