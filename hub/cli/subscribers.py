"""``hub subscribers``: the registry of feed readers and their entitlement (guarantee 6).

A subscriber is stored by :meth:`hub.storage.ports.Transaction.put_subscriber`; its feeds are the
relay's. ``remove`` deletes the registration and then, when the hub has a Kafka
(``HUB_KAFKA_BOOTSTRAP``), the subscriber's feed topics."""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path
from typing import Any

import click

from hub.cli.options import as_json_option, data_dir_option, echo_json, settings_for
from hub.domain.subscribers import NAME_PATTERN, SHARING_CLASSES, Subscriber
from hub.errors import InputError
from hub.runtime.embedded import EmbeddedHub

__all__ = ["subscribers"]

_PRINCIPAL = re.compile(r"^User:[A-Za-z0-9._@-]{1,100}$")


@click.group()
def subscribers() -> None:
    """Registered subscribers (departments, platforms) of the outbound feeds."""


def _name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise InputError(
            f"订阅方名称 {name!r} 不合规则（小写字母开头，仅含小写字母、数字和 -，至多 40 字符）"
            f" / subscriber name {name!r} must match {NAME_PATTERN.pattern}"
        )
    return name


def _split(text: str) -> tuple[str, ...]:
    if text.strip().lower() == "all":
        return ()
    return tuple(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))


def _changes(hub: EmbeddedHub, **given: Any) -> dict[str, Any]:
    """The options given (None: not given), validated, as Subscriber fields."""
    out: dict[str, Any] = {}
    if given["types"] is not None:
        types = _split(given["types"])
        for t in types:
            hub.standard.record_type(t)
        out["record_types"] = types
    if given["regions"] is not None:
        regions = _split(given["regions"])
        for code in regions:
            if not hub.standard.regions.known(code):
                raise InputError(
                    f"{code} 不是 GB/T 2260 行政区划代码 / {code} is not a GB/T 2260 region code"
                )
        out["regions"] = regions
    if given["sharing"] is not None:
        if given["sharing"] not in SHARING_CLASSES:
            raise InputError(
                f"共享类别 {given['sharing']!r} 无效（无条件、有条件、全部）/ sharing must be one"
                " of 无条件|有条件|全部 (unconditional|conditional|all)"
            )
        out["sharing"] = SHARING_CLASSES[given["sharing"]]
    if given["personal"] is not None:
        out["personal"] = given["personal"]
    if given["principal"] is not None:
        if not _PRINCIPAL.match(given["principal"]):
            raise InputError(
                f"主体 {given['principal']!r} 应为 User:<名称> / principal must be User:<name>"
            )
        out["principal"] = given["principal"]
    if given["description"] is not None:
        out["description"] = given["description"]
    return out


def _as_dict(s: Subscriber) -> dict[str, Any]:
    d = dataclasses.asdict(s)
    d["record_types"] = list(s.record_types)
    d["regions"] = list(s.regions)
    return d


def _tell(message: str, subscriber: Subscriber | None, as_json: bool, changed: bool) -> None:
    if as_json:
        echo_json(
            {
                "changed": changed,
                "message": message,
                "subscriber": None if subscriber is None else _as_dict(subscriber),
            }
        )
    else:
        click.echo(message)


def _entitlement_options(f: Any) -> Any:
    for option in reversed(
        [
            click.option("--types", default=None, help="Comma-separated record types, or 'all'."),
            click.option("--regions", default=None, help="GB/T 2260 codes, or 'all'."),
            click.option("--sharing", default=None, help="无条件|有条件|全部 (or English)."),
            click.option("--personal/--no-personal", default=None),
            click.option("--principal", default=None, help="Kafka principal, User:<name>."),
            click.option("--description", default=None),
        ]
    ):
        f = option(f)
    return f


