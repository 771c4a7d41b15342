"""``hub accounts``: people's accounts for the console and the query API (operator, auditor,
viewer of a region), administered on the hub's host and by no web role (GB/T 39477: whoever
acts or audits in the console does not also manage who may).

Passwords are read twice from the terminal, or once from stdin with ``--password-stdin`` (a
script's pipe); they are never echoed or written anywhere but as an Argon2id hash. A token is
printed once by ``token`` and kept only as its SHA-256. Every command says whether it changed
anything; each change is journaled (``hub audit verify`` checks the table against it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from hub.backends import backend_for
from hub.cli.options import as_json_option, data_dir_option, echo_json, settings_for
from hub.domain.accounts import (
    ROLES,
    Account,
    AccountError,
    check_account,
    check_name,
    check_password,
    check_role,
)
from hub.domain.credentials import digest, hash_password, new_token
from hub.errors import InputError
from hub.runtime.embedded import has_hub
from hub.settings import HubSettings
from hub.storage.account_rows import actions
from hub.storage.ports import Store

__all__ = ["accounts"]


@click.group()
def accounts() -> None:
    """People's accounts for the console and the /v1 API (operator, auditor, viewer)."""


def _open(settings: HubSettings) -> Store:
    _require_hub(settings)
    return backend_for(settings).store()


def _require_hub(settings: HubSettings) -> None:
    """Refuse (exit 2) a directory with no hub, which opening its store would make: a mistyped
    ``--data-dir`` would get a new, empty hub and an account nobody serves. A PostgreSQL URL
    is a hub even before its first table (``hub accounts add`` may come first)."""
    if not has_hub(settings):
        raise InputError(
            f"{settings.data_dir} 中没有 hub（先运行 hub up 或 hub demo --data-dir …，或设置"
            f" HUB_DATABASE_URL） / no hub in {settings.data_dir} (start one with hub up, or"
            " load hub demo, or set HUB_DATABASE_URL)"
        )


def _existing(found: Account | None, name: str) -> Account:
    if found is None:
        raise AccountError(f"没有账户 {name} / no account {name}")
    return found


def _read_password(from_stdin: bool) -> str:
    """Once from stdin (``--password-stdin``), or twice from the terminal, hidden."""
    if from_stdin:
        line = click.get_text_stream("stdin").readline()
        return check_password(line.rstrip("\r\n"))
    if not sys.stdin.isatty():
        raise AccountError(
            "标准输入不是终端：请用 --password-stdin 传入密码（或 --no-password）"
            " / stdin is not a terminal: pass the password with --password-stdin"
            " (or --no-password)"
        )
    password: str = click.prompt(
        "密码 / password", hide_input=True, confirmation_prompt="再输入一次 / again"
    )
    return check_password(password)


def _as_dict(account: Account, states: dict[str, dict[str, Any]]) -> dict[str, Any]:
    state = states.get(account.name, {})
    return dataclasses.asdict(account) | {
        "password": state.get("password") is not None,
        "token": state.get("token") is not None,
    }


def _tell(
    message: str, account: Account | None, store: Store, as_json: bool, changed: bool
) -> None:
    if as_json:
        echo_json(
            {
                "changed": changed,
                "message": message,
                "account": None if account is None else _as_dict(account, store.account_states()),
            }
        )
    else:
        click.echo(message)


def _region(settings: HubSettings, role: str, region: str | None) -> None:
    if region is not None and role == "viewer" and not settings.standard().regions.known(region):
        raise AccountError(
            f"{region} 不是 GB/T 2260 行政区划代码 / {region} is not a GB/T 2260 region code"
        )


