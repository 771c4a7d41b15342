"""The /v1 query API over a loaded province, on SQLite and PostgreSQL: every endpoint's numbers
are the read models' and ``hub status``'s, and the roles hold (a viewer of one county sees that
county only, personal data masked; an auditor reads everything)."""

from __future__ import annotations

import io
import itertools
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from hub.projections.dossier import ENTITY_LINKS
from hub.projections.provenance import PROVENANCE
from hub.projections.records import CURRENT
from hub.query.dossier import dossier
from hub.query.regions import region_totals
from hub.query.scorecards import hub_today, scorecards
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.factories import make_uscc
from tests.query.api import query_app, served
from tests.query.signin import headers

OPERATOR = headers("operator")
AUDITOR = headers("auditor")
XIHU = headers("viewer", "330106")  # 杭州市西湖区
HANGZHOU = headers("viewer", "330100")


@pytest.fixture(scope="module")
def client(province: HubSettings) -> Iterator[TestClient]:
    with served(province) as opened:
        yield opened


@pytest.fixture(scope="module")
def hub(province: HubSettings) -> Iterator[EmbeddedHub]:
    with EmbeddedHub(province) as opened:
        yield opened


def _records(hub: EmbeddedHub, record_type: str) -> list[dict[str, Any]]:
    rows = hub.views.rows(CURRENT, where={"record_type": [record_type]})
    return [dict(zip(CURRENT.names, r, strict=True)) for r in rows]


def _entity(hub: EmbeddedHub, region: str) -> dict[str, Any]:
    return next(
        r
        for r in sorted(_records(hub, "supervised_entity"), key=lambda r: r["record_id"])
        if r["region_code"] == region and r["content"].get("legal_rep_id_number")
    )


def test_nothing_without_signing_in(client: TestClient) -> None:
    for path in ("/v1/status", "/v1/regions", "/v1/trace?q=rec-x", "/v1/records/rec-0"):
        reply = client.get(path)
        assert reply.status_code == 401, path
        assert reply.json()["error"]["code"] == "API.SIGN_IN"


def test_status_is_hub_status(client: TestClient, hub: EmbeddedHub) -> None:
    for who in (OPERATOR, AUDITOR):
        reply = client.get("/v1/status", headers=who)
        assert reply.status_code == 200
        assert reply.json() == hub.status()
    assert client.get("/v1/status", headers=XIHU).status_code == 403


def test_the_map_opens_on_the_province_with_the_read_models_numbers(
    client: TestClient, hub: EmbeddedHub
) -> None:
    body = client.get("/v1/regions", headers=AUDITOR).json()
    assert (body["parent"], body["parent_name"], body["level"]) == ("330000", "浙江省", "city")
    assert [m["name"] for m in body["measures"]][:3] == [
        "records",
        "rejections",
        "duplicates_avoided",
    ]
    totals = region_totals(hub.views, hub.store, "330000", standard_root=hub.standard.root)
    assert body["regions"] == [r.to_dict() for r in totals.children]
    assert body["total"] == totals.area.to_dict()
    status = hub.status()
    assert body["total"]["records"] == status["canonical_records"]
    assert body["total"]["rejections"] == status["rejected"]
    drilled = client.get("/v1/regions?parent=330100", headers=OPERATOR).json()
    assert drilled["level"] == "county"
    assert "330106" in {r["code"] for r in drilled["regions"]}
    country = client.get("/v1/regions?parent=000000", headers=OPERATOR).json()
    assert country["parent"] is None and len(country["regions"]) == 34


def test_a_county_viewer_sees_its_county_only(client: TestClient) -> None:
    opened = client.get("/v1/regions", headers=XIHU).json()
    assert opened["parent"] == "330100"
    assert [r["code"] for r in opened["regions"]] == ["330106"]
    assert opened["total"] is None and opened["own"] is None  # the city's numbers are not its
    province = client.get("/v1/regions?parent=330000", headers=XIHU).json()
    assert province["regions"] == [] and province["total"] is None
    city = client.get("/v1/regions", headers=HANGZHOU).json()
    assert city["parent"] == "330100" and len(city["regions"]) > 3
    assert city["total"]["code"] == "330100"