@subscribers.command("add")
@click.argument("name")
@_entitlement_options
@data_dir_option
@as_json_option
def add(name: str, data_dir: Path | None, as_json: bool, **given: Any) -> None:
    """Register a subscriber (omitted types / regions: all; sharing: unconditional)."""
    _name(name)
    with EmbeddedHub(settings_for(data_dir)) as hub:
        fields = _changes(hub, **given)
        with hub.store.transaction(durable=True) as tx:
            if tx.subscriber(name) is not None:
                raise InputError(
                    f"订阅方 {name} 已存在，请用 update / subscriber {name} exists: use update"
                )
            new = Subscriber(name, **fields, epoch=time.time_ns() // 1_000_000)
            tx.put_subscriber(new)
    _tell(f"订阅方 {name} 已登记 / subscriber {name} registered", new, as_json, True)


@subscribers.command("update")
@click.argument("name")
@_entitlement_options
@click.option("--backfill", is_flag=True, help="Start its feeds again from a fresh snapshot.")
@data_dir_option
@as_json_option
def update(name: str, backfill: bool, data_dir: Path | None, as_json: bool, **given: Any) -> None:
    """Change a subscriber's entitlement (omitted options are kept)."""
    with EmbeddedHub(settings_for(data_dir)) as hub:
        fields = _changes(hub, **given)
        with hub.store.transaction(durable=True) as tx:
            old = _existing(tx.subscriber(name), name)
            new = dataclasses.replace(old, **fields)
            if backfill:
                new = dataclasses.replace(new, epoch=time.time_ns() // 1_000_000)
            changed = new != old
            if changed:
                tx.put_subscriber(new)
    message = "已更新 / updated" if changed else "未改变 / nothing changed"
    _tell(f"订阅方 {name} {message}", new, as_json, changed)


def _existing(found: Subscriber | None, name: str) -> Subscriber:
    if found is None:
        raise InputError(f"没有订阅方 {name} / no subscriber {name}")
    return found


def _set_disabled(name: str, disabled: bool, data_dir: Path | None, as_json: bool) -> None:
    with EmbeddedHub(settings_for(data_dir)) as hub, hub.store.transaction(durable=True) as tx:
        old = _existing(tx.subscriber(name), name)
        new = dataclasses.replace(old, disabled=disabled)
        if new != old:
            tx.put_subscriber(new)
    state = (
        ("已停用 / disabled" if disabled else "已启用 / enabled")
        if new != old
        else ("未改变 / nothing changed")
    )
    _tell(f"订阅方 {name} {state}", new, as_json, new != old)


@subscribers.command("disable")
@click.argument("name")
@data_dir_option
@as_json_option
def disable(name: str, data_dir: Path | None, as_json: bool) -> None:
    """Pause a subscriber's feeds (they are kept)."""
    _set_disabled(name, True, data_dir, as_json)


@subscribers.command("enable")
@click.argument("name")
@data_dir_option
@as_json_option
def enable(name: str, data_dir: Path | None, as_json: bool) -> None:
    """Resume a disabled subscriber's feeds."""
    _set_disabled(name, False, data_dir, as_json)


@subscribers.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Needed to remove national (stops the national feed).")
@data_dir_option
@as_json_option
def remove(name: str, yes: bool, data_dir: Path | None, as_json: bool) -> None:
    """Delete a subscriber's registration, then its feed topics (``out.NAME.*``) when
    HUB_KAFKA_BOOTSTRAP is set. Run again to finish a removal whose Kafka did not answer: the
    topics left behind are deleted even though the registration is already gone."""
    if name == "national" and not yes:
        raise InputError(
            "删除 national 会停止国家平台的数据推送，请加 --yes / removing national stops the"
            " national feed: pass --yes"
        )
    settings = settings_for(data_dir)
    with EmbeddedHub(settings) as hub, hub.store.transaction(durable=True) as tx:
        gone = tx.remove_subscriber(name)
    message = "已删除 / removed" if gone else "不存在，未改变 / not registered, nothing changed"
    deleted: list[str] | None = None
    if settings.kafka_bootstrap:
        from hub.kafka.login import check_login
        from hub.kafka.topics import delete_feed_topics

        check_login(settings)
        deleted = delete_feed_topics(settings, name, settings.standard().types)
        if deleted:
            message += f"；已删除其 {len(deleted)} 个推送主题 / deleted {len(deleted)} feed topics"
            gone = True
    if as_json:
        echo_json(
            {"changed": gone, "message": f"订阅方 {name} {message}", "deleted_topics": deleted}
        )
    else:
        _tell(f"订阅方 {name} {message}", None, False, gone)
        if deleted is None:
            click.echo(
                "未设置 HUB_KAFKA_BOOTSTRAP：未删除 Kafka 推送主题 / no Kafka configured: feed"
                f" topics out.{name}.* were not deleted"
            )


@subscribers.command("show")
@click.argument("name")
@data_dir_option
@as_json_option
def show(name: str, data_dir: Path | None, as_json: bool) -> None:
    """One subscriber's entitlement."""
    with EmbeddedHub(settings_for(data_dir)) as hub, hub.store.transaction() as tx:
        found = _existing(tx.subscriber(name), name)
    if as_json:
        echo_json(_as_dict(found))
    else:
        for key, value in _row(found).items():
            click.echo(f"{key}: {value}")


def _row(s: Subscriber) -> dict[str, str]:
    return {
        "名称": s.name,
        "类型": ",".join(s.record_types) or "全部",
        "地区": ",".join(s.regions) or "全部",
        "共享": {"unconditional": "无条件", "conditional": "有条件", "all": "全部"}[s.sharing],
        "个人信息": "是" if s.personal else "否",
        "主体": s.principal or "-",
        "状态": "停用" if s.disabled else "启用",
        "说明": s.description,
    }


@subscribers.command("list")
@data_dir_option
@as_json_option
def list_(data_dir: Path | None, as_json: bool) -> None:
    """Every registered subscriber, by name."""
    with EmbeddedHub(settings_for(data_dir)) as hub:
        found = hub.store.subscribers()
    if as_json:
        echo_json([_as_dict(s) for s in found])
        return
    for s in found:
        click.echo("  ".join(f"{k}={v}" for k, v in _row(s).items()))


@subscribers.command("schema")
@click.argument("name")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write <type>.avsc into (made if missing).",
)
@data_dir_option
@as_json_option
def schema(name: str, out: Path, data_dir: Path | None, as_json: bool) -> None:
    """The Avro schemas of a subscriber's feeds (one per entitled type): what it decodes with.

    A feed's values do not fit the record type's schema where fields are withheld (null), so a
    subscriber is handed these rather than ``schemas/records/``."""
    import json

    from hub.processing.feeds import feed_schemas

    settings = settings_for(data_dir)
    with EmbeddedHub(settings) as hub, hub.store.transaction() as tx:
        found = _existing(tx.subscriber(name), name)
    schemas = feed_schemas(settings.standard(), found)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for type_id, body in sorted(schemas.items()):
        path = out / f"{type_id}.avsc"
        path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(str(path))
    if as_json:
        echo_json({"subscriber": name, "written": written})
    else:
        click.echo(f"{len(written)} 个订阅模式已写入 / feed schemas written to {out}")
