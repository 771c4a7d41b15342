"""The HTTP ingest API (FastAPI): sources submit batches and read their feedback."""