def test_a_county_has_no_children_and_bad_codes_are_refused(client: TestClient) -> None:
    county = client.get("/v1/regions?parent=330106", headers=OPERATOR).json()
    assert county["regions"] == [] and county["level"] == "county"
    assert county["own"]["records"] == county["total"]["records"] > 0
    bad = client.get("/v1/regions?parent=33x", headers=OPERATOR)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "API.PARAMS"


def test_a_record_as_each_role_sees_it(client: TestClient, hub: EmbeddedHub) -> None:
    row = _entity(hub, "330106")
    path = f"/v1/records/{row['record_id']}"
    full = client.get(path, headers=OPERATOR).json()
    assert full["content"] == row["content"] and not full["masked"]
    assert full["version"] == row["version"] and full["region_code"] == "330106"
    assert client.get(path, headers=AUDITOR).json()["content"] == row["content"]
    seen = client.get(path, headers=XIHU).json()
    assert seen["masked"]
    number = row["content"]["legal_rep_id_number"]
    assert seen["content"]["legal_rep_id_number"] == number[0] + "*" * 16 + number[-1]
    assert seen["content"]["uscc"] == row["content"]["uscc"]  # not personal: as stored
    elsewhere = _entity(hub, "330108")
    hidden = client.get(f"/v1/records/{elsewhere['record_id']}", headers=XIHU)
    assert hidden.status_code == 404
    assert hidden.json()["error"]["message"].startswith("没有这条记录")
    assert client.get(f"/v1/records/{elsewhere['record_id']}", headers=HANGZHOU).status_code == 200
    missing = client.get("/v1/records/rec-" + "0" * 26, headers=OPERATOR)
    assert missing.status_code == 404


def test_history_is_the_version_chain(client: TestClient, hub: EmbeddedHub) -> None:
    row = max(_records(hub, "supervised_entity"), key=lambda r: (r["version"], r["record_id"]))
    assert row["version"] > 1
    body = client.get(f"/v1/records/{row['record_id']}/history", headers=OPERATOR).json()
    versions = body["versions"]
    assert [v["version"] for v in versions] == list(range(1, row["version"] + 1))
    assert versions[0]["prev_hash"] is None
    for before, after in itertools.pairwise(versions):
        assert after["prev_hash"] == before["version_hash"]
    assert versions[-1]["version_hash"] == row["version_hash"]
    region = row["region_code"]
    viewer = headers("viewer", region)
    masked = client.get(f"/v1/records/{row['record_id']}/history", headers=viewer).json()
    assert masked["masked"] and len(masked["versions"]) == len(versions)
    other = headers("viewer", "330783" if region != "330783" else "330106")
    assert client.get(f"/v1/records/{row['record_id']}/history", headers=other).status_code == 404


def test_a_record_by_its_business_identity(client: TestClient, hub: EmbeddedHub) -> None:
    row = _entity(hub, "330106")
    uscc = row["content"]["uscc"]
    reply = client.get(f"/v1/records?type=supervised_entity&identity={uscc}", headers=OPERATOR)
    assert reply.status_code == 200 and reply.json()["record_id"] == row["record_id"]
    sloppy = " " + uscc.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    again = client.get("/v1/records", params={"type": "supervised_entity", "identity": sloppy},
                       headers=OPERATOR)  # fmt: skip
    assert again.json()["record_id"] == row["record_id"]  # normalised as the validator does
    hazard = _records(hub, "hazard")[0]
    parts = [hazard["content"]["hazard_no"], hazard["content"]["agency_code"]]
    found = client.get("/v1/records", params={"type": "hazard", "identity": parts},
                       headers=OPERATOR)  # fmt: skip
    assert found.json()["record_id"] == hazard["record_id"]
    wrong = client.get("/v1/records", params={"type": "hazard", "identity": parts[:1]},
                       headers=OPERATOR)  # fmt: skip
    assert wrong.status_code == 422
    assert "hazard_no + agency_code" in wrong.json()["error"]["message_en"]
    unknown = client.get("/v1/records?type=nothing&identity=1", headers=OPERATOR)
    assert unknown.status_code == 404


