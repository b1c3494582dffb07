"""Which readings on screen are not stored yet: the vitals batches the writer holds or set aside."""

from __future__ import annotations

from collections import OrderedDict

from console.domain.vitals import VitalPoint
from console.store.entry_state import EntryState

# batches handed to the writer whose state has not been told yet (a locked database holds them
# in the writer's queue for a while); past this many the oldest are forgotten, never marked
SENT_KEEP = 10_000
NOT_STORED = (EntryState.HELD, EntryState.QUARANTINED)


class UnstoredReadings:
    """Maps a vitals batch's uid to its points, and knows the points not in the database yet.

    A batch is "not stored" while the writer holds it in memory (the disk is full) or after it
    set it aside in the quarantine file; a batch in the spool is safe on disk and counts as kept.
    """

    def __init__(self) -> None:
        self._sent: OrderedDict[str, tuple[VitalPoint, ...]] = OrderedDict()
        self._unstored: dict[str, tuple[VitalPoint, ...]] = {}
        self._states: dict[VitalPoint, EntryState] = {}

    def sent(self, uid: str, points: tuple[VitalPoint, ...]) -> None:
        """A batch was handed to the writer: its state follows through ``changed``."""
        if not points:
            return
        self._sent[uid] = points
        while len(self._sent) > SENT_KEEP:
            self._sent.popitem(last=False)

    def changed(self, uid: str, state: EntryState) -> bool:
        """Follow one entry's new state; True when what is marked on screen changed."""
        if state in NOT_STORED:
            points = self._sent.pop(uid, None) or self._unstored.get(uid)
            if points is None:
                return False
            self._unstored[uid] = points
            for point in points:
                self._states[point] = state
            return True
        if state is EntryState.WAITING:
            return False
        self._sent.pop(uid, None)
        points = self._unstored.pop(uid, None)
        if points is None:
            return False
        for point in points:
            self._states.pop(point, None)
        return True

    def state(self, point: VitalPoint) -> EntryState | None:
        """HELD or QUARANTINED while ``point`` is not in the database; None once it is (or
        when nothing says otherwise).
        """
        return self._states.get(point)

    @property
    def count(self) -> int:
        """How many readings are not stored yet."""
        return len(self._states)
