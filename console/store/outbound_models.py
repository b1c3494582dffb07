"""Table models for the outbound HL7 interface (settings, queue, throttle) and REMS submissions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from console.store.models import Base
from console.store.types import UTCDateTime


class OutboundConfigRow(Base):
    """The one outbound interface (id 1): where to send and how the messages name both ends."""

    __tablename__ = "outbound_config"
    id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    host: Mapped[str] = mapped_column(String(255), default="", server_default="")
    port: Mapped[int] = mapped_column(Integer, default=2575, server_default="2575")
    sending_application: Mapped[str] = mapped_column(String(40), default="VIGIL")
    sending_facility: Mapped[str] = mapped_column(String(40), default="")
    receiving_application: Mapped[str] = mapped_column(String(40), default="")
    receiving_facility: Mapped[str] = mapped_column(String(40), default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboundMessageRow(Base):
    """One queued HL7 message; sent strictly in id order, one at a time."""

    __tablename__ = "outbound_message"
    __table_args__ = (Index("ix_outbound_message_state_id", "state", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    control_id: Mapped[str] = mapped_column(String(40), unique=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("session.id"))
    kind: Mapped[str] = mapped_column(String(20))  # "vitals" or "dose"
    payload: Mapped[str] = mapped_column(Text)
    # "queued", "sent", "stopped" (AE/AR: waits for an admin), "skipped" (an admin gave it up)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ack_code: Mapped[str] = mapped_column(String(2), default="", server_default="")
    error: Mapped[str] = mapped_column(Text, default="", server_default="")


class OutboundMarkRow(Base):
    """The last minute a device value of a parameter was queued for a session (the throttle)."""

    __tablename__ = "outbound_mark"
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), primary_key=True)
    parameter: Mapped[str] = mapped_column(String(20), primary_key=True)
    minute: Mapped[int] = mapped_column(Integer)  # minutes since 1970 (UTC)


class RemsSubmissionRow(Base):
    """The esketamine REMS monitoring form of a session, marked submitted (once)."""

    __tablename__ = "rems_submission"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id"), unique=True)
    submitted_on: Mapped[date] = mapped_column(Date)
    confirmation: Mapped[str] = mapped_column(String(60))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
