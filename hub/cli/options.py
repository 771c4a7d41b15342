"""Options shared by the commands, and how a command builds its settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from hub.domain.values import Source
from hub.errors import ConfigError, InputError
from hub.reasons_zh import problem_zh
from hub.settings import HubSettings

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
    """Settings from the environment, with the command line's values on top; a value that does
    not fit (``HUB_API_PORT=abc``) is a :class:`ConfigError` naming the variable (exit 2), not
    pydantic's traceback."""
    values = {k: v for k, v in {"data_dir": data_dir, **overrides}.items() if v is not None}
    try:
        return HubSettings(**values)
    except ValidationError as exc:
        raise ConfigError(_settings_problems(exc, set(values))) from None


def _settings_problems(exc: ValidationError, given: set[str]) -> str:
    named = []
    for error in exc.errors()[:5]:
        field = str(error["loc"][0]) if error["loc"] else ""
        where = f"--{field.replace('_', '-')}" if field in given else f"HUB_{field.upper()}"
        named.append((where, problem_zh(error), error["msg"]))
    zh = "；".join(f"{where}：{reason}" for where, reason, _ in named)
    en = "; ".join(f"{where}: {msg}" for where, _, msg in named)
    return f"设置不符合要求：{zh} / a setting does not fit: {en}"


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
