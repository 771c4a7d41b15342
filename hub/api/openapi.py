"""The API's OpenAPI document, as checked in at ``docs/openapi.json``.

Regenerate after changing the API: ``python -m hub.api.openapi > docs/openapi.json`` (a test
fails while the checked-in copy differs from what the app serves at ``/openapi.json``)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from hub.api.app import create_app
from hub.backends import backend_for
from hub.engine.sink import LogSink
from hub.events import load_codec
from hub.settings import HubSettings
from hub.storage.pool import StorePool

__all__ = ["document"]


def document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        settings = HubSettings(data_dir=Path(folder))
        standard = settings.standard()
        codec = load_codec(standard.root)
        stores = StorePool(backend_for(settings).store)
        app = create_app(settings, standard, codec, stores, LogSink(stores, codec, lambda: 0.0))
        return app.openapi()


if __name__ == "__main__":
    json.dump(document(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
