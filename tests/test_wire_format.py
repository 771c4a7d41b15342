"""The wire format as documented (docs/runtime.md): any Avro library that knows only the
``schemas/`` folder decodes every event of every stream, and the record content inside."""

from __future__ import annotations

import glob
import io
import json
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form

from hub.events.streams import STREAMS
from hub.testing.harness import EmbeddedHarness
from hub.testing.sources import COUNTY, SOURCES

ROOT = Path(__file__).resolve().parents[1]


def folder_decoder() -> Any:
    schemas = {}
    for path in glob.glob(str(ROOT / "schemas" / "*" / "*.avsc")):
        with open(path, encoding="utf-8") as handle:
            parsed = fastavro.parse_schema(json.load(handle), named_schemas={})
        key = bytes.fromhex(fingerprint(to_parsing_canonical_form(parsed), "CRC-64-AVRO"))
        schemas[key] = parsed

    def decode(body: bytes) -> dict[str, Any]:
        assert body[:2] == b"\xc3\x01"
        return fastavro.schemaless_reader(io.BytesIO(body[10:]), schemas[body[2:10]], None)

    return decode


def test_every_event_decodes_with_the_schemas_folder_alone(
    tmp_path: Path, inspection: dict[str, Any]
) -> None:
    decode = folder_decoder()
    harness = EmbeddedHarness(tmp_path / "hub")
    try:
        harness.register(*SOURCES)
        harness.submit(COUNTY.source_id, "inspection", [inspection, {"bad": 1}])
        harness.run()
        seen = set()
        for stream in STREAMS:
            for stored in harness.hub.store.scan(stream):
                value = decode(stored.body)
                assert value["envelope"]["event_id"] == stored.event_id
                seen.add(stream)
                if stream == "records":
                    content = decode(value["content"])
                    assert content["item_code"] == inspection["item_code"]
        assert seen == set(STREAMS)
    finally:
        harness.close()
