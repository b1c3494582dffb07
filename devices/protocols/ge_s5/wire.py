"""The S/5 computer interface's wire format: framing, record layout and host requests (pure)."""

from __future__ import annotations

import struct

__all__ = [
    "CLASS_BLOCK",
    "CONNECT_REQUEST",
    "DISPLAY_INTERVAL_S",
    "ESC_BYTE",
    "FIELDS",
    "FLAG_BYTE",
    "HEADER_LEN",
    "INVALID_LIMIT",
    "MAIN_PHDB",
    "MAIN_WAVE",
    "MAX_ESCAPED",
    "PHDB_SUBRECORD_LEN",
    "PLETH_RATE_HZ",
    "SUB_DISPLAYED",
    "SUB_REQUEST",
    "WAVE_NAMES",
    "WAVE_PLETH",
    "basic_fields",
    "checksum",
    "display_request",
    "frame",
    "parse_header",
    "phdb_class",
    "samples_struct",
    "unframe",
    "wave_count",
    "wave_request",
    "waveforms",
]

# ---------------------------------------------------------------- the wire format, in brief
# A record travels as FLAG, escaped(record + sum8(record)), FLAG: every frame has both flags,
# so two flags sit between frames. Inside a frame FLAG and ESC never appear raw: each is sent as
# ESC followed by the byte XOR 0x20. A record opens with a 40-byte little-endian header (its own
# length, number, interface level, plug id, Unix time, main type, then eight subrecord
# descriptors {offset from byte 40, type}, the list ending at type 0xFF).
FLAG = 0x7E
ESC = 0x7D
HEADER_LEN = 40
MAX_RECORD = 1490  # the largest record the interface defines (header + 1450 bytes of data)
MAX_ESCAPED = 2 * (MAX_RECORD + 1) + 16  # a frame that grows past this is garbage
FLAG_BYTE = bytes((FLAG,))
ESC_BYTE = bytes((ESC,))
_ESC_FLAG = bytes((ESC, FLAG ^ 0x20))
_ESC_ESC = bytes((ESC, ESC ^ 0x20))
_HEADER = struct.Struct("<hBBHIBBHh" + "hB" * 8)
_END_OF_LIST = 0xFF

MAIN_PHDB = 0  # physiological values (displayed values and trends)
MAIN_WAVE = 1
SUB_REQUEST = 0  # a host's transmission request (the record type a host sends)
SUB_DISPLAYED = 1  # displayed values, the only PHDB subtype Vigil asks for

#: A PHDB subrecord: u32 time, a 270-byte class block, u8 marker, u8 reserved, u16 whose bits
#: 8-11 name the class (0 basic, 1-3 extensions), bits 4-7 the interface level, 0-3 the subtype.
PHDB_SUBRECORD_LEN = 278
CLASS_BLOCK = struct.Struct("<135h")  # the 270-byte class block as int16 words
_CLASS_WORD = 276
_SAMPLES: dict[int, struct.Struct] = {}

#: Values at or below this are status codes (invalid, not updated, out of range, ...).
INVALID_LIMIT = -32001

DISPLAY_INTERVAL_S = 5  # displayed values every 5 s: the open reference tools call 5 s the minimum
PLETH_RATE_HZ = 100.0
WAVE_PLETH = 8
#: Waveform subrecord types (the sample rate of each is fixed by the monitor).
WAVE_NAMES: dict[int, str] = {
    1: "ECG1", 2: "ECG2", 3: "ECG3", 4: "INVP1", 5: "INVP2", 6: "INVP3", 7: "INVP4", 8: "PLETH",
    9: "CO2", 10: "O2", 11: "N2O", 12: "AA", 13: "AWP", 14: "FLOW", 15: "RESP", 16: "INVP5",
    17: "INVP6", 18: "EEG1", 19: "EEG2", 20: "EEG3", 21: "EEG4", 23: "VOL", 24: "TONO_PRESS",
    29: "SPI_LOOP_STATUS", 32: "ENT_100", 35: "EEG_BIS",
}  # fmt: skip

