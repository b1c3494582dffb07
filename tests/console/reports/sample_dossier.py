"""A hand-built, realistic session dossier for the export tests (no database needed)."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseRecord
from console.domain.events import AdverseEvent, Override, OverrideKind, RatingEntry, Severity
from console.domain.lifecycle import SessionState
from console.domain.people import Patient
from console.domain.review import (
    REVIEWED_BY,
    AlarmRecord,
    Review,
    SessionDossier,
    SessionFlag,
    SignedDischargeRecord,
    VitalSeries,
)
from console.domain.sessions import Observation, ObservationCategory, SessionRecord, Transition
from console.domain.vitals import Parameter

CHECK_IN = datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
T0 = CHECK_IN + timedelta(minutes=25)
THERAPIST, NURSE, SUPERVISOR = 1, 2, 3
NAMES = {THERAPIST: "Alex Morgan", NURSE: "Jordan Lee", SUPERVISOR: "Dr Sam Patel"}
NOTE_TEXT = "Eyes closed, calm, describes floating over the sea."


def _series(parameter: Parameter, points: list[tuple[datetime, float, bool]]) -> VitalSeries:
    """A series; the hand-entered values were typed in by the nurse."""
    points.sort(key=lambda p: p[0])
    return VitalSeries(
        parameter,
        tuple(p[0].timestamp() for p in points),
        tuple(p[1] for p in points),
        tuple(p[2] for p in points),
        tuple(NURSE if p[2] else None for p in points),
    )


SPO2_KEY = "limit:spo2@/dev/ttyUSB0"
RR_KEY = "limit:rr@/dev/ttyUSB0"


def flapping_alarm(
    start: datetime, cycles: int = 40, *, every: timedelta = timedelta(seconds=60)
) -> tuple[AlarmRecord, ...]:
    """A medium RR-low alarm raised and cleared ``cycles`` times, ``every`` apart (a wavering
    respiratory rate); its values run 9, 8, 7, 9, 8, 7 ... with 6 /min once, in the middle.
    """
    events: list[AlarmRecord] = []
    for n in range(cycles):
        raised = start + n * every
        value = 6 if n == cycles // 2 else 9 - n % 3
        message = f"RR {value} < 10"
        events.append(AlarmRecord(raised, "raised", "medium", message, None, RR_KEY))
        if n == 0:
            events.append(
                AlarmRecord(
                    raised + timedelta(seconds=8), "acknowledged", "medium", message, NURSE, RR_KEY
                )
            )
        events.append(AlarmRecord(raised + every / 2, "cleared", "medium", message, None, RR_KEY))
    return tuple(events)


def sample_vitals(
    start: datetime, minutes: int, t0: datetime, seed: int = 7
) -> dict[Parameter, VitalSeries]:
    """1 Hz HR, SpO2, PR, PI and RR from a monitor; cuff BP every 5 min; two hand-entered sets."""
    rng = random.Random(seed)
    device: dict[Parameter, list[tuple[datetime, float, bool]]] = {
        p: [] for p in (Parameter.HR, Parameter.PR, Parameter.SPO2, Parameter.PI, Parameter.RR)
    }
    for second in range(minutes * 60):
        if 3000 <= second < 3060:  # a one-minute gap: probe off
            continue
        at = start + timedelta(seconds=second)
        after = max(0.0, (at - t0).total_seconds() / 60)
        rise = 14 * math.exp(-(((after - 35) / 25) ** 2)) if at >= t0 else 0.0
        hr = 72 + rise + 3 * math.sin(second / 90) + rng.gauss(0, 1)
        spo2 = 97.5 + rng.gauss(0, 0.4)
        if 2700 <= second < 2760:  # a dip, the cause of the high-priority alarm
            spo2 = 89.0 + rng.gauss(0, 0.5)
        device[Parameter.HR].append((at, round(hr), False))
        device[Parameter.PR].append((at, round(hr + rng.gauss(0, 1)), False))
        device[Parameter.SPO2].append((at, round(min(100.0, spo2)), False))
        device[Parameter.PI].append((at, round(2.5 + rng.gauss(0, 0.2), 1), False))
        device[Parameter.RR].append((at, round(14 + rng.gauss(0, 1)), False))
    bp: dict[Parameter, list[tuple[datetime, float, bool]]] = {
        Parameter.NIBP_SYS: [],
        Parameter.NIBP_DIA: [],
        Parameter.NIBP_MEAN: [],
    }
    for minute in range(2, minutes, 5):
        at = start + timedelta(minutes=minute, seconds=40)
        after = max(0.0, (at - t0).total_seconds() / 60)
        rise = 22 * math.exp(-(((after - 40) / 30) ** 2)) if at >= t0 else 0.0
        sys_ = round(122 + rise + rng.gauss(0, 3))
        dia = round(78 + rise / 2 + rng.gauss(0, 2))
        bp[Parameter.NIBP_SYS].append((at, sys_, False))
        bp[Parameter.NIBP_DIA].append((at, dia, False))
        bp[Parameter.NIBP_MEAN].append((at, round((sys_ + 2 * dia) / 3), False))
    temp: list[tuple[datetime, float, bool]] = []
    for offset, values in (
        (5, {Parameter.HR: 74, Parameter.NIBP_SYS: 124, Parameter.NIBP_DIA: 80}),
        (minutes - 10, {Parameter.HR: 70, Parameter.NIBP_SYS: 126, Parameter.NIBP_DIA: 79}),
    ):
        at = start + timedelta(minutes=offset, seconds=10)
        for parameter, value in values.items():
            target = device.get(parameter) or bp[parameter]
            target.append((at, float(value), True))
        temp.append((at, 36.7, True))
    series = {p: _series(p, pts) for p, pts in {**device, **bp}.items()}
    series[Parameter.TEMP] = _series(Parameter.TEMP, temp)
    return series


def sample_dossier(
    *, minutes: int = 150, state: SessionState = SessionState.DISCHARGED, seed: int = 7
) -> SessionDossier:
    """A ketamine IM session: a booster, a SpO2 alarm, nausea with a rescue drug, signed, reviewed."""
    closed = CHECK_IN + timedelta(minutes=minutes)
    record = SessionRecord(
        id=42,
        uid="0b8f3c9e-1d2a-4c55-9e7f-2a6b8c0d1e2f",
        patient_id=5,
        room_id=1,
        therapist_id=THERAPIST,
        medical_staff_id=NURSE,
        checked_in_at=CHECK_IN,
        state=state,
        t0=T0,
        closed_at=closed if not state.is_open else None,
    )
    patient = Patient(5, "J. D.", "MRN-20417", date(1986, 4, 12), 72.5)
    doses = (
        DoseRecord(
            "d-1",
            42,
            Drug.KETAMINE,
            Route.IM,
            50.0,
            T0,
            NURSE,
            T0,
            lot="KT-2291",
            mg_per_kg=0.69,
        ),
        DoseRecord(
            "d-2",
            42,
            Drug.KETAMINE,
            Route.IM,
            25.0,
            T0 + timedelta(minutes=30),
            NURSE,
            T0 + timedelta(minutes=31),
            lot="KT-2291",
            mg_per_kg=0.34,
        ),
    )
    transitions = (
        Transition(
            42,
            SessionState.CHECKED_IN,
            SessionState.BASELINE,
            CHECK_IN + timedelta(minutes=2),
            THERAPIST,
            "",
        ),
        Transition(42, SessionState.BASELINE, SessionState.MONITORING, T0, NURSE, ""),
        Transition(
            42,
            SessionState.MONITORING,
            SessionState.RECOVERY,
            T0 + timedelta(minutes=75),
            THERAPIST,
            "",
        ),
        Transition(42, SessionState.RECOVERY, state, closed, NURSE, "")
        if not state.is_open
        else None,
    )
    observations = (
        Observation(
            "o-1",
            42,
            T0 + timedelta(minutes=12),
            THERAPIST,
            ObservationCategory.DISSOCIATION,
            NOTE_TEXT,
        ),
        Observation(
            "o-2",
            42,
            T0 + timedelta(minutes=41),
            THERAPIST,
            ObservationCategory.NAUSEA,
            "Says she feels sick; bowel offered.",
        ),
        Observation(
            "o-3",
            42,
            T0 + timedelta(minutes=44),
            THERAPIST,
            ObservationCategory.NAUSEA,
            "Says she feels sick; bowl offered.",
            amends_uid="o-2",
        ),
    )
    ratings = (
        RatingEntry("r-1", 42, "moaas", 4, "", T0 + timedelta(minutes=20), NURSE),
        RatingEntry("r-2", 42, "moaas", 5, "Answers at once", T0 + timedelta(minutes=90), NURSE),
    )
    events = (
        AdverseEvent(
            "ae-1",
            42,
            T0 + timedelta(minutes=42),
            "nausea / vomiting",
            Severity.MILD,
            "Ondansetron given, window opened.",
            NURSE,
            rescue_drug="ondansetron",
            rescue_dose_mg=4.0,
            rescue_route="sublingual",
            rescue_at=T0 + timedelta(minutes=45),
        ),
    )
    spo2 = "SpO2 89 % is below 90 %"
    alarms = (
        AlarmRecord(CHECK_IN + timedelta(seconds=2700), "raised", "high", spo2, None, SPO2_KEY),
        AlarmRecord(
            CHECK_IN + timedelta(seconds=2725), "acknowledged", "high", spo2, NURSE, SPO2_KEY
        ),
        AlarmRecord(CHECK_IN + timedelta(seconds=2760), "cleared", "high", spo2, None, SPO2_KEY),
    )
    overrides = (
        Override(
            "ov-1",
            42,
            OverrideKind.BP_GATE,
            "Baseline 142/88 is her usual reading; GP letter on file.",
            NURSE,
            T0 - timedelta(minutes=2),
            {"systolic": 142, "diastolic": 88},
        ),
    )
    discharge = None
    reviews: tuple[Review, ...] = ()
    if state is SessionState.DISCHARGED:
        discharge = SignedDischargeRecord(
            {
                "padss_total": 10,
                "padss": {"vitals": {"summary": "HR +3 %, SYS +2 %", "score": 2}},
                "ride": {"driver_name": "Chris D.", "relationship": "partner"},
                "open_items": [],
            },
            NURSE,
            NAMES[NURSE],
            "discharged by",
            closed,
        )
        reviews = (
            Review(
                "rv-1",
                42,
                SUPERVISOR,
                NAMES[SUPERVISOR],
                REVIEWED_BY,
                closed + timedelta(days=1, hours=2),
                "Alarm handled well; nausea plan fine.",
            ),
        )
    return SessionDossier(
        session=record,
        patient=patient,
        room="Room 1",
        staff_names=dict(NAMES),
        transitions=tuple(t for t in transitions if t is not None),
        doses=doses,
        vitals=sample_vitals(CHECK_IN, minutes, T0, seed),
        observations=observations,
        ratings=ratings,
        adverse_events=events,
        alarms=alarms,
        overrides=overrides,
        predose={"benzodiazepines": False, "fasted_food": True, "ride_driver": "Chris D."},
        discharge_draft=discharge.data if discharge else None,
        discharge=discharge,
        reviews=reviews,
        flags=frozenset(
            {
                SessionFlag.HIGH_ALARM,
                SessionFlag.ADVERSE_EVENT,
                SessionFlag.RESCUE_MEDICATION,
                SessionFlag.GATE_OVERRIDE,
            }
        ),
    )


def with_changes(dossier: SessionDossier, **changes: object) -> SessionDossier:
    return replace(dossier, **changes)  # type: ignore[arg-type]
