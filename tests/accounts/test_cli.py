"""``hub accounts`` as an operator of the host runs it: each command says whether it changed
anything, passwords come from stdin or the terminal and are never printed, a token is printed
once and stored only as its hash, bad input exits 2 with a Chinese-first message."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from hub.backends import backend_for
from hub.cli import cli
from hub.domain.credentials import digest, verify_password
from hub.settings import HubSettings
from hub.storage.account_rows import record_action
from hub.storage.chain import JOURNAL

PASSWORD = "a long enough password"


@pytest.fixture
def hub(tmp_path: Path) -> Any:
    data = tmp_path / "hub"
    backend_for(HubSettings(data_dir=data)).store().close()  # a hub to administer (an empty one)
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> Result:
        return runner.invoke(cli, ["accounts", *args, "--data-dir", str(data)], input=stdin)

    run.data = data  # type: ignore[attr-defined]
    return run


def _store(hub: Any) -> Any:
    return backend_for(HubSettings(data_dir=hub.data)).store()


def test_add_list_show_and_the_password_is_only_a_hash(hub: Any) -> None:
    added = hub("add", "zj-op", "--role", "operator", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "已添加" in added.output and "added" in added.output and PASSWORD not in added.output
    viewer = hub("add", "xh", "--role", "viewer", "--region", "330106", "--no-password", "--json")
    assert json.loads(viewer.output)["changed"] is True
    again = hub("add", "xh", "--role", "viewer", "--region", "330106", "--no-password")
    assert again.exit_code == 2 and "已存在" in again.output
    listed = json.loads(hub("list", "--json").output)
    assert [(a["name"], a["role"], a["region"], a["password"], a["token"]) for a in listed] == [
        ("xh", "viewer", "330106", False, False),
        ("zj-op", "operator", None, True, False),
    ]
    shown = hub("show", "zj-op")
    assert "角色: operator" in shown.output and "密码: 有" in shown.output
    assert hub("show", "nobody").exit_code == 2
    store = _store(hub)
    secret = store.account_secret("zj-op")
    assert secret is not None and secret[1] is not None and secret[1].startswith("$argon2id$")
    assert verify_password(secret[1], PASSWORD)
    journal = b"".join(e.body for e in store.chained(JOURNAL, 0, 100))
    store.close()
    assert PASSWORD.encode() not in journal and b"argon2" not in journal


def test_disable_enable_remove_say_whether_they_changed_anything(hub: Any) -> None:
    hub("add", "au", "--role", "auditor", "--no-password")
    first, second = hub("disable", "au", "--json"), hub("disable", "au", "--json")
    assert (json.loads(first.output)["changed"], json.loads(second.output)["changed"]) == (
        True,
        False,
    )
    assert "未改变" in hub("disable", "au").output
    assert "已启用" in hub("enable", "au").output
    assert json.loads(hub("remove", "au", "--json").output)["changed"] is True
    assert "不存在，未改变" in hub("remove", "au").output
    assert hub("disable", "au").exit_code == 2


def test_a_token_is_printed_once_and_works_until_rotated_or_revoked(hub: Any) -> None:
    hub("add", "bi", "--role", "auditor", "--no-password")
    made = hub("token", "bi")
    assert made.exit_code == 0
    token = made.stdout.strip()
    assert token.startswith("hubacc_") and "仅显示这一次" in made.stderr
    store = _store(hub)
    found = store.account_by_token(digest(token))
    assert found is not None and found.name == "bi"
    assert token not in json.dumps(store.account_states())
    rotated = json.loads(hub("token", "bi", "--json").output)["token"]
    assert rotated != token
    assert store.account_by_token(digest(token)) is None
    assert "令牌已撤销" in hub("token", "bi", "--revoke").output
    assert store.account_by_token(digest(rotated)) is None
    assert "未改变" in hub("token", "bi", "--revoke").output
    store.close()
    assert "hubacc_" not in hub("show", "bi").output + hub("list").output


def test_passwd_changes_the_password_and_ends_sessions(hub: Any) -> None:
    hub("add", "op", "--role", "operator", "--password-stdin", stdin=PASSWORD + "\n")
    store = _store(hub)
    with store.transaction() as tx:
        tx.start_session(digest("session"), "op", 1e12, 0.0)
    changed = hub("passwd", "op", "--password-stdin", stdin="another long password\n")
    assert changed.exit_code == 0 and "会话已结束" in changed.output
    secret = store.account_secret("op")
    assert secret is not None and verify_password(secret[1], "another long password")
    assert store.account_by_session(digest("session"), 1.0) is None
    store.close()
    assert hub("passwd", "nobody", "--password-stdin", stdin=PASSWORD + "\n").exit_code == 2


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("add", "Op", "--role", "operator", "--no-password"), None, "账户名"),
        (("add", "v", "--role", "viewer", "--no-password"), None, "须指定地区"),
        (("add", "v", "--role", "viewer", "--region", "999999", "--no-password"), None, "2260"),
        (("add", "v", "--role", "viewer", "--region", "33010", "--no-password"), None, "六位"),
        (("add", "o", "--role", "operator", "--region", "330100", "--no-password"), None, "只有"),
        (("add", "o", "--role", "operator", "--password-stdin"), "short\n", "至少 12"),
        (("add", "o", "--role", "operator"), None, "--password-stdin"),  # stdin not a terminal
    ],
)  # fmt: skip
def test_bad_input_exits_2_in_chinese_first(
    hub: Any, args: tuple[str, ...], stdin: str | None, message: str
) -> None:
    result = hub(*args, stdin=stdin)
    assert result.exit_code == 2, result.output
    assert message in result.output and "[INPUT.ACCOUNT]" in result.output
    assert "short" not in result.output
    assert json.loads(hub("list", "--json").output) == []  # nothing stored


def test_an_unknown_role_is_refused_by_the_command_line(hub: Any) -> None:
    result = hub("add", "x", "--role", "admin", "--no-password")
    assert result.exit_code == 2 and "operator" in result.output


def test_actions_lists_what_people_did_newest_first(hub: Any) -> None:
    assert "没有操作记录" in hub("actions").output
    store = _store(hub)
    with store.transaction() as tx:
        record_action(tx, "op", "deliveries.redrive", "national", {"delivery_ids": ["d1"]})
        record_action(tx, "op", "quarantine.release", "in.x/0/7", {})
    store.close()
    listed = json.loads(hub("actions", "--json").output)
    assert [(a["who"], a["action"], a["target"]) for a in listed] == [
        ("op", "quarantine.release", "in.x/0/7"),
        ("op", "deliveries.redrive", "national"),
    ]
    text = hub("actions", "--limit", "1").output
    assert "quarantine.release" in text and "redrive" not in text


def test_on_a_terminal_the_password_is_asked_twice_and_never_echoed(tmp_path: Path) -> None:
    """A real pseudo-terminal: the prompt comes twice, a mismatch asks again, nothing typed is
    echoed, and what was typed is the password."""
    import os
    import pty
    import select
    import subprocess
    import sys
    import termios

    from tests.processes import ROOT, hub_env

    backend_for(HubSettings(data_dir=tmp_path / "hub")).store().close()
    master, slave = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "hub", "accounts", "add", "tty-op", "--role", "operator",
         "--data-dir", str(tmp_path / "hub")],
        stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=hub_env(tmp_path / "hub"),
        start_new_session=True,  # no controlling terminal but the pty: getpass reads stdin
    )  # fmt: skip
    os.close(slave)
    seen = b""

    def until(text: bytes, typing: bool = True) -> None:
        """Read until ``text`` appears after what was read so far (then forget up to it) and,
        before typing, until the terminal's echo is off (click prints the prompt first)."""
        nonlocal seen
        deadline = time.monotonic() + 60
        while text not in seen or (typing and termios.tcgetattr(master)[3] & termios.ECHO):
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                seen += os.read(master, 4096)
        transcript.append(seen)
        seen = seen[seen.index(text) + len(text) :]

    transcript: list[bytes] = []
    try:
        for first, second in (
            ("first-password-1", "mismatched-pass-1"),
            ("other-password-1", "other-password-1"),
        ):
            until(b"password")
            os.write(master, first.encode() + b"\n")
            until(b"again")
            os.write(master, second.encode() + b"\n")
        until(b"added", typing=False)
        assert b"do not match" in b"".join(transcript)
        assert child.wait(timeout=60) == 0
    finally:
        child.kill()
        os.close(master)
    seen = b"".join(transcript) + seen
    assert b"password-1" not in seen  # nothing typed was echoed
    store = _store_of(tmp_path / "hub")
    secret = store.account_secret("tty-op")
    store.close()
    assert secret is not None and verify_password(secret[1], "other-password-1")


