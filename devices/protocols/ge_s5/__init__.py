"""GE Datex-Ohmeda S/5 / CARESCAPE computer interface: flagged, checksummed DRI records."""

from __future__ import annotations

from devices.base import DriverInfo, SerialDefaults
from devices.protocols.ge_s5.decoder import S5Decoder
from devices.protocols.ge_s5.wire import (
    CONNECT_REQUEST,
    DISPLAY_INTERVAL_S,
    basic_fields,
    display_request,
    frame,
    unframe,
    wave_request,
    waveforms,
)

__all__ = [
    "CONNECT_REQUEST",
    "DRIVER",
    "S5Decoder",
    "basic_fields",
    "display_request",
    "frame",
    "unframe",
    "wave_request",
    "waveforms",
]

DRIVER = DriverInfo(
    name="s5",
    title="GE Datex-Ohmeda S/5 / CARESCAPE (computer interface)",
    serial=SerialDefaults(baudrate=19200, bytesize=8, parity="E", stopbits=1, rtscts=True),
    expected_period_s=3.0 * DISPLAY_INTERVAL_S,
    help_text=(
        "Connect the monitor's computer interface port (19200 baud, 8 data bits, even parity, "
        "1 stop bit, RTS/CTS handshake: the cable must carry RTS and CTS). The "
        "monitor sends only when asked: Vigil asks for the displayed values every "
        f"{DISPLAY_INTERVAL_S} s and the pleth wave on connecting and again after a reconnect. "
        "Vigil reads HR, SpO2 and pulse rate, NIBP, respiration rate, EtCO2 (converted to mmHg) "
        "and T1; gases, agents, invasive pressures and EEG values are not used."
    ),
    decoder_factory=S5Decoder,
    connect_request=CONNECT_REQUEST,
)
