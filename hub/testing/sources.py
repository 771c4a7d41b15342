"""The sources the runtime contract registers: one city with two counties, its province, and a
narrow source that may submit one record type only (the suites of least privilege and ownership
name them by role)."""

from __future__ import annotations

from hub.domain.values import Source

__all__ = ["CITY", "COUNTY", "NARROW", "OTHER_COUNTY", "PROVINCE", "SOURCES"]

COUNTY = Source("gz-440106", "county", "440106", "广州市天河区市场监督管理局")
OTHER_COUNTY = Source("gz-440104", "county", "440104", "广州市越秀区市场监督管理局")
CITY = Source("gz-440100", "city", "440100", "广州市市场监督管理局")
PROVINCE = Source("gd-440000", "province", "440000", "广东省市场监督管理局")
NARROW = Source("gz-440106-le", "county", "440106", "天河区气象局", ("lightning_report",))
SOURCES = (COUNTY, OTHER_COUNTY, CITY, PROVINCE, NARROW)
