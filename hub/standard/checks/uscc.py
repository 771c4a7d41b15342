"""统一社会信用代码 (USCC), GB 32100-2015.

Layout: 1 registration authority, 1 entity type, 6 region (GB/T 2260 code of the registering
authority), 8+1 organisation code (GB 11714, position 17 is its check), 1 check (position 18).

Positions 3-8 of a code registered by a central authority (国务院 departments, the central
institutions and universities 中央事业单位 ``121000…``, national social organisations
``51100000…``) are ``100000``: not a GB/T 2260 code, and valid (GB 32100-2015 5.3: 登记管理机关
行政区划码, "中央机关登记的为 100000").

Two alphabets on purpose: position 18 is computed over the 31-character USCC alphabet (no I O Z S
V), position 17 over GB 11714's, where every letter A-Z counts 10-35. Several public
implementations use the USCC alphabet for both and reject valid codes with letters in 9-16.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import mul

from hub.standard.checks import Finding

__all__ = [
    "AUTHORITY_TYPES",
    "CENTRAL_REGION",
    "USCC_ALPHABET",
    "check_uscc",
    "gb11714_check_char",
    "is_masked",
    "uscc_check_char",
]

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {char: value for value, char in enumerate(USCC_ALPHABET)}
_W18 = tuple(pow(3, i, 31) for i in range(17))
_W17 = (3, 7, 9, 10, 5, 8, 4, 2)
MASK_CHAR = "*"
_ALPHABET_OR_MASK = frozenset(USCC_ALPHABET + MASK_CHAR)
#: Positions 3-8 of codes registered by central authorities.
CENTRAL_REGION = "100000"

#: Registration authority code → the entity-type codes it may issue (GB 32100 appendix A).
AUTHORITY_TYPES: dict[str, str] = {
    "1": "1239",
    "2": "19",
    "3": "123459",
    "4": "19",
    "5": "1239",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}


def _gb11714_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def _length(body: str, weights: tuple[int, ...]) -> None:
    if len(body) != len(weights):
        raise ValueError(f"a body of {len(weights)} characters expected, not {len(body)}")


def gb11714_check_char(body: str) -> str:
    """Check character of an 8-character GB 11714 organisation code body (USCC positions 9-16)."""
    _length(body, _W17)
    # map, not a generator: these run for every new code
    total = sum(map(mul, map(_gb11714_value, body), _W17))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def uscc_check_char(body: str) -> str:
    """Check character (position 18) of the first 17 characters of a USCC."""
    _length(body, _W18)
    total = sum(map(mul, map(_USCC_VALUE.__getitem__, body), _W18))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_masked(value: str) -> bool:
    """A published, masked code (``9145010371*****17Q``): a state of its own, not garbage."""
    return MASK_CHAR in value


def check_uscc(
    value: str,
    region_known: Callable[[str], bool],
    pilot_prefixes: tuple[str, ...] = (),
) -> tuple[Finding, ...]:
    """Check a normalised USCC.

    ``region_known`` answers whether positions 3-8 name a registering authority's region code that
    existed when USCCs were issued (the caller decides from which year). ``pilot_prefixes`` are code
    prefixes of areas that issued codes before the standard (e.g. ``9135`` for Fujian's pilot): a
    position-18 failure there is the warning ``USCC.CHECK18_PILOT`` instead of an error.
    """
    if len(value) != 18:
        return (Finding("USCC.LENGTH", {"length": len(value)}),)
    if not _ALPHABET_OR_MASK.issuperset(value):
        for position, char in enumerate(value, start=1):
            if char not in _ALPHABET_OR_MASK:
                return (Finding("USCC.ALPHABET", {"position": position, "char": char}),)
    if is_masked(value):
        return (Finding("USCC.MASKED"),)
    findings: list[Finding] = []
    authority, kind = value[0], value[1]
    allowed = AUTHORITY_TYPES.get(authority)
    if allowed is None or kind not in allowed:
        findings.append(Finding("USCC.AUTHORITY_TYPE", {"authority": authority, "kind": kind}))
    region = value[2:8]
    if region != CENTRAL_REGION and (not region.isdigit() or not region_known(region)):
        findings.append(Finding("USCC.REGION", {"region": region}))
    expected17 = gb11714_check_char(value[8:16])
    if value[16] != expected17:
        findings.append(Finding("USCC.CHECK17", {"expected": expected17, "actual": value[16]}))
    expected18 = uscc_check_char(value[:17])
    if value[17] != expected18:
        rule = "USCC.CHECK18_PILOT" if value.startswith(pilot_prefixes) else "USCC.CHECK18"
        findings.append(Finding(rule, {"expected": expected18, "actual": value[17]}))
    return tuple(findings)
