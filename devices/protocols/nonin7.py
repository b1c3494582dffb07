"""Nonin serial data format #7 (16-bit pleth): the format #2 parser in its other mode."""

from __future__ import annotations

from devices.base import DriverInfo, SerialDefaults
from devices.protocols.nonin import _HELP, make_format7

__all__ = ["DRIVER"]

DRIVER = DriverInfo(
    name="nonin7",
    title="Nonin pulse oximeter (serial data format #7)",
    serial=SerialDefaults(baudrate=9600, bytesize=8, parity="N", stopbits=1),
    expected_period_s=10.0,
    help_text=_HELP.format(fmt=7),
    decoder_factory=make_format7,
)
