"""HL7 v2.6 ORU^R01 messages per IHE PCD-01: vital signs with MDC codes and UCUM units, doses."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseRecord
from console.domain.vitals import Parameter, VitalPoint

VERSION = "2.6"
PROFILE = "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO"
MONITORING = "182777000^monitoring of patient^SCT"  # OBR-4: what the observations are for
LOCAL = "99VGL"  # the local coding system of the dose segments (HL7's 99zzz convention)
MANUAL = "manual"

#: Each parameter's MDC code and mnemonic: the ones Vigil's own receiver (devices.protocols.hl7)
#: maps; a test holds the two tables together (not imported here: the ingest path stays small).
MDC: dict[Parameter, tuple[str, str]] = {
    Parameter.HR: ("147842", "MDC_ECG_HEART_RATE"),
    Parameter.PR: ("149530", "MDC_PULS_OXIM_PULS_RATE"),
    Parameter.SPO2: ("150456", "MDC_PULS_OXIM_SAT_O2"),
    Parameter.PI: ("150488", "MDC_BLD_PERF_INDEX"),
    Parameter.NIBP_SYS: ("150021", "MDC_PRESS_BLD_NONINV_SYS"),
    Parameter.NIBP_DIA: ("150022", "MDC_PRESS_BLD_NONINV_DIA"),
    Parameter.NIBP_MEAN: ("150023", "MDC_PRESS_BLD_NONINV_MEAN"),
    Parameter.RR: ("151562", "MDC_RESP_RATE"),
    Parameter.ETCO2: ("151708", "MDC_AWAY_CO2_ET"),
    Parameter.TEMP: ("150364", "MDC_TEMP_BODY"),
}

#: UCUM unit codes (OBX-6, coding system "UCUM").
UCUM: dict[Parameter, str] = {
    Parameter.HR: "/min",
    Parameter.PR: "/min",
    Parameter.SPO2: "%",
    Parameter.PI: "%",
    Parameter.NIBP_SYS: "mm[Hg]",
    Parameter.NIBP_DIA: "mm[Hg]",
    Parameter.NIBP_MEAN: "mm[Hg]",
    Parameter.RR: "/min",
    Parameter.ETCO2: "mm[Hg]",
    Parameter.TEMP: "Cel",
}
NIBP = frozenset({Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN})
_ROUTES = {  # HL7 table 0162
    Route.IV_INFUSION: "IV^Intravenous^HL70162",
    Route.IM: "IM^Intramuscular^HL70162",
    Route.SUBLINGUAL: "SL^Sublingual^HL70162",
    Route.ORAL: "PO^Oral^HL70162",
    Route.INTRANASAL: "NS^Nasal^HL70162",
}
_DRUGS = {
    Drug.KETAMINE: "KETAMINE^ketamine (racemic)^" + LOCAL,
    Drug.ESKETAMINE: "2201623^esketamine Nasal Spray^RXNORM",
}
_SPECIAL = re.compile(r"[\\|^&~\r\n]")


@dataclass(frozen=True, slots=True)
class Endpoints:
    """MSH-3 … MSH-6: who sends and who receives."""

    sending_application: str = "VIGIL"
    sending_facility: str = ""
    receiving_application: str = ""
    receiving_facility: str = ""


@dataclass(frozen=True, slots=True)
class Subject:
    """What the profile needs about the patient and the session: the chart id and the session."""

    chart_id: str
    session_uid: str


def escape(text: str) -> str:
    """A value with HL7's delimiters escaped (line breaks become spaces)."""
    if not _SPECIAL.search(text):
        return text
    return (
        text.replace("\\", "\\E\\")
        .replace("|", "\\F\\")
        .replace("^", "\\S\\")
        .replace("&", "\\T\\")
        .replace("~", "\\R\\")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def dtm(at: datetime) -> str:
    """An aware time as an HL7 DTM in UTC with its offset (``20261130102400+0000``)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the HL7 builder: times must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")


def new_control_id() -> str:
    """A message control id (MSH-10), unique without a database round trip (20 characters)."""
    return uuid.uuid4().hex[:20].upper()


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _head(ends: Endpoints, subject: Subject, control_id: str, at: datetime) -> list[str]:
    e = escape
    return [
        f"MSH|^~\\&|{e(ends.sending_application)}|{e(ends.sending_facility)}|"
        f"{e(ends.receiving_application)}|{e(ends.receiving_facility)}|{dtm(at)}||"
        f"ORU^R01^ORU_R01|{e(control_id)}|P|{VERSION}|||AL|NE||UNICODE UTF-8|||{PROFILE}",
        # PID-5 is required: the name is not sent, only marked unspecified (type "U")
        f"PID|||{e(subject.chart_id)}^^^{e(ends.sending_facility) or 'VIGIL'}^MR||^^^^^^U",
    ]


def _obr(subject: Subject, start: datetime, end: datetime) -> str:
    return f"OBR|1||{escape(subject.session_uid)}^VIGIL|{MONITORING}|||{dtm(start)}|{dtm(end)}"


def vitals_message(
    ends: Endpoints,
    subject: Subject,
    points: Sequence[VitalPoint],
    control_id: str,
    at: datetime,
) -> str:
    """One ORU^R01 carrying ``points`` (one OBX each, in the order given), CR-separated."""
    if not points:
        raise ValueError("an ORU^R01 needs at least one observation")
    start = min(p.at for p in points)
    end = max(p.at for p in points)
    segments = [*_head(ends, subject, control_id, at), _obr(subject, start, end)]
    for number, p in enumerate(points, start=1):
        code, mnemonic = MDC[p.parameter]
        unit = UCUM[p.parameter]
        method = (
            "MMEAS^manual-measurement^MDC" if p.source == MANUAL else "AMEAS^auto-measurement^MDC"
        )
        segments.append(
            f"OBX|{number}|NM|{code}^{mnemonic}^MDC|1.0.0.{number}|{_number(p.value)}|"
            f"{unit}^{unit}^UCUM|||||R|||{dtm(p.at)}|||{method}"
        )
    return "\r".join(segments) + "\r"


def dose_message(
    ends: Endpoints,
    subject: Subject,
    dose: DoseRecord,
    control_id: str,
    at: datetime,
    *,
    status: str = "R",
) -> str:
    """One ORU^R01 for a dose given: drug, amount (mg) and route, each an OBX of the dose time.

    ``status`` is OBX-11 (result status): "R" for a dose given, "W" for one entered in
    error, so the receiver posts the copy it holds as wrong.
    """
    when = dtm(dose.started_at)
    s = "W" if status == "W" else "R"
    segments = [
        *_head(ends, subject, control_id, at),
        _obr(subject, dose.started_at, dose.ended_at or dose.started_at),
        f"OBX|1|CWE|DRUG^Drug given^{LOCAL}|1|{_DRUGS[dose.drug]}||||||{s}|||{when}",
        f"OBX|2|NM|DOSE^Dose given^{LOCAL}|1|{_number(dose.amount_mg)}|mg^mg^UCUM|||||{s}|||{when}",
        f"OBX|3|CWE|ROUTE^Route^{LOCAL}|1|{_ROUTES[dose.route]}||||||{s}|||{when}",
    ]
    return "\r".join(segments) + "\r"


@dataclass(frozen=True, slots=True)
class Ack:
    """What a receiver answered: MSA-1, MSA-2 and the reason (MSA-3 or ERR-8)."""

    code: str
    control_id: str
    reason: str

    @property
    def accepted(self) -> bool:
        return self.code in ("AA", "CA")


def parse_ack(payload: bytes) -> Ack | None:
    """The MSA of an ACK (without MLLP framing); None when there is no MSA segment."""
    text = payload.decode("utf-8", "replace").replace("\n", "\r")
    segments = [s for s in text.split("\r") if s]
    if not segments or not segments[0].startswith("MSH") or len(segments[0]) < 4:
        return None
    separator = segments[0][3]
    msa: list[str] | None = None
    err = ""
    for segment in segments[1:]:
        fields = segment.split(separator)
        if fields[0] == "MSA":
            msa = fields
        elif fields[0] == "ERR" and not err:
            err = fields[8] if len(fields) > 8 else (fields[3] if len(fields) > 3 else "")
    if msa is None or len(msa) < 3:
        return None
    reason = msa[3] if len(msa) > 3 and msa[3] else err
    return Ack(msa[1], unescape(msa[2]), unescape(reason))


def unescape(text: str) -> str:
    """A value with HL7's escape sequences turned back into their characters."""
    if "\\" not in text:
        return text
    for sequence, char in (("\\F\\", "|"), ("\\S\\", "^"), ("\\T\\", "&"), ("\\R\\", "~")):
        text = text.replace(sequence, char)
    return text.replace("\\E\\", "\\")
