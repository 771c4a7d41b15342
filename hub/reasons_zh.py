"""Why a value does not fit, in Chinese: pydantic says it in English only, so the common
reasons are said again in Chinese for the refusals (API parameters, ``HUB_*`` settings) that
give the Chinese first and pydantic's English after.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["problem_zh"]

_REASONS = {
    "missing": "缺少此项",
    "extra_forbidden": "不接受此项",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为布尔值",
    "string_type": "应为字符串",
    "list_type": "应为列表",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "datetime_parsing": "应为 ISO 8601 时间",
    "datetime_from_date_parsing": "应为 ISO 8601 时间",
}
_BOUNDED = {
    "less_than_equal": "应小于或等于 {le}",
    "less_than": "应小于 {lt}",
    "greater_than_equal": "应大于或等于 {ge}",
    "greater_than": "应大于 {gt}",
    "string_too_long": "最多 {max_length} 个字符",
    "string_too_short": "至少 {min_length} 个字符",
    "too_long": "最多 {max_length} 项",
    "too_short": "至少 {min_length} 项",
    "string_pattern_mismatch": "应符合格式 {pattern}",
    "literal_error": "应为 {expected} 之一",
    "enum": "应为 {expected} 之一",
}


def problem_zh(error: Mapping[str, Any]) -> str:
    """One pydantic error's reason in Chinese (a general one for a reason not listed)."""
    kind = str(error.get("type", ""))
    if kind in _REASONS:
        return _REASONS[kind]
    template = _BOUNDED.get(kind)
    context = error.get("ctx") or {}
    if template is not None:
        try:
            return template.format(**{k: str(v)[:80] for k, v in context.items()})
        except (KeyError, IndexError):
            pass
    return "取值不符合要求"
