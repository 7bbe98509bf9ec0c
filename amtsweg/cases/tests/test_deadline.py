"""The deadline clock with Saxon public holidays (pure functions)."""

from datetime import date

import pytest

from amtsweg.cases.deadline import (
    clock_state,
    due_after_pause,
    is_working_day,
    working_days_add,
    working_days_between,
)


def test_saxon_holidays_are_no_working_days():
    assert not is_working_day(date(2026, 11, 18))  # Buß- und Bettag: only Saxony
    assert not is_working_day(date(2025, 10, 31))  # Reformationstag on a Friday
    assert not is_working_day(date(2026, 4, 3)) and not is_working_day(date(2026, 4, 6))  # Easter
    assert is_working_day(date(2026, 6, 4))  # Fronleichnam: a holiday only in some Sorbian places, not state-wide
    assert is_working_day(date(2026, 11, 17)) and is_working_day(date(2026, 11, 19))
    assert not is_working_day(date(2026, 11, 21))  # Saturday


def test_a_period_over_buss_und_bettag_is_one_day_longer():
    # Receipt on Monday 16.11.2026; five working days: Tue 17, (Wed 18 holiday), Thu 19, Fri 20, Mon 23, Tue 24.
    assert working_days_add(date(2026, 11, 16), 5) == date(2026, 11, 24)
    # The same in a week without a holiday ends on the following Monday.
    assert working_days_add(date(2026, 11, 9), 5) == date(2026, 11, 16)
    assert working_days_add(date(2026, 11, 9), 0) == date(2026, 11, 9)


def test_period_over_christmas_and_new_year():
    # Wed 23.12.2026 + 3 working days: Thu 24, (25, 26 holidays, 27 Sunday), Mon 28, Tue 29.
    assert working_days_add(date(2026, 12, 23), 3) == date(2026, 12, 29)
    # Over New Year: Thu 31.12. + 1 → Fri 1.1. is a holiday → Mon 4.1.2027.
    assert working_days_add(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_working_days_between_counts_the_end_but_not_the_start():
    assert working_days_between(date(2026, 11, 16), date(2026, 11, 24)) == 5
    assert working_days_between(date(2026, 11, 24), date(2026, 11, 16)) == -5
    assert working_days_between(date(2026, 11, 16), date(2026, 11, 16)) == 0
    with pytest.raises(ValueError):
        working_days_add(date(2026, 1, 1), -1)


def test_the_clock_is_overdue_after_the_due_date_and_stands_while_paused():
    due = date(2026, 11, 24)
    running = clock_state(due=due, paused_since=None, today=date(2026, 11, 19))
    assert running.remaining == 3 and not running.overdue and not running.paused  # Fri 20, Mon 23, Tue 24
    late = clock_state(due=due, paused_since=None, today=date(2026, 11, 26))
    assert late.overdue and late.remaining == -2
    paused = clock_state(due=due, paused_since=date(2026, 11, 17), today=date(2026, 12, 10))
    assert paused.paused and not paused.overdue and paused.remaining == 4  # frozen at the pause's start
    decided = clock_state(due=due, paused_since=None, today=date(2026, 12, 10), open_case=False)
    assert not decided.overdue


def test_a_pause_pushes_the_due_date_by_its_working_days():
    # Paused Mon 16.11. to Mon 23.11.: Tue 17, Thu 19, Fri 20, Mon 23 = 4 working days (Wed 18 holiday).
    assert due_after_pause(due=date(2026, 11, 30), paused_since=date(2026, 11, 16), resumed=date(2026, 11, 23)) == (
        date(2026, 12, 4)
    )
    # A pause ended on the same day changes nothing.
    assert due_after_pause(due=date(2026, 11, 30), paused_since=date(2026, 11, 16), resumed=date(2026, 11, 16)) == (
        date(2026, 11, 30)
    )


def test_bescheid_template_is_plain_text_and_cannot_include_files(db):
    from amtsweg.cases.bescheid import DEFAULT_TEXT, bescheid_text_default
    from amtsweg.cases.models import BescheidVorlage, Vorgang
    from amtsweg.cases.services import vorgang_create
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.models import Authority

    leistung = Leistung.objects.order_by("pk").first()
    authority = Authority.objects.order_by("pk").first()
    vorgang = vorgang_create(authority=authority, channel=Vorgang.Channel.API, leistung=leistung)
    assert "Rechtsbehelfsbelehrung" in DEFAULT_TEXT and vorgang.number in bescheid_text_default(vorgang=vorgang)
    BescheidVorlage.objects.create(leistung=leistung, text="{{ behoerde }} & Co: {{ vorgangsnummer }}")
    assert bescheid_text_default(vorgang=vorgang) == f"{authority.name} & Co: {vorgang.number}"
    # A template that tries to include a file (or is broken) falls back to the default text.
    for text in ('{% include "base.html" %}', "{% if %}"):
        BescheidVorlage.objects.filter(leistung=leistung).update(text=text)
        assert "Rechtsbehelfsbelehrung" in bescheid_text_default(vorgang=vorgang)


def test_working_days_between_counts_like_the_day_by_day_walk():
    """The arithmetic count agrees with walking day by day, across weekends, holidays and years."""
    import random
    from datetime import date, timedelta

    from amtsweg.cases.deadline import is_working_day, working_days_between

    rng = random.Random(10)
    for _ in range(300):
        start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 1000))
        end = start + timedelta(days=rng.randint(0, 800))
        walked = sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n)))
        assert working_days_between(start, end) == walked, (start, end)
        assert working_days_between(end, start) == -walked
