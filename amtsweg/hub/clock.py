"""The hub's clock. Everything time-dependent in the hub calls ``clock.now()`` (looked up at call time),
so tests can patch ``amtsweg.hub.clock.now`` to advance a simulated day without sleeping."""

from django.utils import timezone


def now():
    return timezone.now()
