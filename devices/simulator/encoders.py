"""Pure encoders turning simulated vitals into real wire bytes for each protocol (no Qt, no I/O)."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from devices.simulator.physiology import Vitals

# ---------------------------------------------------------------- Masimo "ASCII 1"

MASIMO_EXC_SET_RUNNING = 0x800
MASIMO_EXC_SENSOR_OFF = 0x020
MASIMO_EXC_LOW_PERFUSION = 0x004
MASIMO_ALARM_SPO2_LOW = 0x02
MASIMO_ALARM_ACTIVE = 0x10


def masimo_line(vitals: Vitals, t_device: datetime, serial_no: str = "0000070986") -> bytes:
    """One Radical-7 style ASCII 1 line, CRLF-terminated; unavailable values are dashes."""
    exc = MASIMO_EXC_SET_RUNNING
    alarm = 0
    if vitals.sensor_off or vitals.spo2 is None or vitals.pr is None or vitals.pi is None:
        exc = MASIMO_EXC_SENSOR_OFF
        spo2, bpm, pi = "---", "---", "--.--"
    else:
        spo2, bpm, pi = f"{vitals.spo2:03d}", f"{vitals.pr:03d}", f"{vitals.pi:05.2f}"
        if vitals.pi < 0.3:
            exc |= MASIMO_EXC_LOW_PERFUSION
        if vitals.spo2 < 90:
            alarm |= MASIMO_ALARM_SPO2_LOW | MASIMO_ALARM_ACTIVE
    line = (
        f"{t_device:%m/%d/%y %H:%M:%S} SN={serial_no} SPO2={spo2}% BPM={bpm} PI={pi}% "
        f"SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=--- ALARM={alarm:04X} EXC={exc:06X}\r\n"
    )
    return line.encode("ascii")


# ---------------------------------------------------------------- Nonin serial data format #2

NONIN_FRAMES_PER_PACKET = 25
NONIN_FRAME_RATE_HZ = 75.0
NONIN_HR_MISSING = 511
NONIN_SPO2_MISSING = 127
NONIN_FIRMWARE_REV = 0x30
NONIN_STATUS_ALWAYS = 0x80
NONIN_STATUS_SENSOR_DISCONNECTED = 0x40
NONIN_PERFUSION_GREEN = 0x02  # bits 2-1 = 01
NONIN_PERFUSION_RED = 0x04  # bits 2-1 = 10
NONIN_STATUS_SYNC = 0x01


def nonin_frame(status: int, pleth: int, data: int) -> bytes:
    """One 5-byte format #2 frame: 01, STATUS, PLETH, DATA, CHK = sum of the first four & 0xFF."""
    body = bytes((0x01, status & 0xFF, pleth & 0xFF, data & 0xFF))
    return body + bytes((sum(body) & 0xFF,))


def nonin_packet(vitals: Vitals, pleth: Sequence[int]) -> bytes:
    """A 25-frame format #2 packet (125 bytes); ``pleth`` holds the 25 waveform samples."""
    if len(pleth) != NONIN_FRAMES_PER_PACKET:
        raise ValueError(f"a Nonin packet carries {NONIN_FRAMES_PER_PACKET} pleth samples")
    hr = NONIN_HR_MISSING if vitals.pr is None else max(0, min(510, vitals.pr))
    spo2 = NONIN_SPO2_MISSING if vitals.spo2 is None else max(0, min(100, vitals.spo2))
    hr_high, hr_low = (hr >> 7) & 0x03, hr & 0x7F
    data_by_frame = {
        1: hr_high,
        2: hr_low,
        3: spo2,
        4: NONIN_FIRMWARE_REV,
        9: spo2,  # SpO2-D
        10: spo2,  # SpO2 fast
        11: spo2,  # SpO2 beat to beat
        14: hr_high,  # extended HR
        15: hr_low,
        16: spo2,  # E-SpO2
        17: spo2,  # E-SpO2-D
        20: hr_high,  # HR-D
        21: hr_low,
        22: hr_high,  # E-HR-D
        23: hr_low,
    }
    status = NONIN_STATUS_ALWAYS
    if vitals.sensor_off:
        status |= NONIN_STATUS_SENSOR_DISCONNECTED
    elif vitals.pi is not None and vitals.pi < 0.5:
        status |= NONIN_PERFUSION_RED
    else:
        status |= NONIN_PERFUSION_GREEN
    out = bytearray()
    for number in range(1, NONIN_FRAMES_PER_PACKET + 1):
        frame_status = status | (NONIN_STATUS_SYNC if number == 1 else 0)
        sample = 0 if vitals.sensor_off else pleth[number - 1]
        out += nonin_frame(frame_status, sample, data_by_frame.get(number, 0))
    return bytes(out)


