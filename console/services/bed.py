"""A bed: one open session in the room with its own vitals, alarms, clock, workflow and discharge."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from PySide6.QtCore import QObject, Signal

from console.clock import Clock
from console.domain.alarms import DEFAULT_LIMITS, AlarmEvent, LimitSet, effective_limits
from console.domain.doses import DoseLimits
from console.domain.doses_record import needs_rems_item
from console.domain.events import RatingEntry
from console.domain.people import Patient
from console.domain.predose import BpGate
from console.domain.scales import ScaleDefinition
from console.domain.schedule import ScheduleConfig
from console.domain.sessions import SessionRecord
from console.errors import VigilError
from console.services.access import Access
from console.services.alarm_sound import AlarmSound
from console.services.alarms import AlarmService, LimitChange
from console.services.clock import ClockService
from console.services.discharge import DischargeService
from console.services.sessions import SessionService
from console.services.signatures import Signer
from console.services.vitals import VitalsService
from console.services.workflow import WorkflowService
from console.store.commands import SaveSessionLimits
from console.store.discharge_repository import DischargeRepository
from console.store.dose_repository import DoseRepository
from console.store.limits_repository import SessionLimit, SessionLimitsRepository
from console.store.repositories import PeopleRepository, SessionRepository
from console.store.vitals_repository import VitalsRepository
from console.store.workflow_repository import WorkflowRepository
from console.store.writer import DurableWriter, SaveAlarmEvents

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BedParts:
    """What every bed shares: the clock, the repositories, the writer and the clinic's rules."""

    clock: Clock
    people: PeopleRepository
    sessions: SessionRepository
    vitals: VitalsRepository
    workflow: WorkflowRepository
    doses: DoseRepository
    discharges: DischargeRepository
    writer: DurableWriter
    access: Access
    signer: Signer
    scales: dict[str, ScaleDefinition]
    gate: BpGate
    schedule: ScheduleConfig
    min_monitoring: timedelta
    dose_limits: DoseLimits = field(default_factory=DoseLimits)  # the dose slip guard's limits
    # a patient's own limits per session (None: read through the vitals repository's store)
    session_limits: SessionLimitsRepository | None = None


def bed_label(patient: Patient, chair: int | None) -> str:
    """How a bed is named on tiles, the alarm strip and the audit trail: "Chair 2 · J. Doe"."""
    return f"Chair {chair} · {patient.display_name}" if chair is not None else patient.display_name


