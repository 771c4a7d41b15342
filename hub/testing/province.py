"""One province's synthetic traffic: its sources and an ordered stream of submissions.

``generate_province(records, seed)`` builds what ``hub demo``, benchmarks and tests feed the hub:
Zhejiang's market-regulation bureaus (province, four cities, three counties each) and its
meteorological bureaus (which supervise lightning protection), and about ``records`` submissions
in the order they arrive. Deterministic for a seed.

What the stream holds (shares of the total, see ``TARGET_SHARES``):

- ``original``: a record sent for the first time by the bureau that owns it. Entities are
  registered in their county (or at the city bureau: ``91330100…``); inspections name a registered
  entity (sometimes a natural person) as counterparty; a penalty follows an inspection that found a
  case (``inspection_action_no``, same counterparty and agency); hazards follow failed lightning
  reports (``source_report_no``) or a bureau's own check. A few originals are corrected
  re-submissions of a record that an earlier ``invalid`` submission got wrong.
- ``cross_level_duplicate``: the current version of a record re-sent by the city or province
  platform that aggregates it, under its own ``source_record_id`` and with sloppy but normalisable
  formatting (surrounding spaces, lower-case or full-width codes, timestamps without offset,
  ``2025/3/1`` dates, ``[2025]`` brackets, ``是/否``, money as a number). Same identity, same
  ``updated_at``, same content once normalised (``submitted_at`` and ``submitter`` may differ).
- ``update``: a later business change of a record (a penalty paid and closed, a hazard rectified,
  an entity deregistered, a correction), with a later ``updated_at``, from the owner or, now and
  then, an aggregating level.
- ``stale_update``: a changed version whose ``updated_at`` lies between the last two versions of a
  record, i.e. before the current one: what a lagging platform sends.
- ``invalid``: a first attempt with one realistic defect (``Submission.defect`` names it). Defects
  never move a record outside its source's region; a retired region code is used only by city and
  province sources, and only one of their own city (e.g. 330103 下城区, merged into 拱墅区 in 2021).

Least privilege holds throughout: a county source sends records of its own county only, a city
source of its city, the province of the province; market bureaus send ``supervised_entity``,
``inspection`` and ``penalty``, meteorological bureaus ``lightning_report`` and ``hazard``.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from hub.standard.checks.uscc import USCC_ALPHABET
from hub.testing.factories import make_resident_id, make_uscc

__all__ = [
    "KINDS",
    "PROVINCE_CODE",
    "RETIRED_CODES",
    "TARGET_SHARES",
    "Province",
    "SourceSpec",
    "Submission",
    "generate_province",
]

KINDS = ("original", "cross_level_duplicate", "update", "stale_update", "invalid")
#: Approximate share of each kind in the stream.
TARGET_SHARES: Mapping[str, float] = {
    "original": 0.65,
    "cross_level_duplicate": 0.20,
    "update": 0.07,
    "stale_update": 0.03,
    "invalid": 0.05,
}

PROVINCE_CODE = "330000"
PROVINCE_NAME = "浙江省"
MARKET_TYPES = ("supervised_entity", "inspection", "penalty")
LIGHTNING_TYPES = ("lightning_report", "hazard")


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A submitting system: one bureau's exchange endpoint."""

    source_id: str
    level: str
    region_code: str
    department: str
    record_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Submission:
    """One record as a source sends it (JSON-ready values, dates as strings)."""

    source_id: str
    record_type: str
    record: dict[str, Any]
    kind: str
    #: for ``invalid`` submissions, the defect planted (e.g. ``uscc_check``); else None
    defect: str | None = None


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str
    sources: tuple[SourceSpec, ...]
    submissions: tuple[Submission, ...]


# -- the province ------------------------------------------------------------------------------

# city code, name, short name, doc-number abbreviation, telephone area code,
# counties (code, name, doc-number abbreviation); all in use in 2025
_CITIES: tuple[tuple[str, str, str, str, str, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "330100",
        "杭州市",
        "杭州",
        "杭",
        "0571",
        (("330106", "西湖区", "杭西"), ("330108", "滨江区", "杭滨"), ("330122", "桐庐县", "桐")),
    ),
    (
        "330200",
        "宁波市",
        "宁波",
        "甬",
        "0574",
        (("330203", "海曙区", "甬海"), ("330212", "鄞州区", "甬鄞"), ("330282", "慈溪市", "慈")),
    ),
    (
        "330300",
        "温州市",
        "温州",
        "温",
        "0577",
        (("330302", "鹿城区", "温鹿"), ("330381", "瑞安市", "瑞"), ("330383", "龙港市", "龙港")),
    ),
    (
        "330700",
        "金华市",
        "金华",
        "金",
        "0579",
        (("330702", "婺城区", "金婺"), ("330782", "义乌市", "义"), ("330783", "东阳市", "东")),
    ),
)
#: Retired codes of each city (a stale code table at the source): not in use in 2025.
RETIRED_CODES: Mapping[str, tuple[str, ...]] = {
    "330100": ("330103", "330104", "330185"),  # 下城区, 江干区 (-2021), 临安市 (-2017)
    "330200": ("330204", "330283"),  # 江东区, 奉化市 (-2016)
    "330300": ("330322",),  # 洞头县 (-2015)
    "330700": ("330721",),  # 金华县 (-2000)
}
# Counties with their own meteorological bureau; districts are served by the city's.
_QX_COUNTIES = frozenset({"330122", "330282", "330381", "330383", "330782", "330783"})
# Address codes on resident ID cards: current counties and some codes since retired.
_ID_AREAS = (
    *(c for city in _CITIES for c, _, _ in city[5]),
    "330103",
    "330183",
    "330227",
    "330283",
    "330322",
    "330721",
)
_LONGGANG = "330383"  # created in 2019: nothing registered there earlier


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志海燕晓慧斌鹏飞"
_BRANDS = _words(
    "晨曦 恒达 华联 鑫源 瑞丰 金诚 永盛 博远 天成 宏图 海纳 新锐 嘉禾 佳美 锦程 润泽 德信 汇通"
    " 联创 明辉 安泰 正和 盛世 鼎盛 星辰 银河 东升 兴旺 和顺 百川 方圆 绿源 远航 卓越 凯达 同心"
)
_ROADS = _words(
    "人民路 解放路 中山路 建设路 文化路 新华路 环城北路 学院路 工业大道 商贸街"
    " 振兴路 迎宾大道 府前路 江滨路 城东路 世纪大道 创业路 湖滨路 园区路 青年路"
)


@dataclass(frozen=True, slots=True)
class _Domain:
    """A line of supervision: the item inspected and the typical violation found."""

    key: str
    number: int
    item: str
    content: str
    minor: str
    violation: str
    basis: str
    fine: tuple[int, int]
    gains: bool


