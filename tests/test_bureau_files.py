"""Files as bureaus export them (issue 13): Chinese headers, GB18030 larger than any buffer, a
real register with ``N/A``, Excel with merged headers, a profile, and the forms people type."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.connectors.formats.files import Problem, RawRecord, read_records
from hub.connectors.intake import MappedRecord, file_items
from hub.errors import InputError
from hub.standard import Standard, Validator
from hub.standard.profile import ProfileError, parse_profile
from hub.standard.reading import Reading
from hub.testing import make_uscc

RNG = random.Random(13)
REGISTER_HEADER = (
    "企业名称,统一社会信用代码,注册日期,企业类型,法人代表,注册资金,经营范围,所在省份,地区,注册地址"
)
REGISTER_PROFILE = """
name = "zj-register"
record_type = "supervised_entity"
ignore = ["所在省份"]

[values.entity_type]
"有限责任公司(自然人投资或控股)" = "01"
"股份有限公司(非上市)" = "02"

[derive]
region_code = "uscc_region"
source_record_id = "identity"
updated_at = { rule = "copy", from = "establishment_date" }
"""


def _register_csv(rows: int) -> str:
    """A register as a public export has it: real-shaped codes, ``N/A`` where nothing is known."""
    regions = ("330106", "330102", "330108")
    kinds = ("有限责任公司(自然人投资或控股)", "股份有限公司(非上市)")
    out = [REGISTER_HEADER]
    for i in range(rows):
        uscc = make_uscc(regions[i % 3], RNG, authority="9", kind="1")
        person = "N/A" if i % 7 == 0 else f"张{i % 50}"
        scope = "N/A" if i % 5 == 0 else "技术开发、技术服务"
        address = "N/A" if i % 11 == 0 else f"杭州市西湖区文三路{i}号"
        out.append(
            f"杭州示例{i}科技有限公司,{uscc},2019-0{1 + i % 9}-1{i % 10},{kinds[i % 2]},"
            f"{person},{100 + i}万元人民币,{scope},浙江省,杭州市,{address}"
        )
    return "\n".join(out) + "\n"


# -- GB18030 larger than any buffer ---------------------------------------------------------------


def _gb18030_cut_everywhere(size: int) -> bytes:
    """A GB18030 CSV of about ``size`` bytes in which every 4 KiB boundary (so every buffer and
    sample size: 4 KiB, 8 KiB, 64 KiB ...) falls inside a two-byte character."""
    header = "名称,统一社会信用代码,住所所在地行政区划代码\n".encode("gb18030")
    out = bytearray(header)
    while len(out) < size:
        uscc = make_uscc("330106", RNG)
        offset = (len(out) // 4096 + 1) * 4096 - len(out)  # where the next boundary falls
        lead = "A" if offset % 2 == 0 else ""  # two-byte characters then start on odd bytes
        chars = max(40, offset // 2 + 1)
        out += f"{lead}{'浙江省杭州市' + '甲' * chars}有限公司,{uscc},330106\n".encode("gb18030")
    return bytes(out)


@pytest.mark.parametrize("size", [4 << 10, 64 << 10, 10 << 20], ids=["4KB", "64KB", "10MB"])
def test_gb18030_files_cut_at_every_buffer_boundary_are_read(size: int, tmp_path: Path) -> None:
    data = _gb18030_cut_everywhere(size)
    for boundary in range(4096, len(data), 4096):  # the file is what it claims to be
        line_start = data.rfind(b"\n", 0, boundary) + 1
        with pytest.raises(UnicodeDecodeError):
            data[line_start:boundary].decode("gb18030")
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    rows = 0
    with path.open("rb") as stream:  # a real file: its buffer is 8 KiB, peek() gives no more
        for item in read_records(stream, path.name):
            assert isinstance(item, RawRecord), item
            assert item.data["名称"].lstrip("A").startswith("浙江省杭州市甲")
            rows += 1
    assert rows == data.count(b"\n") - 1


# -- Chinese headers, the real register, profiles -------------------------------------------------


def test_chinese_headers_map_by_data_element_name_and_alias(validator: Validator) -> None:
    uscc = make_uscc("330106", RNG)
    text = (
        "单位名称,信用代码,住所所在地行政区划代码,法定代表人,成立日期,源系统记录标识,更新时间,备注,"
        "企业类型\n"
        f"杭州示例科技有限公司,{uscc},330106,N/A,2020年3月1日,A-1,2025.6.1 9:30,无,有限责任公司\n"
    )
    reading = Reading.of(validator.standard, "supervised_entity")
    seen = []
    _, items = file_items(
        io.BytesIO(text.encode("gb18030")), "x.csv", reading, on_header=seen.append
    )
    (item,) = list(items)
    assert isinstance(item, MappedRecord)
    assert item.data == {
        "name": "杭州示例科技有限公司",
        "uscc": uscc,
        "region_code": "330106",
        "establishment_date": "2020年3月1日",
        "source_record_id": "A-1",
        "updated_at": "2025.6.1 9:30",
        "entity_type": "01",  # the code list's name for 01
    }  # 法定代表人 N/A is empty, 备注 is not in the standard
    outcome = validator.validate("supervised_entity", item.data, lenient=True)
    assert outcome.verdict.valid, outcome.verdict.violations
    assert outcome.record is not None
    assert outcome.record["establishment_date"] == dt.date(2020, 3, 1)
    assert outcome.record["updated_at"] == dt.datetime(
        2025, 6, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))
    )
    (diagnosis,) = seen
    assert diagnosis.unknown == ("备注",) and len(diagnosis.mapped) == 8
    assert not diagnosis.shared
    both = reading.diagnose(["企业名称", "名称", "信用代码"])
    assert both.shared == {"name": ("企业名称", "名称")}
    assert "企业名称、名称 都对应 name（取第一个非空值）" in both.message()
    assert "9 列：8 列已对应标准字段，1 列不在标准中：备注" in diagnosis.message()


def test_a_real_register_gets_valid_rows_and_one_header_diagnosis(tmp_path: Path) -> None:
    n = 3000
    path = tmp_path / "浙江企业名录.csv"
    path.write_bytes(_register_csv(n).encode("gb18030"))
    profile = tmp_path / "zj-register.toml"
    profile.write_text(REGISTER_PROFILE, "utf-8")
    args = ["validate", "--type", "supervised_entity", "--quiet", "--json", str(path)]
    bare = CliRunner().invoke(cli, args)
    assert bare.exit_code == 1  # no profile: region, ids and times are missing
    assert bare.stderr.count("列已对应标准字段") == 1  # once per file, not per row
    assert "缺少必填字段：住所所在地行政区划代码（region_code）" in bare.stderr
    assert "SCHEMA.UNKNOWN_FIELD" not in bare.stdout

    result = CliRunner().invoke(cli, [*args[:-1], "--profile", str(profile), str(path)])
    assert result.exit_code == 0, result.stdout[:2000]
    assert result.stdout == ""  # --quiet: no invalid record
    assert f"{n} 条记录：通过 {n}（" in result.stderr  # Chinese first (no --lang, no LANG=en)
    assert result.stderr.count("列已对应标准字段") == 1
    assert (
        "10 列：7 列已对应标准字段，2 列不在标准中：注册资金、地区，1 列按映射配置忽略"
        in result.stderr
    )


def test_a_profile_renames_maps_values_and_derives_fields(standard: Standard) -> None:
    profile = parse_profile(
        """
        name = "county-export"
        empty = ["暂无"]
        [columns]
        "注册资金（万元）" = "registered_capital"
        "主体名称" = "name"
        [constants]
        updated_at = "2025-06-01T00:00:00+08:00"
        [values.status]
        "存续" = "1"
        [derive]
        region_code = { rule = "region_name", from = "所在区县", within = "330100" }
        source_record_id = "identity"
        """.encode(),
        "county-export",
    )
    reading = Reading.of(standard, "supervised_entity", profile)
    uscc = make_uscc("330106", RNG)
    record = reading.fields(
        {
            "主体名称": "杭州示例有限公司",
            "统一社会信用代码": uscc,
            "注册资金（万元）": "5,000.00",
            "所在区县": "西湖区",
            "登记状态": "存续",
            "法定代表人": "暂无",
        }
    )
    assert record == {
        "name": "杭州示例有限公司",
        "uscc": uscc,
        "registered_capital": "5,000.00",
        "status": "1",
        "updated_at": "2025-06-01T00:00:00+08:00",
        "region_code": "330106",  # 西湖区 within 杭州 (南昌 has one too)
        "source_record_id": uscc,
    }
    assert profile.id.startswith("county-export@") and len(profile.id) == len("county-export@") + 16
    outcome = Validator(standard).validate("supervised_entity", record, lenient=True)
    assert outcome.verdict.valid, outcome.verdict.violations
    assert outcome.record is not None and outcome.record["registered_capital"] == Decimal("5000.00")
    # time-aware: 崇川区 was 320602 until 2019 and is 320613 since 2020
    nantong = parse_profile(
        b'[derive]\nregion_code = { rule = "region_name", from = "d", within = "320600" }', "p"
    )
    by_name = Reading.of(standard, "supervised_entity", nantong)
    for day, code in (("2019-05-01", "320602"), ("2023.6.1", "320613")):
        assert by_name.fields({"d": "崇川区", "更新时间": day})["region_code"] == code
    # without ``within`` the name is ambiguous: nothing is guessed
    loose = parse_profile(b'[derive]\nregion_code = { rule = "region_name", from = "d" }', "p")
    assert "region_code" not in Reading.of(standard, "supervised_entity", loose).fields(
        {"d": "西湖区"}
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (b"colums = {}", "未知的键 ['colums']"),
        (b'[columns]\n"a" = "nickname"', "[columns] 中 nickname 不是 supervised_entity 的字段"),
        (b'[derive]\nregion_code = "guess"', "derive.region_code：规则应为"),
        (b'[derive]\nupdated_at = { rule = "copy" }', "规则 copy 需要 from"),
        (b'record_type = "inspection"', "仅适用于 inspection"),
        (b"name = [", "不是合法的 UTF-8 TOML"),
    ],
)
def test_a_wrong_profile_is_refused_naming_the_key(
    standard: Standard, text: bytes, says: str
) -> None:
    with pytest.raises(ProfileError) as caught:
        Reading.of(standard, "supervised_entity", parse_profile(text, "p"))
    assert says in caught.value.message
    assert caught.value.exit_code == 2


# -- Excel, delimiters, .txt ----------------------------------------------------------------------


def test_xlsx_with_merged_headers_dates_and_numbers(validator: Validator, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["统一社会信用代码", "基本信息", None, "成立日期", "住所所在地行政区划代码"])
    sheet.append([None, "企业名称", "注册资本", None, None, "源系统记录标识", "更新时间"])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:C1")
    sheet.merge_cells("D1:D2")
    sheet.merge_cells("E1:E2")
    codes = [make_uscc("330106", RNG) for _ in range(3)]
    for i, code in enumerate(codes):
        sheet.append(
            [code, f"示例{i}有限公司", 5000.5 + i, dt.datetime(2020, 3, 1 + i), "330106", f"X{i}"]
        )
        sheet.cell(row=3 + i, column=4).number_format = "yyyy-mm-dd"
        sheet.cell(row=3 + i, column=7, value=dt.datetime(2025, 6, 1, 9, 30))
    path = tmp_path / "名录.xlsx"
    book.save(path)

    reading = Reading.of(validator.standard, "supervised_entity")
    seen = []
    with path.open("rb") as stream:
        _, items = file_items(stream, path.name, reading, on_header=seen.append)
        got = list(items)
    assert [
        seen[0].mapped[h] for h in ("统一社会信用代码", "企业名称", "注册资本", "成立日期")
    ] == [
        "uscc",
        "name",
        "registered_capital",
        "establishment_date",
    ]
    assert [item.line for item in got] == [3, 4, 5]  # the sheet's row numbers
    for i, item in enumerate(got):
        assert isinstance(item, MappedRecord)
        outcome = validator.validate("supervised_entity", item.data, lenient=True)
        assert outcome.verdict.valid, outcome.verdict.violations
        assert outcome.record is not None
        assert outcome.record["uscc"] == codes[i]
        assert outcome.record["establishment_date"] == dt.date(2020, 3, 1 + i)
        assert outcome.record["registered_capital"] == Decimal(f"{5000.5 + i:.2f}")


@pytest.mark.parametrize(
    ("name", "sep"), [("x.tsv", "\t"), ("x.txt", ";"), ("x.txt", "|"), ("x.csv", ",")]
)
def test_delimiters_are_detected_and_txt_is_a_table(name: str, sep: str) -> None:
    text = sep.join(["名称", "统一社会信用代码", "经营范围"]) + "\n"
    scope = "技术开发,技术服务" if sep != "," else "技术开发、技术服务"
    text += sep.join(["示例公司", "91330106MA27XXXX1X", scope]) + "\n"
    (item,) = list(read_records(io.BytesIO(text.encode("utf-8")), name))
    assert isinstance(item, RawRecord)
    assert item.data["经营范围"] == scope
    forced = list(read_records(io.BytesIO(text.encode()), "x.dat", fmt="csv", delimiter=sep))
    assert isinstance(forced[0], RawRecord) and forced[0].data["名称"] == "示例公司"


def test_a_workbook_that_unpacks_to_gigabytes_is_refused_before_it_is_opened() -> None:
    import struct
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (1 << 20))
    data = bytearray(buffer.getvalue())
    entry = data.index(b"PK\x01\x02")  # the central directory says what the part unpacks to
    data[entry + 24 : entry + 28] = struct.pack("<I", 0xF0000000)  # 3.75 GiB, as a bomb says
    with pytest.raises(InputError, match="over the 1024 MiB limit"):
        list(read_records(io.BytesIO(bytes(data)), "bomb.xlsx"))


def test_a_damaged_sheet_keeps_the_rows_before_and_gets_one_problem(
    validator: Validator, tmp_path: Path
) -> None:
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["名称", "统一社会信用代码"])
    for i in range(500):
        sheet.append([f"示例{i}有限公司", make_uscc("330106", RNG)])
    whole = tmp_path / "whole.xlsx"
    book.save(whole)
    cut = io.BytesIO()
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(cut, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                part = part[: len(part) // 2]  # the sheet breaks off half-way
            target.writestr(info, part)
    items = list(read_records(io.BytesIO(cut.getvalue()), "cut.xlsx"))
    *rows, problem = items
    assert rows and all(isinstance(r, RawRecord) for r in rows)
    assert isinstance(problem, Problem) and problem.rule == "INPUT.XLSX"
    assert problem.line == rows[-1].line + 1 and 100 < problem.line < 500
    verdict = validator.reject("supervised_entity", problem.rule, problem.params).verdict
    assert verdict.violations[0].message_zh.startswith(
        f"Excel 工作表自第{problem.line}行起无法读取"
    )


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_excel_unicode_text_is_read(standard: Standard, codec: str) -> None:
    """Excel's "Unicode text" export: UTF-16 with a byte-order mark, tab-separated, ``.txt``."""
    rows = [f"示例{i}有限公司\t{make_uscc('330106', RNG)}\t330106" for i in range(3000)]
    text = "\ufeff" + "\r\n".join(["企业名称\t统一社会信用代码\t住所所在地行政区划代码", *rows])
    data = text.encode(codec)
    assert len(data) > 128 << 10  # past the sample and every buffer
    reading = Reading.of(standard, "supervised_entity")
    charset, items = file_items(io.BytesIO(data), "导出.txt", reading)
    got = list(items)
    assert charset == "utf-8" and len(got) == 3000
    assert all(isinstance(i, MappedRecord) for i in got)
    assert got[-1].data["name"] == "示例2999有限公司" and got[-1].line == 3001


