"""Contract suites, reusable by any backend (and by a province's own): subclass one in a test
module, give it its fixtures, and every test of the suite runs against that implementation."""

from hub.testing.contracts.storage import StoreContract, ViewStoreContract

__all__ = ["StoreContract", "ViewStoreContract"]
