"""Bedside-style numeric tiles: the latest value of each parameter, its age, greyed when stale."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from console.domain.vitals import MANUAL_SOURCE, PARAMETERS, Parameter, VitalPoint
from console.store.entry_state import EntryState

CONTINUOUS_STALE = timedelta(seconds=10)  # a monitored value older than this is greyed
SPOT_STALE = timedelta(minutes=20)  # a cuff pressure or hand-entered value older than this
NO_VALUE = "—"
TILE_HEIGHT = 124  # every tile the same height, whatever its digit size
NOT_STORED = "○ not stored yet"  # the value shown is held in memory (the disk is full)
SET_ASIDE = "○ not stored: set aside"  # the database refused it: in the quarantine file
NOT_STORED_TIP = (
    "This value is not in the record yet: the disk is full. Vigil keeps it in memory and "
    "stores it once space is freed. Do not close Vigil."
)
SET_ASIDE_TIP = (
    "The database refused this value. It is kept in the quarantine file beside the spool; "
    "the banner says more."
)

StoreCheck = Callable[[VitalPoint], EntryState | None]


def _always_stored(_point: VitalPoint) -> EntryState | None:
    return None


@dataclass(frozen=True, slots=True)
class Palette:
    """Colours for one theme: a trace colour per tile key, plus the tile surface."""

    traces: Mapping[str, str]
    tile_background: str
    tile_border: str
    caption: str
    stale: str
    plot_background: str
    grid: str
    guide: str
    axis: str
    marker: str
    overdue: str = "#b00020"  # an overdue vitals check on the trend


# Bedside conventions (HR green, SpO2 cyan, NIBP white/grey, RR yellow), muted for a calm room.
DAY = Palette(
    traces={
        "hr": "#1b7a43",
        "pr": "#4c9a6a",
        "spo2": "#0a7285",
        "nibp": "#34424f",
        "rr": "#8a6a00",
        "etco2": "#6a52ad",
        "temp": "#8c5340",
    },
    tile_background="#f6f8fa",
    tile_border="#dfe5eb",
    caption="#5b6a79",
    stale="#aab4be",
    plot_background="#ffffff",
    grid="#c7d0d9",
    guide="#e6eaef",
    axis="#5b6a79",
    marker="#7d6a9e",
)
NIGHT = Palette(
    traces={
        "hr": "#5fae7a",
        "pr": "#4f8f67",
        "spo2": "#4ea6b8",
        "nibp": "#aab4be",
        "rr": "#c4a850",
        "etco2": "#998bc8",
        "temp": "#b59580",
    },
    tile_background="#0d1116",
    tile_border="#1c252e",
    caption="#66737f",
    stale="#3f4a55",
    plot_background="#0d1116",
    grid="#26313b",
    guide="#171e25",
    axis="#66737f",
    marker="#8a7bb0",
    overdue="#c0494f",
)


@dataclass(frozen=True, slots=True)
class TileSpec:
    """One tile: its key (for colours), the parameters it shows in order of preference."""

    key: str
    parameters: tuple[Parameter, ...]
    value_pt: int = 44
    decimals: int = 0


SPECS: tuple[TileSpec, ...] = (
    TileSpec("hr", (Parameter.HR, Parameter.PR)),
    TileSpec("spo2", (Parameter.SPO2,)),
    TileSpec("nibp", (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN), value_pt=32),
    TileSpec("rr", (Parameter.RR,)),
    TileSpec("etco2", (Parameter.ETCO2,)),
    TileSpec("temp", (Parameter.TEMP,), decimals=1),
)
_NIBP = (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN)


def age_text(age: timedelta) -> str:
    """How long ago, in the coarsest unit a glance needs: "12 s ago", "4 min ago", "1 h 05 min ago"."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 60:
        return f"{seconds} s ago"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min ago"
    return f"{minutes // 60} h {minutes % 60:02d} min ago"


def source_label(point: VitalPoint) -> str:
    """A short name for where a value came from: "masimo ttyUSB1", "by hand"."""
    if point.source == MANUAL_SOURCE:
        return "by hand"
    port = point.device.rsplit("/", 1)[-1]
    return f"{point.source} {port}".strip()


def is_spot(point: VitalPoint) -> bool:
    """A spot value (cuff or hand-entered) ages slowly; a monitored one goes stale in seconds."""
    return point.parameter in _NIBP or point.source == "manual"


