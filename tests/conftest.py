"""Test-wide setup: offscreen Qt, the shared fixtures folder, and strict leftovers checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared"
DEVICE_FIXTURES = SHARED / "fixtures" / "devices"


@pytest.fixture
def device_fixture():
    """Return a function giving the path of a file in ../shared/fixtures/devices, or skip."""

    def find(relative: str) -> Path:
        path = DEVICE_FIXTURES / relative
        if not path.exists():
            pytest.skip(
                f"device fixture {relative} not found: ../shared (the reference folder beside "
                "the project) is absent in this checkout"
            )
        return path

    return find
