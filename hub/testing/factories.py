"""Factories of valid identifiers (with correct check characters) for tests and demo data."""

from __future__ import annotations

import datetime as dt
import random

from hub.standard.checks.resident_id import resident_id_check_char
from hub.standard.checks.uscc import USCC_ALPHABET, gb11714_check_char, uscc_check_char

__all__ = ["make_resident_id", "make_uscc"]

_BODY_ALPHABET = USCC_ALPHABET  # GB 11714 bodies inside a USCC use the USCC alphabet


def make_uscc(
    region: str,
    rng: random.Random,
    *,
    authority: str = "9",
    kind: str = "1",
    body: str | None = None,
) -> str:
    """A USCC with valid positions 17 and 18 for the given authority, kind and region."""
    body = body or "".join(rng.choice(_BODY_ALPHABET) for _ in range(8))
    first17 = authority + kind + region + body + gb11714_check_char(body)
    return first17 + uscc_check_char(first17)


def make_resident_id(region: str, born: dt.date, sequence: int) -> str:
    """An 18-character resident ID number with a valid check character (fictitious person)."""
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + resident_id_check_char(body)
