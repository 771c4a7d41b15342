"""``hub dossier``: text and JSON, nothing found, a refused code, the equipment form."""

from __future__ import annotations

import json

from click.testing import CliRunner, Result

from hub.cli import cli
from hub.runtime.embedded import EmbeddedHub
from tests.query.hubs import ENTITY, EQUIPMENT, UNIT, Scenario


def _run(hub: EmbeddedHub, *args: str) -> Result:
    env = {"HUB_DATA_DIR": str(hub.settings.data_dir)}
    url = hub.settings.database_url
    env["HUB_DATABASE_URL"] = url.get_secret_value() if url else ""
    if not url:
        del env["HUB_DATABASE_URL"]
    return CliRunner().invoke(cli, ["dossier", *args], env=env)


def test_text_and_json(loaded: tuple[EmbeddedHub, Scenario]) -> None:
    hub, _ = loaded
    text = _run(hub, UNIT.lower())
    assert text.exit_code == 0, text.output
    assert f"统一社会信用代码 USCC {UNIT}: 3 条记录" in text.output
    assert "    └ " in text.output and "整改" in text.output  # under its hazard
    as_json = _run(hub, UNIT, "--json")
    assert as_json.exit_code == 0
    value = json.loads(as_json.output)
    assert value["code"] == UNIT and value["count"] == 3
    retracted = _run(hub, ENTITY, "--all")
    assert "[已撤回 retracted]" in retracted.output
    assert "已撤回，未列出" in _run(hub, ENTITY).output


def test_equipment(loaded: tuple[EmbeddedHub, Scenario]) -> None:
    hub, _ = loaded
    result = _run(hub, "--equipment", EQUIPMENT)
    assert result.exit_code == 0, result.output
    assert "设备履历" in result.output and "12330106470039129W" in result.output


def test_nothing_found_and_refused(loaded: tuple[EmbeddedHub, Scenario]) -> None:
    hub, _ = loaded
    nothing = _run(hub, "--equipment", "830033108201900043")
    assert nothing.exit_code == 1
    assert "中心没有任何记录涉及设备代码 830033108201900043" in nothing.output
    refused = _run(hub, "12345")
    assert refused.exit_code == 2 and "应为 18 位" in refused.output
    usage = _run(hub)
    assert usage.exit_code == 2
