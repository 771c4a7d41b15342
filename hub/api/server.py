"""Serving the API beside a runtime: uvicorn on a thread of its own, in ``hub up`` and ``hub
worker``. The address it bound (``HUB_API_PORT=0`` picks a free port) is written to
``<data_dir>/api.address`` so scripts and tests can find it."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import uvicorn

from hub.api.app import create_app
from hub.backends import backend_for
from hub.engine.sink import sink_for
from hub.errors import ConfigError
from hub.events import load_codec
from hub.settings import HubSettings
from hub.storage.pool import StorePool
from hub.storage.private import private_dir, private_file

__all__ = ["ApiServer", "address_file"]


def address_file(settings: HubSettings) -> Path:
    """``api.address``; ``console.address`` for a read-only ``hub console`` (which may run beside
    a ``hub up`` and must not hide its address)."""
    name = "console.address" if settings.console_read_only else "api.address"
    return settings.data_dir / name


def _deadline_protocol(header_timeout_s: float) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol with a deadline for a request's head: uvicorn times out only an
    idle keep-alive connection, so a client that sends its headers a byte at a time (or nothing)
    would hold a connection for ever. Each connection must start a request within
    ``header_timeout_s`` of opening or of its last reply; the body has its own deadline in the
    app (``HUB_API_BODY_TIMEOUT_S``)."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class DeadlineH11Protocol(H11Protocol):
        def _arm(self) -> None:
            self._head_deadline = self.loop.call_later(header_timeout_s, self._head_late)

        def _head_late(self) -> None:
            waiting = self.cycle is None or self.cycle.response_complete
            if waiting and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._head_deadline.cancel()
            super().connection_lost(exc)

        def on_response_complete(self) -> None:
            self._head_deadline.cancel()
            super().on_response_complete()
            self._arm()

    return DeadlineH11Protocol


class ApiServer:
    """Start with :meth:`start` (returns once it listens), stop with :meth:`stop`."""

    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        standard = settings.standard()
        codec = load_codec(standard.root)
        self.stores = StorePool(backend_for(settings).store)
        self.sink = sink_for(settings, self.stores, codec)
        self.app = create_app(settings, standard, codec, self.stores, self.sink)
        config = uvicorn.Config(
            self.app,
            host=settings.api_host,
            port=settings.api_port,
            log_level="warning",
            access_log=False,  # paths and statuses are in /metrics; nothing with a token is logged
            lifespan="off",
            http=_deadline_protocol(settings.api_body_timeout_s),
            timeout_keep_alive=max(1, round(settings.api_keep_alive_timeout_s)),
            # uvicorn trusts X-Forwarded-For from loopback by default: a local client could
            # name any address, escaping the per-client sign-in limit and forging the journal
            proxy_headers=bool(settings.api_trusted_proxies.strip()),
            forwarded_allow_ips=settings.api_trusted_proxies.strip() or None,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="hub-api", daemon=True)
        self.url = ""

    def start(self, timeout_s: float = 30.0) -> str:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise ConfigError(
                    f"the API could not listen on {self.settings.api_host}:{self.settings.api_port}"
                )
            time.sleep(0.02)
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"
        private_dir(address_file(self.settings).parent)
        private_file(address_file(self.settings)).write_text(self.url + "\n", encoding="utf-8")
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.sink.close()
        self.stores.close()
        address_file(self.settings).unlink(missing_ok=True)
