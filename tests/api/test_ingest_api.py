"""The ingest API on each backend: stored before the reply, verdicts in the source's own feedback,
tokens, idempotency, least privilege, limits, and garbage that is stored and rejected."""

from __future__ import annotations

import io
import re
from typing import Any

import fastavro

from hub.events.streams import SUBMISSIONS
from hub.runtime.embedded import EmbeddedHub
from hub.testing.sources import CITY, COUNTY, NARROW, OTHER_COUNTY
from tests.api.conftest import Api


def _received(api: Api) -> int:
    with EmbeddedHub(api.settings) as hub:
        return sum(hub.store.counts(SUBMISSIONS).values())


def _feedback(api: Api, source_id: str, **params: Any) -> dict[str, Any]:
    reply = api.client.get("/v1/feedback", params=params, headers=api.auth(source_id))
    assert reply.status_code == 200, reply.text
    return reply.json()  # type: ignore[no-any-return]


def _refused_count(api: Api, code: str) -> float:
    text = api.scrape()
    found = re.search(rf'hub_api_refused_total{{code="{re.escape(code)}"}} ([0-9.]+)', text)
    return float(found.group(1)) if found else 0.0


def test_a_batch_is_durable_at_the_reply_and_its_verdicts_come_back_as_feedback(
    api: Api, inspection: dict[str, Any]
) -> None:
    broken = dict(inspection, action_no="JC-1", check_date="not a date")
    reply = api.post(COUNTY.source_id, "inspection", [inspection, broken])
    assert reply.status_code == 202, reply.text
    body = reply.json()
    assert (body["received"], body["already_received"], body["refused_records"]) == (2, 0, [])
    ids = [s["submission_id"] for s in body["submissions"]]
    assert len(set(ids)) == 2 and _received(api) == 2  # stored before the reply came

    api.process()
    items = _feedback(api, COUNTY.source_id)["items"]
    status = {i["submission_id"]: i["status"] for i in items if i["kind"] == "verdict"}
    assert status == {ids[0]: "accepted_new", ids[1]: "rejected"}
    rejected = next(i for i in items if i["submission_id"] == ids[1])
    assert rejected["messages"] and all(" / " in m for m in rejected["messages"])


def test_each_source_reads_its_own_feedback_only_page_by_page(
    api: Api, inspection: dict[str, Any]
) -> None:
    records = [dict(inspection, action_no=f"JC44010620250310000{i}") for i in range(3)]
    mine = [
        s["submission_id"]
        for s in api.post(COUNTY.source_id, "inspection", records).json()["submissions"]
    ]
    theirs = api.post(CITY.source_id, "inspection", [inspection]).json()["submissions"]
    api.process()

    first = _feedback(api, COUNTY.source_id, limit=2)
    rest = _feedback(api, COUNTY.source_id, after=first["next_cursor"], limit=2)
    end = _feedback(api, COUNTY.source_id, after=rest["next_cursor"])
    seen = [i["submission_id"] for i in first["items"] + rest["items"]]
    assert sorted(seen) == sorted(mine) and len(first["items"]) == 2
    assert end == {"items": [], "next_cursor": rest["next_cursor"]}
    city = _feedback(api, CITY.source_id)["items"]
    assert [i["submission_id"] for i in city] == [theirs[0]["submission_id"]]
    assert _feedback(api, OTHER_COUNTY.source_id)["items"] == []


def test_no_token_a_wrong_one_or_a_disabled_source_store_nothing(
    api: Api, inspection: dict[str, Any]
) -> None:
    url, body = "/v1/records/inspection", {"records": [inspection]}
    assert api.client.post(url, json=body).status_code == 401
    wrong = {"Authorization": "Bearer hubsrc_not-a-token"}
    refused = api.client.post(url, json=body, headers=wrong)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "API.UNAUTHENTICATED"
    assert "hubsrc_not-a-token" not in refused.text
    with EmbeddedHub(api.settings) as hub, hub.store.transaction() as tx:
        tx.set_disabled(COUNTY.source_id, True)
    disabled = api.post(COUNTY.source_id, "inspection", [inspection])
    assert disabled.status_code == 403
    assert api.client.get("/v1/feedback", headers=api.auth(COUNTY.source_id)).status_code == 403
    assert _received(api) == 0
    assert _refused_count(api, "API.UNAUTHENTICATED") == 2
    assert _refused_count(api, "API.SOURCE_DISABLED") == 2


def test_an_idempotency_key_returns_the_first_reply_and_refuses_another_body(
    api: Api, inspection: dict[str, Any]
) -> None:
    first = api.post(COUNTY.source_id, "inspection", [inspection], **{"Idempotency-Key": "b-1"})
    again = api.post(COUNTY.source_id, "inspection", [inspection], **{"Idempotency-Key": "b-1"})
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert _received(api) == 1
    other = dict(inspection, action_no="JC440106202503100001")
    conflict = api.post(COUNTY.source_id, "inspection", [other], **{"Idempotency-Key": "b-1"})
    assert conflict.status_code == 409
    assert _received(api) == 1
    # the key is the source's own: another source may use the same one
    city = api.post(CITY.source_id, "inspection", [inspection], **{"Idempotency-Key": "b-1"})
    assert city.status_code == 202 and _received(api) == 2


