"""Fixtures of the runtime suites: sources of one city with two counties, and example records."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hub.standard import load_standard
from hub.storage.ports import Source

COUNTY = Source("gz-440106", "county", "440106", "广州市天河区市场监督管理局")
OTHER_COUNTY = Source("gz-440104", "county", "440104", "广州市越秀区市场监督管理局")
CITY = Source("gz-440100", "city", "440100", "广州市市场监督管理局")
PROVINCE = Source("gd-440000", "province", "440000", "广东省市场监督管理局")
NARROW = Source("gz-440106-le", "county", "440106", "天河区气象局", ("lightning_report",))
SOURCES = (COUNTY, OTHER_COUNTY, CITY, PROVINCE, NARROW)


@pytest.fixture
def inspection() -> dict[str, Any]:
    return copy.deepcopy(load_standard().example("inspection"))


@pytest.fixture
def entity() -> dict[str, Any]:
    return copy.deepcopy(load_standard().example("supervised_entity"))
