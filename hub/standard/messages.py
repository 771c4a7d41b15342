"""The rule catalogue: every rule code with its default severity and its message in Chinese and
English.

Rule codes are stable (clients and dashboards key on them); wording may improve. Templates take the
finding's parameters plus ``label`` (the field's Chinese data-element name) and ``field`` (its
path). No template shows the value of a personal field.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["RULES", "Rule", "Severity", "render"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Rule:
    severity: Severity
    zh: str
    en: str


E, W = Severity.ERROR, Severity.WARNING

RULES: dict[str, Rule] = {
    # input and structure
    "INPUT.JSON": Rule(
        E, "第{line}行不是合法的 JSON：{detail}", "line {line} is not valid JSON: {detail}"
    ),
    "INPUT.ENCODING": Rule(
        E, "第{line}行不是合法的 {encoding} 编码", "line {line} is not valid {encoding}"
    ),
    "INPUT.CSV_COLUMNS": Rule(
        E,
        "第{line}行有 {actual} 列，表头有 {expected} 列（行被截断或多出分隔符）",
        "line {line} has {actual} columns, the header has {expected} (truncated line or stray separator)",
    ),
    "INPUT.TOO_LARGE": Rule(
        E,
        "第{line}行超过 {limit} 字节，未解析",
        "line {line} exceeds {limit} bytes and was not parsed",
    ),
    "INPUT.AVRO": Rule(
        E,
        "Avro 容器文件自第{line}条记录起无法读取：{detail}",
        "the Avro container file cannot be read from record {line} on: {detail}",
    ),
    "INPUT.CD_OPERATION": Rule(
        E,
        "前置库记录 {line} 的 cd_operation 为 {value}，应为 i、u 或 d",
        "front-end database row {line} has cd_operation {value}; it must be i, u or d",
    ),
    "SCHEMA.NOT_OBJECT": Rule(
        E, "记录必须是 JSON 对象，实为 {actual}", "a record must be a JSON object, got {actual}"
    ),
    "SCHEMA.REQUIRED": Rule(
        E, "缺少必填字段「{label}」", "required field {field} ({label}) is missing"
    ),
    "SCHEMA.UNKNOWN_FIELD": Rule(
        E, "标准中没有字段 {field}", "{field} is not a field of this record type"
    ),
    "SCHEMA.TYPE": Rule(
        E,
        "「{label}」类型错误：应为 {expected}，实为 {actual}",
        "{field} ({label}) has the wrong type: expected {expected}, got {actual}",
    ),
    "SCHEMA.MAX_LENGTH": Rule(
        E,
        "「{label}」长度 {length} 超过上限 {limit}",
        "{field} ({label}) is {length} characters long, the limit is {limit}",
    ),
    "VALUE.NEGATIVE": Rule(E, "「{label}」不能为负数", "{field} ({label}) must not be negative"),
    "CODE.UNKNOWN": Rule(
        E,
        "「{label}」的代码 {code} 不在代码表 {codelist}（{version}版）中",
        "{field} ({label}): code {code} is not in code list {codelist} (version {version})",
    ),
    # 统一社会信用代码
    "USCC.LENGTH": Rule(
        E,
        "统一社会信用代码应为18位，实为{length}位",
        "a USCC has 18 characters, this one has {length}",
    ),
    "USCC.ALPHABET": Rule(
        E,
        "统一社会信用代码第{position}位字符 {char} 不合法（不得使用 I、O、Z、S、V）",
        "USCC character {position} ({char}) is not allowed (the alphabet excludes I, O, Z, S, V)",
    ),
    "USCC.MASKED": Rule(
        W, "统一社会信用代码为脱敏值，无法校验", "the USCC is masked and cannot be checked"
    ),
    "USCC.AUTHORITY_TYPE": Rule(
        E,
        "登记管理部门代码 {authority} 与机构类别代码 {kind} 的组合不存在",
        "registration authority {authority} does not issue entity type {kind}",
    ),
    "USCC.REGION": Rule(
        E,
        "第3-8位登记管理机关行政区划码 {region} 不存在",
        "positions 3-8 ({region}) are not a region code in use since USCCs were issued",
    ),
    "USCC.CHECK17": Rule(
        E,
        "第17位组织机构代码校验码错误：应为 {expected}，实为 {actual}",
        "position 17 (GB 11714 check) is {actual}, expected {expected}",
    ),
    "USCC.CHECK18": Rule(
        E,
        "第18位校验码错误：应为 {expected}，实为 {actual}",
        "position 18 (check character) is {actual}, expected {expected}",
    ),
    "USCC.CHECK18_PILOT": Rule(
        W,
        "第18位校验码不符（试点地区早期赋码，按配置作为警告）：应为 {expected}，实为 {actual}",
        "position 18 is {actual}, expected {expected}: a pilot-area code issued before the standard, a warning by configuration",
    ),
    # 公民身份号码 (never echo the value)
    "ID.MASKED": Rule(
        W, "身份证号码为脱敏值，无法校验", "the ID number is masked and cannot be checked"
    ),
    "ID.LENGTH": Rule(
        E,
        "身份证号码应为18位（或旧式15位），实为{length}位",
        "an ID number has 18 characters (15 for the old form), this one has {length}",
    ),
    "ID.FORMAT": Rule(
        E,
        "身份证号码格式错误：前17位应为数字，末位为数字或 X",
        "an ID number is 17 digits and a digit or X",
    ),
    "ID.REGION": Rule(
        E,
        "身份证号码前6位不是曾经存在的行政区划代码",
        "the ID number's first 6 digits are not a region code that ever existed",
    ),
    "ID.BIRTH_DATE": Rule(
        E, "身份证号码中的出生日期不是有效日期", "the ID number's birth date is not a valid date"
    ),
    "ID.CHECK": Rule(E, "身份证号码校验码错误", "the ID number's check character is wrong"),
    "ID.LEGACY15": Rule(
        W,
        "15位旧式身份证号码（GB 11643-1989），无校验位",
        "an old 15-digit ID number (GB 11643-1989), which has no check character",
    ),
    # 行政区划代码
    "REGION.FORMAT": Rule(E, "行政区划代码应为6位数字", "a region code is 6 digits"),
    "REGION.UNKNOWN": Rule(E, "行政区划代码 {code} 不存在", "region code {code} does not exist"),
    "REGION.NOT_IN_USE": Rule(
        E,
        "行政区划代码 {code}（{name}）在 {year} 年未使用（使用期 {periods}）",
        "region code {code} ({name}) was not in use in {year} (in use {periods})",
    ),
    # other codes
    "ITEM.FORMAT": Rule(
        E, "监管事项目录编码应为14位数字", "a supervision item code is exactly 14 digits"
    ),
    "IMPL.FORMAT": Rule(
        E,
        "检查实施清单编码至少19位（实施机构统一社会信用代码+类别位），实为{length}位",
        "an implementation list code has at least 19 characters (agency USCC + kind), this one has {length}",
    ),
    "IMPL.AGENCY_USCC": Rule(
        E,
        "检查实施清单编码前18位不是有效的统一社会信用代码（{inner}）",
        "the first 18 characters of the implementation list code are not a valid USCC ({inner})",
    ),
    "IMPL.KIND": Rule(
        E,
        "检查实施清单编码第19位应为1-5，实为 {char}",
        "character 19 of the implementation list code must be 1-5, got {char}",
    ),
    "IMPL.AGENCY_MISMATCH": Rule(
        W,
        "检查实施清单编码前18位与实施机构统一社会信用代码不一致",
        "the implementation list code does not start with the implementing agency's USCC",
    ),
    "DOCNO.FORMAT": Rule(
        W,
        "「{label}」不符合文书号格式（机关代字〔年份〕序号号）",
        "{field} ({label}) does not look like a document number (organ〔year〕number号)",
    ),
    "EQUIP.FORMAT": Rule(
        E,
        "设备代码应为18位（4位设备代码+5位制造单位代码+4位年份+5位顺序号），实为{length}位",
        "an equipment code has 18 characters (4 catalogue, 5 manufacturer, 4 year, 5 sequence), this one has {length}",
    ),
    "EQUIP.LEGACY": Rule(
        W, "{length}位旧式设备注册代码", "a legacy {length}-character registration code"
    ),
    "EQUIP.YEAR_RANGE": Rule(
        E,
        "设备代码中的制造年份 {year} 不合理",
        "the manufacture year {year} in the equipment code is implausible",
    ),
    "EQUIP.CATEGORY": Rule(
        W,
        "设备代码的类别位与设备类别代码 {category} 不一致",
        "the equipment code does not belong to category {category}",
    ),
    "EQUIP.YEAR": Rule(
        W,
        "设备代码中的年份与制造日期不一致",
        "the year in the equipment code differs from the manufacture date",
    ),
    "PHONE.FORMAT": Rule(
        E, "「{label}」不是有效的电话号码", "{field} ({label}) is not a valid phone number"
    ),
    "COUNTERPARTY.ID_TYPE": Rule(
        E,
        "行政相对人证件号码与证件类型 {id_type} 不符",
        "the counterparty id does not match its id type {id_type}",
    ),
    "IDENTITY.MASKED": Rule(
        E,
        "「{label}」是记录的业务标识，不能为脱敏值",
        "{field} ({label}) identifies the record and must not be masked",
    ),
    # cross-field rules
    "DATE.ORDER": Rule(
        E, "「{label}」不能早于「{other_label}」", "{field} ({label}) must not be before {other}"
    ),
    "RULE.REQUIRED_IF": Rule(
        E,
        "「{when_label}」为 {when_value} 时，「{label}」必填",
        "{field} ({label}) is required when {when} is {when_value}",
    ),
    "PENALTY.FINE_AMOUNT": Rule(
        E,
        "处罚种类含罚款时，罚款金额必填且大于0",
        "a penalty that includes a fine needs a fine amount above 0",
    ),
    "PENALTY.MAJOR_COLLECTIVE": Rule(
        W, "重大案件应经集体讨论", "a major case should be decided by collective discussion"
    ),
    "INSPECTION.INSPECTORS": Rule(
        E,
        "检查人员与执法证号数量不一致（{names} 人，{certs} 个证号）",
        "{names} inspectors but {certs} enforcement certificate numbers",
    ),
    "INSPECTION.MIN_INSPECTORS": Rule(
        W, "执法人员不得少于两人", "enforcement needs at least two officers"
    ),
    "LIGHTNING.QUALIFICATION": Rule(
        E,
        "乙级资质检测机构只能检测第三类防雷建筑物，本报告为第{protection_class}类",
        "a class-B (乙级) agency may inspect class 3 structures only; this report is class {protection_class}",
    ),
    "LIGHTNING.QUALIFICATION_EXPIRED": Rule(
        E,
        "检测日期晚于资质证书有效期",
        "the inspection date is after the agency's qualification expired",
    ),
    "LIGHTNING.CONCLUSION": Rule(
        E,
        "有不合格检测项目，总体结论不能为合格",
        "an item failed, so the overall conclusion cannot be a pass",
    ),
    # the hub's own rules (least privilege, routing)
    "SOURCE.UNKNOWN": Rule(E, "报送来源 {source} 未注册", "source {source} is not registered"),
    "SOURCE.TYPE_NOT_ALLOWED": Rule(
        E, "报送来源无权报送 {type} 类数据", "this source may not submit {type} records"
    ),
    "SOURCE.REGION": Rule(
        E,
        "行政区划 {code} 不在报送来源的管辖范围（{scope}）内",
        "region {code} is outside the source's jurisdiction ({scope})",
    ),
    "RECORD.TYPE_UNKNOWN": Rule(
        E, "标准中没有 {type} 这一数据类型", "{type} is not a record type of the standard"
    ),
    "COMPLAINT.ANONYMOUS_PERSONAL": Rule(
        W,
        "匿名投诉不应报送投诉人个人信息",
        "an anonymous complaint should not carry the complainant's personal data",
    ),
    # limits on hostile input
    "INPUT.TOO_MANY_FIELDS": Rule(
        E,
        "记录含 {actual} 个字段（含嵌套字段），超过上限 {max}，未逐项校验",
        "the record has {actual} fields (nested ones included), over the limit of {max};"
        " not checked further",
    ),
    "INPUT.TOO_DEEP": Rule(
        E,
        "记录嵌套超过 {max} 层（{field}），未逐项校验",
        "the record nests deeper than {max} levels (at {field}); not checked further",
    ),
    "VERDICT.MORE": Rule(
        E,
        "另有 {count} 处同类问题（{rule}：{what_zh}）未逐条列出",
        "{count} more {what_en} ({rule}) not listed",
    ),
    "INPUT.CD_TIME": Rule(
        E,
        "前置库记录 {cd_id} 的 cd_time 为空，无法按时间读取",
        "front-end database row {cd_id} has no cd_time (NULL): it cannot be ordered",
    ),
    "INPUT.ROW": Rule(
        E,
        "前置库记录 {cd_id} 无法读取：{detail}",
        "front-end database row {cd_id} cannot be read: {detail}",
    ),
    # sources and ownership
    "SOURCE.NOT_OWNER": Rule(
        E,
        "该记录属于本来源管辖范围（{scope}）以外的辖区，不能更新或撤回",
        "the record belongs to a region outside this source's jurisdiction ({scope}):"
        " it may not update or retract it",
    ),
    "SOURCE.DISABLED": Rule(
        E, "报送来源 {source} 已停用，报送不予受理", "source {source} is disabled: not accepted"
    ),
    "SOURCE.TOPIC": Rule(
        E,
        "提交来源 {claimed} 与主题 {topic} 不符",
        "the submission names source {claimed}, which does not match topic {topic}",
    ),
    # bureau files
    "VALUE.FORM": Rule(
        E,
        "「{label}」应为{form_zh}，如 {example}",
        "{field} ({label}) must be {form_en}, e.g. {example}",
    ),
    "INPUT.XLSX": Rule(
        E,
        "Excel 工作表自第{line}行起无法读取：{detail}",
        "the Excel sheet cannot be read from row {line} on: {detail}",
    ),
    #
}


class _Params(dict[str, object]):
    """Template parameters where a missing one reads ``?``."""

    def __missing__(self, key: str) -> str:
        return "?"


def render(rule: Rule, params: dict[str, object]) -> tuple[str, str]:
    """Fill a rule's templates; a missing parameter shows as ``?`` rather than failing."""
    values = _Params(params)
    return rule.zh.format_map(values), rule.en.format_map(values)
