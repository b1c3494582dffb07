"""The esketamine REMS monitoring form: its fields from the record, when it is due, and submission."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from console.domain.doses import Drug
from console.domain.doses_record import DoseRecord
from console.domain.review import SessionDossier, SessionFlag, VitalSeries
from console.domain.vitals import Parameter
from console.errors import FieldError, ValidationFailed

DUE_WITHIN = timedelta(days=7)  # the form is submitted within 7 days of the session
BLANK = None  # a field the record cannot answer: printed empty for the clinician
AROUND_40_MIN = timedelta(minutes=40)
NEAR_40_WINDOW = timedelta(minutes=15)  # a reading 25–55 min after the dose counts as "about 40"
MAX_CONFIRMATION = 60


@dataclass(frozen=True, slots=True)
class RemsSubmission:
    """The form marked submitted: on which day, with the REMS confirmation number."""

    session_id: int
    submitted_on: date
    confirmation: str
    recorded_by_id: int
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class RemsSetting:
    """The treatment setting as the form names it (from the clinic settings)."""

    name: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class RemsForm:
    """The form's answers as text; None leaves the field visibly blank for the clinician."""

    patient_name: str | None
    date_of_birth: str | None
    sex: str | None
    first_treatment: str | None
    benzodiazepines: str | None
    sedative_hypnotics: str | None
    psychostimulants: str | None
    maois: str | None
    opioids: str | None
    provider_name: str | None
    provider_phone: str | None
    provider_email: str | None
    setting_name: str | None
    setting_address: str | None
    session_date: str | None
    dose: str | None
    lot: str | None
    total_minutes: str | None
    ready_minutes: str | None
    vitals_ok_before: str | None
    vitals_ok_after: str | None
    bp_before: str | None
    bp_40_min: str | None
    bp_end: str | None
    sedation: str | None
    dissociation: str | None
    respiratory_depression: str | None
    serious_adverse_event: str | None
    chart_id: str
    submission: RemsSubmission | None = None


def esketamine_doses(doses: Iterable[DoseRecord]) -> list[DoseRecord]:
    return [d for d in doses if d.drug is Drug.ESKETAMINE and d.in_force]


def session_day(dossier: SessionDossier, zone: tzinfo | None = None) -> date:
    """The day of the session (of its dose when there is one), in the clinic's zone."""
    at = dossier.session.t0 or dossier.session.checked_in_at
    return at.astimezone(zone).date()


def due_label(session_date: date, submitted: bool, today: date) -> str:
    """The label: "REMS form due in N days", "due today", "overdue" or "submitted"."""
    if submitted:
        return "REMS form submitted"
    left = (session_date + DUE_WITHIN - today).days
    if left < 0:
        return "REMS form overdue"
    if left == 0:
        return "REMS form due today"
    return f"REMS form due in {left} day{'s' if left != 1 else ''}"


def validate_submission(
    submitted_on: date, confirmation: str, session_date: date, today: date
) -> list[FieldError]:
    """A submission needs a day between the session and today, and the confirmation number."""
    errors: list[FieldError] = []
    if submitted_on < session_date:
        errors.append(
            FieldError("submitted_on", "The form cannot be submitted before the session.")
        )
    elif submitted_on > today:
        errors.append(FieldError("submitted_on", "The submission date cannot be in the future."))
    text = confirmation.strip()
    if not text:
        errors.append(FieldError("confirmation", "Enter the confirmation number the REMS gave."))
    elif len(text) > MAX_CONFIRMATION or any(c in text for c in "\r\n\t"):
        errors.append(
            FieldError("confirmation", f"Up to {MAX_CONFIRMATION} characters on one line.")
        )
    return errors


def check_submission(submitted_on: date, confirmation: str, session_date: date, today: date) -> str:
    """The trimmed confirmation number; ValidationFailed naming each bad field."""
    errors = validate_submission(submitted_on, confirmation, session_date, today)
    if errors:
        raise ValidationFailed(errors)
    return confirmation.strip()


def _yes_no(value: Any) -> str | None:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return BLANK


def _minutes(value: Any) -> str | None:
    return str(value) if isinstance(value, int) else BLANK


def _reading_near(series: VitalSeries | None, target: float, window: float) -> int | None:
    """The index of the reading closest to ``target`` (epoch seconds) within ``window``."""
    if series is None or not series.times:
        return None
    best = min(range(len(series.times)), key=lambda i: abs(series.times[i] - target))
    return best if abs(series.times[best] - target) <= window else None


