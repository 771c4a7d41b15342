"""Serving the API beside a runtime: uvicorn on a thread of its own, in ``hub up`` and ``hub
worker``. The address it bound (``HUB_API_PORT=0`` picks a free port) is written to
``<data_dir>/api.address`` so scripts and tests can find it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import uvicorn

from hub.api.app import create_app
from hub.api.sinks import StorePool, sink_for
from hub.errors import ConfigError
from hub.events import load_codec
from hub.settings import HubSettings
from hub.storage.private import private_dir, private_file

__all__ = ["ApiServer", "address_file"]


def address_file(settings: HubSettings) -> Path:
    return settings.data_dir / "api.address"


class ApiServer:
    """Start with :meth:`start` (returns once it listens), stop with :meth:`stop`."""

    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        standard = settings.standard()
        codec = load_codec(standard.root)
        self.stores = StorePool(settings)
        self.sink = sink_for(settings, self.stores, codec)
        self.app = create_app(settings, standard, codec, self.stores, self.sink)
        config = uvicorn.Config(
            self.app,
            host=settings.api_host,
            port=settings.api_port,
            log_level="warning",
            access_log=False,  # paths and statuses are in /metrics; nothing with a token is logged
            lifespan="off",
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
