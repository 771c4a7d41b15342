"""``hub sources``: the registry of submitting systems and their API tokens.

A token is made when a source is added (or rotated) and printed once: only its SHA-256 is kept,
so a lost token cannot be shown again, only replaced (``rotate-token``)."""

from __future__ import annotations

import re
from pathlib import Path

import click

from hub.api.tokens import new_token, token_hash
from hub.cli.options import as_json_option, data_dir_option, echo_json, settings_for
from hub.domain.values import Source
from hub.errors import InputError
from hub.runtime.embedded import EmbeddedHub

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
@click.option(
    "--types",
    default=None,
    help="Comma-separated record types, or 'all'. Required for a new source; kept when omitted"
    " on an existing one.",
)
@click.option(
    "--principal",
    default=None,
    help="The Kafka principal that may write its inbound topic in.<source_id> (User:NAME);"
    " 'none' removes it. Kept when omitted.",
)
@data_dir_option
@as_json_option
def add(
    source_id: str,
    level: str,
    region_code: str,
    department: str,
    types: str | None,
    principal: str | None,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Register a source (printing its API token, once) or update one (its token stays)."""
    chosen = parse_principal(principal)
    with EmbeddedHub(settings_for(data_dir)) as hub:
        if not hub.standard.regions.known(region_code):
            raise InputError(
                f"{region_code} 不是 GB/T 2260 行政区划代码 / {region_code} is not a GB/T 2260"
                " region code"
            )
        mismatch = level_mismatch(level, region_code)
        if mismatch is not None:
            raise InputError(mismatch)
        existing = hub.source(source_id)
        record_types = _types(types, existing)
        for type_id in record_types:
            hub.standard.record_type(type_id)
        credential = hub.store.credential_of(source_id)
        token = new_token() if credential is None or credential.token_hash is None else None
        writer = (existing.principal if existing else None) if principal is None else chosen
        with hub.store.transaction(durable=True) as tx:
            tx.put_source(
                Source(source_id, level, region_code, department, record_types, principal=writer)
            )
            if token is not None:
                tx.set_token(source_id, token_hash(token))
    if existing is not None and set(existing.record_types) != set(record_types):
        before = ",".join(existing.record_types) or "all"
        after = ",".join(record_types) or "all"
        click.echo(f"来源 {source_id} 可报送类型 / record types: {before} -> {after}", err=True)
    _tell(source_id, "registered" if token else "updated (its token is unchanged)", token, as_json)


#: a Kafka SCRAM user as a principal: ``User:`` and a user name
PRINCIPAL = re.compile(r"^User:[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


def parse_principal(text: str | None) -> str | None:
    """``User:<name>`` as given; None for ``none`` (or no option); anything else refused, naming
    the option (a typo would leave the source unable to write its topic, or grant a stranger)."""
    if text is None or text == "none":
        return None
    if not PRINCIPAL.match(text):
        raise InputError(
            f"--principal {text[:60]!r} 不是 User:<用户名> 形式的 Kafka 主体 / is not a Kafka"
            " principal of the form User:<name> (or none)"
        )
    return text


def level_mismatch(level: str, region_code: str) -> str | None:
    """Why a region code cannot be the area of a source at ``level`` (None: it can). A county
    source with its province's code would cover the whole province (least privilege broken by
    a typo), so the code's own level must match."""
    expected = {
        "county": region_code[4:] != "00",
        "city": region_code[2:4] != "00" and region_code[4:] == "00",
        "province": region_code[2:] == "0000",
    }.get(level, True)
    if expected:
        return None
    return (
        f"行政区划 {region_code} 不是{_LEVEL_ZH[level]}级代码 / {region_code} is not a"
        f" {level}-level region code (a {level} source's area must be a {level})"
    )


_LEVEL_ZH = {"county": "县", "city": "市", "province": "省"}


def _types(types: str | None, existing: Source | None) -> tuple[str, ...]:
    """The record types a source may submit: given (``all`` for every type), or kept from the
    existing registration; a new source without ``--types`` is refused, so no source gets every
    type by leaving an option out."""
    if types is None:
        if existing is None:
            raise InputError(
                "新来源须指定 --types（逗号分隔，或 all）/ a new source needs --types"
                " (comma-separated record types, or all)"
            )
        return existing.record_types
    if types.strip() == "all":
        return ()
    chosen = tuple(t.strip() for t in types.split(",") if t.strip())
    if not chosen:
        raise InputError("--types is empty: give record types or all")
    return chosen


def _tell(source_id: str, what: str, token: str | None, as_json: bool) -> None:
    if as_json:
        echo_json({"source_id": source_id, "token": token})
        return
    click.echo(f"source {source_id} {what}")
    if token is not None:
        click.echo(f"API token (shown once, keep it secret): {token}")


@sources.command("rotate-token")
@click.argument("source_id")
@data_dir_option
@as_json_option
def rotate_token(source_id: str, data_dir: Path | None, as_json: bool) -> None:
    """Give a source a new API token; the old one stops working at once."""
    token = new_token()
    with EmbeddedHub(settings_for(data_dir)) as hub:
        _known(hub, source_id)
        with hub.store.transaction(durable=True) as tx:
            tx.set_token(source_id, token_hash(token))
    _tell(source_id, "has a new token", token, as_json)


@sources.command("disable")
@click.argument("source_id")
@data_dir_option
def disable(source_id: str, data_dir: Path | None) -> None:
    """Refuse the source's requests (403) until enabled again; what it sent stays."""
    _set_disabled(source_id, True, data_dir)


@sources.command("enable")
@click.argument("source_id")
@data_dir_option
def enable(source_id: str, data_dir: Path | None) -> None:
    """Take a disabled source's requests again."""
    _set_disabled(source_id, False, data_dir)


def _set_disabled(source_id: str, disabled: bool, data_dir: Path | None) -> None:
    with EmbeddedHub(settings_for(data_dir)) as hub:
        _known(hub, source_id)
        with hub.store.transaction(durable=True) as tx:
            tx.set_disabled(source_id, disabled)
    click.echo(f"source {source_id} {'disabled' if disabled else 'enabled'}")


def _known(hub: EmbeddedHub, source_id: str) -> None:
    if hub.source(source_id) is None:
        raise InputError(f"source {source_id!r} is not registered (hub sources add ...)")


@sources.command("list")
@data_dir_option
@as_json_option
def list_sources(data_dir: Path | None, as_json: bool) -> None:
    """List the registered sources."""
    with EmbeddedHub(settings_for(data_dir)) as hub:
        rows = hub.store.sources()
        credentials = {s.source_id: hub.store.credential_of(s.source_id) for s in rows}
    disabled = {k for k, c in credentials.items() if c is not None and c.disabled}
    if as_json:
        echo_json(
            [
                {
                    "source_id": s.source_id,
                    "level": s.level,
                    "region_code": s.region_code,
                    "department": s.department,
                    "record_types": list(s.record_types),
                    "disabled": s.source_id in disabled,
                    "principal": s.principal,
                }
                for s in rows
            ]
        )
        return
    for s in rows:
        types = ",".join(s.record_types) or "all types"
        state = " DISABLED" if s.source_id in disabled else ""
        kafka = f" kafka {s.principal}" if s.principal else ""
        click.echo(
            f"{s.source_id:<24} {s.level:<9} {s.region_code} {s.department} ({types}){kafka}{state}"
        )
