"""Table model for the clinic station: each room console's heartbeat (who last reported, when)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from console.store.models import Base
from console.store.types import UTCDateTime


class ConsoleHeartbeatRow(Base):
    """One room console watching one room: the last time it reported (written every ~10 s).

    ``room_id`` 0 stands for a console that watches every room.
    """

    __tablename__ = "console_heartbeat"
    console_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    room_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    # when this console started (its own clock, like its alarm events): older alarms are gone
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
