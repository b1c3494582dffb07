"""Alarm sounds: a protocol, discreet generated tones through QSoundEffect, and a silent stand-in."""

from __future__ import annotations

import logging
import math
import struct
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QUrl

from console.domain.alarms import Priority

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QSoundEffect

log = logging.getLogger(__name__)

RATE_HZ = 22050
DEFAULT_VOLUME = 0.5


class AlarmSound(Protocol):
    """Plays one alarm tone pattern per call; the alarm service decides when to repeat it."""

    def play(self, priority: Priority) -> None: ...

    def stop(self) -> None: ...

    def set_volume(self, volume: float) -> None: ...


class RoomOutput(AlarmSound, Protocol):
    """The room's one real sound: says why it is silent ("" while it works) and who to tell."""

    @property
    def problem(self) -> str: ...

    def prepare(self) -> str:
        """Open the audio device now (not at the first alarm); returns ``problem``."""
        ...

    def watch(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(problem)`` whenever the sound stops working."""
        ...


NO_SOUND_SYSTEM = "no sound system on this computer (details in the log)"
NO_DEVICE = "no audio device"
NOT_PREPARED = "the alarm tones could not be prepared (details in the log)"


class SilentSound:
    """Plays nothing and records what it would have played (tests, or a machine without audio).

    ``problem`` says why the room is silent ("" for a stand-in that counts as working, in tests).
    """

    def __init__(self, problem: str = "") -> None:
        self.played: list[Priority] = []  # every play() call, in order
        self.stops = 0
        self.playing: Priority | None = None
        self.volume = DEFAULT_VOLUME
        self.problem = problem

    def prepare(self) -> str:
        return self.problem

    def watch(self, callback: Callable[[str], None]) -> None:
        """A silent stand-in never changes its mind: nothing to watch."""

    def play(self, priority: Priority) -> None:
        self.played.append(priority)
        self.playing = priority

    def stop(self) -> None:
        self.stops += 1
        self.playing = None

    def set_volume(self, volume: float) -> None:
        self.volume = _clamp(volume)


def _clamp(volume: float) -> float:
    return 0.0 if math.isnan(volume) else min(1.0, max(0.0, volume))


# --- tones ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tone:
    """A pulse pattern: ``pulses`` tones of ``pulse_s`` at ``frequency_hz``, ``gap_s`` apart."""

    frequency_hz: float
    pulses: int
    pulse_s: float
    gap_s: float
    amplitude: float  # 0..1 of full scale, before the user's volume


# Low, rounded tones (a sine with a soft second harmonic and 25 ms fades): audible in a quiet
# room, never a shriek. High = three short pulses, medium = two soft pulses, low = one soft tone.
TONES: dict[Priority, Tone] = {
    Priority.HIGH: Tone(587.33, 3, 0.14, 0.09, 0.40),  # D5
    Priority.MEDIUM: Tone(440.0, 2, 0.18, 0.14, 0.26),  # A4
    Priority.LOW: Tone(392.0, 1, 0.30, 0.0, 0.18),  # G4
}
FADE_S = 0.025


def tone_samples(tone: Tone, rate_hz: int = RATE_HZ) -> list[int]:
    """16-bit mono samples of ``tone`` (ending in a short silence so repeats never run together)."""
    pulse_n = round(tone.pulse_s * rate_hz)
    gap_n = round(tone.gap_s * rate_hz)
    fade_n = max(1, round(FADE_S * rate_hz))
    peak = 32767 * tone.amplitude
    pulse: list[int] = []
    for i in range(pulse_n):
        t = i / rate_hz
        edge = min(i, pulse_n - 1 - i)
        envelope = 1.0 if edge >= fade_n else 0.5 - 0.5 * math.cos(math.pi * edge / fade_n)
        wave_value = math.sin(2 * math.pi * tone.frequency_hz * t) + 0.25 * math.sin(
            4 * math.pi * tone.frequency_hz * t
        )
        pulse.append(round(peak * envelope * wave_value / 1.25))
    samples: list[int] = []
    for n in range(tone.pulses):
        samples.extend(pulse)
        if n < tone.pulses - 1:
            samples.extend([0] * gap_n)
    samples.extend([0] * round(0.05 * rate_hz))
    return samples


def write_tone(path: Path, tone: Tone, rate_hz: int = RATE_HZ) -> Path:
    """Write ``tone`` as a mono 16-bit WAV file at ``path`` and return the path."""
    samples = tone_samples(tone, rate_hz)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate_hz)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


# --- Qt -----------------------------------------------------------------------------------------


class QtAlarmSound(QObject):
    """Plays the tones with QSoundEffect; any audio failure falls back to silence, logged once.

    Nothing is loaded until the first ``play``: the WAV files are written into ``cache_dir`` then.
    ``fallback`` records what could not be played (it is the ``SilentSound`` in use after a failure).
    """

    def __init__(self, cache_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cache_dir = cache_dir
        self._volume = DEFAULT_VOLUME
        self._effects: dict[Priority, QSoundEffect] | None = None
        self.fallback: SilentSound | None = None
        self.problem = ""  # why the sound fell back to silence ("" while it works)
        self._watchers: list[Callable[[str], None]] = []

    @property
    def available(self) -> bool:
        """False once the sound has fallen back to silence."""
        return self.fallback is None

    def prepare(self) -> str:
        """Open the audio device and write the tones now; returns why they cannot play, or ""."""
        self._load()
        return self.problem

    def watch(self, callback: Callable[[str], None]) -> None:
        self._watchers.append(callback)

    def play(self, priority: Priority) -> None:
        effects = self._load()
        if effects is None:
            if self.fallback is not None:
                self.fallback.play(priority)
            return
        try:
            for other, effect in effects.items():
                if other is not priority and effect.isPlaying():
                    effect.stop()
            effects[priority].play()
        except Exception as error:  # a broken audio backend must never stop the alarm service
            self._fail(f"playing failed: {error}")
            if self.fallback is not None:
                self.fallback.play(priority)

    def stop(self) -> None:
        if self.fallback is not None:
            self.fallback.stop()
        for effect in (self._effects or {}).values():
            try:
                effect.stop()
            except Exception as error:
                self._fail(f"stopping failed: {error}")
                return

    def set_volume(self, volume: float) -> None:
        self._volume = _clamp(volume)
        if self.fallback is not None:
            self.fallback.set_volume(self._volume)
        for effect in (self._effects or {}).values():
            effect.setVolume(self._volume)

    # ---- loading -------------------------------------------------------------------------
    def _load(self) -> dict[Priority, QSoundEffect] | None:
        if self._effects is not None or self.fallback is not None:
            return self._effects
        try:
            from PySide6.QtMultimedia import QMediaDevices, QSoundEffect

            if not QMediaDevices.audioOutputs():
                self._fail(NO_DEVICE)
                return None
            effects: dict[Priority, QSoundEffect] = {}
            for priority, tone in TONES.items():
                path = write_tone(self._cache_dir / f"alarm-{priority.value}.wav", tone)
                effect = QSoundEffect(self)
                effect.setSource(QUrl.fromLocalFile(str(path)))
                effect.setVolume(self._volume)
                effect.statusChanged.connect(self._on_effect_status_changed)
                effects[priority] = effect
        except (ImportError, OSError, RuntimeError) as error:
            # the nurse reads the plain reason; the library's own words go to the log
            log.warning("the sound system did not start: %s", error)
            self._fail(NO_SOUND_SYSTEM if isinstance(error, ImportError) else NOT_PREPARED)
            return None
        self._effects = effects
        return effects

    def _fail(self, reason: str) -> None:
        if self.fallback is None:
            log.warning("alarm sound unavailable, alarms stay visual only: %s", reason)
            self.fallback = SilentSound()
            self.fallback.set_volume(self._volume)
            self.problem = reason
            for callback in self._watchers:
                callback(reason)
        for effect in (self._effects or {}).values():
            effect.deleteLater()
        self._effects = None

    def _on_effect_status_changed(self) -> None:
        from PySide6.QtMultimedia import QSoundEffect

        effects = self._effects or {}
        if any(e.status() == QSoundEffect.Status.Error for e in effects.values()):
            self._fail("a tone could not be decoded or the audio device failed")