# ---------------------------------------------------------------- Ivy 450C "ANSAR-B"

IVY_HEADER = b"\xfe\xffANSAR-B "  # two marker bytes and the tag open every message
IVY_WAVE_BYTES = 400  # 200 ECG + 100 pleth + 50 resp + 50 absent (0xFB), as in the real capture
IVY_ABSENT = 0xFB


@dataclass(frozen=True, slots=True)
class Nibp:
    """One cuff measurement: systolic, diastolic, mean (mmHg), pulse, and when it was taken."""

    sys: int
    dia: int
    mean: int
    pulse: int
    taken: datetime


def _wave_byte(value: int) -> int:
    # 0x40..0xF0 keeps waveform bytes clear of the text ('=', ';', CR), 0xFB, 0xFE and 0xFF.
    return max(0x40, min(0xF0, value))


def ivy_message(
    vitals: Vitals,
    ecg: Sequence[int],
    pleth: Sequence[int],
    resp: Sequence[int],
    nibp: Nibp | None,
) -> bytes:
    """One ANSAR-B message laid out like the real capture: FE FF "ANSAR-B ", 400 waveform bytes, text.

    The text lines are CR-terminated ``NAME=status;value;...;``; an empty value is "not measured".
    NIBP repeats the last cuff reading in every message, as the monitor does.
    """
    block = bytearray(_wave_byte(v) for v in list(ecg)[:200])
    block += bytes(_wave_byte(v) for v in list(pleth)[:100])
    block += bytes(_wave_byte(v) for v in list(resp)[:50])
    block += bytes((IVY_ABSENT,)) * (IVY_WAVE_BYTES - len(block))
    spo2 = "" if vitals.spo2 is None else str(vitals.spo2)
    pr = "" if vitals.pr is None else str(vitals.pr)
    nibp_text = (
        "NIBP=4;;;;;;"
        if nibp is None
        else (f"NIBP=4;{nibp.sys};{nibp.dia};{nibp.mean};{nibp.pulse};;")
    )
    lines = [
        f"HR=1;{vitals.hr};ECG-II-DIAG;",
        f"RR=1;{vitals.rr};APNEA: 20 SEC;",
        f"ETCO2=1;{vitals.etco2};;",
        f"SPO2=1;{spo2};PR={pr:<3};",
        nibp_text,
        "P1=3;;;;NO TRANSDUCER;",
        "P2=3;;;;NO TRANSDUCER;",
        f"T1=1;{vitals.temp:.1f};;",
        "T2=1;;;",
    ]
    text = "".join(line + "\r" for line in lines).encode("ascii")
    return IVY_HEADER + bytes(block) + text


# ---------------------------------------------------------------- HL7 v2 ORU^R01 (IHE PCD-01)

MLLP_START = b"\x0b"
MLLP_END = b"\x1c\x0d"


def mllp_frame(message: bytes) -> bytes:
    """Wrap one HL7 message in MLLP framing: 0x0B message 0x1C 0x0D."""
    return MLLP_START + message + MLLP_END


def hl7_time(t: datetime) -> str:
    """HL7 DTM with seconds and the UTC offset, e.g. 20250101120000+0000."""
    return t.strftime("%Y%m%d%H%M%S%z")


# (code, mnemonic, unit code, unit mnemonic)
_MDC: dict[str, tuple[str, str, str, str]] = {
    "hr": ("147842", "MDC_ECG_HEART_RATE", "264864", "MDC_DIM_BEAT_PER_MIN"),
    "pr": ("149530", "MDC_PULS_OXIM_PULS_RATE", "264864", "MDC_DIM_BEAT_PER_MIN"),
    "spo2": ("150456", "MDC_PULS_OXIM_SAT_O2", "262688", "MDC_DIM_PERCENT"),
    "pi": ("150488", "MDC_BLD_PERF_INDEX", "262688", "MDC_DIM_PERCENT"),
    "rr": ("151562", "MDC_RESP_RATE", "264928", "MDC_DIM_RESP_PER_MIN"),
    "etco2": ("151708", "MDC_AWAY_CO2_ET", "266016", "MDC_DIM_MMHG"),
    "temp": ("150364", "MDC_TEMP_BODY", "268192", "MDC_DIM_DEGC"),
    "sys": ("150021", "MDC_PRESS_BLD_NONINV_SYS", "266016", "MDC_DIM_MMHG"),
    "dia": ("150022", "MDC_PRESS_BLD_NONINV_DIA", "266016", "MDC_DIM_MMHG"),
    "mean": ("150023", "MDC_PRESS_BLD_NONINV_MEAN", "266016", "MDC_DIM_MMHG"),
}