_DOMAINS: tuple[_Domain, ...] = (
    _Domain(
        "food_service",
        1,
        "餐饮服务食品安全监督检查",
        "检查食品原料进货查验记录、原料贮存及保质期管理、从业人员健康证明。",
        "部分从业人员健康证明过期",
        "使用超过保质期的食品原料加工食品",
        "《中华人民共和国食品安全法》第三十四条第（十）项、第一百二十四条第一款第（五）项",
        (5000, 80000),
        True,
    ),
    _Domain(
        "food",
        2,
        "食品销售者监督检查",
        "检查食品进货查验记录、临期食品管理、标签标识。",
        "临期食品未集中陈列并提示",
        "销售超过保质期的食品",
        "《中华人民共和国食品安全法》第三十四条第（十）项、第一百二十四条第一款第（五）项",
        (5000, 50000),
        True,
    ),
    _Domain(
        "drug",
        3,
        "药品零售企业监督检查",
        "检查执业药师在岗、处方药销售、药品储存温湿度记录。",
        "温湿度记录不完整",
        "未凭处方销售处方药",
        "《药品经营和使用质量监督管理办法》第四十二条、第七十条",
        (5000, 30000),
        False,
    ),
    _Domain(
        "equipment",
        4,
        "特种设备使用单位监督检查",
        "检查电梯使用登记、定期检验、维护保养记录和安全管理人员配备。",
        "电梯维护保养记录未签字确认",
        "使用未经定期检验的电梯",
        "《中华人民共和国特种设备安全法》第四十条第三款、第八十四条第（一）项",
        (30000, 300000),
        False,
    ),
    _Domain(
        "product",
        5,
        "产品质量监督抽查",
        "抽取在售产品样品送检，检查产品合格证明和进货记录。",
        "部分产品合格证明缺失",
        "销售不合格产品",
        "《中华人民共和国产品质量法》第三十九条、第五十条",
        (10000, 200000),
        True,
    ),
    _Domain(
        "price",
        6,
        "价格行为监督检查",
        "检查商品和服务明码标价情况。",
        "个别商品价签信息不全",
        "销售商品未按规定明码标价",
        "《中华人民共和国价格法》第十三条、第四十二条",
        (500, 5000),
        False,
    ),
    _Domain(
        "ad",
        7,
        "广告发布监督检查",
        "检查经营场所及网店页面发布的广告内容。",
        "宣传页面个别用语不规范",
        "在网店页面发布含有“最佳”“第一”等绝对化用语的广告",
        "《中华人民共和国广告法》第九条第（三）项、第五十七条第（一）项",
        (200000, 600000),
        False,
    ),
    _Domain(
        "metrology",
        8,
        "计量监督检查",
        "检查在用计量器具检定合格标志和检定证书。",
        "计量器具台账未及时更新",
        "使用未经检定的计量器具",
        "《中华人民共和国计量法》第九条、《中华人民共和国计量法实施细则》第四十三条",
        (500, 1000),
        False,
    ),
)
_DOMAIN = {d.key: d for d in _DOMAINS}
# trade in a name, its domain, its business scope; with weights
_TRADES: tuple[tuple[str, str, str, int], ...] = (
    ("餐饮管理", "food_service", "餐饮服务；餐饮管理；食品销售（仅销售预包装食品）。", 5),
    ("食品", "food", "食品销售；日用百货销售；农副产品销售。", 4),
    ("医药连锁", "drug", "药品零售；第二类医疗器械销售；保健食品销售。", 2),
    ("物业服务", "equipment", "物业管理；停车场服务；电梯维修保养。", 2),
    ("机电设备", "product", "机械设备销售；五金产品批发；电线电缆销售。", 3),
    ("百货超市", "price", "日用百货销售；食品销售；文具用品零售。", 3),
    ("电子商务", "ad", "互联网销售（除销售需要许可的商品）；广告发布。", 2),
    ("眼镜", "metrology", "眼镜销售（不含隐形眼镜）；验光配镜服务。", 1),
)
_SCOPE_EXTRAS = (
    "第二类医疗器械销售",
    "日用品销售",
    "互联网销售（除销售需要许可的商品）",
    "会议及展览服务",
)
_TRADE_WEIGHTS = tuple(t[3] for t in _TRADES)

# lightning-protection sites: kind, weight, protection class, key-unit category
_SITE_KINDS: tuple[tuple[str, int, str, str | None], ...] = (
    ("gas", 3, "2", "1"),
    ("chemical", 1, "1", "1"),
    ("fireworks", 1, "1", "1"),
    ("hospital", 1, "2", "3"),
    ("school", 2, "3", "3"),
    ("scenic", 1, "3", "2"),
    ("office", 3, "3", None),
    ("factory", 3, "3", None),
)
_SITE_WEIGHTS = tuple(k[1] for k in _SITE_KINDS)
# name, ascii abbreviation, registration region, qualification, certificate issue year
_COMPANIES = (
    ("浙江安雷防雷检测有限公司", "ALJC", "330106", "A", 2022),
    ("杭州天衡防雷技术有限公司", "THFL", "330108", "A", 2023),
    ("宁波甬安雷电防护工程有限公司", "YALD", "330212", "B", 2021),
    ("温州瓯江防雷检测有限公司", "OJFL", "330302", "A", 2024),
    ("金华金盾防雷科技有限公司", "JDFL", "330702", "B", 2022),
    ("义乌市雷安检测技术有限公司", "LAJC", "330782", "B", 2023),
)
# lightning item: requirement, measured when passing, measured when failing, hazard category,
# location of a hazard
_LIGHTNING_ITEMS: tuple[tuple[str, str, str, str, str, str], ...] = (
    (
        "air_terminal",
        "接闪器安装牢固，无明显锈蚀，与引下线连接可靠",
        "符合要求",
        "屋面接闪带多处断裂、锈蚀严重",
        "2",
        "屋面接闪带",
    ),
    (
        "down_conductor",
        "引下线不少于2根，间距符合设计要求",
        "4根，间距符合要求",
        "1根引下线断接卡锈断",
        "2",
        "东侧引下线断接卡",
    ),
    (
        "equipotential_bonding",
        "等电位连接过渡电阻不大于0.03 Ω",
        "0.02",
        "0.15",
        "2",
        "设备间等电位连接",
    ),
    (
        "spd",
        "配电箱电涌保护器状态指示正常，劣化指示窗口为绿色",
        "状态指示正常",
        "配电箱SPD劣化指示窗口为红色",
        "4",
        "总配电箱",
    ),
)

_TAGS = {
    "supervised_entity": "SCZT",
    "inspection": "JCXW",
    "penalty": "CFXW",
    "lightning_report": "FLBG",
    "hazard": "FLYH",
}
_META = frozenset({"source_record_id", "updated_at", "submitted_at", "submitter"})

# field classes for sloppy formatting (every one normalises back: see docs/standard.md)
_CODE_FIELDS = {
    "supervised_entity": ("uscc", "region_code", "legal_rep_id_number"),
    "inspection": (
        "plan_id",
        "item_code",
        "impl_list_code",
        "action_no",
        "implementing_agency_code",
        "counterparty_id",
        "region_code",
    ),
    "penalty": (
        "inspection_action_no",
        "item_code",
        "impl_list_code",
        "implementing_agency_code",
        "counterparty_id",
        "region_code",
    ),
    "lightning_report": ("report_no", "agency_code", "inspected_unit_uscc", "region_code"),
    "hazard": ("hazard_no", "source_report_no", "agency_code", "unit_uscc", "region_code"),
}
_DATE_FIELDS = {
    "supervised_entity": ("establishment_date",),
    "inspection": (),
    "penalty": (
        "filing_date",
        "legal_review_date",
        "collective_discussion_date",
        "decision_date",
        "closing_date",
    ),
    "lightning_report": ("inspection_date", "next_inspection_date", "qualification_expiry_date"),
    "hazard": ("discovered_date", "rectification_deadline"),
}
_TIME_FIELDS = ("inspection_time", "submitted_at", "updated_at")
_BOOL_FIELDS = (
    "hearing",
    "criminal_transfer",
    "major_case",
    "legal_review",
    "collective_discussion",
    "admin_review",
    "litigation",
)
_MONEY_FIELDS = ("registered_capital", "fine_amount", "confiscated_amount", "fine_paid")
_FULLWIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}

# -- time: working hours of 2025 ---------------------------------------------------------------

_TZ = dt.timezone(dt.timedelta(hours=8))
_DAY = 9 * 3600  # working seconds a day, 08:30-17:30
_HOLIDAYS = frozenset(
    dt.date(2025, m, d)
    for m, days in (
        (1, (1, 28, 29, 30, 31)),
        (2, (3, 4)),
        (4, (4,)),
        (5, (1, 2, 5)),
        (6, (2,)),
        (10, (1, 2, 3, 6, 7, 8)),
    )
    for d in days
)
_MAKEUP_DAYS = frozenset(
    {
        dt.date(2025, 1, 26),
        dt.date(2025, 2, 8),
        dt.date(2025, 4, 27),
        dt.date(2025, 9, 28),
        dt.date(2025, 10, 11),
    }
)


@cache
def _working_days() -> tuple[dt.date, ...]:
    day, end, days = dt.date(2024, 12, 2), dt.date(2030, 12, 31), []
    while day <= end:
        if (day.weekday() < 5 and day not in _HOLIDAYS) or day in _MAKEUP_DAYS:
            days.append(day)
        day += dt.timedelta(days=1)
    return tuple(days)


def _index(day: dt.date) -> int:
    return _working_days().index(day)