@accounts.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the account may do.")
@click.option("--region", default=None, help="A viewer's GB/T 2260 region (it sees only that).")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (one line).")
@click.option("--no-password", is_flag=True, help="No password: signs in by token only.")
@data_dir_option
@as_json_option
def add(
    name: str,
    role: str,
    region: str | None,
    password_stdin: bool,
    no_password: bool,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Add an account; its password is asked twice (or read with --password-stdin)."""
    settings = settings_for(data_dir)
    _require_hub(settings)  # before the password is asked for
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    account = check_account(Account(check_name(name), check_role(role), region, False, created))
    _region(settings, role, region)
    if password_stdin and no_password:
        raise AccountError("--password-stdin 与 --no-password 不能同用 / pick one")
    password = None if no_password else _read_password(password_stdin)
    store = _open(settings)
    try:
        with store.transaction(durable=True) as tx:
            if tx.account(name) is not None:
                raise AccountError(f"账户 {name} 已存在 / account {name} exists")
            tx.put_account(account)
            if password is not None:
                tx.set_account_password(name, hash_password(password))
        where = f"，地区 {region}" if region else ""
        _tell(
            f"账户 {name}（{role}{where}）已添加 / account {name} ({role}) added",
            account,
            store,
            as_json,
            True,
        )
    finally:
        store.close()


def _set_disabled(name: str, disabled: bool, data_dir: Path | None, as_json: bool) -> None:
    store = _open(settings_for(data_dir))
    try:
        with store.transaction(durable=True) as tx:
            old = _existing(tx.account(name), name)
            new = dataclasses.replace(old, disabled=disabled)
            if new != old:
                tx.put_account(new)
        what = ("已停用 / disabled" if disabled else "已启用 / enabled") if new != old else None
        _tell(f"账户 {name} {what or '未改变 / nothing changed'}", new, store, as_json, new != old)
    finally:
        store.close()


@accounts.command("disable")
@click.argument("name")
@data_dir_option
@as_json_option
def disable(name: str, data_dir: Path | None, as_json: bool) -> None:
    """Stop an account signing in (its sessions end; it is kept)."""
    _set_disabled(name, True, data_dir, as_json)


@accounts.command("enable")
@click.argument("name")
@data_dir_option
@as_json_option
def enable(name: str, data_dir: Path | None, as_json: bool) -> None:
    """Let a disabled account sign in again."""
    _set_disabled(name, False, data_dir, as_json)


@accounts.command("remove")
@click.argument("name")
@data_dir_option
@as_json_option
def remove(name: str, data_dir: Path | None, as_json: bool) -> None:
    """Delete an account and its sessions (its past actions stay in the journal)."""
    store = _open(settings_for(data_dir))
    try:
        with store.transaction(durable=True) as tx:
            gone = tx.remove_account(name)
        message = "已删除 / removed" if gone else "不存在，未改变 / not there, nothing changed"
        _tell(f"账户 {name} {message}", None, store, as_json, gone)
    finally:
        store.close()


@accounts.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (one line).")
@data_dir_option
@as_json_option
def passwd(name: str, password_stdin: bool, data_dir: Path | None, as_json: bool) -> None:
    """Set an account's password (its sessions end; its token, if any, stays valid: revoke it
    with hub accounts token NAME --revoke)."""
    store = _open(settings_for(data_dir))
    try:
        _existing(next((a for a in store.accounts() if a.name == name), None), name)
        password = _read_password(password_stdin)
        with store.transaction(durable=True) as tx:
            account = _existing(tx.account(name), name)
            tx.set_account_password(name, hash_password(password))
        _tell(
            f"账户 {name} 的密码已更改，其会话已结束（令牌仍有效，可用 hub accounts token {name}"
            f" --revoke 撤销） / password of {name} changed, its sessions ended (its token stays"
            f" valid: hub accounts token {name} --revoke)",
            account,
            store,
            as_json,
            True,
        )
    finally:
        store.close()


@accounts.command("token")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Remove the account's token instead.")
@data_dir_option
@as_json_option
def token(name: str, revoke: bool, data_dir: Path | None, as_json: bool) -> None:
    """Make the account a new token (printed once; the old one stops working)."""
    store = _open(settings_for(data_dir))
    try:
        made = None if revoke else new_token()
        had = store.account_states().get(name, {}).get("token") is not None
        with store.transaction(durable=True) as tx:
            account = _existing(tx.account(name), name)
            tx.set_account_token(name, None if made is None else digest(made))
        changed = made is not None or had
        if as_json:
            echo_json({"changed": changed, "account": name, "token": made})
        elif made is not None:
            click.echo(
                f"账户 {name} 的新令牌（仅显示这一次，旧令牌已失效） / new token of {name}"
                " (shown once; the old one no longer works):",
                err=True,
            )
            click.echo(made)
        else:
            state = (
                "令牌已撤销 / token revoked" if had else "没有令牌，未改变 / no token, unchanged"
            )
            click.echo(f"账户 {account.name} {state}")
    finally:
        store.close()


def _row(account: Account, state: dict[str, Any]) -> dict[str, str]:
    return {
        "名称": account.name,
        "角色": account.role,
        "地区": account.region or "全部",
        "状态": "停用" if account.disabled else "启用",
        "密码": "有" if state.get("password") else "无",
        "令牌": "有" if state.get("token") else "无",
        "创建": account.created_at,
    }


@accounts.command("show")
@click.argument("name")
@data_dir_option
@as_json_option
def show(name: str, data_dir: Path | None, as_json: bool) -> None:
    """One account (whether it has a password and a token; never their values)."""
    store = _open(settings_for(data_dir))
    try:
        found = _existing(next((a for a in store.accounts() if a.name == name), None), name)
        states = store.account_states()
    finally:
        store.close()
    if as_json:
        echo_json(_as_dict(found, states))
        return
    for key, value in _row(found, states.get(name, {})).items():
        click.echo(f"{key}: {value}")


@accounts.command("list")
@data_dir_option
@as_json_option
def list_(data_dir: Path | None, as_json: bool) -> None:
    """Every account, by name."""
    store = _open(settings_for(data_dir))
    try:
        found = store.accounts()
        states = store.account_states()
    finally:
        store.close()
    if as_json:
        echo_json([_as_dict(a, states) for a in found])
        return
    if not found:
        click.echo("没有账户（hub accounts add NAME --role ...） / no accounts")
    for a in found:
        click.echo("  ".join(f"{k}={v}" for k, v in _row(a, states.get(a.name, {})).items()))


@accounts.command("actions")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@data_dir_option
@as_json_option
def actions_(limit: int, data_dir: Path | None, as_json: bool) -> None:
    """The last actions people took (sign-ins, re-drives, releases), newest first, from the
    journal ``hub audit verify`` checks."""
    store = _open(settings_for(data_dir))
    try:
        found = actions(store, limit)
    finally:
        store.close()
    if as_json:
        echo_json(found)
        return
    if not found:
        click.echo("没有操作记录 / no actions recorded")
    for a in found:
        detail = json.dumps(a["detail"], ensure_ascii=False, sort_keys=True)
        click.echo(f"{a['at']}  {a['who']}  {a['action']}  {a['target']}  {detail}")
