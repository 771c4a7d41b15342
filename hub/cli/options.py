"""Options shared by the commands, and how a command builds its settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from hub.errors import InputError
from hub.settings import HubSettings
from hub.storage.ports import Source

__all__ = [
    "as_json_option",
    "data_dir_option",
    "echo_json",
    "settings_for",
    "usable_source",
]

F = TypeVar("F", bound=Callable[..., Any])


def data_dir_option(func: F) -> F:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Data directory (default: $HUB_DATA_DIR or ./hub-data).",
    )(func)


def as_json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(func)


def settings_for(data_dir: Path | None, **overrides: Any) -> HubSettings:
    """Settings from the environment, with the command line's values on top."""
    values = {k: v for k, v in {"data_dir": data_dir, **overrides}.items() if v is not None}
    return HubSettings(**values)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def usable_source(source: Source | None, source_id: str) -> Source:
    """The source a command submits as, refused up front when unknown or disabled (judging
    would reject every record anyway; saying so before reading a file saves the operator a run)."""
    if source is None:
        raise InputError(
            f"来源 {source_id!r} 未登记（先运行 hub sources add …） / "
            f"source {source_id!r} is not registered (hub sources add ...)"
        )
    if source.disabled:
        raise InputError(
            f"报送来源 {source_id} 已停用 / source {source_id!r} is disabled"
            " (hub sources enable, if it should submit again)"
        )
    return source
