"""The registry finds every protocol module's DRIVER, and each builds a working decoder."""

from __future__ import annotations

from devices.base import DecoderStats, DriverInfo
from devices.registry import available_drivers

MINE = {"masimo", "nonin", "nonin7", "ivy", "hl7", "s5"}


def test_all_parsers_registered() -> None:
    drivers = available_drivers()
    assert set(drivers) >= MINE
    assert list(drivers) == sorted(drivers)


def test_each_driver_is_complete() -> None:
    for name, info in available_drivers().items():
        assert isinstance(info, DriverInfo)
        assert info.name == name
        assert info.title and info.help_text
        assert info.expected_period_s > 0
        decoder = info.decoder_factory()
        assert isinstance(decoder.stats, DecoderStats)
        assert decoder.feed(b"") == []


def test_factories_build_independent_decoders() -> None:
    info = available_drivers()["masimo"]
    a, b = info.decoder_factory(), info.decoder_factory()
    a.feed(b"09/15/10 15:10:29 SPO2=097% BPM=064 EXC=800\r\n")
    assert a.stats.good_frames == 1 and b.stats.good_frames == 0


def test_oximeter_watchdog_period() -> None:
    drivers = available_drivers()
    assert drivers["masimo"].expected_period_s == 10.0
    assert drivers["hl7"].serial.baudrate == 9600


def test_the_s5_asks_for_its_data_on_its_own_line_settings() -> None:
    s5 = available_drivers()["s5"]
    assert (s5.serial.baudrate, s5.serial.parity, s5.serial.rtscts) == (19200, "E", True)
    assert s5.connect_request  # the computer interface sends nothing until it is asked
    assert all(not d.connect_request for n, d in available_drivers().items() if n != "s5")


def test_the_clinic_years_reach_the_decoders_that_read_a_device_time() -> None:
    from console.services.devices import _with_years
    from devices.base import DEVICE_YEARS
    from devices.protocols import hl7, masimo, nonin

    assert _with_years(masimo.DRIVER, DEVICE_YEARS) is masimo.DRIVER
    narrowed = _with_years(masimo.DRIVER, (2015, 2100)).decoder_factory()
    assert narrowed._years == (2015, 2100)  # type: ignore[attr-defined]
    assert _with_years(hl7.DRIVER, (2015, 2100)).decoder_factory()._parser.years == (2015, 2100)  # type: ignore[attr-defined]
    assert _with_years(nonin.DRIVER, (2015, 2100)) is nonin.DRIVER  # no device time to check
