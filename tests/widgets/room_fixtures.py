"""A room of two checked-in beds over the real services main.py builds, on a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from console.clock import FakeClock
from console.domain.doses import DoseDraft, Drug, Route
from console.domain.lifecycle import SessionState
from console.domain.people import PatientDraft, StaffRole
from console.domain.predose import PreDoseChecks
from console.domain.vitals import Parameter
from console.services.bed import Bed
from console.settings import Settings
from console.store.audit_repository import AuditQuery, detail_of
from devices.base import Reading
from main import Services, build_services
from tests.conftest import Clinic

RIDE = PreDoseChecks(False, False, False, False, True, True, "Sam Lee", "555 123 4567", "partner")
UNITS = {
    Parameter.HR: "/min",
    Parameter.PR: "/min",
    Parameter.SPO2: "%",
    Parameter.RR: "/min",
    Parameter.NIBP_SYS: "mmHg",
    Parameter.NIBP_DIA: "mmHg",
}


@dataclass
class RoomRig:
    """Two beds (chair 1: J. D., chair 2: A. B.) and who is acting at the console."""

    services: Services
    clinic: Clinic
    clock: FakeClock
    first: Bed
    second: Bed
    nurse: int
    supervisor: int
    acting: list[int | None] = field(default_factory=list)

    def actor(self) -> int | None:
        return self.acting[0]

    def act_as(self, staff_id: int | None) -> None:
        self.acting[0] = staff_id

    def feed(self, bed: Bed, port: str = "/dev/ttySIM0", **values: float) -> None:
        """Readings from a monitor on ``port`` of ``bed`` (hr=72, spo2=97, nibp_sys=120...)."""
        items = [Reading(Parameter(k), v, UNITS.get(Parameter(k), "")) for k, v in values.items()]
        bed.vitals.ingest("masimo", items, self.clock.now(), port)

    def dose(self, bed: Bed) -> None:
        """Pre-dose checks with a ride, a baseline set, then the first dose: T0 is set."""
        bed.session.transition(SessionState.BASELINE, self.nurse)
        bed.workflow.save_predose(RIDE, self.nurse)
        bed.vitals.record_manual(
            {
                Parameter.HR: "72",
                Parameter.NIBP_SYS: "128",
                Parameter.NIBP_DIA: "82",
                Parameter.SPO2: "98",
                Parameter.RR: "14",
            },
            self.nurse,
            confirmed=True,
        )
        self.clock.advance(timedelta(minutes=5))
        draft = DoseDraft(
            drug=Drug.KETAMINE,
            route=Route.IM,
            amount_mg=50,
            started_at=self.clock.now(),
            lot="K-2291",
        )
        bed.workflow.record_dose(draft, self.nurse)

    def audit(self, action: str) -> list[dict[str, object]]:
        """Every audit entry of ``action``, newest first, as (entity id, detail) dicts."""
        entries = self.services.audit.search(AuditQuery(action=action))
        return [{"entity_id": e.entity_id, **detail_of(e)} for e in entries]


@pytest.fixture
def room_rig(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path, simulator) -> Iterator[RoomRig]:
    """The room with two beds; the nurse acts. Depends on ``simulator`` so readers stop first."""
    c = sqlite_clinic
    second = c.people.add_patient(
        PatientDraft("A. B.", "MRN-2", date(1979, 9, 3), 81.0), clock.now()
    )
    supervisor = c.people.add_staff("Casey Grant", StaffRole.SUPERVISOR)
    services = build_services(sqlite_store, clock, tmp_path / "spool.jsonl", Settings())
    assert services.room.load() == []
    nurse = c.nurse.id
    room = services.room
    first_bed = room.check_in(c.patient.id, c.room.id, 1, c.therapist.id, nurse, by_staff_id=nurse)
    second_bed = room.check_in(second.id, c.room.id, 2, c.therapist.id, nurse, by_staff_id=nurse)
    rig = RoomRig(services, c, clock, first_bed, second_bed, nurse, supervisor.id, [nurse])
    try:
        yield rig
    finally:
        services.stop()