def _bp(vitals: dict[Parameter, VitalSeries], index: int | None, zone: tzinfo | None) -> str | None:
    sys_series = vitals.get(Parameter.NIBP_SYS)
    dia_series = vitals.get(Parameter.NIBP_DIA)
    if index is None or sys_series is None or dia_series is None:
        return BLANK
    when = sys_series.times[index]
    dia = _reading_near(dia_series, when, 5)
    if dia is None:
        return BLANK
    at = datetime.fromtimestamp(when, zone)
    return f"{sys_series.values[index]:g}/{dia_series.values[dia]:g} mmHg at {at:%H:%M}"


def _last_before(series: VitalSeries | None, limit: float) -> int | None:
    if series is None:
        return None
    found = [i for i, t in enumerate(series.times) if t <= limit]
    return found[-1] if found else None


def _blood_pressures(
    dossier: SessionDossier, end: datetime | None, zone: tzinfo | None
) -> tuple[str | None, str | None, str | None]:
    t0 = dossier.session.t0
    series = dossier.vitals.get(Parameter.NIBP_SYS)
    if t0 is None or series is None:
        return BLANK, BLANK, BLANK
    dose = t0.timestamp()
    before = _last_before(series, dose)
    near = _reading_near(
        series, dose + AROUND_40_MIN.total_seconds(), NEAR_40_WINDOW.total_seconds()
    )
    last = _last_before(series, end.timestamp()) if end is not None else None
    if last is not None and series.times[last] <= dose:
        last = None
    return (
        _bp(dossier.vitals, before, zone),
        _bp(dossier.vitals, near, zone),
        _bp(dossier.vitals, last, zone),
    )


def _dose_text(doses: list[DoseRecord]) -> str | None:
    if not doses:
        return BLANK
    total = sum(d.amount_mg for d in doses)
    return f"{total:g} mg" if total in (56, 84) else f"Other: {total:g} mg"


def rems_form(
    dossier: SessionDossier,
    setting: RemsSetting = RemsSetting(),
    submission: RemsSubmission | None = None,
    zone: tzinfo | None = None,
) -> RemsForm:
    """The form's fields filled from the record; what the record does not hold stays blank."""
    predose = dossier.predose or {}
    doses = esketamine_doses(dossier.doses)
    signed = dossier.discharge.signed if dossier.discharge is not None else None
    end = dossier.discharge.signed_at if dossier.discharge is not None else None
    bp_before, bp_40, bp_end = _blood_pressures(dossier, end, zone)
    stable = signed.draft.answer("vitals_stable") if signed is not None else None
    after = _yes_no(stable.done if stable is not None else None)
    total = signed.rems_total_minutes if signed is not None else None
    ready = signed.rems_ready_minutes if signed is not None else None
    before = BLANK
    if bp_before is not None:
        before = "No" if SessionFlag.GATE_OVERRIDE in dossier.flags else "Yes"
    medical = dossier.session.medical_staff_id
    return RemsForm(
        patient_name=dossier.patient.display_name or BLANK,
        date_of_birth=dossier.patient.date_of_birth.isoformat(),
        sex=BLANK,
        first_treatment=BLANK,
        benzodiazepines=_yes_no(predose.get("benzodiazepines")),
        sedative_hypnotics=_yes_no(predose.get("other_sedatives")),
        psychostimulants=_yes_no(predose.get("stimulants")),
        maois=_yes_no(predose.get("maoi")),
        opioids=_yes_no(predose.get("opioids")),  # asked only by newer pre-dose checks
        provider_name=dossier.name(medical) or BLANK,
        provider_phone=BLANK,
        provider_email=BLANK,
        setting_name=setting.name or BLANK,
        setting_address=setting.address or BLANK,
        session_date=session_day(dossier, zone).isoformat(),
        dose=_dose_text(doses),
        lot=", ".join(dict.fromkeys(d.lot for d in doses if d.lot)) or BLANK,
        total_minutes=_minutes(total),
        ready_minutes=_minutes(ready),
        vitals_ok_before=before,
        vitals_ok_after=after,
        bp_before=bp_before,
        bp_40_min=bp_40,
        bp_end=bp_end,
        sedation=BLANK,
        dissociation=BLANK,
        respiratory_depression=BLANK,
        serious_adverse_event="Yes" if dossier.adverse_events else BLANK,
        chart_id=dossier.patient.chart_id,
        submission=submission,
    )
