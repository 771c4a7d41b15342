"""Reading the first sheet of an ``.xlsx`` workbook as table rows, with openpyxl's read-only mode
(rows are streamed, not the whole sheet built in memory).

Bureaus' sheets rarely start with a plain header row: a title row, a header cell merged over two
rows (统一社会信用代码 spanning rows 1-2 beside a group 地址 over 注册地址 and 经营地址).
Read-only mode gives a merged cell's value only in its top-left cell, so the header row is the
row (among the first ``_HEADER_ROWS``) with the most headers the reader knows, and a header
cell left empty there takes the value above it (a header merged downwards). Cells become the
text a CSV would hold (:func:`hub.connectors.formats.rows.cell_text`): a date-formatted cell is a
date, 5000.0 is 5000.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from hub.connectors.formats.rows import HeaderHook, Problem, RawRecord, cell_text
from hub.errors import InputError

__all__ = ["xlsx_records"]

_HEADER_ROWS = 10
_MAX_COLUMNS = 1000
#: What the workbook's parts may unpack to: openpyxl holds the shared strings in memory, so a
#: small file that unpacks to gigabytes (a zip bomb) is refused before it is opened.
_MAX_UNPACKED = 1 << 30
#: What openpyxl, zipfile and the XML parser raise on a damaged workbook.
_BROKEN = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    EOFError,
    OSError,
    SyntaxError,  # xml.etree's ParseError
)


def _load(stream: BinaryIO, name: str, limit: int) -> Any:
    import openpyxl

    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{name} is over {limit} bytes: split the workbook")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > _MAX_UNPACKED:
            raise InputError(
                f"{name} 解压后超过 {_MAX_UNPACKED >> 20} MiB，请拆分后再提交 / {name} unpacks to "
                f"{unpacked >> 20} MiB, over the {_MAX_UNPACKED >> 20} MiB limit: split it"
            )
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _BROKEN as exc:
        raise InputError(
            f"{name} 不是可读取的 .xlsx 文件 / {name} is not a readable .xlsx workbook: "
            f"{type(exc).__name__}"
        ) from None


def _header(top: list[list[str]], is_header: Callable[[str], bool] | None) -> tuple[int, list[str]]:
    """The header row's index among ``top`` and its names (merged-down cells filled)."""

    def score(row: list[str]) -> tuple[int, int]:
        known = sum(1 for c in row if c and is_header is not None and is_header(c))
        return known, sum(1 for c in row if c)

    candidates = [i for i, row in enumerate(top) if any(row)]
    if not candidates:
        raise InputError("the sheet has no header row")
    if is_header is not None and any(score(top[i])[0] for i in candidates):
        index = max(candidates, key=lambda i: (score(top[i])[0], -i))
    else:
        index = candidates[0]
    names: list[str] = []
    for column, cell in enumerate(top[index]):
        name = cell
        above = index - 1
        while not name and above >= 0:
            name = top[above][column] if column < len(top[above]) else ""
            above -= 1
        names.append(name)
    return index, names


def xlsx_records(
    stream: BinaryIO,
    name: str,
    limit: int,
    on_header: HeaderHook | None = None,
    is_header: Callable[[str], bool] | None = None,
) -> Iterator[RawRecord | Problem]:
    """The rows of the workbook's first sheet, numbered by their row in the sheet."""
    book = _load(stream, name, limit)
    number = 0
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True, max_col=_MAX_COLUMNS)
        top: list[list[str]] = []
        for row in rows:
            number += 1
            top.append([cell_text(v).strip() for v in row])
            if len(top) >= _HEADER_ROWS:
                break
        index, header = _header(top, is_header)
        width = max(len(r) for r in top)
        header += [""] * (width - len(header))
        if on_header is not None:
            on_header([h for h in header if h])

        def record(line: int, cells: list[str]) -> RawRecord | None:
            data = {h: v for h, v in zip(header, cells, strict=False) if h and v != ""}
            return RawRecord(line, data, lenient=True) if data else None

        for offset, cells in enumerate(top[index + 1 :], start=index + 2):
            item = record(offset, cells)
            if item is not None:
                yield item
        for row in rows:
            number += 1
            item = record(number, [cell_text(v) for v in row])
            if item is not None:
                yield item
    except _BROKEN as exc:
        # a damaged sheet: the rows before it count, the rest is one problem at the first row lost
        detail = f"{type(exc).__name__}: {exc}"[:200]
        yield Problem(number + 1, "INPUT.XLSX", {"line": number + 1, "detail": detail})
    finally:
        book.close()