def _obx(n: int, key: str, sub_id: str, value: str, t: datetime, method: str = "") -> str:
    code, mnemonic, unit_code, unit = _MDC[key]
    fields = [
        "OBX",
        str(n),
        "NM",
        f"{code}^{mnemonic}^MDC",
        sub_id,
        value,
        f"{unit_code}^{unit}^MDC",
        "",
        "",
        "",
        "",
        "R",
        "",
        "",
        hl7_time(t),
        "",
        "",
        method,
    ]
    return "|".join(fields).rstrip("|")


def hl7_oru(
    vitals: Vitals,
    t_obs: datetime,
    control_id: str,
    nibp: Nibp | None = None,
    patient_id: str = "SIM0001",
) -> bytes:
    """One ORU^R01 (HL7 2.6, IHE PCD-01) with an OBX per numeric; CR-separated, not MLLP-framed.

    Each OBX carries its observation time in OBX-14; the cuff values (only when ``nibp`` is given)
    carry the cuff's own time and ``APERIODIC`` in OBX-17.
    """
    stamp = hl7_time(t_obs)
    segments = [
        f"MSH|^~\\&|VIGILSIM^0012345678ABCDEF^EUI-64|VIGILSIM|VIGIL|VIGIL|{stamp}||"
        f"ORU^R01^ORU_R01|{control_id}|P|2.6|||NE|AL||UNICODE UTF-8|||"
        "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
        f"PID|||{patient_id}^^^VIGILSIM^PI||SIMULATED^PATIENT",
        f"OBR|1|{control_id}^VIGILSIM|{control_id}^VIGILSIM|"
        f"182777000^monitoring of patient^SNOMED-CT|||{stamp}",
    ]
    observations: list[tuple[str, str, str, datetime, str]] = [
        ("hr", "1.1.1.1", str(vitals.hr), t_obs, ""),
    ]
    if vitals.spo2 is not None:
        observations.append(("spo2", "1.2.1.1", str(vitals.spo2), t_obs, ""))
    if vitals.pr is not None:
        observations.append(("pr", "1.2.1.2", str(vitals.pr), t_obs, ""))
    if vitals.pi is not None:
        observations.append(("pi", "1.2.1.3", f"{vitals.pi:.2f}", t_obs, ""))
    observations += [
        ("rr", "1.3.1.1", str(vitals.rr), t_obs, ""),
        ("etco2", "1.3.1.2", str(vitals.etco2), t_obs, ""),
        ("temp", "1.4.1.1", f"{vitals.temp:.1f}", t_obs, ""),
    ]
    if nibp is not None:
        observations += [
            ("sys", "1.5.1.1", str(nibp.sys), nibp.taken, "APERIODIC"),
            ("dia", "1.5.1.2", str(nibp.dia), nibp.taken, "APERIODIC"),
            ("mean", "1.5.1.3", str(nibp.mean), nibp.taken, "APERIODIC"),
        ]
    for n, (key, sub_id, value, t, method) in enumerate(observations, start=1):
        segments.append(_obx(n, key, sub_id, value, t, method))
    return "\r".join(segments).encode("utf-8") + b"\r"


# ---------------------------------------------------------------- GE S/5 computer interface

S5_FLAG = 0x7E
S5_ESC = 0x7D
S5_INVALID = -32767  # "no valid data": what the monitor sends for a value it does not have
S5_DRI_LEVEL = 0x0A  # the interface level of the simulated monitor (2009 software)
S5_PLUG_ID = 4242
S5_ACTIVE = 0x3  # group status bits: present and active
S5_PLETH = 8
S5_AMBIENT_MMHG = 758.0


