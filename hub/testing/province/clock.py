"""Working hours of 2025 (Beijing time), and the date formats records use.

Submissions arrive in office hours on working days: holidays are off, make-up weekends are on. The
generator keeps time as a counter of working seconds (``sec``) so that gaps between submissions are
drawn in working time, and ``at`` turns the counter back into a moment.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

__all__ = ["DAY", "END", "START", "add_months", "at", "cn_date", "index", "ts"]

_TZ = dt.timezone(dt.timedelta(hours=8))
DAY = 9 * 3600  # working seconds a day, 08:30-17:30
_HOLIDAYS = frozenset(
    dt.date(2025, m, d)
    for m, days in (
        (1, (1, 28, 29, 30, 31)),
        (2, (3, 4)),
        (4, (4,)),
        (5, (1, 2, 5)),
        (6, (2,)),
        (10, (1, 2, 3, 6, 7, 8)),
    )
    for d in days
)
_MAKEUP_DAYS = frozenset(
    {
        dt.date(2025, 1, 26),
        dt.date(2025, 2, 8),
        dt.date(2025, 4, 27),
        dt.date(2025, 9, 28),
        dt.date(2025, 10, 11),
    }
)


@cache
def _working_days() -> tuple[dt.date, ...]:
    day, end, days = dt.date(2024, 12, 2), dt.date(2030, 12, 31), []
    while day <= end:
        if (day.weekday() < 5 and day not in _HOLIDAYS) or day in _MAKEUP_DAYS:
            days.append(day)
        day += dt.timedelta(days=1)
    return tuple(days)


def index(day: dt.date) -> int:
    """The position of a working day in the calendar (``DAY`` seconds each)."""
    return _working_days().index(day)


START = dt.date(2025, 1, 20)  # first submission; up to 8 working days of look-back before
END = dt.date(2025, 11, 28)  # around the last submission


def at(sec: int) -> dt.datetime:
    """A working-time counter (seconds of working hours since 2 Dec 2024) as Beijing time."""
    day = _working_days()[sec // DAY]
    return dt.datetime.combine(day, dt.time(8, 30), _TZ) + dt.timedelta(seconds=sec % DAY)


def ts(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; days after the 28th become the 28th."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, 28))
