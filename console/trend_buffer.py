"""Fixed-size numpy ring buffers of (time, value) per metric, for plots that redraw without Python loops."""
from __future__ import annotations

import numpy as np


class RingBuffer:
    """The last `capacity` samples of one metric. `view()` returns them oldest first, as array slices."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._t = np.full(2 * capacity, np.nan)
        self._v = np.full(2 * capacity, np.nan)
        self._end = 0  # the buffer is written twice over: view() is always one contiguous slice
        self.count = 0

    def append(self, t: float, value: float) -> None:
        i = self._end % self.capacity
        self._t[i] = self._t[i + self.capacity] = t
        self._v[i] = self._v[i + self.capacity] = value
        self._end += 1
        self.count = min(self.count + 1, self.capacity)

    @property
    def appended(self) -> int:
        """How many samples were ever appended: a plot redraws a metric only when this has changed."""
        return self._end

    def view(self, since: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        stop = (self._end - 1) % self.capacity + self.capacity + 1 if self.count else 0
        start = stop - self.count
        t, v = self._t[start:stop], self._v[start:stop]
        if since is not None and len(t):
            first = int(np.searchsorted(t, since))
            t, v = t[first:], v[first:]
        return t, v