def s5_frame(record: bytes) -> bytes:
    """One record as the monitor sends it: 7E, the record and its 8-bit sum escaped, 7E."""
    body = bytearray()
    for byte in record + bytes((sum(record) & 0xFF,)):
        if byte in (S5_FLAG, S5_ESC):
            body += bytes((S5_ESC, byte ^ 0x20))
        else:
            body.append(byte)
    return bytes((S5_FLAG,)) + bytes(body) + bytes((S5_FLAG,))


def _s5_header(length: int, number: int, t: datetime, main: int, subs: Sequence[int]) -> bytes:
    """The 40-byte record header; ``subs`` are (offset, type) pairs flattened."""
    descriptors = list(subs) + [0, 0xFF] + [0, 0] * 8
    return struct.pack(
        "<hBBHIBBHh" + "hB" * 8,
        length,
        number & 0xFF,
        S5_DRI_LEVEL,
        S5_PLUG_ID,
        int(t.timestamp()),
        0,
        0,
        0,
        main,
        *descriptors[:16],
    )


def _s5_group(status: int, label: int, *values: int) -> bytes:
    return struct.pack(f"<IH{len(values)}h", status, label, *values)


def _s5_basic(vitals: Vitals, nibp: Nibp | None, amb_mmhg: float) -> bytes:
    """The 270-byte basic class block with the simulated patient's values (mostly x100 fixed point)."""
    bad = S5_INVALID
    spo2 = bad if vitals.spo2 is None else vitals.spo2 * 100
    pr = bad if vitals.pr is None else vitals.pr
    et_pct = round(vitals.etco2 / amb_mmhg * 10_000)  # EtCO2 travels in % of ambient pressure
    cuff = (
        (bad, bad, bad, bad)
        if nibp is None
        else (nibp.sys * 100, nibp.dia * 100, nibp.mean * 100, nibp.pulse)
    )
    absent = _s5_group(0x1, 0, bad, bad, bad, bad)  # an invasive channel with no transducer
    block = b"".join(
        (
            _s5_group(0x4B, 0x1200, vitals.hr, bad, bad, bad, vitals.rr),  # ECG (lead II)
            absent * 4,  # P1-P4
            _s5_group(S5_ACTIVE, 0x1, *cuff),  # NIBP
            _s5_group(S5_ACTIVE, 0xB, round(vitals.temp * 100)),  # T1
            _s5_group(0, 0, bad) * 3,  # T2-T4
            _s5_group(S5_ACTIVE, 0, spo2, pr, bad, bad),  # SpO2 and pulse rate
            _s5_group(0x107, 0x9, et_pct, 3, vitals.rr, round(amb_mmhg * 10)),  # CO2
            _s5_group(0, 0, bad, bad) * 2,  # O2, N2O
            _s5_group(0, 0, bad, bad, bad),  # anaesthetic agent
            _s5_group(0, 0, *[bad] * 8),  # flow and volume
            _s5_group(0, 0, bad, bad, bad, bad),  # cardiac output, wedge pressure
            _s5_group(0, 0, bad, bad, bad),  # neuromuscular transmission
            struct.pack("<3h", bad, bad, bad),  # ECG extras (no group header)
            _s5_group(0, 0, bad),  # SvO2
            absent * 2,  # P5, P6
            bytes(2),  # reserved
        )
    )
    return block


def s5_values_record(
    vitals: Vitals,
    t_device: datetime,
    number: int,
    nibp: Nibp | None,
    classes: Sequence[int] = (0,),
) -> bytes:
    """A displayed-values record: one 278-byte subrecord per class (0 basic; 1-3 extensions)."""
    subs: list[int] = []
    data = bytearray()
    for cls in classes:
        block = (
            _s5_basic(vitals, nibp, S5_AMBIENT_MMHG)
            if cls == 0
            else struct.pack("<h", S5_INVALID) * 135
        )
        word = cls << 8 | S5_DRI_LEVEL << 4 | 1  # class, interface level, subtype "displayed"
        subs += [len(data), 1]
        data += (
            struct.pack("<I", int(t_device.timestamp())) + block + struct.pack("<BBH", 0, 0, word)
        )
    return _s5_header(40 + len(data), number, t_device, 0, subs) + bytes(data)


def s5_wave_record(pleth: Sequence[int], t_device: datetime, number: int) -> bytes:
    """A waveform record carrying one pleth subrecord (x0.01 units, 100 Hz)."""
    sub = struct.pack(f"<HHH{len(pleth)}h", len(pleth), 0, 0, *pleth)
    return _s5_header(40 + len(sub), number, t_device, 1, (0, S5_PLETH)) + sub
