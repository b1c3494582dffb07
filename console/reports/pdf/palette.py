"""The paper palette as QColors, from the one palette shared with the screen (console.palette)."""

from __future__ import annotations

from PySide6.QtGui import QColor

from console import palette

INK = QColor(palette.INK)
MUTED = QColor(palette.MUTED)
RULE = QColor(palette.RULE)
GRID = QColor(palette.GRID)
SHADE = QColor(palette.SHADE)
HEAD = QColor(palette.HEAD)
HR = QColor(palette.HR)
SPO2 = QColor(palette.SPO2)
SYS = QColor(palette.SYS)
DIA = QColor(palette.DIA)
MAP = QColor(palette.MAP)
T0 = QColor(palette.T0)
DOSE = QColor(palette.DOSE)
ALARM = {priority: QColor(hex_code) for priority, hex_code in palette.ALARM.items()}
WHITE = QColor("white")