def test_least_privilege_is_told_at_once_and_decided_by_the_verdict(
    api: Api, inspection: dict[str, Any]
) -> None:
    elsewhere = dict(inspection, region_code="440104", action_no="JC440104202503100001")
    reply = api.post(COUNTY.source_id, "inspection", [inspection, elsewhere]).json()
    assert [(r["index"], r["rule"]) for r in reply["refused_records"]] == [(2, "SOURCE.REGION")]
    narrow = api.post(NARROW.source_id, "inspection", [inspection]).json()
    assert [r["rule"] for r in narrow["refused_records"]] == ["SOURCE.TYPE_NOT_ALLOWED"]
    assert api.post(CITY.source_id, "inspection", [elsewhere]).json()["refused_records"] == []
    api.process()
    county = {i["submission_id"]: i for i in _feedback(api, COUNTY.source_id)["items"]}
    assert county[reply["refused_records"][0]["submission_id"]]["status"] == "rejected"
    [narrow_verdict] = _feedback(api, NARROW.source_id)["items"]
    assert narrow_verdict["status"] == "rejected"
    assert any("may not submit inspection" in m for m in narrow_verdict["messages"])


def test_limits_and_malformed_bodies_are_refused_naming_the_limit(
    api: Api, inspection: dict[str, Any]
) -> None:
    auth = api.auth(COUNTY.source_id)
    url = "/v1/records/inspection"
    big = api.client.post(
        url, content=b"x" * (65 * 1024), headers={**auth, "Content-Type": "application/json"}
    )
    assert big.status_code == 413 and big.json()["error"]["max"] == 64 * 1024
    many = api.post(COUNTY.source_id, "inspection", [{"n": i} for i in range(51)])
    assert many.status_code == 422
    assert many.json()["error"] | {"message": ""} == {
        "code": "API.LIMIT",
        "message": "",
        "limit": "records",
        "max": 50,
        "actual": 51,
    }
    long = api.post(
        COUNTY.source_id, "inspection", [inspection, dict(inspection, remarks="长" * 20_001)]
    )
    assert long.status_code == 422
    assert (long.json()["error"]["record"], long.json()["error"]["field"]) == (2, "remarks")
    malformed = api.client.post(
        url, content=b'{"records": [', headers={**auth, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "API.MALFORMED"
    text = api.client.post(url, content=b"a,b", headers={**auth, "Content-Type": "text/csv"})
    assert text.status_code == 415
    unknown = api.post(COUNTY.source_id, "no_such_type", [inspection])
    assert unknown.status_code == 404
    assert _received(api) == 0
    assert _refused_count(api, "API.LIMIT") == 2 and _refused_count(api, "API.LIMIT.BODY") == 1


def test_records_that_parse_but_break_the_standard_are_stored_and_rejected(api: Api) -> None:
    reply = api.post(COUNTY.source_id, "inspection", [42, "text", {}, None])
    assert reply.status_code == 202 and reply.json()["received"] == 4
    api.process()
    items = _feedback(api, COUNTY.source_id)["items"]
    assert [i["status"] for i in items] == ["rejected"] * 4


def test_an_avro_container_file_is_taken_like_json(api: Api, inspection: dict[str, Any]) -> None:
    schema = {
        "type": "record",
        "name": "InspectionUpload",
        "fields": [
            {
                "name": k,
                "type": {"type": "array", "items": "string"} if isinstance(v, list) else "string",
            }
            for k, v in inspection.items()
        ],
    }
    buffer = io.BytesIO()
    fastavro.writer(buffer, fastavro.parse_schema(schema), [inspection])
    as_json = api.post(COUNTY.source_id, "inspection", [inspection]).json()
    as_avro = api.client.post(
        "/v1/records/inspection",
        content=buffer.getvalue(),
        headers=api.auth(COUNTY.source_id, **{"Content-Type": "application/avro"}),
    )
    assert as_avro.status_code == 202, as_avro.text
    api.process()
    status = {i["submission_id"]: i["status"] for i in _feedback(api, COUNTY.source_id)["items"]}
    assert status[as_json["submissions"][0]["submission_id"]] == "accepted_new"
    assert status[as_avro.json()["submissions"][0]["submission_id"]] == "duplicate"
    garbage = api.client.post(
        "/v1/records/inspection",
        content=b"Obj\x01garbage",
        headers=api.auth(COUNTY.source_id, **{"Content-Type": "application/avro"}),
    )
    assert garbage.status_code == 400


def test_an_unknown_query_parameter_is_refused_not_ignored(api: Api) -> None:
    typo = api.client.get("/v1/feedback", params={"afer": 5}, headers=api.auth(COUNTY.source_id))
    assert typo.status_code == 422 and "afer" in typo.json()["error"]["message"]
    negative = api.client.get(
        "/v1/feedback", params={"after": -1}, headers=api.auth(COUNTY.source_id)
    )
    assert negative.status_code == 422 and negative.json()["error"]["code"] == "API.PARAMS"


def test_tasks_from_the_national_platform_come_with_the_feedback(api: Api) -> None:
    from hub.engine.steps import append_events
    from hub.engine.tasks import task_feedback
    from hub.national.protocol import Task

    task = Task("T-9", "task", "440106", None, "专项检查", "", "2026-11-20T09:00:00+08:00")
    with EmbeddedHub(api.settings) as hub, hub.store.transaction() as tx:
        append_events(tx, hub.codec, task_feedback(task, hub.store.sources()), 0.0)
    [item] = _feedback(api, COUNTY.source_id)["items"]
    assert (item["kind"], item["submission_id"], item["messages"]) == ("task", "T-9", ["专项检查"])
    assert _feedback(api, OTHER_COUNTY.source_id)["items"] == []
