"""Rate limiting for tray notifications: one per kind per interval, and only on a change."""

from __future__ import annotations

import time
from collections.abc import Callable

NOTIFY_MIN_INTERVAL_S = 3600  # never more than one notification of a kind per hour


class NotificationGate:
    def __init__(self, min_interval_s: float = NOTIFY_MIN_INTERVAL_S, clock: Callable[[], float] = time.monotonic):
        self.min_interval_s = min_interval_s
        self.clock = clock
        self._last: dict[str, float] = {}
        self._state: dict[str, object] = {}

    def should_notify(self, kind: str, state: object) -> bool:
        """True when `state` for `kind` became truthy/changed and the kind is not rate-limited."""
        previous = self._state.get(kind)
        self._state[kind] = state
        if not state or state == previous:
            return False
        now = self.clock()
        last = self._last.get(kind)
        if last is not None and now - last < self.min_interval_s:
            return False
        self._last[kind] = now
        return True
