"""Storage ports and their backends (SQLite, the embedded default; PostgreSQL in its issue)."""

from __future__ import annotations

from hub.storage.ports import (
    DeliveryRow,
    RegistryEntry,
    Source,
    Store,
    StoredEvent,
    Transaction,
)

__all__ = ["DeliveryRow", "RegistryEntry", "Source", "Store", "StoredEvent", "Transaction"]
