"""The deadline clock: processing periods in working days with Saxon public holidays.

Pure functions (no database): a working day is Monday to Friday and not a public holiday in Saxony
(``holidays`` package, subdivision SN: it knows Buß- und Bettag and Reformationstag; ADR 0021). The day
of receipt does not count; the period ends at the end of its last working day. While a Nachforderung is
open the clock stands still: the working days of the pause are added to the due date when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

# Without a configured period a Leistung gets four working weeks.
DEFAULT_PROCESSING_DAYS = 20
# A bound for the day-by-day walk: no period is longer than a few years.
_MAX_SPAN_DAYS = 366 * 5


@lru_cache(maxsize=1)
def _saxon_holidays() -> holidays.HolidayBase:
    # One instance; it fills in further years on first lookup.
    return holidays.country_holidays("DE", subdiv="SN")


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _saxon_holidays()


def working_days_add(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    counted = 0
    for _ in range(_MAX_SPAN_DAYS):
        if counted >= days:
            return day
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    raise ValueError("period too long")


def working_days_between(start: date, end: date) -> int:
    """Working days in ``(start, end]``; negative if ``end`` lies before ``start``."""
    if end == start:
        return 0
    if end < start:
        return -working_days_between(end, start)
    if (end - start).days > _MAX_SPAN_DAYS:
        raise ValueError("period too long")
    # Arithmetic instead of a day-by-day walk: the inbox computes this for every row of a page, and an
    # overdue case two years old would cost 700 lookups (benchmarks/inbox.py, sort by Frist).
    days = (end - start).days
    weekdays = (days // 7) * 5
    weekdays += sum(1 for offset in range(1, days % 7 + 1) if (start.weekday() + offset) % 7 < 5)
    return weekdays - sum(
        1 for year in range(start.year, end.year + 1) for holiday in _weekday_holidays(year) if start < holiday <= end
    )


@lru_cache(maxsize=64)
def _weekday_holidays(year: int) -> tuple[date, ...]:
    """Saxon public holidays of ``year`` that fall on Monday to Friday."""
    return tuple(sorted(day for day in holidays.country_holidays("DE", subdiv="SN", years=year) if day.weekday() < 5))


@dataclass(frozen=True)
class Clock:
    """The deadline as shown to the case worker."""

    due: date | None
    paused: bool
    # Working days left (negative: overdue by that many); None without a due date.
    remaining: int | None
    overdue: bool


def clock_state(*, due: date | None, paused_since: date | None, today: date, open_case: bool = True) -> Clock:
    """The clock of a case with due date ``due``; while paused, the remaining days are frozen at the
    pause's start. A closed or decided case is never overdue."""
    if due is None:
        return Clock(due=None, paused=paused_since is not None, remaining=None, overdue=False)
    reference = paused_since if paused_since is not None else today
    remaining = working_days_between(reference, due)
    overdue = open_case and paused_since is None and today > due
    return Clock(due=due, paused=paused_since is not None, remaining=remaining, overdue=overdue)


def due_after_pause(*, due: date, paused_since: date, resumed: date) -> date:
    """The due date after a pause from ``paused_since`` to ``resumed``: pushed by the pause's working days."""
    return working_days_add(due, max(0, working_days_between(paused_since, resumed)))
