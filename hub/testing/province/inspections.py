"""Inspections and the penalties that follow them: the market bureaus' enforcement records.

An inspection names a registered entity (now and then a natural person) and checks what the
entity's domain prescribes; when it finds a case, the inspection waits in
``State.pending_penalties`` until a penalty is decided, which then repeats the inspection's
``action_no``, counterparty and agency. A penalty decided the day it is filed is a summary one with
a small fine; otherwise the fine lies in the domain's range, the case has a legal review, and a
major case (a fine of 100,000 yuan or more) a collective discussion.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.testing.province.clock import DAY, at, cn_date, ts
from hub.testing.province.domains import DOMAIN
from hub.testing.province.records import Draft, Rec, money
from hub.testing.province.sources import Source
from hub.testing.province.state import State

__all__ = ["draft_inspection", "draft_penalty"]


def draft_inspection(state: State, source: Source, county: str) -> Draft | None:
    """An inspection by ``source`` in ``county``; None when no one can be inspected."""
    rng = state.rng
    agency_region = source.spec.region_code
    pool = state.entities[county]
    for _ in range(5):
        when = at(max(0, state.sec - rng.randint(1800, 3 * DAY)))
        person = rng.random() < 0.06
        counterparty: dict[str, Any]
        if person:
            domain = DOMAIN[rng.choice(("food", "price"))]
            name, id_number = state.resident(county)
            counterparty = {
                "object_type": "2",
                "supervised_object": name,
                "counterparty_name": name,
                "counterparty_nature": "2",
                "counterparty_id_type": "111",
                "counterparty_id": id_number,
                "business_address": state.address(county),
            }
        else:
            if not pool:
                return None
            entity = rng.choice(pool)
            current = entity.versions[-1]
            if current.get("status", "1") != "1":
                continue
            domain = DOMAIN[entity.info["domain"]]
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
        if key not in state.inspection_keys:
            break
    else:
        return None
    state.inspection_keys.add(key)
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
        "inspection_time": ts(when),
        "inspectors": [o[0] for o in officers],
        "inspector_cert_nos": [o[1] for o in officers],
        "submitted_at": ts(state.now),
        "submitter": officers[0][0],
        "source_record_id": state.local_id(source, "inspection"),
        "updated_at": ts(state.now),
    }

    def commit(rec: Rec) -> None:
        if result == "3":
            state.pending_penalties.append(rec)

    info = {"domain": domain.key, "time": when}
    return Draft("inspection", source, record, county, info, commit)


def draft_penalty(state: State) -> Draft | None:
    """The penalty of a case an inspection found; None when no case is waiting."""
    rng = state.rng
    if not state.pending_penalties:
        return None
    inspection = state.pending_penalties.pop(rng.randrange(min(8, len(state.pending_penalties))))
    source, found = inspection.owner, inspection.versions[-1]
    domain = DOMAIN[inspection.info["domain"]]
    seen: dt.date = inspection.info["time"].date()
    today = state.now.date()
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
        result = f"没收违法所得{money(gains)}元，并处罚款{money(fine)}元。"
    else:
        result = f"罚款{money(fine)}元。"
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
            f"{cn_date(seen)}，执法人员在当事人经营场所检查时发现，当事人{domain.violation}"
            + (f"，违法所得{money(gains)}元。" if gains else "。")
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
        record["collective_discussion_conclusion"] = "经集体讨论，同意按拟定意见作出行政处罚决定。"
    record |= {
        "penalty_doc_no": doc_no,
        "decision_date": decision.isoformat(),
        "penalty_kinds": kinds,
    }
    if "03" in kinds:
        record["fine_amount"] = money(fine)
    if gains:
        record["confiscated_amount"] = money(gains)
    record["penalty_result"] = result
    if summary and rng.random() < 0.6:  # paid on the spot, closed the same day
        record |= {
            "execution_method": "1",
            "execution_result": "当事人当场缴纳罚款。" if "03" in kinds else "警告已当场送达。",
            "closing_date": decision.isoformat(),
        }
        if "03" in kinds:
            record["fine_paid"] = money(fine)
    record |= {
        "submitted_at": ts(state.now),
        "submitter": found.get("submitter") or rng.choice(source.clerks),
        "source_record_id": state.local_id(source, "penalty"),
        "updated_at": ts(state.now),
    }
    return Draft("penalty", source, record, found["region_code"])