def _store_of(data: Path) -> Any:
    return backend_for(HubSettings(data_dir=data)).store()


def test_the_commands_work_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"HUB_DATABASE_URL": pg_url, "HUB_DATA_DIR": str(tmp_path / "hub")}

    def run(*args: str, stdin: str | None = None) -> Result:
        result = runner.invoke(cli, ["accounts", *args], input=stdin, env=env)
        assert result.exit_code == 0, result.output
        return result

    run("add", "pg-op", "--role", "operator", "--password-stdin", stdin=PASSWORD + "\n")
    run("add", "pg-view", "--role", "viewer", "--region", "330100", "--no-password")
    token = run("token", "pg-view").stdout.strip()
    assert json.loads(run("disable", "pg-op", "--json").output)["changed"] is True
    listed = json.loads(run("list", "--json").output)
    assert [(a["name"], a["disabled"], a["password"], a["token"]) for a in listed] == [
        ("pg-op", True, True, False),
        ("pg-view", False, False, True),
    ]
    store = backend_for(HubSettings(data_dir=tmp_path / "hub", database_url=pg_url)).store()
    found = store.account_by_token(digest(token))
    store.close()
    assert found is not None and found.region == "330100"
    assert pg_url not in json.dumps(listed)


def test_a_directory_with_no_hub_is_refused_not_made(tmp_path: Path) -> None:
    wrong = tmp_path / "typo"
    for args in (["list"], ["add", "x-op", "--role", "operator", "--no-password"]):
        result = CliRunner().invoke(cli, ["accounts", *args, "--data-dir", str(wrong)])
        assert result.exit_code == 2, result.output
        assert "中没有 hub" in result.output and "no hub in" in result.output
    assert not (wrong / "log.db").exists()


def test_a_bad_setting_is_named_in_chinese_first(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["status", "--data-dir", str(tmp_path / "hub")], env={"HUB_API_PORT": "abc"}
    )
    assert result.exit_code == 2
    assert "设置不符合要求：HUB_API_PORT：应为整数 / " in result.output
    assert isinstance(result.exception, SystemExit)  # a ConfigError said, not a traceback
