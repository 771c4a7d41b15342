"""A stand-in for a Confluent-compatible schema registry, for tests on loopback.

Why a stand-in: no real registry can run on the machines the tests run on (Confluent's is not
on Maven Central, Karapace not on PyPI, Apicurio's build needs artifacts from Confluent's own
repository). This one serves the part of the REST API that clients use for the wire format, with
the registry's semantics where they matter to a client:

- ``POST /subjects/{subject}/versions`` ``{"schema": text}`` → ``{"id": N}``; ids are global (the
  same schema under two subjects has one id), registering a schema again returns its id;
  an unparsable schema is refused with 422 / error 42201;
- ``GET /schemas/ids/{id}`` → ``{"schema": text}``, unknown: 404 / error 40403;
- ``GET /subjects``, ``GET /subjects/{subject}/versions``,
  ``GET /subjects/{subject}/versions/{version|latest}``, ``POST /subjects/{subject}`` (lookup).

Not served: compatibility checks (every new version is accepted), deletes, modes, contexts.
``unavailable = True`` makes every request fail with 503 (an outage, for fault tests).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import fastavro
from fastavro.schema import to_parsing_canonical_form

__all__ = ["StandInRegistry"]

_TYPE = "application/vnd.schemaregistry.v1+json"


class StandInRegistry:
    """Start with ``with StandInRegistry() as registry: registry.url``."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}  # canonical form → id
        self._texts: dict[int, str] = {}
        self._subjects: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self.unavailable = False
        self.requests: list[tuple[str, str]] = []
        self.authorizations: list[str | None] = []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def _answer(self, method: str) -> None:
                path = unquote(urlsplit(self.path).path).rstrip("/")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                registry.requests.append((method, path))
                registry.authorizations.append(self.headers.get("Authorization"))
                status, reply = registry.handle(method, path, body)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", _TYPE)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> StandInRegistry:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def subjects(self) -> dict[str, list[int]]:
        """Each subject's schema ids, oldest version first."""
        with self._lock:
            return {subject: list(ids) for subject, ids in self._subjects.items()}

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        if self.unavailable:
            return 503, {"error_code": 50003, "message": "stand-in registry made unavailable"}
        parts = path.strip("/").split("/")
        with self._lock:
            if method == "GET" and parts == ["subjects"]:
                return 200, sorted(self._subjects)
            if method == "GET" and len(parts) == 3 and parts[:2] == ["schemas", "ids"]:
                text = self._texts.get(int(parts[2])) if parts[2].isdigit() else None
                if text is None:
                    return 404, {"error_code": 40403, "message": "Schema not found"}
                return 200, {"schema": text}
            if len(parts) >= 2 and parts[0] == "subjects":
                return self._subject(method, parts[1], parts[2:], body)
        return 404, {"error_code": 404, "message": f"{method} {path} not served by the stand-in"}

    def _subject(self, method: str, subject: str, rest: list[str], body: bytes) -> tuple[int, Any]:
        versions = self._subjects.get(subject, [])
        if method == "POST" and rest in (["versions"], []):
            try:
                text = json.loads(body)["schema"]
                canonical = to_parsing_canonical_form(
                    fastavro.parse_schema(json.loads(text), named_schemas={})
                )
            except (ValueError, KeyError, TypeError, fastavro.schema.SchemaParseException) as e:
                return 422, {"error_code": 42201, "message": f"Invalid schema: {e}"}
            schema_id = self._ids.get(canonical)
            if rest == []:  # lookup: is this schema registered under the subject?
                if schema_id is None or schema_id not in versions:
                    return 404, {"error_code": 40403, "message": "Schema not found"}
                version = versions.index(schema_id) + 1
                return 200, {"subject": subject, "version": version, "id": schema_id,
                             "schema": self._texts[schema_id]}  # fmt: skip
            if schema_id is None:
                schema_id = len(self._ids) + 1
                self._ids[canonical] = schema_id
                self._texts[schema_id] = text
            if schema_id not in versions:
                self._subjects[subject] = [*versions, schema_id]
            return 200, {"id": schema_id}
        if method == "GET" and rest == ["versions"] and versions:
            return 200, list(range(1, len(versions) + 1))
        if method == "GET" and len(rest) == 2 and rest[0] == "versions" and versions:
            number = len(versions) if rest[1] == "latest" else int(rest[1] or 0)
            if 1 <= number <= len(versions):
                schema_id = versions[number - 1]
                return 200, {"subject": subject, "version": number, "id": schema_id,
                             "schema": self._texts[schema_id]}  # fmt: skip
        return 404, {"error_code": 40401, "message": f"Subject '{subject}' not found"}
