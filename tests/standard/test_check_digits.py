"""Check-digit algorithms: property-based against a reference written straight from the standard
texts (not from the hub's code), plus the standards' own examples."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.standard import Standard
from hub.standard.checks.resident_id import check_resident_id
from hub.standard.checks.uscc import AUTHORITY_TYPES, check_uscc

# --- reference implementations, from ../shared/STANDARD.md, independent of hub code -------------
REF_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
REF_W18 = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
REF_W17 = [3, 7, 9, 10, 5, 8, 4, 2]
REF_WID = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def ref_check17(body: str) -> str:
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, REF_W17, strict=False)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def ref_check18(first17: str) -> str:
    total = sum(REF_ALPHABET.index(c) * w for c, w in zip(first17, REF_W18, strict=False))
    return REF_ALPHABET[(31 - total % 31) % 31]


def ref_id_check(first17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, REF_WID, strict=False)) % 11]


def always(_: str) -> bool:
    return True


# --- strategies ----------------------------------------------------------------------------------
PAIRS = [(a, k) for a, kinds in AUTHORITY_TYPES.items() for k in kinds]
REGIONS = ["110105", "350100", "440106", "330106", "429004", "441900", "650100"]


@st.composite
def usccs(draw: st.DrawFn) -> str:
    authority, kind = draw(st.sampled_from(PAIRS))
    region = draw(st.sampled_from(REGIONS))
    body = draw(st.text(alphabet=REF_ALPHABET, min_size=8, max_size=8))
    first17 = authority + kind + region + body + ref_check17(body)
    return first17 + ref_check18(first17)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(REGIONS))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31)))
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + ref_id_check(first17)


def substitutions(code: str, alphabet: str) -> list[str]:
    return [
        code[:i] + c + code[i + 1 :] for i in range(len(code)) for c in alphabet if c != code[i]
    ]


def transpositions(code: str) -> list[str]:
    return [
        code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        for i in range(len(code) - 1)
        if code[i] != code[i + 1]
    ]


# --- USCC ----------------------------------------------------------------------------------------
def test_standard_worked_example_is_valid() -> None:
    assert check_uscc("91350100M000100Y43", always) == ()


def test_position_17_counts_letters_a10_to_z35() -> None:
    # M is 22 in GB 11714 but 21 in the USCC alphabet: using the wrong alphabet breaks this code
    assert ref_check17("M000100Y") == "4"
    assert check_uscc("91350100M000100Y43", always) == ()


@given(usccs())
def test_generated_usccs_pass(code: str) -> None:
    assert check_uscc(code, always) == ()


@settings(max_examples=60)
@given(usccs())
def test_every_single_substitution_fails(code: str) -> None:
    for mutated in substitutions(code, REF_ALPHABET):
        assert check_uscc(mutated, always), mutated


@given(usccs())
def test_every_adjacent_transposition_fails(code: str) -> None:
    for mutated in transpositions(code):
        assert check_uscc(mutated, always), mutated


def test_letter_authority_codes_are_legal() -> None:
    # python-stdnum 2.2 rejects these; GB 32100 defines A, N and Y
    for authority, kind in (("A", "1"), ("N", "2"), ("Y", "1")):
        body = "MA1B2C3D"
        first17 = authority + kind + "440106" + body + ref_check17(body)
        assert check_uscc(first17 + ref_check18(first17), always) == ()


# --- resident ID ---------------------------------------------------------------------------------
def test_standard_id_examples(standard: Standard) -> None:
    for number in ("11010519491231002X", "440524188001010014"):
        assert check_resident_id(number, standard.regions.known) == ()


@given(resident_ids())
def test_generated_ids_pass(number: str) -> None:
    assert check_resident_id(number, always) == ()


@given(resident_ids())
def test_every_id_substitution_fails(number: str) -> None:
    for mutated in substitutions(number, "0123456789X"):
        assert check_resident_id(mutated, always), "a substitution passed"


@given(resident_ids())
def test_every_id_transposition_fails(number: str) -> None:
    for mutated in transpositions(number):
        assert check_resident_id(mutated, always), "a transposition passed"
