"""A file's records as the standard's fields: the file readers (``hub.connectors.formats.files``)
then, for table rows, the one field-reading function (:meth:`hub.standard.reading.Reading.fields`).

``hub validate`` and the file connector (``hub ingest``) both read files through
:func:`file_items`, so a header, a profile or an ``N/A`` means the same in the self-check and in
the submission. JSON and Avro records are taken field by field as they are (their keys are the
standard's field names); table rows (CSV, TSV, ``.txt``, ``.xlsx``) are mapped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from hub.bounds import InputLimits
from hub.connectors.formats.files import (
    Format,
    Problem,
    detect_encoding,
    read_records,
    sample_stream,
)
from hub.standard.pack import Standard
from hub.standard.profile import load_profile
from hub.standard.reading import HeaderDiagnosis, Reading

__all__ = ["MappedRecord", "file_items", "profile_path", "reading_for"]


def profile_path(
    profiles_dir: Path | None, source_id: str | None, given: Path | None
) -> Path | None:
    """The profile in force: the one given (``--profile``), else ``<profiles_dir>/<source>.toml``
    when that file exists, else none."""
    if given is not None:
        return given
    if profiles_dir is None or not source_id:
        return None
    candidate = profiles_dir / f"{source_id}.toml"
    return candidate if candidate.is_file() else None


def reading_for(standard: Standard, type_id: str, profile: Path | None) -> Reading:
    """How a record type's rows are read under the profile file (checked against the type)."""
    return Reading.of(standard, type_id, load_profile(profile) if profile is not None else None)


@dataclass(frozen=True, slots=True)
class MappedRecord:
    """A record read from a file: ``data`` is what the validator judges; ``cells`` the row as
    the file had it (table rows only), kept beside the record for provenance and reports."""

    line: int
    data: Any
    lenient: bool
    cells: dict[str, str] | None = None
    raw: bytes = b""


def file_items(
    stream: BinaryIO,
    name: str,
    reading: Reading,
    *,
    encoding: str | None = None,
    fmt: Format | None = None,
    delimiter: str | None = None,
    on_header: Callable[[HeaderDiagnosis], None] | None = None,
    limits: InputLimits | None = None,
) -> tuple[str, Iterator[MappedRecord | Problem]]:
    """The encoding the file is read in, and its records and problems in order."""
    head, buffered = sample_stream(stream)
    charset = encoding or detect_encoding(head)

    def header(names: list[str]) -> None:
        if on_header is not None:
            on_header(reading.diagnose(names))

    def items() -> Iterator[MappedRecord | Problem]:
        for item in read_records(
            buffered,
            name,
            encoding=charset,
            fmt=fmt,
            delimiter=delimiter,
            on_header=header,
            limits=limits,
            is_header=lambda h: reading.field_of(h) is not None,
        ):
            if isinstance(item, Problem):
                yield item
            elif item.lenient and isinstance(item.data, dict):
                yield MappedRecord(item.line, reading.fields(item.data), True, item.data)
            else:
                yield MappedRecord(item.line, item.data, item.lenient, None, item.raw)

    return charset, items()
