"""Finds the protocol drivers: every module in ``devices.protocols`` that defines ``DRIVER``."""

from __future__ import annotations

import importlib
import pkgutil

from devices import protocols
from devices.base import DriverInfo


def available_drivers() -> dict[str, DriverInfo]:
    """All registered drivers by short name, in name order; a new protocol is one new module."""
    found: dict[str, DriverInfo] = {}
    for module_info in pkgutil.iter_modules(protocols.__path__):
        module = importlib.import_module(f"{protocols.__name__}.{module_info.name}")
        driver = getattr(module, "DRIVER", None)
        if isinstance(driver, DriverInfo):
            found[driver.name] = driver
    return dict(sorted(found.items()))
