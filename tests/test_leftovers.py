"""The leftover check itself: a test leaving a timer, a thread or a window fails; marked, it passes."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

LEAKY = """
import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QLabel

kept = []


def test_a_timer_left_running(qtbot):
    timer = QTimer()
    timer.start(60_000)
    kept.append(timer)  # outlives the test


def test_a_window_left_open(qtbot):
    label = QLabel("left open")
    label.show()
    kept.append(label)


class Sleeper(QThread):
    def run(self):
        self.msleep(300)


def test_a_thread_left_running(qtbot):
    thread = Sleeper()
    thread.start()
    kept.append(thread)


def test_a_stopped_timer_is_fine(qtbot):
    timer = QTimer()
    timer.start(60_000)
    timer.stop()
    kept.append(timer)


@pytest.mark.leaves_qt_objects
def test_a_marked_leftover_is_cleaned_up_but_not_failed(qtbot):
    timer = QTimer()
    timer.start(60_000)
    kept.append(timer)
"""


def test_leftovers_fail_the_test_that_left_them(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "from tests.conftest import pytest_runtest_setup, pytest_runtest_teardown"
    )
    pytester.makeini("[pytest]\nqt_api = pyside6\nmarkers =\n    leaves_qt_objects: exempt\n")
    pytester.makepyfile(test_leaky=LEAKY)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5, errors=3)
    result.stdout.fnmatch_lines(
        [
            "*QTimer still active, started at*test_a_timer_left_running*",
            "*top-level widget QLabel*still shown*",
            "*QThread Sleeper still running*",
        ]
    )
