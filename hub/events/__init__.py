"""Events: the envelope, the stream names, deterministic ids and the Avro codec.

Event history is the hub's system of record. Every event is Avro-encoded in single-object encoding
(magic ``C3 01``, the 8-byte CRC-64-AVRO fingerprint of the writer schema, then Avro binary), so any
Avro library that knows the ``schemas/`` folder can decode any event of any stream.
"""

from __future__ import annotations

from hub.events.codec import Codec, load_codec
from hub.events.model import DecodedEvent, Event, derive_id
from hub.events.streams import SCHEMA_OF, STREAMS

__all__ = ["SCHEMA_OF", "STREAMS", "Codec", "DecodedEvent", "Event", "derive_id", "load_codec"]
