"""Updates: the next business step of a record, or a correction of its content.

Penalties get paid (or deferred, or appealed) and closed, hazards are rectified and struck off,
inspections turn into cases, entities are deregistered. A correction changes content and adds no
date, so it applies to any version, including the previous one that a stale update rewrites.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hub.testing.province.clock import cn_date
from hub.testing.province.domains import DOMAIN, SCOPE_EXTRAS
from hub.testing.province.records import Rec, money
from hub.testing.province.sources import Company
from hub.testing.province.state import State

__all__ = ["correct", "lifecycle"]


def lifecycle(state: State, rec: Rec, new: dict[str, Any]) -> bool:
    """The next business step of a record, applied to ``new``; False when there is none."""
    rng, today = state.rng, state.now.date()
    if rec.type_id == "penalty":
        if "closing_date" in new:
            return False
        decision = dt.date.fromisoformat(new["decision_date"])
        if new.get("execution_method") is None and rng.random() < 0.3:
            if rng.random() < 0.5 and "fine_amount" in new:
                until = cn_date(decision + dt.timedelta(days=90))
                new["execution_method"] = "4"
                new["execution_result"] = f"当事人申请延期缴纳罚款，经批准延期至{until}。"
            else:
                new["admin_review"] = True
                new["execution_result"] = "当事人已申请行政复议，复议期间不停止执行。"
            return True
        paid = decision + dt.timedelta(days=rng.randint(0, max(0, (today - decision).days)))
        total = sum(Decimal(new.get(k) or 0) for k in ("fine_amount", "confiscated_amount"))
        if total:
            new["fine_paid"] = money(total)
            new["execution_result"] = f"当事人已于{cn_date(paid)}缴清罚没款。"
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
            + f"涉嫌{DOMAIN[rec.info['domain']].violation}，已移交立案调查。"
        )
        state.pending_penalties.append(rec)
        return True
    if rec.type_id == "supervised_entity":
        if new.get("status") != "1" or rng.random() < 0.7:
            return False
        new["status"] = rng.choice(("3", "3", "6"))
        return True
    return False


def correct(state: State, rec: Rec, new: dict[str, Any]) -> bool:
    """A correction of ``new``'s content that adds no date; False when none applies."""
    rng = state.rng
    if rec.type_id == "supervised_entity":
        choice = rng.randrange(3)
        if choice == 0:
            new["contact_phone"] = state.phone(rec.region)
        elif choice == 1:
            new["business_address"] = state.address(rec.region)
        else:
            scope = new.get("business_scope", "").rstrip("。")
            extra = [x for x in SCOPE_EXTRAS if x not in scope] or ["技术服务"]
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
        company: Company = rec.info["company"]
        choice = rng.randrange(3)
        if choice == 0:
            new["reviewer"] = rng.choice([s for s in company.staff if s != new["inspector"]])
        elif choice == 1:
            new["site_address"] = new.get("site_address", "") + f"（{new.get('site_name', '')}）"
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
