"""The vitals panel: numeric tiles on top, the pleth sweep, and the session trends below."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QCloseEvent, QPalette
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from console.clock import Clock
from console.domain.schedule import CheckState, ClockFace
from console.domain.sessions import Observation, SessionRecord
from console.domain.vitals import TrendRow, VitalPoint
from console.services.sessions import SessionService
from console.services.vitals import VitalsService, WaveformUpdate
from widgets.vitals.pleth import PlethStrip
from widgets.vitals.tiles import DAY, NIGHT, Palette, TileRow
from widgets.vitals.trends import TrendsWidget

TICK_MS = 1000  # ages and staleness are recomputed from the clock this often


class VitalsPanel(QFrame):
    """Live vitals of the session on screen, observing the vitals and session services."""

    def __init__(
        self,
        vitals: VitalsService,
        sessions: SessionService,
        clock: Clock,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._vitals = vitals
        self._sessions = sessions
        self._clock = clock
        self._session_id: int | None = None
        self._extra_markers: Callable[[], list[tuple[datetime, str]]] = list
        self._dark: bool | None = None
        self.tiles = TileRow()
        self.pleth = PlethStrip()
        self.pleth.setFixedHeight(84)
        self.trends = TrendsWidget(clock)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 10, 10, 10)
        column.setSpacing(8)
        column.addWidget(self.tiles)
        column.addWidget(self.pleth)
        column.addWidget(self.trends, 1)

        # the history is asked for one event-loop turn after a session change, so that the
        # vitals service (connected to the same signal) follows it whatever the connection order
        self._reload = QTimer(self)
        self._reload.setSingleShot(True)
        self._reload.setInterval(0)
        self._reload.timeout.connect(self._on_reload_timeout)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick_timeout)

        self._has_others = False  # a tile shows another source's value ("also …")
        vitals.pointsAdded.connect(self._on_vitals_points_added)
        vitals.primaryChanged.connect(self._on_vitals_primary_changed)
        vitals.waveformAdded.connect(self._on_vitals_waveform_added)
        sessions.sessionChanged.connect(self._on_sessions_session_changed)
        sessions.observationAdded.connect(self._on_sessions_observation_added)

        vitals.trendLoaded.connect(self._on_vitals_trend_loaded)
        self.tiles.set_store_check(vitals.not_stored)  # "not stored yet" on a tile's value
        vitals.storedChanged.connect(self._on_vitals_stored_changed)
        self._loading = False  # a history read is under way: new points wait in _arrived
        self._arrived: list[VitalPoint] = []
        self._on_sessions_session_changed(sessions.active)
        self._on_reload_timeout()
        self._reload.stop()  # asked just now: not again on the next turn
        self._tick.start()
        self._apply_theme()

    # ---- public --------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop every timer (the panel stops updating until shown again with a new panel)."""
        self._tick.stop()
        self._reload.stop()
        self.trends.stop()
        self.pleth.stop()

    def set_active(self, active: bool) -> None:
        """False while the bed is not on screen: everything is kept, nothing is drawn."""
        self.trends.set_active(active)
        self.pleth.set_active(active)
        if active:
            self._tick.start()
            self.refresh()
        else:
            self._tick.stop()

    def show_check(self, face: ClockFace | None) -> None:
        """Follow the session clock: the next vitals check is marked on the trends."""
        check = face.check if face is not None else None
        due = check.due_at if check is not None else None
        self.trends.show_check(due, check is not None and check.state is CheckState.OVERDUE)

    def refresh(self) -> None:
        """Recompute ages and staleness now (the 1 s timer does this on its own)."""
        now = self._clock.now()
        self.tiles.refresh(now)
        self.pleth.check(now)
        # a monitor without a waveform gets no empty strip: the trends take the room
        self.pleth.setVisible(self.pleth.received > 0)
        self.trends.follow(now)

    # ---- slots ---------------------------------------------------------------------------
    def _on_vitals_points_added(self, points: tuple[VitalPoint, ...]) -> None:
        shown = [p for p in points if self._vitals.is_primary(p)]  # the tile's and trend's source
        self.tiles.take(shown)
        if len(shown) != len(points) or self._has_others:
            others = self._vitals.others()
            self._has_others = bool(others)
            self.tiles.set_others(others)
        self.tiles.refresh(self._clock.now())
        if self._loading:
            self._arrived.extend(shown)  # drawn once the history is in
        else:
            self.trends.add_points(shown)

    def _on_vitals_stored_changed(self) -> None:
        self.tiles.refresh(self._clock.now())

    def _on_vitals_primary_changed(self, _parameter: object) -> None:
        self._reload.start()  # the trend and tile of that parameter now follow another source

    def _on_vitals_waveform_added(self, update: WaveformUpdate) -> None:
        self.pleth.take(update)
        if self.pleth.isHidden():
            self.pleth.show()

    def _on_sessions_session_changed(self, record: SessionRecord | None) -> None:
        self.trends.set_session(record)
        new_id = record.id if record is not None else None
        if new_id != self._session_id:
            self._session_id = new_id
            self._reload.start()

    def _on_sessions_observation_added(self, observation: Observation) -> None:
        if observation.session_id == self._session_id:
            self.trends.add_observation(observation)

    def set_extra_markers(self, markers: Callable[[], list[tuple[datetime, str]]]) -> None:
        """Where to read further markers (ratings) when the session's trends are reloaded."""
        self._extra_markers = markers

    def _on_reload_timeout(self) -> None:
        """Tiles at once; the trends once the history is read (off the GUI thread)."""
        self.tiles.load(self._vitals.latest() if self._session_id is not None else {})
        self.tiles.set_others(self._vitals.others() if self._session_id is not None else {})
        self.refresh()
        if self._session_id is None:
            self._show_history([])
            return
        self._loading, self._arrived = True, []
        self._vitals.load_trend()

    def _on_vitals_trend_loaded(self, session_id: int, rows: list[TrendRow]) -> None:
        if session_id != self._session_id or not self._loading:
            return
        last = rows[-1][2] if rows else None
        late = [p.trend_row for p in self._arrived]
        late = [row for row in late if last is None or row[2] > last]  # not in the read
        self._loading, self._arrived = False, []
        self._show_history(rows + late)

    def _show_history(self, rows: list[TrendRow]) -> None:
        self.trends.reset()
        self.trends.load_rows(self._vitals.for_trend(rows))
        for observation in self._sessions.observations() if self._session_id else []:
            self.trends.add_observation(observation)
        for when, label in self._extra_markers() if self._session_id else []:
            self.trends.add_marker(when, label)
        self.refresh()

    def _on_tick_timeout(self) -> None:
        self.refresh()

    # ---- theme ---------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.PaletteChange):
            self._apply_theme()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        super().closeEvent(event)

    def _apply_theme(self) -> None:
        """Follow the day or night style sheet: dark window background means the night colours."""
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 100
        if dark == self._dark:
            return
        self._dark = dark
        self.set_palette(NIGHT if dark else DAY)

    def set_palette(self, palette: Palette) -> None:
        self.tiles.set_palette(palette)
        self.pleth.set_palette(palette)
        self.trends.set_palette(palette)
