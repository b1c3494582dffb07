"""A numpy ring buffer of (time, value) pairs for plotting: O(1) append, time-ordered views."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# 8 h at 1 Hz is 28,800 points; the next power of two leaves ~14 % headroom before a regrow
SESSION_CAPACITY = 32_768


class RingBuffer:
    """(time, value) pairs in float64 (epoch seconds, value).

    With ``grow=True`` (the default) the buffer never drops data: when full it doubles, which
    keeps append O(1) amortised and the arrays contiguous, so ``arrays()`` returns views.
    With ``grow=False`` it is a true ring that overwrites its oldest pair; ``arrays()`` then
    returns a time-ordered copy once it has wrapped.
    """

    __slots__ = ("_grow", "_n", "_start", "_t", "_v")

    def __init__(self, capacity: int = SESSION_CAPACITY, *, grow: bool = True) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._t: FloatArray = np.empty(capacity, dtype=np.float64)
        self._v: FloatArray = np.empty(capacity, dtype=np.float64)
        self._n = 0  # pairs held
        self._start = 0  # index of the oldest pair (moves only in a full, non-growing ring)
        self._grow = grow

    def __len__(self) -> int:
        return self._n

    @property
    def capacity(self) -> int:
        return int(self._t.shape[0])

    def clear(self) -> None:
        self._n = 0
        self._start = 0

    def append(self, t: float, value: float) -> None:
        """Add one pair after the newest; O(1) (amortised when growing)."""
        capacity = self.capacity
        if self._n < capacity:
            i = (self._start + self._n) % capacity
            self._n += 1
        elif self._grow:
            self._resize(capacity * 2)
            i = self._n
            self._n += 1
        else:
            i = self._start
            self._start = (self._start + 1) % capacity
        self._t[i] = t
        self._v[i] = value

    def extend(
        self, times: Sequence[float] | FloatArray, values: Sequence[float] | FloatArray
    ) -> None:
        """Add many pairs in order (a history load) without a Python loop per pair."""
        t = np.asarray(times, dtype=np.float64)
        v = np.asarray(values, dtype=np.float64)
        if t.shape != v.shape or t.ndim != 1:
            raise ValueError("times and values must be 1-D and the same length")
        count = int(t.shape[0])
        if count == 0:
            return
        if self._grow:
            needed = self._n + count
            if needed > self.capacity:
                self._resize(max(needed, self.capacity * 2))
            self._compact()
            self._t[self._n : needed] = t
            self._v[self._n : needed] = v
            self._n = needed
            return
        for ti, vi in zip(t[-self.capacity :].tolist(), v[-self.capacity :].tolist(), strict=True):
            self.append(ti, vi)

    def arrays(self) -> tuple[FloatArray, FloatArray]:
        """Times and values, oldest first: views while contiguous, else a copy."""
        end = self._start + self._n
        if end <= self.capacity:
            return self._t[self._start : end], self._v[self._start : end]
        wrap = end - self.capacity
        return (
            np.concatenate((self._t[self._start :], self._t[:wrap])),
            np.concatenate((self._v[self._start :], self._v[:wrap])),
        )

    def last(self) -> tuple[float, float] | None:
        """The newest pair, or None when empty."""
        if self._n == 0:
            return None
        i = (self._start + self._n - 1) % self.capacity
        return float(self._t[i]), float(self._v[i])

    def _compact(self) -> None:
        if self._start == 0:
            return
        t, v = self.arrays()
        self._t[: self._n] = t
        self._v[: self._n] = v
        self._start = 0

    def _resize(self, capacity: int) -> None:
        t, v = self.arrays()
        self._t = np.empty(capacity, dtype=np.float64)
        self._v = np.empty(capacity, dtype=np.float64)
        self._t[: self._n] = t
        self._v[: self._n] = v
        self._start = 0
