"""docker-compose.yml cannot run here (no Docker engine); it must at least ask for settings that
exist and commands that exist."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from hub.cli import cli
from hub.settings import HubSettings

COMPOSE = Path(__file__).parents[2] / "docker-compose.yml"


def test_every_hub_variable_in_compose_is_a_setting() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    names = set(re.findall(r"^\s+(HUB_[A-Z0-9_]+):", text, flags=re.M))
    assert {"HUB_KAFKA_BOOTSTRAP", "HUB_DATABASE_URL"} <= names
    fields = {f"HUB_{name.upper()}" for name in HubSettings.model_fields}
    assert names <= fields, names - fields


def test_every_command_in_compose_exists() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    commands = re.findall(r'command: \["hub", "([a-z-]+)"(?:, "([a-z-]+)")?', text)
    assert {c for c, _ in commands} >= {"worker", "topics", "project"}
    runner = CliRunner()
    for command, sub in commands:
        args = [command, sub, "--help"] if sub else [command, "--help"]
        assert runner.invoke(cli, args).exit_code == 0, args
