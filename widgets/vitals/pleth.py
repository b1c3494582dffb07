"""The pleth sweep: a cursor writes the waveform left to right over a fixed window, like a bedside monitor."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from console.services.vitals import WaveformUpdate
from widgets.vitals.ring import FloatArray
from widgets.vitals.tiles import DAY, Palette

FRAME_MS = 36  # at most ~28 frames a second, and only after new samples
WINDOW_S = 5.0  # the sweep covers this much time
GAP_S = 0.25  # blank ahead of the cursor, so the new trace is told apart from the old one
SILENT_AFTER = timedelta(seconds=3)  # no samples for this long: "No pleth waveform"


class PlethStrip(pg.PlotWidget):  # type: ignore[misc]
    """Draws one waveform ("pleth") as a sweep; shows a quiet "no waveform" note when none arrives."""

    def __init__(self, name: str = "pleth", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.waveform = name
        self._palette = DAY
        self._rate = 0.0
        self._x: FloatArray = np.zeros(0)
        self._y: FloatArray = np.zeros(0)
        self.cursor = 0  # index the next sample is written to
        self.received = 0  # samples taken since the last reset
        self._last_at: datetime | None = None
        self._dirty = False
        self._span = (0.0, 1.0)
        plot = self.getPlotItem()
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.enableAutoRange(x=False, y=False)
        plot.setXRange(0, WINDOW_S, padding=0)
        plot.setContentsMargins(0, 0, 0, 0)
        self.curve = pg.PlotCurveItem(antialias=False, connect="finite", skipFiniteCheck=True)
        plot.addItem(self.curve)
        self.title = pg.TextItem("Pleth", anchor=(0, 0))
        self.title.setPos(0, 1)
        plot.addItem(self.title, ignoreBounds=True)
        self.silence = pg.TextItem("No pleth waveform", anchor=(0.5, 0.5))
        self.silence.setPos(WINDOW_S / 2, 0.5)
        plot.addItem(self.silence, ignoreBounds=True)
        plot.setYRange(0, 1, padding=0)
        self._active = True  # drawing (False: a bed view built ahead, not on screen)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.redraw)
        self.setMinimumHeight(70)
        self.set_palette(DAY)

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self.setBackground(palette.plot_background)
        colour = palette.traces["spo2"]
        self.curve.setPen(pg.mkPen(colour, width=2))
        self.title.setColor(palette.caption)
        self.silence.setColor(palette.stale)

    @property
    def is_silent(self) -> bool:
        return bool(self.silence.isVisible())

    def samples(self) -> FloatArray:
        """The sweep buffer as drawn (NaN in the gap and where nothing was written yet)."""
        return self._y.copy()

    def take(self, update: WaveformUpdate) -> None:
        """Write a chunk at the cursor; a redraw follows within FRAME_MS."""
        if update.name != self.waveform or update.rate_hz <= 0 or not update.samples:
            return
        if update.rate_hz != self._rate:
            self._reset(update.rate_hz)
        n = self._y.shape[0]
        values = np.asarray(update.samples, dtype=np.float64)[-n:]
        idx = (self.cursor + np.arange(values.shape[0])) % n
        self._y[idx] = values
        self.cursor = int((self.cursor + values.shape[0]) % n)
        gap = (self.cursor + np.arange(max(1, round(GAP_S * self._rate)))) % n
        self._y[gap] = np.nan
        self.received += int(values.shape[0])
        self._last_at = update.at
        self._dirty = True
        if self.silence.isVisible():
            self.silence.setVisible(False)
        if not self._timer.isActive():
            self._timer.start()

    def check(self, now: datetime) -> None:
        """Blank the strip and say so when samples stopped arriving (``now`` from the clock)."""
        if self._last_at is not None and now - self._last_at > SILENT_AFTER:
            self.blank()

    def blank(self) -> None:
        self._last_at = None
        self._rate = 0.0
        self._x, self._y = np.zeros(0), np.zeros(0)
        self.cursor = 0
        self.received = 0
        self.curve.setData([], [])
        self.silence.setVisible(True)

    def set_active(self, active: bool) -> None:
        """False while the bed is not on screen: samples are kept, drawing waits until shown."""
        self._active = active
        if active:
            self.redraw()

    def redraw(self) -> None:
        """Hand the sweep buffer to the curve and keep the trace filling the strip's height."""
        self._timer.stop()
        if not self._dirty or not self._active:
            return
        self._dirty = False
        self.curve.setData(self._x, self._y)
        if self.received > 0:
            low, high = float(np.nanmin(self._y)), float(np.nanmax(self._y))
            old_low, old_high = self._span
            margin = (high - low) * 0.1 or 1.0
            # widen at once, narrow only when the trace clearly shrank, so the scale stays calm
            if low < old_low or high > old_high or (high - low) < 0.6 * (old_high - old_low):
                self._span = (low - margin, high + 2.5 * margin)  # headroom for the title
                self.getPlotItem().setYRange(*self._span, padding=0)
                self.title.setPos(0, self._span[1])
                self.silence.setPos(WINDOW_S / 2, sum(self._span) / 2)

    def _reset(self, rate: float) -> None:
        self._rate = rate
        n = max(2, round(WINDOW_S * rate))
        self._x = np.arange(n, dtype=np.float64) / rate
        self._y = np.full(n, np.nan)
        self.cursor = 0
        self.received = 0
        self._span = (np.inf, -np.inf)

    def stop(self) -> None:
        self._timer.stop()
