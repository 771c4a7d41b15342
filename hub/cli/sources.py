"""``hub sources``: the registry of submitting systems (credentials come with the ingest API)."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.options import as_json_option, data_dir_option, echo_json, settings_for
from hub.errors import InputError
from hub.runtime.embedded import EmbeddedHub
from hub.storage.ports import Source

__all__ = ["sources"]


@click.group()
def sources() -> None:
    """Registered sources (county, city, provincial systems)."""


@sources.command("add")
@click.argument("source_id")
@click.option(
    "--level", type=click.Choice(["national", "province", "city", "county"]), required=True
)
@click.option("--region", "region_code", required=True, help="GB/T 2260 code of its area.")
@click.option("--department", required=True)
@click.option("--types", default="", help="Comma-separated record types (default: all).")
@data_dir_option
def add(
    source_id: str, level: str, region_code: str, department: str, types: str, data_dir: Path | None
) -> None:
    """Register or update a source."""
    with EmbeddedHub(settings_for(data_dir)) as hub:
        if not hub.standard.regions.known(region_code):
            raise InputError(f"{region_code} is not a GB/T 2260 region code")
        record_types = tuple(t.strip() for t in types.split(",") if t.strip())
        for type_id in record_types:
            hub.standard.record_type(type_id)
        hub.register_sources([Source(source_id, level, region_code, department, record_types)])
    click.echo(f"source {source_id} registered")


@sources.command("list")
@data_dir_option
@as_json_option
def list_sources(data_dir: Path | None, as_json: bool) -> None:
    """List the registered sources."""
    with EmbeddedHub(settings_for(data_dir)) as hub:
        rows = hub.store.sources()
    if as_json:
        echo_json(
            [
                {
                    "source_id": s.source_id,
                    "level": s.level,
                    "region_code": s.region_code,
                    "department": s.department,
                    "record_types": list(s.record_types),
                }
                for s in rows
            ]
        )
        return
    for s in rows:
        types = ",".join(s.record_types) or "all types"
        click.echo(f"{s.source_id:<24} {s.level:<9} {s.region_code} {s.department} ({types})")