# ---------------------------------------------------------------- the basic class block
# Groups in the 270-byte basic block: (name, offset, has a 6-byte {u32 status, u16 label}
# header, fields as (name, offset in the group, divisor to the unit)). A group's values count
# only while bits 0 and 1 of its status (present, active) are both set.
_PRESSURE = (("sys", 6, 100), ("dia", 8, 100), ("mean", 10, 100), ("hr", 12, 1))
_GAS = (("et", 6, 100), ("fi", 8, 100))
_GROUPS: tuple[tuple[str, int, bool, tuple[tuple[str, int, int], ...]], ...] = (
    ("ecg", 0, True, (("hr", 6, 1), ("st1", 8, 100), ("st2", 10, 100), ("st3", 12, 100), ("imp_rr", 14, 1))),
    ("p1", 16, True, _PRESSURE),
    ("p2", 30, True, _PRESSURE),
    ("p3", 44, True, _PRESSURE),
    ("p4", 58, True, _PRESSURE),
    ("nibp", 72, True, _PRESSURE),
    ("t1", 86, True, (("temp", 6, 100),)),
    ("t2", 94, True, (("temp", 6, 100),)),
    ("t3", 102, True, (("temp", 6, 100),)),
    ("t4", 110, True, (("temp", 6, 100),)),
    ("spo2", 118, True, (("spo2", 6, 100), ("pr", 8, 1), ("ir_amp", 10, 1), ("svo2", 12, 100))),
    ("co2", 132, True, (("et", 6, 100), ("fi", 8, 100), ("rr", 10, 1), ("amb_press", 12, 10))),
    ("o2", 146, True, _GAS),
    ("n2o", 156, True, _GAS),
    ("aa", 166, True, (*_GAS, ("mac_sum", 10, 100))),
    ("flow_vol", 178, True, (
        ("rr", 6, 1), ("ppeak", 8, 100), ("peep", 10, 100), ("pplat", 12, 100),
        ("tv_insp", 14, 10), ("tv_exp", 16, 10), ("compliance", 18, 100), ("mv_exp", 20, 100),
    )),
    ("co_wedge", 200, True, (("co", 6, 1000), ("blood_temp", 8, 100), ("ref", 10, 1), ("pcwp", 12, 100))),
    ("nmt", 214, True, (("t1", 6, 10), ("tratio", 8, 10), ("ptc", 10, 1))),
    ("ecg_extra", 226, False, (("hr_ecg", 0, 1), ("hr_max", 2, 1), ("hr_min", 4, 1))),
    ("svo2", 232, True, (("svo2", 6, 100),)),
    ("p5", 240, True, _PRESSURE),
    ("p6", 254, True, _PRESSURE),
)  # fmt: skip
#: Every field as "group.field" → (status word index or -1, value word index, divisor).
FIELDS: dict[str, tuple[int, int, int]] = {
    f"{group}.{name}": ((start >> 1) if header else -1, (start + offset) >> 1, divisor)
    for group, start, header, fields in _GROUPS
    for name, offset, divisor in fields
}


# ---------------------------------------------------------------- pure functions


def checksum(record: bytes) -> int:
    """The frame's last byte: the sum of the record's bytes, modulo 256."""
    return sum(record) & 0xFF


def frame(record: bytes) -> bytes:
    """``record`` as it travels: flag, escaped record and checksum, flag."""
    body = record + bytes((checksum(record),))
    return FLAG_BYTE + body.replace(ESC_BYTE, _ESC_ESC).replace(FLAG_BYTE, _ESC_FLAG) + FLAG_BYTE


def _unescape(part: bytes) -> bytes | None:
    """The bytes between two flags with escapes undone (None: an escape not followed by data)."""
    escapes = part.count(ESC_BYTE)
    if escapes == part.count(_ESC_FLAG) + part.count(_ESC_ESC):  # only the two usual escapes
        return part.replace(_ESC_FLAG, FLAG_BYTE).replace(_ESC_ESC, ESC_BYTE)
    out = bytearray()
    pieces = part.split(ESC_BYTE)
    out += pieces[0]
    for piece in pieces[1:]:  # an empty piece means ESC ESC: the second one is the data byte
        if not piece:
            return None
        out.append(piece[0] ^ 0x20)
        out += piece[1:]
    return bytes(out)


def unframe(part: bytes) -> bytes | None:
    """The record carried by the bytes between two flags, or None when it is not a whole record.

    A whole record has a matching checksum and a length field equal to its real length (noisy
    lines produce short frames whose 8-bit sum happens to match).
    """
    body = _unescape(part) if ESC_BYTE in part else part
    if body is None or len(body) <= HEADER_LEN:
        return None
    last = body[-1]
    if (sum(body) - last) & 0xFF != last or body[0] | body[1] << 8 != len(body) - 1:
        return None
    return body[:-1]


