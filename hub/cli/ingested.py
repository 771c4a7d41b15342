"""What ``hub ingest`` says when it ends: this batch's outcome, never the whole hub's.

- Stored but not judged yet (no ``--wait``): how many were stored, the batch id, and how to get
  the verdicts (``--wait``, or ``hub report BATCH_ID`` after ``hub up`` processed them). Exit 0:
  storing was what was asked.
- ``--wait``: the verdicts of this batch, summarised by rule and field, the report file when
  asked; exit 1 when any record of the batch was rejected (the README's "invalid data"), saying
  how many and what to do.
- Ctrl-C while storing: how many are stored and that running the same command again resumes;
  exit 130. Ctrl-C while waiting: everything is stored, the verdicts come with ``hub up``.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

import click

from hub.cli.options import echo_json
from hub.cli.report import emit_report, report_json
from hub.events import Codec, Event
from hub.report import Lang, Report, ReportBuilder, pick
from hub.report.collect import batch_rows, find_batch
from hub.settings import HubSettings
from hub.standard.schema import RecordType
from hub.storage.ports import Store

__all__ = ["BatchWatch", "batch_outcome", "interrupted", "say_outcome", "say_stored"]

SIGINT_EXIT = 130


class BatchWatch:
    """Passes the submission events through, noting the batch id and how many went by.

    While :meth:`deferring_sigint` is in force, Ctrl-C does not interrupt a transaction: it is
    noted, and raised as KeyboardInterrupt when the next event is asked for, that is between
    two chunks, after the committed one was counted. So "N stored" is exact. A second Ctrl-C
    raises at once (a read that blocks, a pipe that never ends, must still be stoppable).
    """

    def __init__(self) -> None:
        self.batch_id: str | None = None
        self.seen = 0
        self._stop = False

    def watch(self, events: Iterable[Event]) -> Iterator[Event]:
        for event in events:
            if self._stop:
                raise KeyboardInterrupt
            if self.batch_id is None:
                self.batch_id = event.payload["batch_id"]
            self.seen += 1
            yield event
        if self._stop:
            raise KeyboardInterrupt

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        if self._stop:
            raise KeyboardInterrupt
        self._stop = True

    @contextmanager
    def deferring_sigint(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signal handlers belong to the main thread (a test runner's worker)
            return
        previous = signal.signal(signal.SIGINT, self._on_sigint)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


def interrupted(stored: int, lang: Lang, *, waiting: bool = False) -> NoReturn:
    """The message and exit status of Ctrl-C during an ingest."""
    if waiting:
        message = pick(
            lang,
            f"已中断：{stored:,} 条均已保存，尚未全部判定；运行 hub up 继续处理，"
            "之后用 hub report 查看本批结果",
            f"interrupted: all {stored:,} are stored, not all judged yet; hub up goes on with "
            "them, then hub report shows this batch",
        )
    else:
        message = pick(
            lang,
            f"已中断：已保存 {stored:,} 条；再次运行同一命令即可从中断处继续",
            f"interrupted: {stored:,} stored; run the same command again to resume",
        )
    click.echo("\n" + message, err=True)
    sys.exit(SIGINT_EXIT)


def batch_outcome(
    settings: HubSettings,
    store: Store,
    codec: Codec,
    record_type: RecordType,
    source_id: str,
    batch_id: str,
    subject: str,
    *,
    expected: int,
    timeout_s: float,
) -> Report:
    """This batch's report once every one of its ``expected`` submissions has a verdict (or
    the timeout passed: the rest are reported in flight). In the distributed runtime a
    submission reaches the database only when a worker takes it, so until then it is missing
    here, and counted in flight."""
    deadline = time.monotonic() + timeout_s
    while True:
        submissions = find_batch(store, codec, batch_id, source_id)
        builder = ReportBuilder(record_type, max_rows=settings.report_max_rows)
        batch_rows(store, codec, submissions, record_type, builder)
        missing = max(0, expected - len(submissions))
        done = not builder.counts.get("in_flight") and not missing
        if done or time.monotonic() >= deadline:
            if missing:
                builder.counts["in_flight"] += missing
                builder.total += missing
            return builder.build(subject, settings.standard().version, batch_id=batch_id)
        time.sleep(0.5)


def say_stored(
    result: dict[str, Any], file: Path, batch_id: str | None, lang: Lang, as_json: bool
) -> None:
    """Stored, not judged: say so and how to see the verdicts."""
    result["judged"] = False
    if as_json:
        echo_json(result)
        return
    received, already = result["received"], result["already"]
    batch = batch_id or "?"
    click.echo(
        pick(
            lang,
            f"{file}：本批（{batch}）新保存 {received} 条"
            + (f"，另有 {already} 条此前已保存" if already else ""),
            f"{file}: {received} submissions received in batch {batch}"
            + (f", {already} already received before" if already else ""),
        )
    )
    if already and not received:
        hint = pick(
            lang,
            "本批此前已按相同的类型、编码和映射配置全部接收，没有新的记录："
            f"结果用 hub report {batch} 查看；"
            "若 --type、--encoding 或 --profile 有误，改正后再运行即是新的一批；"
            "改正后的记录请以修改后的文件（或新的 --batch-id）提交",
            f"this batch was received before with the same type, encoding and profile, nothing"
            f" new: hub report {batch} shows its verdicts; if --type, --encoding or --profile"
            " was wrong, run again with it corrected (a new batch); submit corrected records as"
            " a changed file (or a new --batch-id)",
        )
    else:
        hint = pick(
            lang,
            f"尚未判定：加 --wait 等待本批结果，或在 hub up 处理后运行 hub report {batch}",
            f"not judged yet: add --wait for this batch's verdicts, or run hub report {batch}"
            " once hub up has processed it",
        )
    click.echo(hint, err=True)


def say_outcome(
    result: dict[str, Any], report: Report, report_path: Path | None, lang: Lang, as_json: bool
) -> int:
    """This batch's verdicts; the exit status (1 when any record was rejected)."""
    result.update(judged=True, **report_json(report))
    if as_json:
        echo_json(result)
        if report_path is not None:
            from hub.report import write_report

            write_report(report, report_path)
    else:
        click.echo(
            pick(
                lang,
                f"{result['file']}：本批（{report.batch_id}）{report.total} 条",
                f"{result['file']}: batch {report.batch_id}, {report.total} records",
            )
        )
        emit_report(report, report_path, lang)
    rejected = report.counts.get("rejected", 0)
    in_flight = report.counts.get("in_flight", 0)
    if not as_json and rejected:
        everything = rejected == report.total
        click.echo(
            pick(
                lang,
                ("本批全部 " if everything else "本批 ")
                + f"{rejected} 条被退回，未进入数据中心：按上面的问题改正后重新提交"
                + ("" if report_path else "（加 --report 文件.xlsx 查看每一行的问题）"),
                ("all " if everything else "")
                + f"{rejected} records of this batch were rejected and are not in the hub: "
                "correct them as listed above and submit again"
                + ("" if report_path else " (--report FILE.xlsx lists every row's problems)"),
            ),
            err=True,
        )
    if not as_json and in_flight:
        click.echo(
            pick(
                lang,
                f"{in_flight} 条等待超时尚未判定：稍后运行 hub report {report.batch_id}",
                f"{in_flight} not judged before the timeout: run hub report {report.batch_id}"
                " later",
            ),
            err=True,
        )
    return 1 if rejected else 0
