"""SQLAlchemy 2 typed table models; only repositories and migrations use them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from console.store.types import UTCDateTime, UTCMicros


class Base(DeclarativeBase):
    pass


class PatientRow(Base):
    __tablename__ = "patient"
    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(80))
    chart_id: Mapped[str] = mapped_column(String(40), unique=True)
    date_of_birth: Mapped[date] = mapped_column(Date)
    weight_kg: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StaffRow(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    pin_hash: Mapped[str] = mapped_column(String(200), default="", server_default="")
    username: Mapped[str | None] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200), default="", server_default="")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RoomRow(Base):
    __tablename__ = "room"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class SessionRow(Base):
    __tablename__ = "session"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    medical_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    t0: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    chair: Mapped[int | None] = mapped_column(Integer)  # 1 to 16; None before chairs were kept


class TransitionRow(Base):
    __tablename__ = "session_transition"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), index=True)
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    reason: Mapped[str] = mapped_column(Text, default="")


class SessionDeviceRow(Base):
    """A monitor's port bound to one session (each patient has their own devices).

    Open while ``detached_at`` is empty; a port has at most one open binding.
    """

    __tablename__ = "session_device"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), index=True)
    protocol: Mapped[str] = mapped_column(String(20))
    port: Mapped[str] = mapped_column(String(200))
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attached_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    detached_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class DoseRow(Base):
    __tablename__ = "dose"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), index=True)
    drug: Mapped[str] = mapped_column(String(40))
    route: Mapped[str] = mapped_column(String(20))
    amount_mg: Mapped[float] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rate_mg_per_h: Mapped[float | None] = mapped_column(Float)
    lot: Mapped[str] = mapped_column(String(40), default="")
    device_count: Mapped[int | None] = mapped_column(Integer)
    given_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # why an entry the slip guard queried went ahead ("" when nothing was queried)
    confirm_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class DoseCorrectionRow(Base):
    """A signed "entered in error" amendment of a dose (append-only; the dose row stays)."""

    __tablename__ = "dose_correction"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    dose_uid: Mapped[str] = mapped_column(ForeignKey("dose.uid"), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    printed_name: Mapped[str] = mapped_column(String(80))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VitalSampleRow(Base):
    __tablename__ = "vital_sample"
    __table_args__ = (Index("ix_vital_sample_session_time", "session_id", "host_time"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"))
    source: Mapped[str] = mapped_column(String(20))  # "manual" or the driver name
    device: Mapped[str] = mapped_column(String(200), default="")  # port or device serial
    parameter: Mapped[str] = mapped_column(String(20))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(12))
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    host_time: Mapped[datetime] = mapped_column(UTCMicros)  # µs since 1970: compact, exact
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    measurement_key: Mapped[str | None] = mapped_column(String(80))
    # the device's time was outside the plausible years: dropped, the arrival time stands
    device_time_rejected: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class SessionAlarmLimitRow(Base):
    """One limit of a patient's own set for one session (append-only; the newest row wins).

    The rows of one change share ``change_uid`` and are stored together.
    """

    __tablename__ = "session_alarm_limit"
    id: Mapped[int] = mapped_column(primary_key=True)
    change_uid: Mapped[str] = mapped_column(String(36), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), index=True)
    parameter: Mapped[str] = mapped_column(String(20))
    bound: Mapped[str] = mapped_column(String(20))
    value: Mapped[float | None] = mapped_column(Float)  # None: this limit is off
    old_value: Mapped[float | None] = mapped_column(Float)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WaveformBlobRow(Base):
    """A second of waveform samples, packed (kept compact; never in the numeric tables)."""

    __tablename__ = "waveform_blob"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    rate_hz: Mapped[float] = mapped_column(Float)
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    samples: Mapped[bytes] = mapped_column(LargeBinary)


class ObservationRow(Base):
    __tablename__ = "observation"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    category: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    amends_uid: Mapped[str | None] = mapped_column(String(36))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DischargeRow(Base):
    __tablename__ = "discharge_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), unique=True)
    data: Mapped[str] = mapped_column(Text)  # JSON: checklist answers, PADSS, ride home
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditRow(Base):
    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    # the hash chain: entry N holds the hash of entry N-1; a unique seq forbids a fork
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # HMAC of seq and content under the clinic key; NULL for entries written before the key
    seal: Mapped[str | None] = mapped_column(String(64))


class PreDoseRow(Base):
    """Pre-dose checks and the ride home arranged at check-in (one per session)."""

    __tablename__ = "predose_check"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), unique=True)
    benzodiazepines: Mapped[bool] = mapped_column(Boolean)
    other_sedatives: Mapped[bool] = mapped_column(Boolean)
    stimulants: Mapped[bool] = mapped_column(Boolean)
    maoi: Mapped[bool] = mapped_column(Boolean)
    fasted_food: Mapped[bool] = mapped_column(Boolean)  # no food for 2 h
    fasted_liquids: Mapped[bool] = mapped_column(Boolean)  # no liquids for 30 min
    ride_driver: Mapped[str] = mapped_column(String(80), default="")
    ride_phone: Mapped[str] = mapped_column(String(40), default="")
    ride_relationship: Mapped[str] = mapped_column(String(40), default="")
    opioids: Mapped[bool | None] = mapped_column(Boolean)  # None: asked before this question
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OverrideRow(Base):
    """Going ahead despite a rule (BP gate, no ride home, open discharge item): flagged for review."""

    __tablename__ = "override"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # "bp_gate", "ride_home", "discharge"
    reason: Mapped[str] = mapped_column(Text)
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON: the values that were overridden


class RatingRow(Base):
    """A structured rating on a scale (MOAA/S, RASS, a clinic's own scale ...)."""

    __tablename__ = "rating"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), index=True)
    scale_id: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    amends_uid: Mapped[str | None] = mapped_column(String(36))


class AdverseEventRow(Base):
    """An adverse event and what was done, with any rescue medication: flagged for review."""

    __tablename__ = "adverse_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(Text, default="")
    rescue_drug: Mapped[str] = mapped_column(String(60), default="")
    rescue_dose_mg: Mapped[float | None] = mapped_column(Float)
    rescue_route: Mapped[str] = mapped_column(String(20), default="")
    rescue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    detail: Mapped[str] = mapped_column(Text, default="", server_default="")
    oxygen_l_min: Mapped[float | None] = mapped_column(Float)
    oxygen_device: Mapped[str] = mapped_column(String(40), default="", server_default="")
    airway_manoeuvre: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    positioning: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AlarmEventRow(Base):
    """Every alarm raised, escalated, acknowledged and cleared, with who and when."""

    __tablename__ = "alarm_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("session.id"), index=True)
    alarm_id: Mapped[int] = mapped_column(Integer)
    alarm_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    silenced_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlarmLimitRow(Base):
    """A change of one alarm limit, for the clinic or one patient; the newest row is in force."""

    __tablename__ = "alarm_limit"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), index=True)
    parameter: Mapped[str] = mapped_column(String(20))
    bound: Mapped[str] = mapped_column(String(20))
    value: Mapped[float | None] = mapped_column(Float)  # None: this limit is off
    old_value: Mapped[float | None] = mapped_column(Float)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReviewRow(Base):
    """A supervisor's signed review of a closed session (append-only: a new review adds a row)."""

    __tablename__ = "session_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    printed_name: Mapped[str] = mapped_column(String(80))
    meaning: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")


# the outbound interface's and REMS tables live in their own module, on this Base
from console.store import outbound_models as _outbound_models  # noqa: E402, F401
from console.store import station_models as _station_models  # noqa: E402, F401