class VitalTile(QFrame):
    """One parameter's tile: label and unit, the value in large digits, and its age."""

    def __init__(self, spec: TileSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("vitalTile")
        self.spec = spec
        self._points: dict[Parameter, VitalPoint] = {}
        self._palette = DAY
        self._state = ""
        self.title = QLabel()
        self.unit = QLabel()
        self.value = QLabel(NO_VALUE)
        self.value.setObjectName("tileValue")
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.age = QLabel("")
        self.age.setObjectName("tileAge")
        self.age.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.others = QLabel("")  # the same parameter from another source, smaller and labelled
        self.others.setObjectName("tileAge")
        # a calm mark while the value shown is not in the database yet (hidden otherwise)
        self.not_stored = QLabel("")
        self.not_stored.setObjectName("tileUnstored")
        self.not_stored.hide()
        self._store_check: StoreCheck = _always_stored
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.setSpacing(6)
        head.addWidget(self.title)
        head.addWidget(self.not_stored)
        head.addStretch(1)
        head.addWidget(self.unit)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 6, 10, 6)
        column.setSpacing(0)
        column.addLayout(head)
        column.addWidget(self.value, 1)
        foot = QHBoxLayout()
        foot.setContentsMargins(0, 0, 0, 0)
        foot.addWidget(self.others)
        foot.addStretch(1)
        foot.addWidget(self.age)
        column.addLayout(foot)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(TILE_HEIGHT)
        self._show_label(spec.parameters[0])
        self.setProperty("stale", False)
        self.setProperty("state", "empty")

    # ---- data ----------------------------------------------------------------------------
    def take(self, point: VitalPoint) -> None:
        self._points[point.parameter] = point

    def clear(self) -> None:
        self._points.clear()

    def set_others(self, points: Iterable[VitalPoint]) -> None:
        """Values of this tile's parameters from sources other than the one shown."""
        parts = [
            f"{p.value:.{self.spec.decimals}f} {source_label(p)}"
            for p in points
            if p.parameter == self.spec.parameters[0]
        ]
        text = "also " + ", ".join(parts) if parts else ""
        if self.others.text() != text:
            self.others.setText(text)

    def value_text(self) -> str:
        return self.value.text()

    def age_text(self) -> str:
        return self.age.text()

    def is_stale(self) -> bool:
        return bool(self.property("stale"))

    def not_stored_text(self) -> str:
        """The "not stored yet" mark shown on the tile, or "" when its value is stored."""
        return self.not_stored.text() if not self.not_stored.isHidden() else ""

    def set_store_check(self, check: StoreCheck) -> None:
        """Where to ask whether a value shown is not stored yet (the vitals service)."""
        self._store_check = check

    def refresh(self, now: datetime) -> None:
        """Recompute the text, age and staleness against ``now`` (from the injected clock)."""
        point, text = self._choose(now)
        if point is None:
            self.value.setText(NO_VALUE)
            self.age.setText("")
            self._set_state("empty")
            self._show_stored(None)
            return
        self.value.setText(text)
        self._show_stored(self._unstored_state(point))
        age = now - point.at
        self.age.setText(age_text(age))
        self._set_state("stale" if self._stale(point, now) else "live")

    def _unstored_state(self, point: VitalPoint) -> EntryState | None:
        """The worst store state of the values shown (NIBP shows up to three of them)."""
        shown = (
            [self._points[p] for p in _NIBP if p in self._points]
            if self.spec.key == "nibp"
            else [point]
        )
        states = [self._store_check(p) for p in shown]
        if EntryState.QUARANTINED in states:
            return EntryState.QUARANTINED
        return EntryState.HELD if any(s is not None for s in states) else None

    def _show_stored(self, state: EntryState | None) -> None:
        if state is None:
            if not self.not_stored.isHidden():
                self.not_stored.hide()
                self.not_stored.setText("")
            return
        held = state is not EntryState.QUARANTINED
        text = NOT_STORED if held else SET_ASIDE
        if self.not_stored.text() != text:
            self.not_stored.setText(text)
            self.not_stored.setToolTip(NOT_STORED_TIP if held else SET_ASIDE_TIP)
        if self.not_stored.isHidden():
            self.not_stored.show()

    def _stale(self, point: VitalPoint, now: datetime) -> bool:
        return now - point.at > (SPOT_STALE if is_spot(point) else CONTINUOUS_STALE)

    def _choose(self, now: datetime) -> tuple[VitalPoint | None, str]:
        if self.spec.key == "nibp":
            return self._nibp()
        present = [self._points[p] for p in self.spec.parameters if p in self._points]
        if not present:
            return None, NO_VALUE
        fresh = [p for p in present if not self._stale(p, now)]
        point = fresh[0] if fresh else max(present, key=lambda p: p.at)
        self._show_label(point.parameter)
        return point, f"{point.value:.{self.spec.decimals}f}"

    def _nibp(self) -> tuple[VitalPoint | None, str]:
        sys_ = self._points.get(Parameter.NIBP_SYS)
        dia = self._points.get(Parameter.NIBP_DIA)
        if sys_ is None or dia is None:
            return None, NO_VALUE
        text = f"{sys_.value:.0f}/{dia.value:.0f}"
        mean = self._points.get(Parameter.NIBP_MEAN)
        if mean is not None and abs((mean.at - sys_.at).total_seconds()) < 5:
            text += f" ({mean.value:.0f})"
        return sys_, text

    # ---- look ----------------------------------------------------------------------------
    def _show_label(self, parameter: Parameter) -> None:
        info = PARAMETERS[parameter]
        self.title.setText("NIBP" if self.spec.key == "nibp" else info.label)
        self.unit.setText(info.unit)

    def _set_state(self, state: str) -> None:
        if state == self._state:
            return
        self._state = state
        self.setProperty("state", state)
        self.setProperty("stale", state == "stale")
        self._restyle()

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self._restyle()

    def _restyle(self) -> None:
        p = self._palette
        colour = p.traces[self.spec.key]
        digits = p.stale if self._state in ("stale", "empty") else colour
        self.setStyleSheet(
            f"QFrame#vitalTile {{ background: {p.tile_background}; "
            f"border: 1px solid {p.tile_border}; border-radius: 6px; }}"
            f"QLabel {{ background: transparent; color: {colour}; font-size: 12pt;"
            " font-weight: 600; }"
            f"QLabel#tileValue {{ color: {digits}; font-size: {self.spec.value_pt}pt;"
            ' font-weight: 700; font-family: "DejaVu Sans Condensed", "DejaVu Sans"; }'
            f"QLabel#tileAge {{ color: {p.stale if self._state == 'stale' else p.caption};"
            " font-size: 10pt; font-weight: 400; }"
            f"QLabel#tileUnstored {{ color: {p.caption}; font-size: 10pt; font-weight: 400; }}"
        )


