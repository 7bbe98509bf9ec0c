"""Moved to ``amtsweg.common.clock``; kept only until ``hub/services.py`` imports it from there. Delegates at
call time, so a test patching ``amtsweg.common.clock.now`` reaches callers of this alias too."""

from amtsweg.common import clock as _clock


def now():
    return _clock.now()