_START = dt.date(2025, 1, 20)  # first submission; up to 8 working days of look-back before
_END = dt.date(2025, 11, 28)  # around the last submission


def _at(sec: int) -> dt.datetime:
    """A working-time counter (seconds of working hours since 2 Dec 2024) as Beijing time."""
    day = _working_days()[sec // _DAY]
    return dt.datetime.combine(day, dt.time(8, 30), _TZ) + dt.timedelta(seconds=sec % _DAY)


def _ts(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _money(amount: int | Decimal) -> str:
    return f"{Decimal(amount):.2f}"


# -- internal state -----------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Source:
    spec: SourceSpec
    dept: str  # "scjg" | "qx"
    city: str | None  # the city's code, for city and county sources
    agency_code: str
    abbr: str
    parent: _Source | None
    officers: list[tuple[str, str]]
    clerks: list[str]
    seq: int = 0
    doc_seq: int = 0
    action_seq: int = 0

    @property
    def ancestors(self) -> list[_Source]:
        out: list[_Source] = []
        up = self.parent
        while up is not None:
            out.append(up)
            up = up.parent
        return out


@dataclass(slots=True, eq=False)
class _Site:
    kind: str
    unit_name: str
    unit_uscc: str
    site_name: str
    address: str
    klass: str
    key: str | None
    county: str
    reports: int = 0


@dataclass(slots=True, eq=False)
class _Company:
    name: str
    abbr: str
    region: str
    qualification: str
    code: str
    cert_no: str
    expiry: dt.date
    staff: list[str]
    seq: int = 0


@dataclass(slots=True, eq=False)
class _Rec:
    """A real-world record: its versions (clean, as the owner would send them)."""

    type_id: str
    owner: _Source
    region: str
    versions: list[dict[str, Any]]
    secs: list[int]
    ids: dict[str, str]
    info: dict[str, Any]


@dataclass(slots=True, eq=False)
class _Draft:
    type_id: str
    source: _Source
    record: dict[str, Any]
    region: str
    info: dict[str, Any] = field(default_factory=dict)
    on_commit: Callable[[_Rec], None] | None = None


class _Generator:
    def __init__(self, records: int, seed: int) -> None:
        self.n = records
        self.rng = random.Random(seed)
        self.sources: list[_Source] = []
        self.market: dict[str, _Source] = {}
        self.weather: dict[str, _Source] = {}
        self.counties: dict[str, tuple[str, str]] = {}  # code -> (name, city code)
        self.cities: dict[str, tuple[str, str, str, tuple[str, ...]]] = {}
        self._build_world()
        first, last = _index(_START), _index(_END)
        self.sec = first * _DAY
        self.mean_step = max(1.0, (last - first) * _DAY / max(records, 1))
        self.entities: dict[str, list[_Rec]] = {c: [] for c in self.counties}
        self.sites: dict[str, list[_Site]] = {c: [] for c in self.counties}
        self.usccs: set[str] = {s.agency_code for s in self.sources}
        self.usccs.update(c.code for c in self.companies)
        self.inspection_keys: set[tuple[str, str, dt.date, str]] = set()
        self.recs: list[_Rec] = []
        self.multi: list[_Rec] = []  # records with two or more versions
        self.dup_pool: list[tuple[_Rec, int, _Source]] = []
        self.pending_penalties: list[_Rec] = []
        self.pending_hazards: list[_Rec] = []
        self.open: list[_Rec] = []  # penalties and hazards not closed yet
        self.corrections: list[tuple[_Draft, int]] = []

    # -- the world: sources, agencies, lightning companies (the same for every seed) -----------

    def _build_world(self) -> None:
        world = random.Random("zhejiang-330000")
        province_m = self._source(world, "province", PROVINCE_CODE, "scjg", None, None, "浙")
        province_q = self._source(world, "province", PROVINCE_CODE, "qx", None, None, "浙")
        for code, name, short, abbr, _area, counties in _CITIES:
            self.cities[code] = (name, short, _area, tuple(c for c, _, _ in counties))
            city_m = self._source(world, "city", code, "scjg", code, province_m, abbr)
            city_q = self._source(world, "city", code, "qx", code, province_q, abbr)
            for county, county_name, county_abbr in counties:
                self.counties[county] = (county_name, code)
                self.market[county] = self._source(
                    world, "county", county, "scjg", code, city_m, county_abbr
                )
                self.weather[county] = (
                    self._source(world, "county", county, "qx", code, city_q, county_abbr)
                    if county in _QX_COUNTIES
                    else city_q
                )
        self.companies = [
            _Company(
                name,
                abbr,
                region,
                qual,
                make_uscc(region, world),
                f"浙雷检{'甲' if qual == 'A' else '乙'}{year}{world.randrange(1, 60):03d}",
                dt.date(year + 5, world.randint(1, 12), world.randint(1, 28)),
                [_person(world) for _ in range(6)],
            )
            for name, abbr, region, qual, year in _COMPANIES
        ]

    def _source(
        self,
        world: random.Random,
        level: str,
        region: str,
        dept: str,
        city: str | None,
        parent: _Source | None,
        abbr: str,
    ) -> _Source:
        if level == "province":
            place = PROVINCE_NAME
        elif level == "city":
            place = self.cities[region][0]
        else:
            county_name, city_code = self.counties[region]
            place = (
                self.cities[city_code][0] + county_name
                if county_name.endswith("区")
                else county_name
            )
        department = place + ("市场监督管理局" if dept == "scjg" else "气象局")
        spec = SourceSpec(
            source_id=f"zj-{region}-{dept}",
            level=level,
            region_code=region,
            department=department,
            record_types=MARKET_TYPES if dept == "scjg" else LIGHTNING_TYPES,
        )
        # market bureaus are administrative organs (11…), meteorological bureaus public
        # institutions (12…); both registered with the organisation-establishment authority
        code = make_uscc(region, world, authority="1", kind="1" if dept == "scjg" else "2")
        officers = [
            (_person(world), f"{region}{world.randint(15, 24):02d}{world.randrange(10**6):06d}")
            for _ in range(10)
        ]
        source = _Source(
            spec, dept, city, code, abbr, parent, officers, [_person(world) for _ in range(3)]
        )
        self.sources.append(source)
        return source

    # -- the run --------------------------------------------------------------------------------

    def run(self) -> Province:
        rng = self.rng
        counts = {k: round(share * self.n) for k, share in TARGET_SHARES.items()}
        counts["original"] = self.n - sum(v for k, v in counts.items() if k != "original")
        plan = [kind for kind in KINDS for _ in range(max(counts[kind], 0))]
        rng.shuffle(plan)
        emit: dict[str, Callable[[], Submission | None]] = {
            "original": self._original,
            "cross_level_duplicate": self._duplicate,
            "update": self._update,
            "stale_update": self._stale,
            "invalid": self._invalid,
        }
        out: list[Submission] = []
        i = 0
        while i < len(plan):
            submission = emit[plan[i]]()
            if submission is None:  # nothing to duplicate or update yet: swap with an original
                j = next((j for j in range(i + 1, len(plan)) if plan[j] == "original"), None)
                if j is not None:
                    plan[i], plan[j] = plan[j], plan[i]
                    continue
                submission = self._original()
                assert submission is not None
            out.append(submission)
            self.sec += max(1, round(rng.expovariate(1 / self.mean_step)))
            i += 1
        return Province(
            code=PROVINCE_CODE,
            name=PROVINCE_NAME,
            sources=tuple(s.spec for s in self.sources),
            submissions=tuple(out),
        )

    @property
    def now(self) -> dt.datetime:
        return _at(self.sec)

    def _local_id(self, source: _Source, type_id: str) -> str:
        source.seq += 1
        return f"{_TAGS[type_id]}{source.spec.region_code}{source.seq:07d}"

    def _id_for(self, rec: _Rec, source: _Source) -> str:
        sid = source.spec.source_id
        if sid not in rec.ids:
            rec.ids[sid] = self._local_id(source, rec.type_id)
        return rec.ids[sid]

    def _commit(self, draft: _Draft) -> _Rec:
        rec = _Rec(
            draft.type_id,
            draft.source,
            draft.region,
            [draft.record],
            [self.sec],
            {draft.source.spec.source_id: draft.record["source_record_id"]},
            draft.info,
        )
        self.recs.append(rec)
        if rec.type_id in ("penalty", "hazard") and not _closed(draft.record):
            self.open.append(rec)
        self.dup_pool.extend((rec, 0, up) for up in draft.source.ancestors)
        if draft.on_commit is not None:
            draft.on_commit(rec)
        return rec

    # -- kinds ----------------------------------------------------------------------------------

    def _original(self) -> Submission:
        rng = self.rng
        if self.corrections and rng.random() < 0.3 and self.sec - self.corrections[0][1] > _DAY:
            draft, _ = self.corrections.pop(0)
            record = dict(draft.record)  # corrected and sent again: now
            record["updated_at"] = _ts(self.now)
            if "submitted_at" in record:
                record["submitted_at"] = record["updated_at"]
            draft.record = record
        else:
            draft = self._new_draft()
        self._commit(draft)
        return Submission(draft.source.spec.source_id, draft.type_id, draft.record, "original")

    def _invalid(self) -> Submission:
        draft = self._new_draft()
        broken = copy.deepcopy(draft.record)
        defect = self._break(draft, broken)
        if self.rng.random() < 0.4:
            self.corrections.append((draft, self.sec))
        return Submission(draft.source.spec.source_id, draft.type_id, broken, "invalid", defect)

    def _duplicate(self) -> Submission | None:
        rng, pool = self.rng, self.dup_pool
        while pool:
            j = rng.randrange(max(0, len(pool) - 300), len(pool))
            rec, version, up = pool[j]
            pool[j] = pool[-1]
            pool.pop()
            if version != len(rec.versions) - 1:
                continue  # superseded: a newer version is in the pool
            record = copy.deepcopy(rec.versions[-1])
            record["source_record_id"] = self._id_for(rec, up)
            if "submitted_at" in record:
                record["submitted_at"] = _ts(self.now)
            if "submitter" in record and rng.random() < 0.5:
                record["submitter"] = rng.choice(up.clerks)
            self._sloppy(rec.type_id, record)
            return Submission(up.spec.source_id, rec.type_id, record, "cross_level_duplicate")
        return None

    def _pick_for_update(self) -> _Rec:
        rng = self.rng
        r = rng.random()
        while r < 0.35 and self.open:  # the next step of a case or a hazard
            j = rng.randrange(max(0, len(self.open) - 300), len(self.open))
            rec = self.open[j]
            if not _closed(rec.versions[-1]):
                return rec
            self.open[j] = self.open[-1]
            self.open.pop()
        if r < 0.55 and self.multi:
            return rng.choice(self.multi[-200:])
        if r < 0.85:
            return rng.choice(self.recs[-400:])
        return rng.choice(self.recs)

    def _update(self) -> Submission | None:
        if not self.recs:
            return None
        rng = self.rng
        for _ in range(30):
            rec = self._pick_for_update()
            new = copy.deepcopy(rec.versions[-1])
            changed = self._lifecycle(rec, new) if rng.random() < 0.75 else False
            if not changed and not self._correct(rec, new):
                continue
            if _content(new) == _content(rec.versions[-1]):
                continue
            ancestors = rec.owner.ancestors
            source = rec.owner if rng.random() < 0.75 or not ancestors else rng.choice(ancestors)
            new["source_record_id"] = self._id_for(rec, source)
            new["updated_at"] = _ts(self.now)
            if "submitted_at" in new:
                new["submitted_at"] = new["updated_at"]
            if "submitter" in new and source is not rec.owner:
                new["submitter"] = rng.choice(source.clerks)
            rec.versions.append(new)
            rec.secs.append(self.sec)
            if len(rec.versions) == 2:
                self.multi.append(rec)
            version = len(rec.versions) - 1
            self.dup_pool.extend((rec, version, up) for up in ancestors if up is not source)
            sent = new
            if source is not rec.owner and rng.random() < 0.5:
                sent = copy.deepcopy(new)
                self._sloppy(rec.type_id, sent)
            return Submission(source.spec.source_id, rec.type_id, sent, "update")
        return None

    def _stale(self) -> Submission | None:
        rng = self.rng
        for _ in range(30):
            if not self.multi:
                return None
            rec = rng.choice(self.multi)
            low, high = rec.secs[-2], rec.secs[-1]
            if high - low < 1200:
                continue
            sec = rng.randint(low + 600, high - 600)
            new = copy.deepcopy(rec.versions[-2])
            if not self._correct(rec, new) or _content(new) == _content(rec.versions[-1]):
                continue
            ancestors = rec.owner.ancestors
            source = rng.choice(ancestors) if ancestors and rng.random() < 0.7 else rec.owner
            new["source_record_id"] = self._id_for(rec, source)
            new["updated_at"] = _ts(_at(sec))
            if "submitted_at" in new:
                new["submitted_at"] = new["updated_at"]
            return Submission(source.spec.source_id, rec.type_id, new, "stale_update")
        return None

    # -- originals ------------------------------------------------------------------------------

    def _new_draft(self) -> _Draft:
        rng = self.rng
        for _ in range(10):
            kind = rng.choices(
                ("supervised_entity", "inspection", "penalty", "lightning_report", "hazard"),
                (18, 46, 10, 16, 10),
            )[0]
            draft = self._draft(kind)
            if draft is not None:
                return draft
        return self._entity(self.market[rng.choice(list(self.counties))])

    def _draft(self, kind: str) -> _Draft | None:
        rng = self.rng
        county = rng.choice(list(self.counties))
        if kind == "supervised_entity":
            source = self.market[county]
            if rng.random() < 0.15 and source.parent is not None:
                source = source.parent
            return self._entity(source)
        if kind == "inspection":
            r = rng.random()
            source = self.market[county]
            if r < 0.15 and source.parent is not None:
                source = source.parent
                if r < 0.03 and source.parent is not None:
                    source = source.parent
            return self._inspection(source, county) or self._entity(self.market[county])
        if kind == "penalty":
            return self._penalty()
        if kind == "lightning_report":
            return self._lightning(county)
        return self._hazard(county)

    def _new_uscc(self, region: str, authority: str = "9", kind: str = "1") -> str:
        while True:
            code = make_uscc(region, self.rng, authority=authority, kind=kind)
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    def _address(self, county: str) -> str:
        name, city = self.counties[county]
        road = self.rng.choice(_ROADS)
        return f"{self.cities[city][0]}{name}{road}{self.rng.randint(1, 999)}号"

    def _phone(self, county: str) -> str:
        rng = self.rng
        if rng.random() < 0.7:
            return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
        area = self.cities[self.counties[county][1]][2]
        return f"{area}-{rng.choice('5678')}{rng.randrange(10**7):07d}"

    def _resident(self, county: str) -> tuple[str, str]:
        rng = self.rng
        born = dt.date(1958, 1, 1) + dt.timedelta(days=rng.randrange(42 * 365))
        area = county if rng.random() < 0.6 else rng.choice(_ID_AREAS)
        return _person(rng), make_resident_id(area, born, rng.randrange(1, 1000))

    def _entity(self, source: _Source) -> _Draft:
        rng = self.rng
        if source.spec.level == "county":
            county = registered = source.spec.region_code
        else:
            county = rng.choice(self.cities[source.spec.region_code][3])
            registered = source.spec.region_code
        county_name, city = self.counties[county]
        short = self.cities[city][1]
        trade, domain, scope, _ = rng.choices(_TRADES, _TRADE_WEIGHTS)[0]
        brand = rng.choice(_BRANDS)
        district = county_name.endswith("区")
        r = rng.random()
        if r < 0.74:  # 杭州晨曦餐饮管理有限公司, 慈溪市恒达食品有限公司
            kind, entity_type = "1", "02" if rng.random() < 0.05 else "01"
            firm = f"{short if district else county_name}{brand}{trade}"
            name = f"{firm}{'股份' if entity_type == '02' else ''}有限公司"
        elif r < 0.95:  # 杭州市西湖区王记小吃店, 义乌市陈记商行
            kind, entity_type = "2", "08"
            shop = {"餐饮管理": "小吃店", "食品": "食品店", "医药连锁": "药店", "眼镜": "眼镜店"}
            place = self.cities[city][0] + county_name if district else county_name
            name = f"{place}{rng.choice(_SURNAMES)}记{shop.get(trade, '商行')}"
        else:
            kind, entity_type, domain = "3", "09", "food"
            place = self.cities[city][0] + county_name if district else county_name
            name = f"{place}{brand}{rng.choice(('茶叶', '果蔬', '粮油'))}专业合作社"
            scope = "组织收购、销售成员种植的农产品；开展与农业生产经营有关的技术培训。"
        uscc = self._new_uscc(registered, kind=kind)
        since = dt.date(2020, 1, 1) if _LONGGANG in (county, registered) else dt.date(2015, 3, 1)
        latest = self.now.date() - dt.timedelta(days=30)
        established = since + dt.timedelta(days=rng.randrange((latest - since).days))
        representative, rep_id = self._resident(county)
        address = self._address(county)
        registrar = self.market[county] if registered == county else source
        record: dict[str, Any] = {
            "uscc": uscc,
            "name": name,
            "region_code": county,
            "entity_type": entity_type,
            "legal_representative": representative,
            "legal_rep_id_number": rep_id,
        }
        if entity_type != "08":
            record["registered_capital"] = _money(
                rng.choice((10, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000))
            )
        record |= {
            "registered_address": address,
            "business_address": address if rng.random() < 0.7 else self._address(county),
            "business_scope": scope,
            "establishment_date": established.isoformat(),
            "registration_authority": registrar.spec.department,
            "status": "1",
            "contact_phone": self._phone(county),
            "source_record_id": self._local_id(source, "supervised_entity"),
            "updated_at": _ts(self.now),
        }

        def commit(rec: _Rec) -> None:
            self.entities[county].append(rec)

        return _Draft("supervised_entity", source, record, county, {"domain": domain}, commit)

    def _inspection(self, source: _Source, county: str) -> _Draft | None:
        rng = self.rng
        agency_region = source.spec.region_code
        pool = self.entities[county]
        for _ in range(5):
            when = _at(max(0, self.sec - rng.randint(1800, 3 * _DAY)))
            person = rng.random() < 0.06
            counterparty: dict[str, Any]
            if person:
                domain = _DOMAIN[rng.choice(("food", "price"))]
                name, id_number = self._resident(county)
                counterparty = {
                    "object_type": "2",
                    "supervised_object": name,
                    "counterparty_name": name,
                    "counterparty_nature": "2",
                    "counterparty_id_type": "111",
                    "counterparty_id": id_number,
                    "business_address": self._address(county),
                }
            else:
                if not pool:
                    return None
                entity = rng.choice(pool)
                current = entity.versions[-1]
                if current.get("status", "1") != "1":
                    continue
                domain = _DOMAIN[entity.info["domain"]]
                counterparty = {
                    "object_type": "3" if domain.key == "equipment" else "1",
                    "supervised_object": current["name"]
                    + ("在用电梯" if domain.key == "equipment" else ""),
                    "counterparty_name": current["name"],
                    "counterparty_nature": "3" if current.get("entity_type") == "08" else "1",
                    "counterparty_id_type": "001",
                    "counterparty_id": current["uscc"],
                }
                for name in ("registered_address", "business_address"):
                    if name in current:
                        counterparty[name] = current[name]
            item_code = f"{agency_region[:2]}{agency_region}{domain.number:02d}0001"
            key = (item_code, counterparty["counterparty_id"], when.date(), source.agency_code)
            if key not in self.inspection_keys:
                break
        else:
            return None
        self.inspection_keys.add(key)
        level = source.spec.level
        form = "3" if level == "province" else rng.choices(("1", "4", "5", "2"), (45, 35, 12, 8))[0]
        year = when.year
        place = source.spec.department.removesuffix("市场监督管理局")
        action_name = {
            "1": f"{year}年{place}{domain.item.removesuffix('监督检查')}双随机抽查",
            "2": f"{place}{domain.item}（重点检查）",
            "3": f"{year}年全省{domain.item.removesuffix('监督检查')}专项检查",
            "4": domain.item,
            "5": f"{counterparty['counterparty_name']}投诉举报核查",
        }[form]
        result = rng.choices(("1", "2", "3", "4", "5"), (50, 22, 21, 5, 2))[0]
        if person and result == "4":
            result = "1"
        description = {
            "1": "未发现问题。",
            "2": f"发现{domain.minor}，已责令当场改正。",
            "3": f"发现当事人涉嫌{domain.violation}，已移交立案调查。",
            "4": "通过登记的住所（经营场所）无法联系，已依法标记。",
            "5": "当事人拒不配合检查，已告知相关法律责任。",
        }[result]
        source.action_seq += 1
        officers = rng.sample(source.officers, 3 if rng.random() < 0.15 else 2)
        record: dict[str, Any] = {}
        if form == "1":
            record["plan_id"] = f"SJCC{agency_region}{year}{when.month:03d}"
        record |= {
            "item_code": item_code,
            "impl_list_code": f"{source.agency_code}1{domain.number:02d}001",
            "action_name": action_name,
            "action_no": f"JC{agency_region}{when:%Y%m%d}{source.action_seq:05d}",
            "implementing_agency": source.spec.department,
            "implementing_agency_code": source.agency_code,
            **counterparty,
            "region_code": county,
            "inspection_form": form,
            "inspection_category": "1",
            "inspection_method": "4" if domain.key == "product" else "1",
            "inspection_content": domain.content,
            "inspection_result": result,
            "result_description": description,
            "inspection_time": _ts(when),
            "inspectors": [o[0] for o in officers],
            "inspector_cert_nos": [o[1] for o in officers],
            "submitted_at": _ts(self.now),
            "submitter": officers[0][0],
            "source_record_id": self._local_id(source, "inspection"),
            "updated_at": _ts(self.now),
        }

        def commit(rec: _Rec) -> None:
            if result == "3":
                self.pending_penalties.append(rec)

        info = {"domain": domain.key, "time": when}
        return _Draft("inspection", source, record, county, info, commit)

    def _penalty(self) -> _Draft | None:
        rng = self.rng
        if not self.pending_penalties:
            return None
        inspection = self.pending_penalties.pop(rng.randrange(min(8, len(self.pending_penalties))))
        source, found = inspection.owner, inspection.versions[-1]
        domain = _DOMAIN[inspection.info["domain"]]
        seen: dt.date = inspection.info["time"].date()
        today = self.now.date()
        filing = seen + dt.timedelta(days=rng.randint(0, min(3, (today - seen).days)))
        left = (today - filing).days
        decision = filing + dt.timedelta(days=rng.randint(min(left, 7), min(left, 60)))
        summary = decision == filing
        person = found["counterparty_nature"] == "2"
        low, high = domain.fine
        if summary:
            fine = rng.choice((50, 100, 200)) if person else rng.choice((500, 1000, 2000, 3000))
        else:
            fine = rng.randrange(low, high + 1, 100 if high < 10_000 else 1000)
            if person:
                fine = min(fine, 5000)
        kinds = ["01"] if domain.key == "price" and rng.random() < 0.4 else ["03"]
        gains = 0
        if domain.gains and not summary and rng.random() < 0.6:
            kinds.append("04")
            gains = rng.randrange(100, 20_000)
        major = "03" in kinds and fine >= 100_000
        source.doc_seq += 1
        doc_no = (
            f"{source.abbr}市监{'简罚' if summary else '处罚'}〔{decision.year}〕{source.doc_seq}号"
        )
        name = found["counterparty_name"]
        if "03" not in kinds:
            result = "警告。"
        elif gains:
            result = f"没收违法所得{_money(gains)}元，并处罚款{_money(fine)}元。"
        else:
            result = f"罚款{_money(fine)}元。"
        record: dict[str, Any] = {
            "inspection_action_no": found["action_no"],
            "item_code": found["item_code"],
            "impl_list_code": found["impl_list_code"],
            "case_name": f"{name}{domain.violation}案",
            "implementing_agency": found["implementing_agency"],
            "implementing_agency_code": found["implementing_agency_code"],
            "counterparty_name": name,
            "counterparty_nature": found["counterparty_nature"],
            "counterparty_id_type": found["counterparty_id_type"],
            "counterparty_id": found["counterparty_id"],
            "region_code": found["region_code"],
            "case_source": "2" if found["inspection_form"] == "5" else "1",
            "illegal_facts": (
                f"{_cn_date(seen)}，执法人员在当事人经营场所检查时发现，当事人{domain.violation}"
                + (f"，违法所得{_money(gains)}元。" if gains else "。")
            ),
            "legal_basis": domain.basis,
            "procedure": "1" if summary else "2",
            "hearing": not summary and fine >= 10_000 and rng.random() < 0.2,
            "filing_date": filing.isoformat(),
            "criminal_transfer": False,
            "major_case": major,
            "legal_review": not summary,
        }
        if not summary:
            review = decision - dt.timedelta(days=rng.randint(0, min(5, (decision - filing).days)))
            record["legal_review_date"] = review.isoformat()
            record["legal_review_opinion"] = (
                "事实清楚，证据确凿，适用依据正确，程序合法，处罚适当，同意。"
            )
        record["collective_discussion"] = major
        if major:
            record["collective_discussion_date"] = decision.isoformat()
            record["collective_discussion_conclusion"] = (
                "经集体讨论，同意按拟定意见作出行政处罚决定。"
            )
        record |= {
            "penalty_doc_no": doc_no,
            "decision_date": decision.isoformat(),
            "penalty_kinds": kinds,
        }
        if "03" in kinds:
            record["fine_amount"] = _money(fine)
        if gains:
            record["confiscated_amount"] = _money(gains)
        record["penalty_result"] = result
        if summary and rng.random() < 0.6:  # paid on the spot, closed the same day
            record |= {
                "execution_method": "1",
                "execution_result": "当事人当场缴纳罚款。" if "03" in kinds else "警告已当场送达。",
                "closing_date": decision.isoformat(),
            }
            if "03" in kinds:
                record["fine_paid"] = _money(fine)
        record |= {
            "submitted_at": _ts(self.now),
            "submitter": found.get("submitter") or rng.choice(source.clerks),
            "source_record_id": self._local_id(source, "penalty"),
            "updated_at": _ts(self.now),
        }
        return _Draft("penalty", source, record, found["region_code"])

    def _site(self, county: str) -> _Site:
        rng = self.rng
        pool = self.sites[county]
        if len(pool) >= 3 and rng.random() < 0.5:
            return rng.choice(pool)
        kind, _, klass, key = rng.choices(_SITE_KINDS, _SITE_WEIGHTS)[0]
        county_name, city = self.counties[county]
        short, brand, road = self.cities[city][1], rng.choice(_BRANDS), rng.choice(_ROADS)
        public = kind in ("hospital", "school")
        district = county_name.endswith("区")
        local = short if district else county_name  # a company's place name
        town = self.cities[city][0] + county_name if district else county_name
        if kind == "hospital":
            unit = town + rng.choice(("第一人民医院", "中医院", "妇幼保健院", "第二人民医院"))
        elif kind == "school":
            unit = town + rng.choice(("实验中学", "第一中学", "职业技术学校", "实验小学"))
        else:
            unit = {
                "gas": f"{short}{brand}能源有限公司",
                "chemical": f"{short}{brand}化工有限公司",
                "fireworks": f"{local}{brand}烟花爆竹经营有限公司",
                "scenic": f"{local}{brand}旅游开发有限公司",
                "office": f"{short}{brand}置业有限公司",
                "factory": f"{short}{brand}{rng.choice(('机械', '纺织', '电子', '塑业'))}有限公司",
            }[kind]
        site_name = {
            "gas": f"{road}加油站",
            "chemical": "危险化学品仓库",
            "fireworks": "烟花爆竹仓库",
            "hospital": "门诊住院综合楼",
            "school": "教学楼及学生宿舍",
            "scenic": f"{brand}山景区游客中心",
            "office": f"{brand}大厦",
            "factory": "生产厂房",
        }[kind]
        code = self._new_uscc(county, authority="1" if public else "9", kind="2" if public else "1")
        site = _Site(kind, unit, code, site_name, self._address(county), klass, key, county)
        pool.append(site)
        return site

    def _lightning(self, county: str) -> _Draft:
        rng = self.rng
        source = self.weather[county]
        site = self._site(county)
        city = self.counties[county][1]
        able = [c for c in self.companies if site.klass == "3" or c.qualification == "A"]
        local = [c for c in able if c.region[:4] == city[:4]]
        company = rng.choice(local if local and rng.random() < 0.75 else able)
        day = _at(max(0, self.sec - rng.randint(_DAY, 8 * _DAY))).date()
        company.seq += 1
        fail = rng.random() < 0.35
        failing = set(rng.sample(range(5), rng.randint(1, 2))) if fail else set()
        limit = 10.0 if site.klass == "3" else 4.0
        earthing = round(
            rng.uniform(limit + 0.5, limit * 2.5) if 4 in failing else rng.uniform(0.6, limit - 1),
            1,
        )
        items: list[dict[str, Any]] = []
        for i, (item, requirement, good, bad, _, _) in enumerate(_LIGHTNING_ITEMS):
            entry: dict[str, Any] = {
                "item": item,
                "requirement": requirement,
                "measured_value": bad if i in failing else good,
            }
            if item == "equipotential_bonding":
                entry["unit"] = "Ω"
            entry["conclusion"] = "fail" if i in failing else "pass"
            items.append(entry)
        items.insert(
            2,
            {
                "item": "earthing",
                "requirement": f"共用接地装置接地电阻不大于{limit:g} Ω",
                "measured_value": f"{earthing}",
                "unit": "Ω",
                "conclusion": "fail" if 4 in failing else "pass",
            },
        )
        if site.kind in ("hospital", "office"):
            items.append(
                {"item": "shielding", "requirement": "信息机房屏蔽措施完好", "conclusion": "pass"}
            )
        months = 6 if site.key == "1" else 12
        next_day = _add_months(day, months)
        advice = {
            "air_terminal": "修复断裂、锈蚀的接闪带",
            "down_conductor": "更换锈断的引下线断接卡",
            "earthing": "对接地装置进行降阻改造",
            "equipotential_bonding": "重新做等电位跨接并测试过渡电阻",
            "spd": "更换已失效的电涌保护器（SPD）",
        }
        record: dict[str, Any] = {
            "report_no": f"{company.abbr}-{day.year}-{company.seq:04d}",
            "agency_name": company.name,
            "agency_code": company.code,
            "agency_qualification": company.qualification,
            "qualification_cert_no": company.cert_no,
            "qualification_expiry_date": company.expiry.isoformat(),
            "inspected_unit_name": site.unit_name,
            "inspected_unit_uscc": site.unit_uscc,
            "site_name": site.site_name,
            "site_address": site.address,
            "region_code": county,
            "protection_class": site.klass,
        }
        if site.key is not None:
            record["key_unit_category"] = site.key
        record |= {
            "inspection_kind": "first"
            if site.reports == 0
            else ("commissioned" if rng.random() < 0.1 else "periodic"),
            "inspection_date": day.isoformat(),
            "next_inspection_date": next_day.isoformat(),
            "basis": ["GB/T 21431-2015", "GB 50057-2010"]
            + (["GB 50156-2021"] if site.kind == "gas" else []),
            "items": items,
            "earthing_resistance_ohm": earthing,
            "overall_conclusion": "fail" if fail else "pass",
        }
        if fail:
            todo = [advice[i["item"]] for i in items if i["conclusion"] == "fail"]
            record["rectification_advice"] = "；".join(todo) + "，整改完成后申请复检。"
        inspector, reviewer = rng.sample(company.staff, 2)
        record["inspector"] = inspector
        if rng.random() < 0.85:
            record["reviewer"] = reviewer
        record |= {
            "source_record_id": self._local_id(source, "lightning_report"),
            "updated_at": _ts(self.now),
        }

        def commit(rec: _Rec) -> None:
            site.reports += 1
            if fail:
                self.pending_hazards.append(rec)

        info = {"site": site, "company": company}
        return _Draft("lightning_report", source, record, county, info, commit)

    def _hazard(self, county: str) -> _Draft:
        rng = self.rng
        discovered: dt.date
        if self.pending_hazards and rng.random() < 0.7:
            report = self.pending_hazards.pop(rng.randrange(min(5, len(self.pending_hazards))))
            found, source = report.versions[-1], report.owner
            site: _Site = report.info["site"]
            company: _Company = report.info["company"]
            county = report.region
            bad = next(i for i in found["items"] if i["conclusion"] == "fail")
            spec = next((s for s in _LIGHTNING_ITEMS if s[0] == bad["item"]), None)
            category, location = (spec[4], spec[5]) if spec else ("3", "共用接地装置")
            if spec:
                description = (
                    f"{location}：{bad['measured_value']}，不符合“{bad['requirement']}”的要求。"
                )
            else:
                description = (
                    f"接地电阻实测{bad['measured_value']} Ω，超过限值，雷击时存在地电位反击风险。"
                )
            discovered = dt.date.fromisoformat(found["inspection_date"])
            hazard_no = f"YH-{company.abbr}-{discovered.year}-{found['report_no'][-4:]}"
            agency_name, agency_code = company.name, company.code
            report_no: str | None = found["report_no"]
            major = site.key == "1" and rng.random() < 0.4
        else:
            source = self.weather[county]
            site = self._site(county)
            discovered = _at(max(0, self.sec - rng.randint(_DAY, 5 * _DAY))).date()
            category, location, description = rng.choice(
                (
                    ("5", "防雷装置", f"{site.site_name}防雷装置检测已过期，未按期委托检测。"),
                    ("6", "安全管理", "未建立防雷安全管理制度，未明确防雷安全责任人。"),
                    ("1", "新建附属用房屋面", "新建附属用房屋面未安装接闪器。"),
                )
            )
            source.doc_seq += 1
            hazard_no = f"YH-{source.spec.region_code}-{discovered.year}-{source.doc_seq:04d}"
            agency_name, agency_code = source.spec.department, source.agency_code
            report_no = None
            major = False
        record: dict[str, Any] = {"hazard_no": hazard_no}
        if report_no is not None:
            record["source_report_no"] = report_no
        record |= {
            "agency_name": agency_name,
            "agency_code": agency_code,
            "unit_name": site.unit_name,
            "unit_uscc": site.unit_uscc,
            "region_code": county,
            "hazard_level": "major" if major else "general",
            "category": category,
            "location": location,
            "description": description,
            "discovered_date": discovered.isoformat(),
        }
        if major or rng.random() < 0.85:
            days = rng.randint(10, 20) if major else rng.randint(20, 45)
            record["rectification_deadline"] = (discovered + dt.timedelta(days=days)).isoformat()
        record |= {
            "status": "1" if rng.random() < 0.8 else "2",
            "source_record_id": self._local_id(source, "hazard"),
            "updated_at": _ts(self.now),
        }
        return _Draft("hazard", source, record, county, {"site": site})

    # -- changes --------------------------------------------------------------------------------

    def _lifecycle(self, rec: _Rec, new: dict[str, Any]) -> bool:
        """The next business step of a record, applied to ``new``; False when there is none."""
        rng, today = self.rng, self.now.date()
        if rec.type_id == "penalty":
            if "closing_date" in new:
                return False
            decision = dt.date.fromisoformat(new["decision_date"])
            if new.get("execution_method") is None and rng.random() < 0.3:
                if rng.random() < 0.5 and "fine_amount" in new:
                    until = _cn_date(decision + dt.timedelta(days=90))
                    new["execution_method"] = "4"
                    new["execution_result"] = f"当事人申请延期缴纳罚款，经批准延期至{until}。"
                else:
                    new["admin_review"] = True
                    new["execution_result"] = "当事人已申请行政复议，复议期间不停止执行。"
                return True
            paid = decision + dt.timedelta(days=rng.randint(0, max(0, (today - decision).days)))
            total = sum(Decimal(new.get(k) or 0) for k in ("fine_amount", "confiscated_amount"))
            if total:
                new["fine_paid"] = _money(total)
                new["execution_result"] = f"当事人已于{_cn_date(paid)}缴清罚没款。"
                new.setdefault("execution_method", "1")
            else:
                new["execution_method"] = "1"
                new["execution_result"] = "行政处罚决定书已送达，当事人已履行。"
            new["closing_date"] = today.isoformat()
            return True
        if rec.type_id == "hazard":
            status = new["status"]
            deadline = new.get("rectification_deadline")
            late = deadline is not None and today > dt.date.fromisoformat(deadline)
            if status in ("1", "2") and late and rng.random() < 0.3:
                new["status"] = "5"
            elif status in ("1", "2", "5", "3"):
                new["status"] = {"1": "2", "2": "3", "5": "3", "3": "4"}[status]
            else:
                return False
            return True
        if rec.type_id == "inspection":
            if new["inspection_result"] != "2":
                return False
            new["inspection_result"] = "3"
            new["result_description"] = (
                "复查发现当事人逾期未改正，"
                + f"涉嫌{_DOMAIN[rec.info['domain']].violation}，已移交立案调查。"
            )
            self.pending_penalties.append(rec)
            return True
        if rec.type_id == "supervised_entity":
            if new.get("status") != "1" or rng.random() < 0.7:
                return False
            new["status"] = rng.choice(("3", "3", "6"))
            return True
        return False

    def _correct(self, rec: _Rec, new: dict[str, Any]) -> bool:
        """A correction of ``new``'s content that adds no date; False when none applies."""
        rng = self.rng
        if rec.type_id == "supervised_entity":
            choice = rng.randrange(3)
            if choice == 0:
                new["contact_phone"] = self._phone(rec.region)
            elif choice == 1:
                new["business_address"] = self._address(rec.region)
            else:
                scope = new.get("business_scope", "").rstrip("。")
                extra = [x for x in _SCOPE_EXTRAS if x not in scope] or ["技术服务"]
                new["business_scope"] = f"{scope}；{rng.choice(extra)}。"
            return True
        if rec.type_id == "inspection":
            if rng.random() < 0.5:
                new["inspection_content"] = new.get("inspection_content", "") + "另查看了消防通道。"
            else:
                new["result_description"] = new["result_description"] + "（已拍照取证）"
            return True
        if rec.type_id == "penalty":
            if rng.random() < 0.5:
                new["illegal_facts"] = new["illegal_facts"] + "当事人对上述违法事实无异议。"
            else:
                new["legal_basis"] = new["legal_basis"] + "、《中华人民共和国行政处罚法》第三十二条"
            return True
        if rec.type_id == "lightning_report":
            company: _Company = rec.info["company"]
            choice = rng.randrange(3)
            if choice == 0:
                new["reviewer"] = rng.choice([s for s in company.staff if s != new["inspector"]])
            elif choice == 1:
                new["site_address"] = (
                    new.get("site_address", "") + f"（{new.get('site_name', '')}）"
                )
            else:
                new["basis"] = [*(new.get("basis") or []), "QX/T 232-2019"]
            return True
        if rec.type_id == "hazard":
            if rng.random() < 0.5:
                new["description"] = new["description"] + "已告知单位负责人。"
            else:
                new["location"] = (new.get("location") or "") + "（现场复核确认）"
            return True
        return False

    # -- defects and sloppiness -----------------------------------------------------------------

    def _break(self, draft: _Draft, record: dict[str, Any]) -> str:
        """Plant one realistic defect in ``record``; returns its name."""
        rng = self.rng
        level = draft.source.spec.level
        options: list[str] = {
            "supervised_entity": [
                "uscc_check",
                "uscc_letter_i",
                "id_check",
                "missing_name",
                "status_label",
                "capital_text",
                "phone_digits",
            ],
            "inspection": [
                "counterparty_check",
                "agency_check",
                "missing_result",
                "object_type_code",
                "submitted_before_inspection",
                "item_code_number",
                "inspectors_certs",
                "id_type_mismatch",
            ],
            "penalty": [
                "missing_doc_no",
                "decision_before_filing",
                "fine_missing",
                "penalty_kind_label",
                "legal_review_date_missing",
                "boolean_text",
                "agency_check",
            ],
            "lightning_report": [
                "qualification_class",
                "conclusion_pass_with_fail",
                "advice_missing",
                "next_before_inspection",
                "inspection_kind_label",
                "unit_uscc_check",
            ],
            "hazard": [
                "level_label",
                "major_without_deadline",
                "deadline_before_discovery",
                "status_label",
                "missing_description",
                "unit_uscc_check",
            ],
        }[draft.type_id]
        if level != "county":  # a stale code table; a retired code of the source's own city
            options.append("retired_region")
        defect = "retired_region" if level != "county" and rng.random() < 0.3 else ""
        defect = defect or rng.choice(options)
        if defect == "retired_region":
            region_city = record["region_code"][:4] + "00"
            record["region_code"] = rng.choice(RETIRED_CODES[region_city])
        elif defect in ("uscc_check", "agency_check", "unit_uscc_check", "counterparty_check"):
            name = {
                "uscc_check": "uscc",
                "agency_check": "implementing_agency_code",
                "unit_uscc_check": "inspected_unit_uscc"
                if draft.type_id == "lightning_report"
                else "unit_uscc",
                "counterparty_check": "counterparty_id",
            }[defect]
            resident = name == "counterparty_id" and record["counterparty_id_type"] == "111"
            record[name] = _bad_check(record[name], rng, resident=resident)
        elif defect == "uscc_letter_i":  # I typed for 1: not guessed, unlike O for 0
            code = record["uscc"]
            spot = next((i for i in range(8, 16) if code[i] == "1"), None)
            if spot is None:
                record["uscc"], defect = _bad_check(code, rng), "uscc_check"
            else:
                record["uscc"] = code[:spot] + "I" + code[spot + 1 :]
        elif defect == "id_check":
            record["legal_rep_id_number"] = _bad_check(
                record["legal_rep_id_number"], rng, resident=True
            )
        elif defect == "missing_name":
            del record["name"]
        elif defect == "status_label":
            record["status"] = "存续" if draft.type_id == "supervised_entity" else "已整改"
        elif defect == "capital_text":
            record["registered_capital"] = f"{record.get('registered_capital', '50.00')[:-3]}万元"
        elif defect == "phone_digits":
            record["contact_phone"] = f"1{rng.choice('3578')}{rng.randrange(10**8):08d}"
        elif defect == "missing_result":
            del record["inspection_result"]
        elif defect == "object_type_code":
            record["object_type"] = "99"
        elif defect == "submitted_before_inspection":
            when = dt.datetime.fromisoformat(record["inspection_time"])
            record["submitted_at"] = _ts(when - dt.timedelta(days=1))
        elif defect == "item_code_number":
            record["item_code"] = int(record["item_code"])
        elif defect == "inspectors_certs":
            record["inspector_cert_nos"] = record["inspector_cert_nos"][:1]
            if len(record["inspectors"]) == 1:
                record["inspectors"].append(_person(rng))
        elif defect == "id_type_mismatch":
            record["counterparty_id_type"] = (
                "111" if record["counterparty_id_type"] == "001" else "001"
            )
        elif defect == "missing_doc_no":
            del record["penalty_doc_no"]
        elif defect == "decision_before_filing":
            filing = dt.date.fromisoformat(record["filing_date"])
            record["decision_date"] = (filing - dt.timedelta(days=rng.randint(1, 5))).isoformat()
        elif defect == "fine_missing":
            record["penalty_kinds"] = ["03"]
            record.pop("fine_amount", None)
        elif defect == "penalty_kind_label":
            record["penalty_kinds"] = ["罚款" if "03" in record["penalty_kinds"] else "警告"]
        elif defect == "legal_review_date_missing":
            record["legal_review"] = True
            record.pop("legal_review_date", None)
            record.setdefault("legal_review_opinion", "同意。")
        elif defect == "boolean_text":
            record["hearing"] = "无"
        elif defect == "qualification_class":
            record["agency_qualification"] = "B"
            if record["protection_class"] == "3":
                record["protection_class"] = "2"
        elif defect == "conclusion_pass_with_fail":
            record["items"][0]["conclusion"] = "fail"
            record["overall_conclusion"] = "pass"
        elif defect == "advice_missing":
            record["overall_conclusion"] = "fail"
            record["items"][-1]["conclusion"] = "fail"
            record.pop("rectification_advice", None)
        elif defect == "next_before_inspection":
            day = dt.date.fromisoformat(record["inspection_date"])
            record["next_inspection_date"] = (day - dt.timedelta(days=365)).isoformat()
        elif defect == "inspection_kind_label":
            record["inspection_kind"] = "定期检测"
        elif defect == "level_label":
            record["hazard_level"] = "一般" if record["hazard_level"] == "general" else "重大"
        elif defect == "major_without_deadline":
            record["hazard_level"] = "major"
            record.pop("rectification_deadline", None)
        elif defect == "deadline_before_discovery":
            day = dt.date.fromisoformat(record["discovered_date"])
            record["rectification_deadline"] = (day - dt.timedelta(days=5)).isoformat()
        elif defect == "missing_description":
            del record["description"]
        return defect

    def _sloppy(self, type_id: str, record: dict[str, Any]) -> None:
        """Formatting an aggregating platform introduces; every change normalises back."""
        rng = self.rng
        ops = rng.sample(
            ("pad", "lower", "fullwidth", "offset", "date", "brackets", "bool", "money"),
            rng.randint(2, 4),
        )
        codes = [f for f in _CODE_FIELDS[type_id] if isinstance(record.get(f), str)]
        if "pad" in ops:
            texts = [k for k, v in record.items() if isinstance(v, str) and k not in _META]
            for key in rng.sample(texts, min(len(texts), rng.randint(1, 3))):
                record[key] = rng.choice((" {} ", "{}  ", "\u3000{}", " {}")).format(record[key])
        if "lower" in ops:
            for key in codes:
                if any(c.isalpha() for c in record[key]) and rng.random() < 0.7:
                    record[key] = record[key].lower()
        if "fullwidth" in ops and codes:
            for key in rng.sample(codes, min(len(codes), rng.randint(1, 2))):
                record[key] = record[key].translate(_FULLWIDTH)
        if "offset" in ops:
            for key in _TIME_FIELDS:
                value = record.get(key)
                if isinstance(value, str) and value.endswith("+08:00"):
                    value = value.removesuffix("+08:00")
                    record[key] = value.replace("T", " ") if rng.random() < 0.5 else value
        if "date" in ops:
            form = rng.choice(
                ("{y}/{m:02d}/{d:02d}", "{y}/{m}/{d}", "{y}{m:02d}{d:02d}", "{y}年{m}月{d}日")
            )
            for key in _DATE_FIELDS[type_id]:
                value = record.get(key)
                if isinstance(value, str) and len(value) == 10:
                    day = dt.date.fromisoformat(value)
                    record[key] = form.format(y=day.year, m=day.month, d=day.day)
        if "brackets" in ops and isinstance(record.get("penalty_doc_no"), str):
            left, right = rng.choice((("[", "]"), ("(", ")"), ("（", "）"), ("【", "】")))
            record["penalty_doc_no"] = (
                record["penalty_doc_no"].replace("〔", left).replace("〕", right)
            )
        if "bool" in ops:
            for key in _BOOL_FIELDS:
                if isinstance(record.get(key), bool):
                    record[key] = "是" if record[key] else "否"
        if "money" in ops:
            for key in _MONEY_FIELDS:
                value = record.get(key)
                if isinstance(value, str):
                    amount = Decimal(value)
                    record[key] = int(amount) if amount == amount.to_integral() else float(amount)


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def _bad_check(code: str, rng: random.Random, *, resident: bool = False) -> str:
    """The same USCC (or resident ID number) with a wrong check character."""
    alphabet = "0123456789X" if resident else USCC_ALPHABET
    return code[:-1] + rng.choice([c for c in alphabet if c != code[-1]])


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, 28))


def _closed(record: Mapping[str, Any]) -> bool:
    """A penalty closed or a hazard struck off: no business step left."""
    return "closing_date" in record or (record.get("status") == "4" and "hazard_no" in record)


def _content(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in _META}


def generate_province(records: int, seed: int = 1) -> Province:
    """Zhejiang's sources and about ``records`` submissions in arrival order (deterministic)."""
    if records < 0:
        raise ValueError("records must not be negative")
    return _Generator(records, seed).run()
