"""Options shared by the commands, and how a command builds its settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from hub.settings import HubSettings

__all__ = ["as_json_option", "data_dir_option", "echo_json", "settings_for"]

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
