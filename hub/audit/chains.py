"""Check every chained stream (and the sources' journal) link by link, against the head each
append recorded, and against a signed checkpoint's heads when one is given.

An event whose chain value does not follow from the one before is named; the scan then goes on
from the stored value, so one edited event is one finding and a deleted run of events is one
finding at the event after it. Each event's stored columns (type, key, correlation) must be its
own envelope's. Pure over what the store reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hub.audit.findings import Finding
from hub.errors import HubError
from hub.events import Codec
from hub.events.streams import STREAMS
from hub.storage.chain import GENESIS, JOURNAL, link
from hub.storage.ports import ChainedEvent, ChainHead, Store

__all__ = ["CHAINED", "check_chains"]

CHAINED = (*STREAMS, JOURNAL)


def check_chains(
    store: Store,
    codec: Codec,
    anchors: Mapping[str, ChainHead] | None = None,
    anchored_at: str = "",
    names: Iterable[str] = CHAINED,
) -> tuple[list[Finding], dict[str, ChainHead]]:
    """Findings, and each stream's head as it is now (what a checkpoint signs)."""
    findings: list[Finding] = []
    heads: dict[str, ChainHead] = {}
    recorded = store.chain_heads()
    for name in names:
        anchor = (anchors or {}).get(name)
        head, found = _check(store, codec, name, anchor, anchored_at)
        findings += found
        heads[name] = head
        findings += _against_recorded(name, head, recorded.get(name, ChainHead(name)))
    return findings, heads


def _check(
    store: Store, codec: Codec, name: str, anchor: ChainHead | None, anchored_at: str
) -> tuple[ChainHead, list[Finding]]:
    findings: list[Finding] = []
    prev, previous_position, count, after = GENESIS, 0, 0, 0
    anchor_seen = False
    while rows := store.chained(name, after, 1000):
        for row in rows:
            count += 1
            expected = link(
                prev, row.event_id, row.event_type, row.key, row.correlation_id, row.body
            )
            about = _about(name, row.correlation_id, row.key, row.event_type)
            item = f"position {row.position} ({row.event_id}, {about})"
            if name != JOURNAL:
                findings += _envelope(codec, name, row, item)
            if row.chain is None:
                findings.append(
                    Finding(
                        "AUDIT.CHAIN",
                        name,
                        item,
                        "事件没有链值：不是由数据中心写入的（被插入）",
                        "event has no chain link: not written by the hub (inserted)",
                    )
                )
            elif row.chain != expected:
                gap = row.position != previous_position + 1 and previous_position != 0
                findings.append(
                    Finding(
                        "AUDIT.CHAIN",
                        name,
                        item,
                        (
                            f"链断裂：第{previous_position}条之后、本条之前的事件被删除，或本条被改动"
                            if gap
                            else "链断裂：本条事件被改动（或其前一条被删除后重排）"
                        ),
                        (
                            f"chain broken: events after position {previous_position} were"
                            " deleted, or this event was altered"
                            if gap
                            else "chain broken: this event was altered (or the one before it"
                            " deleted and the rest renumbered)"
                        ),
                    )
                )
            prev = row.chain if row.chain is not None else expected
            if anchor is not None and row.position == anchor.position:
                anchor_seen = True
                findings += _against_anchor(name, anchor, prev, count, anchored_at)
            previous_position = row.position
        after = rows[-1].position
    if anchor is not None and anchor.count and not anchor_seen:
        findings.append(
            Finding(
                "AUDIT.CHECKPOINT",
                name,
                f"position {anchor.position}",
                f"检查点（{anchored_at}）记录的第{anchor.position}条事件已不存在（被删除）",
                f"the event at position {anchor.position} that the checkpoint of"
                f" {anchored_at} holds is gone (deleted)",
            )
        )
    return ChainHead(name, previous_position, prev, count), findings


def _envelope(codec: Codec, name: str, row: ChainedEvent, item: str) -> list[Finding]:
    """The columns a reader filters on (type, key, correlation) are the event's own: a verdict
    relabelled ``verdict.accepted_new`` over a rejected body is named even with a recomputed
    chain."""
    try:
        event = codec.decode_event(name, row.position, row.body).event
    except HubError as exc:
        return [
            Finding(
                "AUDIT.CHAIN",
                name,
                item,
                f"事件无法解码（被改动）：{exc.message}",
                f"the event cannot be decoded (altered): {exc.message}",
            )
        ]
    differs = [
        column
        for column, stored, own in (
            ("event_id", row.event_id, event.event_id),
            ("event_type", row.event_type, event.event_type),
            ("key", row.key, event.key),
            ("correlation_id", row.correlation_id, event.correlation_id),
        )
        if stored != own
    ]
    if not differs:
        return []
    return [
        Finding(
            "AUDIT.CHAIN",
            name,
            item,
            f"存储的列与事件自身的信封不符：{', '.join(differs)}",
            f"the stored columns differ from the event's own envelope: {', '.join(differs)}",
        )
    ]


def _about(name: str, correlation_id: str, key: str, event_type: str = "") -> str:
    """What an event is about, by id: its submission (streams), or in the journal what its kind
    names (``source``, ``subscriber``, ``account``, or the person of an ``action``)."""
    if name != JOURNAL:
        return f"submission {correlation_id}"
    kind = event_type.split(".")[0] if event_type else "source"
    return f"{'person' if kind == 'action' else kind} {key}"


def _against_anchor(
    name: str, anchor: ChainHead, chain: str, count: int, anchored_at: str
) -> list[Finding]:
    found = []
    if chain != anchor.chain:
        found.append(
            Finding(
                "AUDIT.CHECKPOINT",
                name,
                f"position {anchor.position}",
                f"检查点（{anchored_at}）之后，第{anchor.position}条及之前的历史被改写"
                "（链值与签名的检查点不符，即使重新计算了全部哈希）",
                f"history up to position {anchor.position} was rewritten after the checkpoint"
                f" of {anchored_at} (its chain differs from the signed one, even if every hash"
                " was recomputed)",
            )
        )
    if count != anchor.count:
        found.append(
            Finding(
                "AUDIT.CHECKPOINT",
                name,
                f"position {anchor.position}",
                f"检查点记录该位置前有{anchor.count}条事件，现有{count}条",
                f"the checkpoint holds {anchor.count} events up to here, the stream has {count}",
            )
        )
    return found


def _against_recorded(name: str, head: ChainHead, recorded: ChainHead) -> list[Finding]:
    """The head the last append wrote: a stream that ends before it lost its last events."""
    if (head.position, head.chain, head.count) == (
        recorded.position,
        recorded.chain,
        recorded.count,
    ):
        return []
    if head.position < recorded.position or head.count < recorded.count:
        return [
            Finding(
                "AUDIT.TRUNCATED",
                name,
                f"after position {head.position}",
                f"流末尾的事件被删除：最后一次写入到第{recorded.position}条（共{recorded.count}条），"
                f"现只到第{head.position}条（共{head.count}条）",
                f"events deleted at the end of the stream: the last append reached position"
                f" {recorded.position} ({recorded.count} events), the stream now ends at"
                f" {head.position} ({head.count} events)",
            )
        ]
    return [
        Finding(
            "AUDIT.CHAIN",
            name,
            f"head at position {head.position}",
            f"流的末端与最后一次写入记录的不符（记录：第{recorded.position}条，共{recorded.count}条）",
            f"the stream's end differs from what its last append recorded (position"
            f" {recorded.position}, {recorded.count} events)",
        )
    ]
