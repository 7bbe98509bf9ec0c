"""Go-live and withdrawal are recorded once, as periods, through ``activation_set`` (roll-out data)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from amtsweg.assistant.models import ActivationPeriod
from amtsweg.assistant.selectors import activation_periods
from amtsweg.assistant.services import activation_set

pytestmark = pytest.mark.django_db


def test_periods_open_on_go_live_and_close_on_withdrawal(version, authority, route):
    start = timezone.now() - timedelta(days=10)
    activation = activation_set(definition=version.definition, authority=authority, at=start)
    # Saving "live" again (e.g. the admin form re-saved) opens no second period.
    activation_set(definition=version.definition, authority=authority, at=start + timedelta(days=1))
    assert list(activation.periods.values_list("since", "until")) == [(start, None)]

    end = start + timedelta(days=3)
    activation_set(definition=version.definition, authority=authority, live=False, at=end)
    activation_set(definition=version.definition, authority=authority, live=False, at=end + timedelta(days=1))
    again = start + timedelta(days=5)
    activation_set(definition=version.definition, authority=authority, at=again)
    assert list(activation.periods.values_list("since", "until")) == [(start, end), (again, None)]

    # The monitor asks by date: the gap (day 4) has no period, day 2 and day 6 have one each.
    assert not activation_periods(since=start + timedelta(days=4), until=start + timedelta(days=4)).exists()
    assert activation_periods(since=start + timedelta(days=2), until=start + timedelta(days=2)).count() == 1
    assert activation_periods(since=start + timedelta(days=6), until=start + timedelta(days=6)).count() == 1


def test_going_offline_before_ever_live_records_nothing(version, authority):
    activation_set(definition=version.definition, authority=authority, live=False)
    assert not ActivationPeriod.objects.exists()


def test_migration_counts_activations_live_before_periods_existed_as_live_since_created(version, authority):
    from importlib import import_module

    from django.apps import apps

    from amtsweg.assistant.models import Activation

    live = Activation.objects.create(definition=version.definition, authority=authority, live=True)
    migration = import_module("amtsweg.assistant.migrations.0004_activation_period")
    migration.periods_backfill(apps, None)
    assert list(live.periods.values_list("since", "until")) == [(live.created, None)]
