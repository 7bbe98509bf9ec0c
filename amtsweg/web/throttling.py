"""DRF throttles that identify anonymous clients by ``amtsweg.web.clients.client_ip``.

DRF's own ``get_ident`` believes ``X-Forwarded-For`` whenever ``NUM_PROXIES`` is unset, so a random
header per request gave unlimited calls. Counters live in the shared default cache (see
docs/adr/0010-shared-cache.md), so every web process counts against the same limit.

DRF's ``SimpleRateThrottle`` rewrites a pickled list of every request time of the client to that
cache on every request: on the database cache a write transaction per API call, serialised between
the workers by SQLite's write lock, and a list that grows with the rate. ``AnonClientRateThrottle``
counts in fixed windows instead; far from the limit a process reserves a small batch of requests in
the shared counter with one write and serves them from memory, near the limit it counts every request
(docs/adr/0022-batched-throttle.md explains why the limit still holds across processes).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import router, transaction
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle

from amtsweg.web.clients import client_ip

# Below this share of the limit a process reserves a batch of requests in the shared counter at once
# (a share of the limit, see _batch) and serves them from memory; from it on, one request at a time.
EXACT_FROM = 0.8
BATCH_SHARE = 50
BATCH_MAX = 100
_STATE_MAX = 10_000  # clients tracked per process before entries of past windows are dropped


@dataclass
class _Window:
    """One client's count in one window, as this process knows it."""

    number: int  # window number (time // duration)
    previous: int | None = None  # the shared count of the window before (read once per window)
    shared: int = 0  # the shared count after this process's last reservation (all processes)
    reserved: int = 0  # requests this process has reserved (counted) but not used yet


_state: dict[tuple[str | None, str], _Window] = {}
_lock = threading.Lock()


def _batch(limit: int) -> int:
    return max(1, min(BATCH_MAX, limit // BATCH_SHARE))


class AnonClientRateThrottle(AnonRateThrottle):
    """``anon`` rate per client address (proxy headers only from ``AMTSWEG_TRUSTED_PROXIES``).

    Sliding-window estimate over two fixed windows: the previous window's count weighted by the
    part of it that still lies within the last ``duration`` seconds, plus the current window's.
    """

    # Set by DRF's SimpleRateThrottle.__init__ from the rate (parse_rate); the stubs do not declare them.
    num_requests: int
    duration: int

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or "unknown"

    def allow_request(self, request: Request, view: object) -> bool:
        if self.rate is None:
            return True
        ident = self.get_ident(request)
        now = self.timer()
        number = int(now // self.duration)
        self._elapsed = now / self.duration - number  # share of the current window that has passed
        with _lock:
            window = _state.get((self.scope, ident))
            if window is None or window.number != number:
                if len(_state) >= _STATE_MAX:
                    for key in [k for k, w in _state.items() if w.number != number]:
                        del _state[key]
                window = _state[(self.scope, ident)] = _Window(number=number)
            self._window = window
            if window.reserved > 0:  # counted in the shared counter already
                window.reserved -= 1
                return True
            if window.previous is None:
                window.previous = caches["default"].get(self._key(ident, number - 1), 0)
            if self._estimate(window.shared + 1) > self.num_requests:
                # Over the limit as far as this process knows: read (not write) the shared count, which
                # may have been reset; a refused request is not counted.
                window.shared = caches["default"].get(self._key(ident, number), 0)
                if self._estimate(window.shared + 1) > self.num_requests:
                    return False
            batch = _batch(self.num_requests)
            amount = batch if self._estimate(window.shared + batch) < EXACT_FROM * self.num_requests else 1
            window.shared = self._add(self._key(ident, number), amount)
            # Allowed if this request fits; any rest of a batch that went over stays counted (the safe side).
            allowed = self._estimate(window.shared - amount + 1) <= self.num_requests
            window.reserved = amount - 1 if allowed and self._estimate(window.shared) <= self.num_requests else 0
            return allowed

    def _key(self, ident: str, number: int) -> str:
        return f"throttle:{self.scope}:{ident}:{number}"

    def _estimate(self, current: int) -> float:
        previous = self._window.previous or 0
        return previous * (1.0 - self._elapsed) + current

    def _add(self, key: str, amount: int) -> int:
        # Django's incr is read-then-write; on the database cache one transaction makes it atomic on
        # SQLite (BEGIN IMMEDIATE takes the write lock first), so processes do not lose each other's counts.
        store = caches["default"]
        if isinstance(store, DatabaseCache):
            with transaction.atomic(using=router.db_for_write(store.cache_model_class)):
                return self._add_unlocked(key, amount)
        return self._add_unlocked(key, amount)

    def _add_unlocked(self, key: str, amount: int) -> int:
        # incr first: on the database cache an add() of an existing key costs a failed INSERT.
        cache = caches["default"]
        try:
            return cache.incr(key, amount)
        except ValueError:  # no counter yet in this window
            pass
        # Two windows' lifetime: the next window still reads this count as its "previous".
        if cache.add(key, amount, timeout=int(self.duration * 2) + 1):
            return amount
        return cache.incr(key, amount)  # another process created it in between

    def wait(self) -> float | None:
        window = getattr(self, "_window", None)
        if window is None:
            return None
        left = (1.0 - self._elapsed) * self.duration
        previous = window.previous or 0
        spare = self.num_requests - window.shared
        if spare <= 0 or not previous:
            return left  # only the next window helps
        # The previous window's weight falls linearly; wait until it leaves room for one request.
        needed = 1.0 - (spare - 1) / previous
        return max(0.0, (needed - self._elapsed) * self.duration) if needed > self._elapsed else 0.0
