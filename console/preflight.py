"""Checks, before Qt loads, that a window can open; says what is missing instead of a Qt trace."""

from __future__ import annotations

import ctypes
import os
import sys

HEADLESS_PLATFORMS = {"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "minimalegl"}

# shared library → the Debian/Ubuntu package that provides it
QT_LIBRARIES = {
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-image.so.0": "libxcb-image0",
    "libX11-xcb.so.1": "libx11-xcb1",
}


def _missing(libraries: dict[str, str]) -> list[str]:
    packages = []
    for library, package in libraries.items():
        try:
            ctypes.CDLL(library)
        except OSError:
            packages.append(package)
    return packages


def missing_window_packages() -> list[str]:
    """The Debian packages a Qt window on X11 needs that this machine lacks (for `make run`)."""
    if not sys.platform.startswith("linux"):
        return []
    return sorted(set(_missing(QT_LIBRARIES) + _missing(XCB_LIBRARIES)))


def display_problem(environ: dict[str, str] | None = None) -> str | None:
    """A message naming what stops a window from opening here, or None when it can open."""
    env = dict(os.environ) if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "").split(":")[0]
    missing = _missing(QT_LIBRARIES)
    if platform not in HEADLESS_PLATFORMS:
        if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
            return (
                "Vigil cannot open a window: this machine has no display (neither DISPLAY nor "
                "WAYLAND_DISPLAY is set).\n"
                "  • On a desktop, run it from the desktop session.\n"
                "  • On a server or over SSH: sudo apt-get install xvfb, then "
                "xvfb-run -a make run\n"
                "  • For a headless check only: QT_QPA_PLATFORM=offscreen make run"
            )
        if platform in ("", "xcb") and env.get("DISPLAY"):
            missing += _missing(XCB_LIBRARIES)
    if missing:
        return (
            "Vigil cannot start Qt: system libraries are missing.\n"
            f"  Install them with: sudo apt-get install {' '.join(sorted(set(missing)))}"
        )
    return None