def test_legacy_xls_gets_a_message_saying_what_to_do() -> None:
    with pytest.raises(Exception, match=r"另存为 \.xlsx"):
        list(read_records(io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\0" * 100), "old.xls"))


# -- the forms people type, and messages in their terms --------------------------------------------


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("5,000.00", "5000.00"),
        ("5000元", "5000.00"),
        ("￥5,000.5", "5000.50"),
        ("５０００", "5000.00"),
    ],
)
def test_amounts_as_people_write_them(
    validator: Validator, example: Any, value: str, amount: str
) -> None:
    record = example("penalty")
    outcome = validator.validate("penalty", {**record, "fine_amount": value}, lenient=True)
    assert outcome.record is not None, outcome.verdict.violations
    assert outcome.record["fine_amount"] == Decimal(amount)


def test_a_value_that_cannot_be_read_says_the_form_in_officers_terms(
    validator: Validator, example: Any
) -> None:
    record = dict(
        example("supervised_entity"), registered_capital="五千", establishment_date="去年"
    )
    violations = {
        v.field: v
        for v in validator.validate("supervised_entity", record, lenient=True).verdict.violations
    }
    assert violations["registered_capital"].rule == "VALUE.FORM"
    assert violations["registered_capital"].message_zh == "「注册资本」应为数字，如 5000.00"
    assert violations["establishment_date"].message_zh == "「成立日期」应为日期，如 2025-06-01"
    not_grouped = dict(example("supervised_entity"), registered_capital="5,00")  # groups nothing
    (wrong,) = validator.validate("supervised_entity", not_grouped, lenient=True).verdict.violations
    assert (wrong.field, wrong.rule) == ("registered_capital", "VALUE.FORM")


