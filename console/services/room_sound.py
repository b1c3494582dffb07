"""One alarm tone for the room: each bed's alarm service asks, the most urgent request plays.

Every bed has its own ``AlarmService``, which decides when its tone pattern plays and repeats. The
room has one loudspeaker, so the beds do not play it directly: ``RoomSound.for_bed(bed_id)`` hands
each bed a stand-in with the ``AlarmSound`` protocol, and the room decides what reaches the real
sound:

- A bed's ``play(priority)`` is its request until it calls ``stop()`` (or plays another priority).
- A request at least as urgent as every other bed's plays at once (its repeats too); a request
  less urgent than another bed's current one is kept but not played.
- When the most urgent request ends or drops (the bed stopped, was acknowledged or released), the
  next most urgent request still standing plays at once, rather than waiting up to a repeat
  interval (20 s medium, 60 s low) for that bed's next repeat; with no request left the real
  sound stops.
- Two beds at the same priority each play on their own repeat schedule.
- The volume is the room's: a bed's ``set_volume`` sets the one real sound's volume.

Plain Python, no Qt: it runs on the GUI thread like the alarm services that call it.
"""

from __future__ import annotations

from collections.abc import Callable

from console.domain.alarms import Priority
from console.services.alarm_sound import RoomOutput


class BedSound:
    """A bed's stand-in for the room's sound (the ``AlarmSound`` protocol); made by ``for_bed``."""

    def __init__(self, room: RoomSound, bed_id: int) -> None:
        self._room = room
        self.bed_id = bed_id
        self.released = False  # a released bed's calls change nothing

    def play(self, priority: Priority) -> None:
        if not self.released:
            self._room._request(self.bed_id, priority)

    def stop(self) -> None:
        if not self.released:
            self._room._withdraw(self.bed_id)

    def set_volume(self, volume: float) -> None:
        if not self.released:
            self._room.set_volume(volume)


class RoomSound:
    """Owns the room's real ``AlarmSound``; only the most urgent bed's request reaches it."""

    def __init__(self, output: RoomOutput) -> None:
        self._output = output
        self._beds: dict[int, BedSound] = {}
        self._requests: dict[int, Priority] = {}  # bed id → the priority it asks to sound
        self._playing: Priority | None = None  # what the real sound last played, until stopped

    # ---- queries ---------------------------------------------------------------------------
    @property
    def output(self) -> RoomOutput:
        """The real sound."""
        return self._output

    @property
    def playing(self) -> Priority | None:
        """The priority the real sound plays for the room now (None: silent)."""
        return self._playing

    @property
    def problem(self) -> str:
        """Why the room's alarm tones are off ("" while they work)."""
        return self._output.problem

    def check(self) -> str:
        """Try the audio device now (at start-up); returns ``problem``."""
        return self._output.prepare()

    def watch(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(problem)`` if the tones stop working later."""
        self._output.watch(callback)

    def test_tone(self) -> str:
        """Play the medium tone once for a listener; returns why it cannot ("" when it played)."""
        problem = self._output.prepare()
        if problem:
            return problem
        if self._playing is not None:
            return "an alarm tone is sounding now"
        self._output.play(Priority.MEDIUM)
        return self._output.problem

    def requests(self) -> dict[int, Priority]:
        """Each asking bed's requested priority."""
        return dict(self._requests)

    # ---- beds ------------------------------------------------------------------------------
    def for_bed(self, bed_id: int) -> BedSound:
        """The bed's stand-in sound, to give its ``AlarmService``; the same one until released."""
        bed = self._beds.get(bed_id)
        if bed is None:
            bed = BedSound(self, bed_id)
            self._beds[bed_id] = bed
        return bed

    def release(self, bed_id: int) -> None:
        """The bed closed: its request ends (as a stop) and its stand-in no longer asks."""
        bed = self._beds.pop(bed_id, None)
        if bed is not None:
            bed.released = True
        self._withdraw(bed_id)

    def set_volume(self, volume: float) -> None:
        """The room's volume (the one real sound's)."""
        self._output.set_volume(volume)

    def stop(self) -> None:
        """Silence the room (the console is closing): every request ends."""
        self._requests.clear()
        self._settle()

    # ---- internals -------------------------------------------------------------------------
    def _request(self, bed_id: int, priority: Priority) -> None:
        self._requests[bed_id] = priority
        top = max(self._requests.values())
        if priority >= top:  # the most urgent request (or as urgent): it plays, repeats included
            self._play(priority)
        else:  # a less urgent one is kept; if this bed dropped from the top, the next one plays
            self._settle()

    def _withdraw(self, bed_id: int) -> None:
        if self._requests.pop(bed_id, None) is not None:
            self._settle()

    def _settle(self) -> None:
        """Make the real sound follow the requests after one ended or dropped."""
        if not self._requests:
            if self._playing is not None:
                self._output.stop()
                self._playing = None
            return
        top = max(self._requests.values())
        if self._playing is None or self._playing > top:
            self._play(top)

    def _play(self, priority: Priority) -> None:
        self._output.play(priority)
        self._playing = priority
