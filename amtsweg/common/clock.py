"""The platform clock. Time-dependent code calls ``clock.now()`` (looked up at call time, so import the
module, not the function), which lets tests patch ``amtsweg.common.clock.now`` to advance a simulated
day without sleeping."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
