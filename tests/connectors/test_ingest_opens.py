"""``hub ingest`` opens what storing a file needs (the store, the standard and its codec), not a
whole hub: the read models are opened only when ``--wait`` processes the batch here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from hub.cli import cli


def test_hub_ingest_stores_without_opening_the_read_models(
    tmp_path: Path, inspection: dict[str, Any]
) -> None:
    data = tmp_path / "hub"
    runner = CliRunner()
    county = ["--level", "county", "--region", "440106", "--department", "天河区市场监督管理局"]
    added = runner.invoke(
        cli, ["sources", "add", "gz-440106", *county, "--types", "all", "--data-dir", str(data)]
    )
    assert added.exit_code == 0, added.output
    for views in data.glob("views.db*"):
        views.unlink()
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps(inspection, ensure_ascii=False) + "\n", encoding="utf-8")
    ingest = ["ingest", "--source", "gz-440106", "--type", "inspection", "--json"]
    stored = runner.invoke(cli, [*ingest, str(path), "--data-dir", str(data)])
    assert stored.exit_code == 0, stored.output
    assert json.loads(stored.stdout)["received"] == 1
    assert not list(data.glob("views.db*"))
    waited = runner.invoke(cli, [*ingest, "--wait", str(path), "--data-dir", str(data)])
    assert waited.exit_code == 0, waited.output
    assert json.loads(waited.stdout)["outcomes"] == {"accepted_new": 1}
    assert (data / "views.db").exists()  # --wait processed the batch: the whole hub, here