def parse_header(record: bytes) -> tuple[int, int, int, int, list[tuple[int, int]]]:
    """``(r_time, main type, interface level, plug id, [(subrecord start, type), ...])``.

    ``record`` is a whole record (from ``unframe``); a subrecord start counts from byte 0.
    """
    h = _HEADER.unpack_from(record)
    subrecords: list[tuple[int, int]] = []
    for i in range(9, 25, 2):
        if h[i + 1] == _END_OF_LIST:
            break
        subrecords.append((HEADER_LEN + h[i], h[i + 1]))
    return h[4], h[8], h[2], h[3], subrecords


def phdb_class(record: bytes, start: int, position: int) -> int:
    """The class (0 basic, 1-3 extensions) of the values subrecord at ``start``."""
    word = record[start + _CLASS_WORD] | record[start + _CLASS_WORD + 1] << 8
    return (word >> 8) & 0x0F if word else position  # an empty word: subrecords in class order


def basic_fields(record: bytes) -> dict[str, float]:
    """Every valid value of the basic class in a displayed-values record, "group.field" → value.

    In the group's own unit (%, mmHg, °C, /min; EtCO2 in % here). Empty for other records.
    """
    _, main, _, _, subrecords = parse_header(record)
    if main != MAIN_PHDB:
        return {}
    for position, (start, kind) in enumerate(subrecords):
        fits = HEADER_LEN <= start <= len(record) - PHDB_SUBRECORD_LEN
        if fits and kind == SUB_DISPLAYED and phdb_class(record, start, position) == 0:
            words = CLASS_BLOCK.unpack_from(record, start + 4)
            return {
                name: words[word] / divisor
                for name, (status, word, divisor) in FIELDS.items()
                if words[word] > INVALID_LIMIT and (status < 0 or words[status] & 3 == 3)
            }
    return {}


def waveforms(record: bytes) -> dict[int, tuple[int, ...]]:
    """The samples of each waveform subrecord in a WAVE record, by type (raw device units)."""
    _, main, _, _, subrecords = parse_header(record)
    if main != MAIN_WAVE:
        return {}
    found: dict[int, tuple[int, ...]] = {}
    for start, kind in subrecords:
        count = wave_count(record, start)
        if count >= 0:
            found[kind] = samples_struct(count).unpack_from(record, start + 6)
    return found


def wave_count(record: bytes, start: int) -> int:
    """The sample count of the waveform subrecord at ``start``, or -1 when it does not fit."""
    if not HEADER_LEN <= start <= len(record) - 6:
        return -1
    count = record[start] | record[start + 1] << 8
    return count if start + 6 + 2 * count <= len(record) else -1


def samples_struct(count: int) -> struct.Struct:
    """A struct reading ``count`` little-endian int16 samples (one per count, kept)."""
    found = _SAMPLES.get(count)
    if found is None:
        found = _SAMPLES[count] = struct.Struct(f"<{count}h")
    return found


def _request(main: int, body: bytes) -> bytes:
    header = _HEADER.pack(
        HEADER_LEN + len(body), 0, 0, 0, 0, 0, 0, 0, main,
        0, SUB_REQUEST, 0, _END_OF_LIST, *([0, 0] * 6),
    )  # fmt: skip
    return frame(header + body)


def display_request(interval_s: int = DISPLAY_INTERVAL_S, classes: int = 0) -> bytes:
    """The framed host request for displayed values every ``interval_s`` (0 stops them).

    ``classes`` is the class bit field: 0 asks for the basic class alone.
    """
    return _request(MAIN_PHDB, struct.pack("<BhIh", SUB_DISPLAYED, interval_s, classes, 0))


def wave_request(types: tuple[int, ...] = (WAVE_PLETH,), *, start: bool = True) -> bytes:
    """The framed host request starting (or stopping) continuous waveforms of ``types``."""
    listed = (*types[:8], _END_OF_LIST)[:8]
    kinds = bytes(listed) + bytes(8 - len(listed))
    return _request(MAIN_WAVE, struct.pack("<hh", 0 if start else 1, 0) + kinds + bytes(20))


#: What the reader sends after every (re)connect: displayed values, then the pleth wave.
CONNECT_REQUEST = display_request() + wave_request()
