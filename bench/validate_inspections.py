"""Benchmark: validate N inspection records from a file, against fastavro decoding them alone.

Run: .venv/bin/python bench/validate_inspections.py [--records 200000] [--seed 1]

Measured in one run, on the same records:
- floor "avro": fastavro ``schemaless_reader`` of each record's Avro bytes, one call per record,
  with no reader schema (how ``hub.events.codec`` decodes events from a log or a topic when the
  writer schema is the latest: a reader schema makes fastavro resolve the two, which is slower
  and would flatter the ratio);
- floor "avro-ocf": ``fastavro.reader`` over an Avro object container file of the same records
  (block decoding: the fastest way fastavro reads records);
- "validate": ``hub validate``'s path: read the JSON Lines file, parse, validate, build verdicts;
- "validate-only": the same without file reading and JSON parsing;
- "read-only": the file reading and JSON parsing alone
  (``hub.connectors.formats.files.read_records``), the part of "validate" that is not the validator.
Ratios are time per record against each floor (1.0 = as fast as decoding; lower is faster).
Times are the process's CPU time (``time.process_time``): everything measured is single-threaded
and CPU-bound, and on a machine shared with other work wall-clock time measures the neighbours.
The records are measured in ``--rounds`` interleaved rounds (each round: every measure over its
tenth of the records), so a floor and what it is the floor of run under the same load; the
validators carry their memos from round to round, as one validator does over a whole file.
Invalid records cannot be Avro-encoded, so the floors decode the valid ones; rates are per record.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import fastavro

from hub.connectors.formats.files import Problem, read_records
from hub.standard import Validator, load_standard
from hub.testing.generate import inspections

clock = time.process_time


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds (see above)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    standard = load_standard()
    schema = standard.avro_schema("inspection")
    records = list(inspections(args.records, seed=args.seed))
    size = -(-len(records) // args.rounds)
    chunks = [records[i : i + size] for i in range(0, len(records), size)]
    del records
    with tempfile.TemporaryDirectory() as tmp:
        # per round, not timed: the JSON Lines file, the Avro bytes of its valid records (one
        # single-object encoded datum each, and one container file)
        prep = Validator(standard)
        rounds = []
        for k, chunk in enumerate(chunks):
            source = Path(tmp) / f"inspections-{k}.jsonl"
            with source.open("w", encoding="utf-8") as handle:
                for record in chunk:
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            raws = [json.loads(line) for line in source.open(encoding="utf-8")]
            typed = [o.record for o in (prep.validate("inspection", r) for r in raws) if o.record]
            blobs = []
            for record in typed:
                # single-object encoding as hub.events.codec writes it: 2 magic bytes, 8 of the
                # schema's fingerprint, the body (the floor slices the header off, as decode does)
                buffer = io.BytesIO()
                buffer.write(b"\xc3\x01" + bytes(8))
                fastavro.schemaless_writer(buffer, schema, record)
                blobs.append(buffer.getvalue())
            ocf = io.BytesIO()
            fastavro.writer(ocf, schema, typed)
            rounds.append((source, blobs, ocf.getvalue()))
        del chunks, raws, typed

        times = dict.fromkeys(("avro", "ocf", "validate", "only", "read"), 0.0)
        from_file = Validator(standard)  # fresh: no memo carried over from the preparation
        only = Validator(standard)
        valid = invalid = m = 0
        for source, blobs, ocf_bytes in rounds:
            m += len(blobs)
            start = clock()
            for blob in blobs:
                fastavro.schemaless_reader(io.BytesIO(blob[10:]), schema, None)
            times["avro"] += clock() - start

            start = clock()
            decoded = sum(1 for _ in fastavro.reader(io.BytesIO(ocf_bytes)))
            times["ocf"] += clock() - start
            assert decoded == len(blobs)

            start = clock()
            with source.open("rb") as stream:
                for item in read_records(stream, source.name):
                    if isinstance(item, Problem):
                        invalid += 1
                        continue
                    verdict = from_file.validate("inspection", item.data).verdict
                    if verdict.valid:
                        valid += 1
                    else:
                        invalid += 1
            times["validate"] += clock() - start

            # parsed afresh (not timed): records judged before carry cached string hashes
            raws = [json.loads(line) for line in source.open(encoding="utf-8")]
            start = clock()
            for raw in raws:
                only.validate("inspection", raw)
            times["only"] += clock() - start
            del raws

            # what "validate" spends before the validator: the file read and parsed
            start = clock()
            with source.open("rb") as stream:
                sum(1 for _ in read_records(stream, source.name))
            times["read"] += clock() - start
        avro_s, ocf_s, validate_s = times["avro"], times["ocf"], times["validate"]
        only_s, read_s = times["only"], times["read"]

    n = args.records
    figures = {
        "records": n,
        "valid": valid,
        "invalid": invalid,
        "avro_decode_per_s": round(rate(m, avro_s)),
        "avro_ocf_decode_per_s": round(rate(m, ocf_s)),
        "validate_from_file_per_s": round(rate(n, validate_s)),
        "validate_only_per_s": round(rate(n, only_s)),
        "read_only_per_s": round(rate(n, read_s)),
        "ratio_validate_to_avro": round((validate_s / n) / (avro_s / m), 2),
        "ratio_validate_only_to_avro": round((only_s / n) / (avro_s / m), 2),
        "ratio_validate_to_avro_ocf": round((validate_s / n) / (ocf_s / m), 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "python": sys.version.split()[0],
        "fastavro": fastavro.__version__,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        print(f"{key:<30} {value}")


if __name__ == "__main__":
    main()
