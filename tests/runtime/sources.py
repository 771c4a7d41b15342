"""Sources of the runtime suites: the runtime contract's (:mod:`hub.testing.sources`)."""

from __future__ import annotations

from hub.testing.sources import CITY, COUNTY, NARROW, OTHER_COUNTY, PROVINCE, SOURCES

__all__ = ["CITY", "COUNTY", "NARROW", "OTHER_COUNTY", "PROVINCE", "SOURCES"]