def test_dates_times_and_lists_as_people_write_them(validator: Validator, example: Any) -> None:
    record = dict(example("inspection"))
    record["inspection_time"] = "2025.3.8 9:30"
    record["inspectors"] = "李明、王芳"
    record["inspector_cert_nos"] = "44010623001587、44010623001588"
    outcome = validator.validate("inspection", record, lenient=True)
    assert outcome.record is not None, outcome.verdict.violations
    assert outcome.record["inspectors"] == ["李明", "王芳"]
    stamp = outcome.record["inspection_time"]
    assert (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute) == (2025, 3, 8, 9, 30)


# -- central registrations ----------------------------------------------------------------------


@pytest.mark.parametrize(("authority", "kind"), [("1", "2"), ("5", "1"), ("1", "1")])
def test_codes_registered_by_central_authorities_are_valid(
    validator: Validator, example: Any, authority: str, kind: str
) -> None:
    code = make_uscc("100000", RNG, authority=authority, kind=kind)
    verdict = validator.validate(
        "supervised_entity", dict(example("supervised_entity"), uscc=code)
    ).verdict
    assert [v.rule for v in verdict.violations if v.field == "uscc"] == []


def test_a_central_registration_derives_no_region_from_its_code(standard: Standard) -> None:
    """``100000`` says a central authority registered it, not where it is: deriving the region
    from it would make a code the region table does not have."""
    profile = parse_profile(b'name = "p"\n[derive]\nregion_code = "uscc_region"\n', "p")
    reading = Reading.of(standard, "supervised_entity", profile)
    central = make_uscc("100000", RNG, authority="1", kind="2")
    local = make_uscc("330106", RNG)
    assert (
        "region_code" not in reading.fields({"统一社会信用代码": central})
        or not (reading.fields({"统一社会信用代码": central})["region_code"])
    )
    assert reading.fields({"统一社会信用代码": local})["region_code"] == "330106"
