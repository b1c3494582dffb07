"""Live vital-signs display: numeric tiles, session trends and the pleth sweep."""

from widgets.vitals.panel import VitalsPanel

__all__ = ["VitalsPanel"]
