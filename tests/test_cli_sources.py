"""``hub sources add`` keeps least privilege: no silent widening, levels that match their codes,
and a disabled source refused by the commands that submit as it (issue 12)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.standard import load_standard


@pytest.fixture
def data(tmp_path: Path) -> str:
    return str(tmp_path / "hub")


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def add(data: str, source_id: str, level: str, region: str, *extra: str) -> Any:
    return run(
        "sources", "add", source_id, "--level", level, "--region", region,
        "--department", "天河区市场监督管理局", "--data-dir", data, *extra,
    )  # fmt: skip


def types_of(data: str, source_id: str) -> list[str]:
    listed = json.loads(run("sources", "list", "--data-dir", data, "--json").stdout)
    [entry] = [s for s in listed if s["source_id"] == source_id]
    return list(entry["record_types"])


def test_a_new_source_without_types_is_refused_not_given_every_type(data: str) -> None:
    result = add(data, "gz-440106", "county", "440106")
    assert result.exit_code == 2 and "--types" in result.output
    assert json.loads(run("sources", "list", "--data-dir", data, "--json").stdout) == []
    assert add(data, "gz-440106", "county", "440106", "--types", "all").exit_code == 0
    assert types_of(data, "gz-440106") == []  # all, said on purpose


def test_adding_again_without_types_keeps_them(data: str) -> None:
    assert (
        add(data, "gz-440106", "county", "440106", "--types", "inspection,penalty").exit_code == 0
    )
    again = add(data, "gz-440106", "county", "440106")
    assert again.exit_code == 0, again.output
    assert types_of(data, "gz-440106") == ["inspection", "penalty"]
    widened = add(data, "gz-440106", "county", "440106", "--types", "inspection,penalty,hazard")
    assert widened.exit_code == 0
    assert "inspection,penalty -> inspection,penalty,hazard" in widened.stderr  # said, not silent


@pytest.mark.parametrize(
    ("level", "region"), [("county", "440000"), ("county", "440100"), ("city", "440000"),
                          ("city", "440106"), ("province", "440100")],
)  # fmt: skip
def test_a_level_must_match_its_region_codes_level(data: str, level: str, region: str) -> None:
    result = add(data, "x", level, region, "--types", "all")
    assert result.exit_code == 2 and f"{level}-level" in result.output
    assert json.loads(run("sources", "list", "--data-dir", data, "--json").stdout) == []


def test_a_disabled_source_cannot_ingest_a_file(data: str, tmp_path: Path) -> None:
    assert add(data, "gz-440106", "county", "440106", "--types", "all").exit_code == 0
    assert run("sources", "disable", "gz-440106", "--data-dir", data).exit_code == 0
    path = tmp_path / "in.jsonl"
    path.write_text(
        json.dumps(load_standard().example("inspection"), ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    result = run(
        "ingest", "--source", "gz-440106", "--type", "inspection", str(path), "--data-dir", data
    )
    assert result.exit_code == 2 and "disabled" in result.output and "停用" in result.output
    assert run("sources", "enable", "gz-440106", "--data-dir", data).exit_code == 0
    result = run(
        "ingest", "--source", "gz-440106", "--type", "inspection", str(path), "--data-dir", data
    )
    assert result.exit_code == 0, result.output


def test_a_disabled_source_cannot_start_a_front_end_database_connector(data: str) -> None:
    """Refused before the source's database is touched: one line, exit 2, no traceback."""
    assert add(data, "gz-440106", "county", "440106", "--types", "all").exit_code == 0
    assert run("sources", "disable", "gz-440106", "--data-dir", data).exit_code == 0
    result = run(
        "connect", "frontdb", "--once", "--source", "gz-440106", "--type", "penalty",
        "--table", "cd_penalty", "--url", "postgresql://127.0.0.1:1/none", "--data-dir", data,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "停用" in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, AttributeError | TypeError)


def principal_of(data: str, source_id: str) -> str | None:
    listed = json.loads(run("sources", "list", "--data-dir", data, "--json").stdout)
    [entry] = [s for s in listed if s["source_id"] == source_id]
    value: str | None = entry["principal"]
    return value


def test_a_sources_kafka_principal_is_set_kept_cleared_and_verified(data: str) -> None:
    assert add(data, "gz-440106", "county", "440106", "--types", "all").exit_code == 0
    assert principal_of(data, "gz-440106") is None
    set_it = add(data, "gz-440106", "county", "440106", "--principal", "User:gz-tianhe")
    assert set_it.exit_code == 0, set_it.output
    assert principal_of(data, "gz-440106") == "User:gz-tianhe"
    listed = run("sources", "list", "--data-dir", data)
    assert "kafka User:gz-tianhe" in listed.stdout
    assert add(data, "gz-440106", "county", "440106").exit_code == 0  # omitted: kept
    assert principal_of(data, "gz-440106") == "User:gz-tianhe"
    for bad in ("gz-tianhe", "User:", "User:a b", "Group:x", "User:天河"):
        refused = add(data, "gz-440106", "county", "440106", "--principal", bad)
        assert refused.exit_code == 2 and "User:<name>" in refused.output, bad
    assert principal_of(data, "gz-440106") == "User:gz-tianhe"  # a refusal changes nothing
    verified = run("audit", "verify", "--data-dir", data)
    assert verified.exit_code == 0, verified.output
    assert add(data, "gz-440106", "county", "440106", "--principal", "none").exit_code == 0
    assert principal_of(data, "gz-440106") is None
    assert run("audit", "verify", "--data-dir", data).exit_code == 0


def test_a_sources_token_is_shown_once_and_stored_only_as_its_sha256(data: str) -> None:
    """The token is in the command's reply and nowhere in the data directory; its SHA-256 is,
    and a rotation replaces it (the old hash gone, the new one kept)."""
    added = add(data, "gz-440106", "county", "440106", "--types", "inspection", "--json")
    assert added.exit_code == 0, added.output
    token = json.loads(added.stdout)["token"]
    assert token.startswith("hubsrc_")

    def stored() -> bytes:
        return b"".join(p.read_bytes() for p in Path(data).rglob("*") if p.is_file())

    assert token.encode() not in stored()
    assert hashlib.sha256(token.encode()).hexdigest().encode() in stored()
    rotated = run("sources", "rotate-token", "gz-440106", "--data-dir", data, "--json")
    assert rotated.exit_code == 0, rotated.output
    new = json.loads(rotated.stdout)["token"]
    assert new != token and new.encode() not in stored()
    assert hashlib.sha256(new.encode()).hexdigest().encode() in stored()
