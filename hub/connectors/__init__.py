"""Connectors: how submissions get into the hub (files now; HTTP, database polling and a
lower-level hub's Kafka topic in the ingest issue). A connector turns what a source sends into
``SubmissionReceived`` events; the runtime appends them durably before anyone says "received"."""
