"""The identity registry's contract (:class:`~hub.storage.ports.Registry`)."""

from __future__ import annotations

import pytest

from hub.domain.values import RegistryEntry
from hub.errors import ConcurrencyError
from hub.storage import ports
from hub.storage.ports import Store
from hub.testing.contracts.base import StoreFixtures

__all__ = ["RegistryContract"]


class RegistryContract(StoreFixtures):
    """Every backend's identity registry: entries round-trip, changes are compare-and-set."""

    port = ports.Registry

    def test_registry(self, store: Store) -> None:
        entry = RegistryEntry(
            "h1", "rec-1", "inspection", 1, "c1", "v1", "2025-01-01", {"a": "中文", "n": None}
        )
        later = RegistryEntry("h1", "rec-1", "inspection", 3, "c3", "v3", "2025-02-01", {"a": "b"})
        with store.transaction() as tx:
            tx.registry_put([(0, entry)])
            tx.registry_put([(1, later)])  # one batch may take a record from version 1 to 3
        with store.transaction() as tx:
            got = tx.registry_get(["h1", "h2", "h1"])
        assert list(got) == ["h1"] and got["h1"].version == 3 and got["h1"].content == {"a": "b"}

    def test_registry_is_compare_and_set(self, store: Store) -> None:
        def entry(version: int, content: str) -> RegistryEntry:
            return RegistryEntry(
                "h1", "rec-1", "inspection", version, content, content, "2025-01-01", {"c": content}
            )

        with store.transaction() as tx:
            tx.registry_put([(0, entry(1, "first"))])
        for expected, stale in ((0, entry(1, "again")), (2, entry(3, "from a version not held"))):
            with pytest.raises(ConcurrencyError), store.transaction() as tx:
                tx.registry_put([(expected, stale)])
        with store.transaction() as tx:
            tx.registry_put([(1, entry(2, "second"))])
            assert tx.registry_get(["h1"])["h1"].content == {"c": "second"}
        with pytest.raises(ConcurrencyError), store.transaction() as tx:
            tx.registry_put([(0, RegistryEntry("h2", "rec-1", "inspection", 1, "x", "x", "d", {}))])
