"""The people service: patients, staff and rooms for check-in, with validation."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from console.clock import Clock
from console.domain.people import (
    Patient,
    PatientDraft,
    Room,
    Staff,
    StaffRole,
    validate_patient,
    validate_staff_name,
)
from console.domain.room import validate_room_name
from console.errors import FieldError, ValidationFailed
from console.store.repositories import PeopleRepository


class PeopleService(QObject):
    """Lists and adds patients, staff and rooms."""

    # a patient, staff member or room was added (no payload: re-read the lists)
    changed = Signal()

    def __init__(
        self, clock: Clock, people: PeopleRepository, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._people = people

    def patients(self) -> list[Patient]:
        return self._people.patients()

    def patient(self, patient_id: int) -> Patient:
        return self._people.patient(patient_id)

    def staff(self) -> list[Staff]:
        return self._people.staff()

    def rooms(self) -> list[Room]:
        return self._people.rooms()

    def register_patient(self, draft: PatientDraft) -> Patient:
        """Store a new patient; ValidationFailed lists every bad field and nothing is stored."""
        now = self._clock.now()
        errors = validate_patient(draft, now.astimezone().date())
        if not errors and self._people.patient_by_chart(draft.chart_id) is not None:
            errors.append(
                FieldError(
                    "chart_id", "A patient with this chart id exists: pick them from the list."
                )
            )
        if errors:
            raise ValidationFailed(errors)
        patient = self._people.add_patient(draft, now)
        self.changed.emit()
        return patient

    def add_staff(self, name: str, role: StaffRole) -> Staff:
        errors = validate_staff_name(name)
        if errors:
            raise ValidationFailed(errors)
        staff = self._people.add_staff(name, role)
        self.changed.emit()
        return staff

    def add_room(self, name: str) -> Room:
        errors = validate_room_name(name)
        if errors:
            raise ValidationFailed(errors)
        room = self._people.add_room(name)
        self.changed.emit()
        return room
