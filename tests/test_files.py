"""Reading files: every line ends as a record or a problem with its line number; nothing crashes."""

from __future__ import annotations

import io

import pytest

from hub.connectors.formats.files import Problem, RawRecord, detect_encoding, read_records
from hub.errors import InputError


def items(data: bytes, name: str) -> list[RawRecord | Problem]:
    return list(read_records(io.BytesIO(data), name))


def test_jsonl_with_blank_lines_and_bom() -> None:
    got = items(b'\xef\xbb\xbf{"a": 1}\n\n{"a": 2}\n', "x.jsonl")
    assert [(i.line, i.data) for i in got if isinstance(i, RawRecord)] == [
        (1, {"a": 1}),
        (3, {"a": 2}),
    ]


def test_gb18030_csv_is_detected_and_read() -> None:
    text = "name,region_code,anonymous\n广州市晨曦餐饮管理有限公司,440106,是\n"
    assert detect_encoding(text.encode("gb18030")) == "gb18030"
    got = items(text.encode("gb18030"), "x.csv")
    assert len(got) == 1 and isinstance(got[0], RawRecord)
    assert got[0].data == {
        "name": "广州市晨曦餐饮管理有限公司",
        "region_code": "440106",
        "anonymous": "是",
    }
    assert got[0].lenient


def test_csv_empty_cells_are_absent_and_quoted_newlines_kept() -> None:
    got = items(b'a,b,c\n1,,"x\ny"\n', "x.csv")
    assert isinstance(got[0], RawRecord) and got[0].data == {"a": "1", "c": "x\ny"}


def test_json_array_document() -> None:
    got = items(b'[{"a": 1}, 2]', "x.json")
    assert [i.data for i in got if isinstance(i, RawRecord)] == [{"a": 1}, 2]


def test_nan_is_not_json() -> None:
    got = items(b'{"a": NaN}\n', "x.jsonl")
    assert isinstance(got[0], Problem) and got[0].rule == "INPUT.JSON"


def test_oversized_line_is_skipped_and_reading_goes_on() -> None:
    data = b'{"a": "' + b"x" * (3 << 20) + b'"}\n{"a": 2}\n'
    got = items(data, "x.jsonl")
    assert isinstance(got[0], Problem) and got[0].rule == "INPUT.TOO_LARGE"
    assert isinstance(got[1], RawRecord) and got[1].data == {"a": 2} and got[1].line == 2


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"", "x.jsonl"), (b"  \n\n", "x.csv"), (b"a,b\n", "x.csv"), (b"[]", "x.json")],
)
def test_no_records_is_an_input_error(data: bytes, name: str) -> None:
    with pytest.raises(InputError):
        items(data, name)


def test_broken_json_document_is_an_input_error() -> None:
    with pytest.raises(InputError, match="JSON"):
        items(b'[{"a": 1},', "x.json")