def test_trace_in_the_hubs_time_zone(client: TestClient, hub: EmbeddedHub) -> None:
    row = _entity(hub, "330106")
    body = client.get(f"/v1/trace?q={row['record_id']}", headers=OPERATOR).json()
    assert body["records"] == [row["record_id"]]
    streams = [e["stream"] for e in body["entries"]]
    assert streams[0] == "submissions" and "records" in streams and "verdicts" in streams
    assert all(e["recorded_at"].endswith("+08:00") for e in body["entries"])
    first = body["entries"][0]
    by_source = client.get(
        "/v1/trace", params={"q": f"{first['source_id']}:{first['source_record_id']}"},
        headers=XIHU,
    )  # fmt: skip
    assert by_source.status_code == 200
    assert row["record_id"] in by_source.json()["records"]
    by_submission = client.get(f"/v1/trace?q={first['submission_id']}", headers=AUDITOR).json()
    assert row["record_id"] in by_submission["records"]
    outside = client.get(f"/v1/trace?q={row['record_id']}", headers=headers("viewer", "330783"))
    assert outside.status_code == 404
    assert client.get("/v1/trace?q=nonsense", headers=OPERATOR).status_code == 422


def test_scorecards_rank_as_the_read_models_say(client: TestClient, hub: EmbeddedHub) -> None:
    tz = hub.settings.policy().timezone
    cards = scorecards(hub.views, today=hub_today(tz), days=366, sources=hub.store.sources())
    body = client.get("/v1/scorecards?days=366", headers=AUDITOR).json()
    assert body["days"] == 366 and body["by"] == "source"
    got = body["scorecards"]
    assert [c["source_id"] for c in got] == [c.source_id for c in cards]
    assert got[0] == {**cards[0].to_dict(), "sources": None}
    assert sum(c["rejected"] for c in got) == hub.status()["rejected"]
    mine = client.get("/v1/scorecards?days=366", headers=XIHU).json()["scorecards"]
    assert mine and {c["region"] for c in mine} == {"330106"}
    departments = client.get("/v1/scorecards?days=366&by=department", headers=OPERATOR).json()
    assert all(c["sources"] for c in departments["scorecards"])
    source = got[0]["source_id"]
    trend = client.get(f"/v1/scorecards/{source}/trend?days=366", headers=OPERATOR).json()
    assert len(trend["trend"]) == 366
    assert sum(p["submissions"] for p in trend["trend"]) <= got[0]["submissions"]
    elsewhere = next(c["source_id"] for c in got if c["region"] not in (None, "330106"))
    assert client.get(f"/v1/scorecards/{elsewhere}/trend", headers=XIHU).status_code == 404
    assert client.get("/v1/scorecards?days=0", headers=OPERATOR).status_code == 422


def test_scorecards_export_as_xlsx_and_csv(client: TestClient, hub: EmbeddedHub) -> None:
    xlsx = client.get("/v1/scorecards.xlsx?days=366", headers=OPERATOR)
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) - 1 == len(hub.store.sources())
    csv = client.get("/v1/scorecards.csv?days=366", headers=XIHU)
    text = csv.content.decode("utf-8-sig")
    assert csv.content.startswith(b"\xef\xbb\xbf")
    lines = text.strip().splitlines()
    assert len(lines) > 1 and all("330106" in line for line in lines[1:])


