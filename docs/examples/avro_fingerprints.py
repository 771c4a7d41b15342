"""Measure the Apache Avro Python pitfall: its schema fingerprint differs from the spec's.

The single-object encoding puts the CRC-64-AVRO fingerprint of the writer schema's *Parsing
Canonical Form* in front of every value. The Avro specification's PCF keeps only ``type``,
``name``, ``fields``, ``symbols``, ``items``, ``values``, ``size`` and strips every other
attribute, ``logicalType`` included, so ``{"type": "int", "logicalType": "date"}`` becomes
``"int"``. This script prints, for a record schema with logical types, the canonical form and
the fingerprint that fastavro (what the hub uses), Apache Avro for Python (``avro``) and the
spec's rule computed by hand give.

    python docs/examples/avro_fingerprints.py [schemas/records/officer.avsc]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import avro.schema
import fastavro
from fastavro.schema import to_parsing_canonical_form

from hub.events.codec import load_codec

_EMPTY = 0xC15D213AA4D7A795


def crc64_avro(data: bytes) -> int:
    """The Rabin fingerprint of the Avro spec ("Schema Fingerprints")."""
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (_EMPTY & -(fp & 1))
        table.append(fp)
    fp = _EMPTY
    for byte in data:
        fp = (fp >> 8) ^ table[(fp ^ byte) & 0xFF]
    return fp


def fingerprint_hex(canonical: str) -> str:
    """As it appears on the wire after ``C3 01``: 8 bytes, little-endian."""
    return crc64_avro(canonical.encode("utf-8")).to_bytes(8, "little").hex()


def main(path: Path) -> None:
    raw: Any = json.loads(path.read_text(encoding="utf-8"))
    fast = to_parsing_canonical_form(fastavro.parse_schema(raw, named_schemas={}))
    apache_schema = avro.schema.parse(json.dumps(raw))
    apache = apache_schema.canonical_form
    print(f"schema: {path}")
    print(f"fastavro {fastavro.__version__}: fingerprint {fingerprint_hex(fast)}")
    print(f"avro     {avro.__version__}: fingerprint {fingerprint_hex(apache)}")
    apache_own = apache_schema.fingerprint("CRC-64-AVRO")
    print(f"avro's own Schema.fingerprint('CRC-64-AVRO'): {bytes(apache_own).hex()}")
    print("same canonical form:", fast == apache)
    hub = load_codec(path.resolve().parents[1]).fingerprint(f"{raw['namespace']}.{raw['name']}")
    print(f"the hub's codec (hub.events.codec): fingerprint {hub.hex()}")
    # the first field whose canonical forms differ, shown side by side
    for fast_field, apache_field in zip(
        json.loads(fast)["fields"], json.loads(apache)["fields"], strict=True
    ):
        if fast_field != apache_field:
            print("first difference:")
            print("  fastavro:", json.dumps(fast_field, ensure_ascii=False))
            print("  avro:    ", json.dumps(apache_field, ensure_ascii=False))
            break
    print(f"fastavro canonical form ({len(fast)} chars):", fast[:300], "...")


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[2] / "schemas" / "records" / "officer.avsc"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
