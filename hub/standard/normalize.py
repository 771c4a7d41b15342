"""Normalisation before validation, recorded.

Decided rules (documented in docs/standard.md):
- every string: surrounding white space (ASCII and the ideographic space U+3000) is trimmed;
- codes (USCC, ID numbers, region, item and equipment codes, phones, action and report numbers):
  full-width ASCII (``ＡＢＣ１２３``) becomes half-width, inner spaces are removed, letters are
  upper-cased;
- USCCs only: the letter ``O``, which the USCC alphabet excludes, is read as the digit ``0`` (the
  check characters then confirm or refute the reading);
- document numbers: full-width ASCII becomes half-width and sloppy year brackets (``[2025]``,
  ``(2025)``, ``（2025）``, ``【2025】``) become ``〔2025〕``.
Free text keeps its inner content untouched: full-width punctuation is correct Chinese.

Each function returns the new value and the kinds of change, so the verdict can say what changed
while the submission's original bytes stay as they came.
"""

from __future__ import annotations

import re

__all__ = ["normalize_code", "normalize_doc_number", "normalize_text", "uscc_letter_o"]

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_YEAR_BRACKETS = re.compile(r"[\[(（【]\s*((?:19|20)\d{2})\s*[\])）】]")
_INNER_SPACE = re.compile(r"\s+")

Changed = tuple[str, tuple[str, ...]]


def normalize_text(value: str) -> Changed:
    stripped = value.strip()
    return (stripped, ("trim",)) if stripped != value else (value, ())


def normalize_code(value: str) -> Changed:
    if value.isascii() and value.isalnum() and (value.isdigit() or value.isupper()):
        return value, ()  # the common, already-clean case costs one pass
    kinds: list[str] = []
    new = value.strip()
    if new != value:
        kinds.append("trim")
    if not new.isascii():
        half = new.translate(_FULLWIDTH)
        if half != new:
            kinds.append("fullwidth")
            new = half
    if any(c.isspace() for c in new):
        new = _INNER_SPACE.sub("", new)
        kinds.append("inner_space")
    upper = new.upper()
    if upper != new:
        kinds.append("uppercase")
        new = upper
    return new, tuple(kinds)


def uscc_letter_o(value: str) -> Changed:
    if "O" in value:
        return value.replace("O", "0"), ("letter_o_as_zero",)
    return value, ()


def normalize_doc_number(value: str) -> Changed:
    new, kinds = normalize_text(value)
    kind_list = list(kinds)
    if not new.isascii():
        half = new.translate(_FULLWIDTH)
        if half != new:
            kind_list.append("fullwidth")
            new = half
    bracketed = _YEAR_BRACKETS.sub(r"〔\1〕", new)
    if bracketed != new:
        kind_list.append("brackets")
        new = bracketed
    return new, tuple(kind_list)
