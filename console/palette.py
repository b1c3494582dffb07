"""One palette for screen and paper: the colours the widgets and the printed reports share.

Plain hex strings (no Qt), so both the core (``console.reports``) and ``widgets`` import it.
"""

from __future__ import annotations

# --- shared meanings (screen and paper) ----------------------------------------------------------
HIGH_ALARM = "#c62828"  # a high-priority alarm; also the heart-rate trace on paper
ALARM_TEXT = "#b00020"  # alarm words on a light background (timeline, invalid fields)
ADVERSE = "#b34700"
OVERRIDE = "#6a3fa0"
AMENDMENT = "#8a5a00"
DOSE_BLUE = "#2f6f9f"
SIGNED_GREEN = "#1b7a43"
MUTED_SLATE = "#5b6a79"
WHITE = "#ffffff"

# --- paper (the PDF reports) ---------------------------------------------------------------------
INK = "#111111"
MUTED = "#555555"
RULE = "#9a9a9a"
GRID = "#dddddd"
SHADE = "#f1f3f5"
HEAD = "#e2e6ea"
HR = HIGH_ALARM
SPO2 = "#1565c0"
SYS = "#6a1b9a"
DIA = "#00838f"
MAP = "#8d6e63"
T0 = "#2e7d32"
DOSE = "#ef6c00"
ALARM = {"high": "#d50000", "medium": "#f9a825", "low": "#00acc1"}
