from __future__ import annotations

import os
import subprocess
import sys

from console import preflight
from tests.conftest import PROJECT


def test_no_display_is_explained_with_the_way_out():
    message = preflight.display_problem({"PATH": "/usr/bin"})
    assert message is not None
    assert "no display" in message and "xvfb-run -a make run" in message


def test_offscreen_needs_no_display():
    assert preflight.display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None


def test_missing_libraries_are_named_with_their_packages(monkeypatch):
    monkeypatch.setitem(preflight.QT_LIBRARIES, "libsurely-absent-vigil.so.9", "libsurely-absent9")
    message = preflight.display_problem({"QT_QPA_PLATFORM": "offscreen"})
    assert message is not None
    assert "sudo apt-get install" in message and "libsurely-absent9" in message


def test_the_program_says_what_is_missing_instead_of_a_qt_traceback(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    result = subprocess.run(
        [sys.executable, str(PROJECT / "main.py"), "--home", str(tmp_path), "--demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 3
    assert "cannot open a window" in result.stderr
    assert "Traceback" not in result.stderr


def test_make_run_is_told_the_window_packages_this_machine_lacks(monkeypatch):
    import ctypes

    from console import preflight

    real = ctypes.CDLL

    def cdll(name, *args, **kwargs):
        if name in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1"):
            raise OSError(f"{name}: cannot open shared object file")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(preflight.ctypes, "CDLL", cdll)
    assert preflight.missing_window_packages() == ["libxcb-icccm4", "libxcb-keysyms1"]