def test_an_entitys_dossier_and_the_search_box(client: TestClient, hub: EmbeddedHub) -> None:
    row = _entity(hub, "330106")
    uscc = row["content"]["uscc"]
    expected = dossier(hub.views, uscc, standard=hub.standard).to_dict()
    body = client.get(f"/v1/entities/{uscc}", headers=OPERATOR).json()
    assert body["found"] and body["count"] == expected["count"] >= 1
    assert [e["record_id"] for e in body["entries"]] == [
        e["record_id"] for e in expected["entries"]
    ]
    assert row["record_id"] in {e["record_id"] for e in body["entries"]}
    assert client.get(f"/v1/entities/{uscc}", headers=XIHU).json()["found"]
    hidden = client.get(f"/v1/entities/{uscc}", headers=headers("viewer", "330783")).json()
    assert not hidden["found"] and hidden["entries"] == [] and hidden["groups"] == []
    bad = client.get("/v1/entities/not-a-uscc", headers=OPERATOR)
    assert bad.status_code == 404 and bad.json()["error"]["rule"] == "USCC.LENGTH"
    assert bad.json()["error"]["message"].startswith("统一社会信用代码应为 18 位")
    unit = client.get("/v1/equipment/" + "1" * 63, headers=OPERATOR)
    assert unit.status_code == 404 and unit.json()["error"]["rule"] == "EQUIP.FORMAT"
    found = client.get("/v1/search", params={"q": uscc}, headers=OPERATOR).json()
    assert found["kind"] == "uscc" and found["dossier"]["count"] == body["count"]
    chain = client.get("/v1/search", params={"q": row["record_id"]}, headers=OPERATOR).json()
    assert chain["kind"] == "record" and chain["record_ids"] == [row["record_id"]]
    outside = headers("viewer", "330783")
    blind = client.get("/v1/search", params={"q": row["record_id"]}, headers=outside).json()
    assert not blind["found"] and blind["chain"] == []
    nothing = client.get("/v1/search", params={"q": "你好"}, headers=OPERATOR).json()
    assert nothing["kind"] == "unknown" and nothing["message"].startswith("无法识别")


def test_a_rejected_submission_is_traced_by_its_sources_area(
    client: TestClient, hub: EmbeddedHub
) -> None:
    regions = {s.source_id: s.region_code for s in hub.store.sources()}
    rows = hub.views.rows(
        PROVENANCE,
        columns=("submission_id", "source_id"),
        where={"event_type": ["verdict.rejected"]},
    )
    submission = min(s for s, o in rows if regions[o] == "330106")
    body = client.get(f"/v1/trace?q={submission}", headers=XIHU).json()
    assert body["records"] == [] and body["submissions"] == [submission]
    assert [e["event_type"] for e in body["entries"]][-1].startswith("feedback")
    assert any(e["event_type"] == "verdict.rejected" for e in body["entries"])
    assert client.get(f"/v1/trace?q={submission}", headers=HANGZHOU).status_code == 200
    outside = client.get(f"/v1/trace?q={submission}", headers=headers("viewer", "330783"))
    assert outside.status_code == 404


def test_the_app_serves_again_after_a_shutdown(province: HubSettings) -> None:
    """The readers close with the app (its shutdown) and open again on the next request."""
    app, stores = query_app(province)
    try:
        with TestClient(app) as again:
            for _ in range(3):
                assert again.get("/v1/regions", headers=OPERATOR).status_code == 200
                app.state.v1.close()
    finally:
        stores.close()


#: the demo data's natural-person counterparties: by nature 2 (自然人) or a personal document
PERSON_ID_TYPES = {"111", "414", "511", "516"}


def _natural_persons(hub: EmbeddedHub) -> tuple[list[dict[str, Any]], set[str]]:
    """The current records whose counterparty is a natural person (read from their codes, not
    from the pack's rule) and the set of their names and ID numbers, with every resident ID
    number of the demo data (entities' legal representatives)."""
    rows, secrets = [], set()
    for type_id in hub.standard.types:
        for row in _records(hub, type_id):
            content = row["content"]
            if (
                content.get("counterparty_nature") == "2"
                or content.get("counterparty_id_type") in PERSON_ID_TYPES
            ):
                rows.append(row)
                secrets |= {content["counterparty_name"], content["counterparty_id"]}
            if content.get("legal_rep_id_number"):
                secrets.add(content["legal_rep_id_number"])
    return rows, secrets


