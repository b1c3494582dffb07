"""The clinic station's window: every room's beds as tiles, the alarm strip, the connection state."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.clock import Clock
from console.domain.review import SessionDossier
from console.domain.station import StationAlarm
from console.station.service import StationService
from widgets.station_detail import StationDetail
from widgets.station_strip import StationAlarmStrip
from widgets.station_tile import STATION_QSS, StationTile
from widgets.theme import named

COLUMNS = 4  # tiles per row in a room
CLOCK_MS = 1000  # the clocks and "not reporting" are redrawn once a second
NO_BEDS = "No open session"


class RoomSection(QWidget):
    """One room: its name, whether its console reports, and its beds' tiles."""

    def __init__(self, room_id: int, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.room_id = room_id
        self.title = named(QLabel(name), "stationRoom")
        self.report = named(QLabel(""), "stationRoomReport")
        self.empty = named(QLabel(NO_BEDS), "overviewEmpty")
        self.grid = QGridLayout()
        self.grid.setSpacing(10)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addSpacing(16)
        head.addWidget(self.report)
        head.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 6)
        layout.addLayout(head)
        layout.addWidget(self.empty)
        layout.addLayout(self.grid)


class StationWindow(QMainWindow):
    """Shows what the StationService holds; opens a bed's record read-only on a click."""

    # acknowledging an alarm from the station was asked for (StationAlarm)
    acknowledgeRequested = Signal(object)

    def __init__(
        self,
        service: StationService,
        clock: Clock,
        read_dossier: Callable[[int], SessionDossier | None],
        night: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Vigil — clinic station")
        self.setObjectName("stationWindow")
        self._service = service
        self._clock = clock
        self._read = read_dossier
        self._night = night
        self._tiles: dict[int, StationTile] = {}
        self._sections: dict[int, RoomSection] = {}
        self._tile_rooms: dict[int, int] = {}
        self.details: dict[int, StationDetail] = {}
        self.status = named(QLabel(service.message), "stationStatus")
        self.status.setContentsMargins(12, 2, 12, 2)
        self.strip = StationAlarmStrip(self.place, service.options.acknowledge)
        self.strip.bedRequested.connect(self.open_bed)
        self.strip.acknowledgeRequested.connect(self.acknowledgeRequested)
        self._rooms = QWidget()
        self._rooms_layout = QVBoxLayout(self._rooms)
        self._rooms_layout.setContentsMargins(12, 4, 12, 12)
        self._rooms_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._rooms)
        central = QWidget()
        central.setObjectName("stationCentral")
        central.setStyleSheet(STATION_QSS)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.strip)
        layout.addWidget(self.status)
        layout.addWidget(scroll, 1)
        self.setCentralWidget(central)
        self._timer = QTimer(self)
        self._timer.setInterval(CLOCK_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        service.layoutChanged.connect(self._rebuild)
        service.bedChanged.connect(self.refresh_bed)
        service.alarmsChanged.connect(self.strip.show_alarms)
        service.reportingChanged.connect(self._on_service_reporting_changed)
        service.statusChanged.connect(self._on_service_status_changed)
        service.detailChanged.connect(self._on_service_detail_changed)
        self._rebuild()
        self.strip.show_alarms(service.active_alarms())

    # ---- public ---------------------------------------------------------------------------
    def tile(self, session_id: int) -> StationTile | None:
        return self._tiles.get(session_id)

    def tiles(self) -> list[StationTile]:
        return list(self._tiles.values())

    def section(self, room_id: int) -> RoomSection | None:
        return self._sections.get(room_id)

    def place(self, session_id: int) -> str:
        """Where a bed is, for the alarm strip: "Room 2 · Chair 1 · J. Doe"."""
        bed = self._service.bed(session_id)
        if bed is None:
            return f"session {session_id}"
        return f"{self._service.room_name(bed.room_id)} · {bed.label}"

    def open_bed(self, session_id: int) -> StationDetail | None:
        """Show the bed's record read-only (one window per bed)."""
        bed = self._service.bed(session_id)
        found = self.details.get(session_id)
        if found is None:
            if bed is None:
                return None
            found = StationDetail(session_id, self.place(session_id), self._read, self._night, self)
            found.finished.connect(lambda _=0, sid=session_id: self.details.pop(sid, None))
            self.details[session_id] = found
        found.show()
        found.activateWindow()
        return found

    def refresh(self) -> None:
        """Redraw every tile's clock, ages and report line."""
        for session_id in self._tiles:
            self.refresh_bed(session_id)
        for room_id in self._sections:
            self._show_report(room_id)

    def refresh_bed(self, session_id: int) -> None:
        tile = self._tiles.get(session_id)
        bed = self._service.bed(session_id)
        if tile is None or bed is None:
            return
        now = self._clock.now()
        tile.show_bed(
            bed,
            self._service.face(session_id, now),
            self._service.latest(session_id),
            self._service.alarms(session_id),
            self._service.not_reporting(bed.room_id),
            now,
        )

    def stop(self) -> None:
        self._timer.stop()

    # ---- layout ---------------------------------------------------------------------------
    def _rebuild(self) -> None:
        service = self._service
        beds = service.beds()
        wanted_rooms = sorted(set(service.rooms) | {b.room_id for b in beds}, key=service.room_name)
        for session_id, placed in list(self._tiles.items()):  # every tile leaves its grid
            previous = self._tile_rooms.pop(session_id, None)
            if previous in self._sections:
                self._sections[previous].grid.removeWidget(placed)
            if service.bed(session_id) is None:  # closed: the tile goes
                del self._tiles[session_id]
                placed.hide()
                placed.deleteLater()
        for room_id in [r for r in self._sections if r not in wanted_rooms]:
            gone = self._sections.pop(room_id)
            self._rooms_layout.removeWidget(gone)
            gone.hide()
            gone.deleteLater()
        for index, room_id in enumerate(wanted_rooms):
            section = self._sections.get(room_id)
            if section is None:
                section = RoomSection(room_id, service.room_name(room_id))
                self._sections[room_id] = section
            section.title.setText(service.room_name(room_id))
            self._rooms_layout.removeWidget(section)
            self._rooms_layout.insertWidget(index, section)
            room_beds = [b for b in beds if b.room_id == room_id]
            for position, bed in enumerate(room_beds):
                tile = self._tiles.get(bed.session_id)
                if tile is None:
                    tile = StationTile(bed)
                    tile.activated.connect(self.open_bed)
                    self._tiles[bed.session_id] = tile
                row, column = divmod(position, COLUMNS)
                section.grid.addWidget(tile, row, column)
                self._tile_rooms[bed.session_id] = room_id
                tile.show()
            section.empty.setVisible(not room_beds)
        self.refresh()

    def _show_report(self, room_id: int) -> None:
        section = self._sections.get(room_id)
        if section is not None:
            section.report.setText(self._service.not_reporting(room_id) or "")

    # ---- slots ----------------------------------------------------------------------------
    def _on_service_reporting_changed(self, room_id: int) -> None:
        self._show_report(room_id)
        for bed in self._service.beds(room_id):
            self.refresh_bed(bed.session_id)

    def _on_service_status_changed(self, state: str, message: str) -> None:
        self.status.setText(message)
        self.status.setProperty("state", state)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def _on_service_detail_changed(self, session_id: int) -> None:
        detail = self.details.get(session_id)
        if detail is not None:
            detail.reload()

    def alarms_shown(self) -> list[StationAlarm]:
        return list(self._service.active_alarms())
