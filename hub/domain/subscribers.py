"""A subscriber: a department or platform that reads the hub's outbound feeds, and what it is
entitled to see (guarantee 6, least privilege).

A subscriber is registered by an operator (``hub subscribers add``) with:
- the record types it may receive (none listed: every type);
- the regions it may receive (GB/T 2260 codes; a code covers its area by its trailing zeros:
  ``330000`` the province, ``330100`` the city, ``330106`` the county; none listed: every region).
  A record without a region code goes only to subscribers without a region restriction;
- its sharing class: the highest ``hub.sharing`` level of the standard's fields it may see —
  ``无条件`` (unconditional fields only), ``有条件`` (also conditionally shared fields), ``全部``
  (also fields marked 不予共享: meant for the national platform, the data's upstream owner);
- whether it may see personal data (``hub.personal``: ID numbers, phones, natural persons' names)
  unmasked;
- the Kafka principal it reads as (``User:dept-a``), to which ``hub acl sync`` grants read on its
  own feed topics and nothing else.

The national platform is a subscriber like any other, registered by default (:data:`NATIONAL`).
Pure values and rules: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "NAME_PATTERN",
    "NATIONAL",
    "SHARING_CLASSES",
    "SHARING_LEVELS",
    "Sharing",
    "Subscriber",
    "region_covers",
]

#: A subscriber's name is a component of its topics (``out.<name>.<type>``): lower case letters,
#: digits and ``-``, starting with a letter, at most 40 characters.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,39}$")

Sharing = Literal["unconditional", "conditional", "all"]

#: The sharing classes an operator names, in Chinese and in English → the stored value.
SHARING_CLASSES: dict[str, Sharing] = {
    "无条件": "unconditional",
    "有条件": "conditional",
    "全部": "all",
    "unconditional": "unconditional",
    "conditional": "conditional",
    "all": "all",
}

#: The standard's field levels (``hub.sharing``) each class sees.
SHARING_LEVELS: dict[Sharing, frozenset[str]] = {
    "unconditional": frozenset({"unconditional"}),
    "conditional": frozenset({"unconditional", "conditional"}),
    "all": frozenset({"unconditional", "conditional", "none"}),
}


def region_covers(area: str, region_code: str) -> bool:
    """Whether the area ``area`` (a GB/T 2260 code) contains ``region_code``: ``330000`` covers
    every ``33xxxx``, ``330100`` every ``3301xx`` (and ``429000`` the county-level units directly
    under Hubei, ``4290xx``), any other code only itself."""
    if area.endswith("0000"):
        return region_code[:2] == area[:2]
    if area.endswith("00"):
        return region_code[:4] == area[:4]
    return region_code == area


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A registered reader of outbound feeds and its entitlement (see the module docstring)."""

    name: str
    record_types: tuple[str, ...] = ()  # empty: every type
    regions: tuple[str, ...] = ()  # empty: every region
    sharing: Sharing = "unconditional"
    personal: bool = False
    principal: str | None = None  # the Kafka principal it reads as, e.g. "User:dept-a"
    description: str = ""
    disabled: bool = False  # a disabled subscriber's feeds are paused, not deleted
    #: bumped by `add` (also a re-add after a removal) and by `update --backfill`; the relay
    #: starts the subscriber's feed again from a fresh snapshot when it changes
    epoch: int = 0

    def receives(self, record_type: str) -> bool:
        return not self.record_types or record_type in self.record_types

    def covers(self, region_code: str | None) -> bool:
        """Least privilege by region: a county's records only to those entitled to that county."""
        if not self.regions:
            return True
        if not region_code:
            return False
        return any(region_covers(area, region_code) for area in self.regions)

    def entitled(self, record_type: str, region_code: str | None) -> bool:
        """Whether a record of this type and region goes on this subscriber's feed at all."""
        return self.receives(record_type) and self.covers(region_code)

    @property
    def levels(self) -> frozenset[str]:
        """The standard's ``hub.sharing`` levels this subscriber may see."""
        return SHARING_LEVELS[self.sharing]


#: The national platform, registered by default: every type, every region, every field.
NATIONAL = Subscriber(
    "national", sharing="all", personal=True, description="国家平台 (the national platform)"
)