class Bed(QObject):
    """Owns one session's parts; they are built and loaded in the order written in ``__init__``.

    Every part serves this session only, whether the bed is on screen or not: readings from its
    monitors, its alarm board and limits, its schedule clock, its workflow and discharge.
    """

    # the bed's session changed state or T0 (SessionRecord)
    changed = Signal(object)
    # the bed closed: discharged or aborted (int: the session id)
    closed = Signal(int)

    def __init__(
        self,
        record: SessionRecord,
        parts: BedParts,
        sound: AlarmSound,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session_id = record.id
        self.patient = parts.people.patient(record.patient_id)
        self.chair = record.chair
        self.label = bed_label(self.patient, record.chair)
        self._parts = parts
        clock, access, writer = parts.clock, parts.access, parts.writer
        # 1. the session itself: state, notes and transitions of this one record
        self.session = SessionService(clock, parts.people, parts.sessions, access, writer, self)
        self.session.open(record.id)
        # 2. vitals: the latest values and the pending batch, under this session only
        self.vitals = VitalsService(clock, parts.vitals, writer, access, self)
        self.vitals.set_session(record)
        # 3. the schedule clock from the stored times
        self.clock = ClockService(clock, parts.sessions, parts.schedule, self)
        self.clock.set_session(record)
        # 4. alarms with this patient's limits (and this session's own, kept through a restart),
        # their events and limit changes stored under this session
        self.alarms = AlarmService(
            clock,
            self._limits(record),
            self._store_alarm_event,
            sound,
            self,
            patient_limit_sink=self._store_session_limits,
            access=access,
            audit_detail={"session_id": record.id, "bed": self.label},
        )
        # 5. the dosing workflow (its baseline reads the vitals of step 2)
        self.workflow = WorkflowService(
            clock,
            self.session,
            self.vitals,
            parts.workflow,
            parts.doses,
            parts.people,
            parts.signer,
            parts.scales,
            parts.gate,
            self,
            access=access,
            dose_limits=parts.dose_limits,
        )
        # 6. the discharge (reads the vitals and the workflow's records)
        self.discharge = DischargeService(
            clock,
            self.session,
            self.vitals,
            parts.workflow,
            parts.discharges,
            parts.signer,
            parts.min_monitoring,
            self,
            access=access,
            alarms=self.alarms,  # an active alarm can contradict a checklist tick
        )
        self._follow_doses()
        # the parts talk to each other only inside the bed
        self.vitals.checkRecorded.connect(self.clock.checks_changed)
        self.vitals.pointsAdded.connect(self.alarms.on_points)
        self.vitals.conditionChanged.connect(self.alarms.on_device_condition)
        self.clock.faceChanged.connect(self.alarms.on_clock_face)
        self.workflow.ratingAdded.connect(self._on_workflow_rating_added)
        self.workflow.doseRecorded.connect(self._on_workflow_dose_recorded)
        self.workflow.doseCorrected.connect(self._on_workflow_dose_recorded)
        self.session.sessionChanged.connect(self._on_session_session_changed)
        self.alarms.on_clock_face(self.clock.face)

    # ---- queries ---------------------------------------------------------------------------
    @property
    def record(self) -> SessionRecord:
        record = self.session.active
        assert record is not None  # a bed's session service never leaves its session
        return record

    @property
    def is_open(self) -> bool:
        return self.record.state.is_open

    # ---- life ------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the once-a-second clock and alarm ticks."""
        self.clock.start()
        self.alarms.start()

    def stop(self) -> None:
        """Stop the ticks and save what is pending (the console is closing or the bed closed)."""
        self.clock.stop()
        self.alarms.stop()
        self.vitals.stop()

    # ---- internals -------------------------------------------------------------------------
    def _session_limits(self) -> SessionLimitsRepository:
        found = self._parts.session_limits
        return found if found is not None else SessionLimitsRepository(self._parts.vitals._store)

    def _limits(self, record: SessionRecord) -> LimitSet:
        """The clinic's limits, then the patient's, then this session's own changes in turn."""
        try:
            clinic = self._parts.workflow.limit_overrides(None)
            personal = self._parts.workflow.limit_overrides(record.patient_id)
        except VigilError as error:
            log.warning("alarm limits not read for session %s: %s", record.id, error)
            clinic, personal = {}, {}
        limits = effective_limits(DEFAULT_LIMITS, clinic, personal)
        try:
            changes = self._session_limits().changes(record.id)
        except VigilError as error:
            log.warning("this session's own limits not read (session %s): %s", record.id, error)
            changes = []
        for change in changes:  # each as it was applied, so an HR change moves PR the same way
            limits = effective_limits(limits, {}, change)
        return limits

    def _store_session_limits(self, changes: tuple[LimitChange, ...]) -> None:
        if not changes:
            return
        self._parts.writer.write(
            SaveSessionLimits(
                self.session_id,
                tuple(SessionLimit(c.parameter, c.bound, c.new, c.old) for c in changes),
                changes[0].by_staff_id,
                changes[0].at,
            )
        )

    def _store_alarm_event(self, event: AlarmEvent) -> None:
        self._parts.writer.write(SaveAlarmEvents(self.session_id, (event,)))

    def _follow_doses(self) -> None:
        if self.is_open:  # a closed record no longer changes
            self.discharge.set_esketamine(needs_rems_item(self.workflow.doses()))

    def _on_workflow_rating_added(self, entry: RatingEntry) -> None:
        definition = self.workflow.scales.get(entry.scale_id)
        if definition is not None:
            self.alarms.on_rating(definition, entry.value)

    def _on_workflow_dose_recorded(self, *_: object) -> None:
        self._follow_doses()

    def _on_session_session_changed(self, record: SessionRecord | None) -> None:
        if record is None:
            return
        # one explicit order: vitals and clock first, then what reads them
        self.vitals.set_session(record)
        self.clock.set_session(record)
        self.workflow.follow(record)
        self.discharge.follow(record)
        self._follow_doses()
        self.changed.emit(record)
        if not record.state.is_open:
            self.stop()
            self.closed.emit(self.session_id)


BedFactory = Callable[[SessionRecord], Bed]
