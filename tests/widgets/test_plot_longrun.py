"""A plot updated tens of thousands of times must not leak references to None (PySide6 6.12.0 did)."""

from __future__ import annotations

import sys

import numpy as np
import pyqtgraph as pg
import pytest

UPDATES = 30_000


@pytest.mark.slow
def test_thirty_thousand_plot_updates_keep_the_none_refcount_flat(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(640, 360)
    widget.show()
    qtbot.waitExposed(widget)
    curve = widget.plot(pen=pg.mkPen("c", width=2))
    x = np.arange(600, dtype=float)
    ring = np.zeros(600)
    for _ in range(200):  # warm up caches before taking the baseline
        curve.setData(x, ring)
    widget.repaint()
    baseline = sys.getrefcount(None)
    for i in range(UPDATES):
        ring[i % 600] = np.sin(i / 25.0)
        curve.setData(x, ring)
        if i % 50 == 0:
            widget.repaint()
    drift = sys.getrefcount(None) - baseline
    # the 6.12.0 bug drops one reference per update: 30,000 here; a healthy build stays within noise
    assert abs(drift) < 500, f"None refcount drifted by {drift} over {UPDATES} updates"
