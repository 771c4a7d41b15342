"""A client of a Confluent-compatible schema registry (Confluent Schema Registry, Karapace,
Apicurio's ``ccompat`` API): just the two calls the Confluent wire format needs.

- ``register(subject, schema)`` → the schema's id (``POST /subjects/{subject}/versions``);
  registering a schema the subject already has returns its existing id, so it is idempotent;
- ``schema(id)`` → the schema text (``GET /schemas/ids/{id}``).

Both are cached for the life of the client: an id never changes its schema in a registry, so a
worker asks once per schema, not once per message. A registry that does not answer raises
:class:`~hub.errors.RegistryUnavailableError` (wait and retry, like a database outage); one that
refuses (incompatible schema, unknown id, bad credentials) raises
:class:`~hub.errors.SchemaRegistryError`. Credentials may ride in the URL's user part; they are
sent as HTTP basic authentication and never appear in an error message.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson

from hub.errors import RegistryUnavailableError, SchemaRegistryError

__all__ = ["CONTENT_TYPE", "SchemaRegistry", "UnknownSchemaIdError"]

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


class UnknownSchemaIdError(SchemaRegistryError):
    """No schema has this id in the registry (error 40403): the message cannot be read."""

    code = "SCHEMA_REGISTRY.UNKNOWN_ID"


class SchemaRegistry:
    """Thread-safe; one per process is enough (the caches are shared by its threads)."""

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        parts = urlsplit(url)
        auth = None if parts.username is None else (parts.username, parts.password or "")
        self.base = _without_credentials(url)
        self._client = httpx.Client(
            base_url=self.base,
            auth=auth,
            timeout=timeout_s,
            headers={"Accept": CONTENT_TYPE, "Content-Type": CONTENT_TYPE},
        )
        self._ids: dict[tuple[str, str], int] = {}
        self._schemas: dict[int, str] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def register(self, subject: str, schema: str) -> int:
        """The id of ``schema`` (Avro JSON text) under ``subject``, registering it if new."""
        cached = self._ids.get((subject, schema))
        if cached is not None:
            return cached
        reply = self._call("POST", f"/subjects/{subject}/versions", {"schema": schema})
        schema_id: int = int(reply["id"])
        with self._lock:
            self._ids[(subject, schema)] = schema_id
            self._schemas.setdefault(schema_id, schema)
        return schema_id

    def schema(self, schema_id: int) -> str:
        """The Avro schema text the registry holds under ``schema_id``."""
        cached = self._schemas.get(schema_id)
        if cached is not None:
            return cached
        reply = self._call("GET", f"/schemas/ids/{schema_id}", None)
        if reply.get("schemaType", "AVRO") != "AVRO":
            raise SchemaRegistryError(f"schema id {schema_id} is {reply['schemaType']}, not Avro")
        text = str(reply["schema"])
        with self._lock:
            self._schemas[schema_id] = text
        return text

    def _call(self, method: str, path: str, body: object) -> dict[str, Any]:
        try:
            response = self._client.request(
                method, path, content=None if body is None else orjson.dumps(body)
            )
        except httpx.HTTPError as exc:
            raise RegistryUnavailableError(
                f"schema registry {self.base} unreachable: {type(exc).__name__}"
            ) from None
        if response.status_code >= 500 or response.status_code == 429:
            raise RegistryUnavailableError(
                f"schema registry {self.base} answered {response.status_code} to {method} {path}"
            )
        try:
            reply = orjson.loads(response.content) if response.content else {}
        except orjson.JSONDecodeError:
            reply = {}
        if not isinstance(reply, dict):
            reply = {}
        if response.status_code >= 400:
            code = reply.get("error_code", response.status_code)
            message = reply.get("message", response.reason_phrase)
            error = UnknownSchemaIdError if code == 40403 else SchemaRegistryError
            raise error(f"schema registry refused {method} {path}: {code} {message}")
        return reply


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc)).rstrip("/")
