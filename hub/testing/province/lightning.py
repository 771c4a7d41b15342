"""Lightning-protection reports and hazards: the meteorological bureaus' records.

A qualified company tests a site's protection (class 3 sites by any company, classes 1 and 2 by
class-A ones only) and files a report with the bureau serving the site's county; a failed report
waits in ``State.pending_hazards`` until the hazard it reveals is filed (``source_report_no``).
Other hazards come from a bureau's own check. Key units (``key_unit_category`` 1) are tested every
six months, others every year.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.testing.province.clock import DAY, add_months, at, ts
from hub.testing.province.places import BRANDS, ROADS
from hub.testing.province.records import Draft, Rec, Site
from hub.testing.province.sources import Company
from hub.testing.province.state import State

__all__ = ["draft_hazard", "draft_lightning_report"]

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


def _site(state: State, county: str) -> Site:
    """A site in ``county``: once it has three, half the time one tested before."""
    rng = state.rng
    pool = state.sites[county]
    if len(pool) >= 3 and rng.random() < 0.5:
        return rng.choice(pool)
    kind, _, klass, key = rng.choices(_SITE_KINDS, _SITE_WEIGHTS)[0]
    county_name, city = state.world.counties[county]
    short, brand, road = state.world.cities[city][1], rng.choice(BRANDS), rng.choice(ROADS)
    public = kind in ("hospital", "school")
    district = county_name.endswith("区")
    local = short if district else county_name  # a company's place name
    town = state.world.cities[city][0] + county_name if district else county_name
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
    code = state.new_uscc(county, authority="1" if public else "9", kind="2" if public else "1")
    site = Site(kind, unit, code, site_name, state.address(county), klass, key, county)
    pool.append(site)
    return site


def draft_lightning_report(state: State, county: str) -> Draft:
    """A company's test report on a site in ``county``, filed with the bureau serving it."""
    rng = state.rng
    source = state.world.weather[county]
    site = _site(state, county)
    city = state.world.counties[county][1]
    able = [c for c in state.world.companies if site.klass == "3" or c.qualification == "A"]
    local = [c for c in able if c.region[:4] == city[:4]]
    company = rng.choice(local if local and rng.random() < 0.75 else able)
    day = at(max(0, state.sec - rng.randint(DAY, 8 * DAY))).date()
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
    next_day = add_months(day, months)
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
        "source_record_id": state.local_id(source, "lightning_report"),
        "updated_at": ts(state.now),
    }

    def commit(rec: Rec) -> None:
        site.reports += 1
        if fail:
            state.pending_hazards.append(rec)

    info = {"site": site, "company": company}
    return Draft("lightning_report", source, record, county, info, commit)


def draft_hazard(state: State, county: str) -> Draft:
    """A hazard a failed report revealed (mostly) or that the bureau serving ``county`` found."""
    rng = state.rng
    discovered: dt.date
    if state.pending_hazards and rng.random() < 0.7:
        report = state.pending_hazards.pop(rng.randrange(min(5, len(state.pending_hazards))))
        found, source = report.versions[-1], report.owner
        site: Site = report.info["site"]
        company: Company = report.info["company"]
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
        source = state.world.weather[county]
        site = _site(state, county)
        discovered = at(max(0, state.sec - rng.randint(DAY, 5 * DAY))).date()
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
        "source_record_id": state.local_id(source, "hazard"),
        "updated_at": ts(state.now),
    }
    return Draft("hazard", source, record, county, {"site": site})