def _leaks(body: Any, secrets: set[str]) -> list[str]:
    text = json.dumps(body, ensure_ascii=False)
    return sorted(s for s in secrets if s in text)


def test_a_viewer_never_reads_a_natural_persons_name_or_id_number(
    client: TestClient, hub: EmbeddedHub
) -> None:
    persons, secrets = _natural_persons(hub)
    assert persons and {r["record_type"] for r in persons} >= {"inspection"}
    counties = sorted({r["region_code"] for r in persons})
    for region in counties:
        viewer = headers("viewer", region)
        mine = [r for r in persons if r["region_code"] == region]
        for row in mine:
            record_id = row["record_id"]
            replies = [
                client.get(f"/v1/records/{record_id}", headers=viewer),
                client.get(f"/v1/records/{record_id}/history", headers=viewer),
                client.get(f"/v1/trace?q={record_id}", headers=viewer),
                client.get("/v1/search", params={"q": record_id}, headers=viewer),
            ]
            assert all(r.status_code == 200 for r in replies), record_id
            for reply in replies:
                assert _leaks(reply.json(), secrets) == [], (record_id, reply.url)
            seen = replies[0].json()["content"]
            name = row["content"]["counterparty_name"]
            assert seen["counterparty_name"] == (name[0] + "*" * (len(name) - 2) + name[-1]
                                       if len(name) > 2 else "*" * len(name))  # fmt: skip
            assert seen["counterparty_nature"] == row["content"]["counterparty_nature"]
            # the operator (entitled to personal data) reads it as stored
            full = client.get(f"/v1/records/{record_id}", headers=OPERATOR).json()
            assert full["content"] == row["content"]
        uscc_rows = [r for r in _records(hub, "supervised_entity") if r["region_code"] == region][
            :5
        ]
        for entity in uscc_rows:
            uscc = entity["content"]["uscc"]
            for path in (f"/v1/entities/{uscc}", f"/v1/search?q={uscc}"):
                assert _leaks(client.get(path, headers=viewer).json(), secrets) == [], path


def test_a_legal_person_counterparty_stays_visible_to_a_viewer(
    client: TestClient, hub: EmbeddedHub
) -> None:
    row = next(
        r
        for r in sorted(_records(hub, "inspection"), key=lambda r: r["record_id"])
        if r["content"]["counterparty_nature"] == "1" and r["region_code"]
    )
    seen = client.get(
        f"/v1/records/{row['record_id']}", headers=headers("viewer", row["region_code"])
    ).json()
    assert seen["masked"]
    for name in ("counterparty_name", "counterparty_id", "supervised_object", "action_name"):
        assert seen["content"][name] == row["content"][name], name


def _masked_code(body: Any, code: str) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=True).replace(code, "CODE")


def test_search_answers_a_code_held_outside_the_area_as_a_code_held_nowhere(
    client: TestClient, hub: EmbeddedHub
) -> None:
    row = _entity(hub, "330106")
    code = row["content"]["uscc"]
    held = {r[0] for r in hub.views.rows(ENTITY_LINKS, columns=("uscc",))}
    absent = next(
        c for c in (make_uscc("330106", random.Random(n)) for n in range(100)) if c not in held
    )
    outside = headers("viewer", "330783")
    assert client.get("/v1/search", params={"q": code}, headers=OPERATOR).json()["found"]
    for path in ("/v1/search?q=", "/v1/entities/"):
        a = client.get(path + code, headers=outside)
        b = client.get(path + absent, headers=outside)
        assert a.status_code == b.status_code == 200, path
        assert _masked_code(a.json(), code) == _masked_code(b.json(), absent), path
    # the same codes with their check character broken: refused alike
    broken, nowhere = (c[:-1] + ("0" if c[-1] != "0" else "1") for c in (code, absent))
    for path in ("/v1/search?q=", "/v1/entities/"):
        a = client.get(path + broken, headers=outside)
        b = client.get(path + nowhere, headers=outside)
        assert a.status_code == b.status_code, path
        assert _masked_code(a.json(), broken) == _masked_code(b.json(), nowhere), path
