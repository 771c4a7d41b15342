"""``hub console``: the console and the query API alone, read-only, over a data directory or
the database of ``HUB_DATABASE_URL`` (no ingest routes, no re-drive or release)."""

from __future__ import annotations

from pathlib import Path

import click

from hub.api.server import ApiServer
from hub.cli.options import data_dir_option, settings_for
from hub.errors import InputError
from hub.runtime.embedded import has_hub
from hub.runtime.service import serve

__all__ = ["console"]


@click.command("console")
@click.option("--host", default=None, help="Address to listen on (default: $HUB_API_HOST).")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="Port (default: $HUB_API_PORT)."
)
@data_dir_option
def console(host: str | None, port: int | None, data_dir: Path | None) -> None:
    """Serve the console read-only until SIGTERM/SIGINT; open the address it prints."""
    settings = settings_for(data_dir, api_host=host, api_port=port, console_read_only=True)
    if not has_hub(settings):
        raise InputError(
            f"{settings.data_dir} 中没有中心数据（先运行 hub demo 或 hub up） / no hub in"
            f" {settings.data_dir} (run hub demo or hub up first)"
        )
    server = ApiServer(settings)
    url = server.start()
    click.echo(f"hub console: {url}/ (read-only; sign in at {url}/signin)", err=True)
    try:
        serve("hub console", lambda: 0, idle_sleep_s=0.2)
    finally:
        server.stop()