class TileRow(QWidget):
    """The row of tiles, one per parameter group, fed with points and refreshed each second."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles = [VitalTile(spec) for spec in SPECS]
        self._by_parameter = {p: tile for tile in self.tiles for p in tile.spec.parameters}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        for tile in self.tiles:
            row.addWidget(tile, 2 if tile.spec.key == "nibp" else 1)

    def tile(self, parameter: Parameter) -> VitalTile:
        """The tile showing ``parameter`` (HR and PR share one, as do SYS, DIA and MAP)."""
        return self._by_parameter[parameter]

    def tile_text(self, parameter: Parameter) -> str:
        """The value text the tile for ``parameter`` shows now ("72", "121/75 (92)", "—")."""
        return self.tile(parameter).value_text()

    def age_text(self, parameter: Parameter) -> str:
        return self.tile(parameter).age_text()

    def is_stale(self, parameter: Parameter) -> bool:
        return self.tile(parameter).is_stale()

    def not_stored_text(self, parameter: Parameter) -> str:
        return self.tile(parameter).not_stored_text()

    def set_store_check(self, check: StoreCheck) -> None:
        """Mark values the check says are not stored yet (held in memory or set aside)."""
        for tile in self.tiles:
            tile.set_store_check(check)

    def take(self, points: Iterable[VitalPoint]) -> None:
        for point in points:
            tile = self._by_parameter.get(point.parameter)
            if tile is not None:
                tile.take(point)

    def set_others(self, others: Mapping[Parameter, list[VitalPoint]]) -> None:
        """Show each parameter's further sources small on its tile (none: the line is empty)."""
        for tile in self.tiles:
            tile.set_others(p for q in tile.spec.parameters for p in others.get(q, []))

    def load(self, latest: Mapping[Parameter, VitalPoint]) -> None:
        """Replace everything shown with the latest value of each parameter."""
        for tile in self.tiles:
            tile.clear()
        self.take(latest.values())

    def refresh(self, now: datetime) -> None:
        for tile in self.tiles:
            tile.refresh(now)

    def set_palette(self, palette: Palette) -> None:
        for tile in self.tiles:
            tile.set_palette(palette)
