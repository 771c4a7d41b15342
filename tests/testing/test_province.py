"""The synthetic province: sources, least privilege, and the promises of each submission kind."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections import Counter
from typing import Any

import pytest

from hub.standard import Outcome, Standard, Validator
from hub.testing.province import (
    KINDS,
    RETIRED_CODES,
    TARGET_SHARES,
    Province,
    SourceSpec,
    Submission,
    generate_province,
)

META = frozenset({"source_record_id", "updated_at", "submitted_at", "submitter"})
LEVELS = {"county": 0, "city": 1, "province": 2}
Identity = tuple[str, ...]


def inside(source: SourceSpec, region: str) -> bool:
    """Least privilege: the record's region lies within the source's."""
    if source.level == "county":
        return region == source.region_code
    prefix = 4 if source.level == "city" else 2
    return region[:prefix] == source.region_code[:prefix]


def content(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in META}


def judge(province: Province, validator: Validator) -> list[Outcome]:
    return [validator.validate(s.record_type, s.record) for s in province.submissions]


def check_stream(province: Province, outcomes: list[Outcome]) -> None:
    """Every promise of the stream, in arrival order."""
    sources = {s.source_id: s for s in province.sources}
    current: dict[Identity, tuple[dt.datetime, dict[str, Any]]] = {}
    owner: dict[Identity, SourceSpec] = {}
    for n, (sub, outcome) in enumerate(zip(province.submissions, outcomes, strict=True)):
        where = f"#{n} {sub.kind} {sub.record_type} from {sub.source_id}"
        source = sources[sub.source_id]
        assert sub.record_type in source.record_types, where
        assert (sub.defect is not None) == (sub.kind == "invalid"), where
        if sub.kind == "invalid":
            assert not outcome.verdict.valid, where
            region = sub.record.get("region_code")
            assert isinstance(region, str), where
            assert inside(source, region.strip()), where
            continue
        errors = [(v.rule, v.field) for v in outcome.verdict.errors]
        assert outcome.verdict.valid, f"{where}: {errors}"
        assert outcome.record is not None and outcome.identity is not None
        record, identity = outcome.record, outcome.identity
        assert inside(source, record["region_code"]), where
        updated: dt.datetime = record["updated_at"]
        if sub.kind == "original":
            assert identity not in current, f"{where}: identity seen before"
            current[identity] = (updated, content(record))
            owner[identity] = source
            continue
        assert identity in current, f"{where}: no earlier version"
        latest, latest_content = current[identity]
        if sub.kind == "cross_level_duplicate":
            original = owner[identity]
            assert sub.source_id != original.source_id, where
            assert LEVELS[source.level] > LEVELS[original.level], where
            assert inside(source, original.region_code), where
            assert updated == latest, where
            assert content(record) == latest_content, where
        elif sub.kind == "update":
            assert updated > latest, where
            assert content(record) != latest_content, where
            current[identity] = (updated, content(record))
        else:
            assert sub.kind == "stale_update", where
            assert updated < latest, where
            assert content(record) != latest_content, where


@pytest.fixture(scope="module")
def province() -> Province:
    return generate_province(2000, seed=7)


@pytest.fixture(scope="module")
def outcomes(province: Province, validator: Validator) -> list[Outcome]:
    return judge(province, validator)


def test_deterministic_for_a_seed() -> None:
    first = generate_province(400, seed=3)
    assert first == generate_province(400, seed=3)
    assert first.submissions != generate_province(400, seed=4).submissions
    assert first.sources == generate_province(400, seed=4).sources  # the bureaus are real


def test_sources_are_real_bureaus_of_zhejiang(standard: Standard) -> None:
    province = generate_province(10)
    regions = standard.regions
    assert (province.code, province.name) == ("330000", "浙江省")
    ids = [s.source_id for s in province.sources]
    assert len(set(ids)) == len(ids)
    by_level = Counter(s.level for s in province.sources)
    assert set(by_level) == {"province", "city", "county"}
    for source in province.sources:
        assert re.fullmatch(r"[a-z0-9-]+", source.source_id)
        assert source.region_code in source.source_id
        assert regions.in_use(source.region_code, 2025), source
        name = regions.name(source.region_code, 2025)
        assert name and name in source.department, source
        assert source.department.endswith(("市场监督管理局", "气象局")), source
        assert source.record_types
        if source.level != "province":
            assert inside(
                next(s for s in province.sources if s.level == "province"), source.region_code
            )
    cities = {s.region_code for s in province.sources if s.level == "city"}
    assert 3 <= len(cities) <= 4
    counties = {s.region_code for s in province.sources if s.level == "county"}
    for city in cities:
        assert 2 <= sum(c[:4] == city[:4] for c in counties) <= 3
        # the province's own retired codes: known to the table, not in use any more
        for code in RETIRED_CODES[city]:
            assert code[:4] == city[:4]
            assert regions.known(code) and not regions.in_use(code, 2025)
    assert regions.in_use("330182", 2025)  # 建德市: not retired


def test_every_promise_of_the_stream(province: Province, outcomes: list[Outcome]) -> None:
    check_stream(province, outcomes)


@pytest.mark.parametrize(("records", "seed"), [(0, 1), (1, 1), (10, 2), (57, 3), (300, 4)])
def test_small_streams_keep_the_promises(records: int, seed: int, validator: Validator) -> None:
    province = generate_province(records, seed)
    assert len(province.submissions) == records
    check_stream(province, judge(province, validator))


def test_other_seeds_keep_the_promises(validator: Validator) -> None:
    for seed in (11, 12):
        province = generate_province(1500, seed)
        check_stream(province, judge(province, validator))


def test_shares(province: Province) -> None:
    assert len(province.submissions) == 2000
    counts = Counter(s.kind for s in province.submissions)
    assert set(counts) == set(KINDS)
    for kind, share in TARGET_SHARES.items():
        assert abs(counts[kind] / 2000 - share) <= 0.03, (kind, counts[kind])
    types = Counter(s.record_type for s in province.submissions)
    assert set(types) == {
        "supervised_entity",
        "inspection",
        "penalty",
        "lightning_report",
        "hazard",
    }


def test_originals_are_clean(province: Province, outcomes: list[Outcome]) -> None:
    for sub, outcome in zip(province.submissions, outcomes, strict=True):
        if sub.kind == "original":
            assert not outcome.verdict.warnings, (sub.record_type, outcome.verdict.rules)


def test_duplicates_are_sloppy_but_normalisable(
    province: Province, outcomes: list[Outcome]
) -> None:
    dups = [
        o
        for s, o in zip(province.submissions, outcomes, strict=True)
        if s.kind == "cross_level_duplicate"
    ]
    changed = [o for o in dups if o.verdict.changes]
    assert len(changed) >= 0.8 * len(dups)
    kinds = {kind for o in changed for change in o.verdict.changes for kind in change.kinds}
    for expected in (
        "trim",
        "uppercase",
        "fullwidth",
        "timezone_assumed",
        "date_format",
        "brackets",
    ):
        assert expected in kinds


def test_references_between_records(province: Province, outcomes: list[Outcome]) -> None:
    entities: set[str] = set()
    inspections: dict[str, dict[str, Any]] = {}
    reports: dict[str, dict[str, Any]] = {}
    persons = 0
    for sub, outcome in zip(province.submissions, outcomes, strict=True):
        if sub.kind == "invalid" or outcome.record is None:
            continue
        record = outcome.record
        if sub.record_type == "supervised_entity":
            entities.add(record["uscc"])
            assert record["uscc"][2:8] in (record["region_code"], record["region_code"][:4] + "00")
        elif sub.record_type == "inspection":
            if record["counterparty_id_type"] == "001":
                assert record["counterparty_id"] in entities
            else:
                persons += 1
            assert record["impl_list_code"].startswith(record["implementing_agency_code"])
            inspections[record["action_no"]] = record
        elif sub.record_type == "penalty":
            parent = inspections[record["inspection_action_no"]]
            for key in ("counterparty_id", "implementing_agency_code", "item_code", "region_code"):
                assert record[key] == parent[key], key
            assert record["decision_date"] >= parent["inspection_time"].date()
        elif sub.record_type == "lightning_report":
            reports[record["report_no"]] = record
        elif sub.record_type == "hazard" and record["source_report_no"] is not None:
            report = reports[record["source_report_no"]]
            assert record["agency_code"] == report["agency_code"]
            assert record["unit_uscc"] == report["inspected_unit_uscc"]
            assert report["overall_conclusion"] == "fail"
    assert persons > 0


def test_agencies_are_the_bureaus(province: Province, outcomes: list[Outcome]) -> None:
    sources = {s.source_id: s for s in province.sources}
    for sub, outcome in zip(province.submissions, outcomes, strict=True):
        if sub.kind != "original" or sub.record_type not in ("inspection", "penalty"):
            continue
        assert outcome.record is not None
        code = outcome.record["implementing_agency_code"]
        source = sources[sub.source_id]
        assert code[:2] == "11" and code[2:8] == source.region_code
        assert outcome.record["implementing_agency"] == source.department


def test_a_record_worth_tracing(province: Province, outcomes: list[Outcome]) -> None:
    versions: Counter[Identity] = Counter()
    duplicates: dict[Identity, set[str]] = {}
    for sub, outcome in zip(province.submissions, outcomes, strict=True):
        if outcome.identity is None:
            continue
        if sub.kind == "update":
            versions[outcome.identity] += 1
        elif sub.kind == "cross_level_duplicate":
            duplicates.setdefault(outcome.identity, set()).add(sub.source_id)
    traced = [i for i, n in versions.items() if n >= 2 and duplicates.get(i)]
    assert len(traced) >= 5
    assert len({identity[0] for identity in traced}) >= 2  # of several record types
    assert any(len(duplicates[i]) >= 2 for i in traced)  # re-sent by the city and the province


def test_invalid_defects_are_varied(province: Province) -> None:
    invalid = [s for s in province.submissions if s.kind == "invalid"]
    defects = Counter(s.defect for s in invalid)
    assert len(defects) >= 15
    assert "retired_region" in defects
    for sub in invalid:
        if sub.defect == "retired_region":
            assert sub.record["region_code"] in RETIRED_CODES[sub.record["region_code"][:4] + "00"]


def test_times_run_through_2025(province: Province, outcomes: list[Outcome]) -> None:
    stamps = [o.record["updated_at"] for o in outcomes if o.record is not None]
    assert min(stamps).date() >= dt.date(2025, 1, 2)
    assert max(stamps).date() <= dt.date(2025, 12, 31)
    originals = [
        o.record["updated_at"]
        for s, o in zip(province.submissions, outcomes, strict=True)
        if s.kind == "original" and o.record is not None
    ]
    assert originals == sorted(originals)  # sources send their new records as they make them


def test_submission_records_are_json_ready() -> None:
    for sub in generate_province(300, seed=5).submissions:
        assert isinstance(sub, Submission)
        assert json.loads(json.dumps(sub.record)) == sub.record


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError):
        generate_province(-1)


def test_ten_thousand_records_are_quick() -> None:
    start = time.perf_counter()
    province = generate_province(10_000)
    elapsed = time.perf_counter() - start
    assert len(province.submissions) == 10_000
    assert elapsed < 5.0, elapsed
