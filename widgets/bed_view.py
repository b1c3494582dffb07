"""One bed in detail: header, alarms, trends, notes, forms, pre-dose, dose and discharge pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.clock import Clock
from console.domain.lifecycle import SessionState
from console.domain.schedule import ClockFace
from console.domain.sessions import SessionRecord
from console.reports.escort_sheet import ClinicContact
from console.services.bed import Bed
from console.services.devices import DeviceManager
from console.services.people import PeopleService
from console.services.room import Room
from widgets.adverse_event_form import AdverseEventForm
from widgets.alarm_banner import AlarmBanner, AlarmList, AlarmSlot
from widgets.device_status import DeviceStatusPanel
from widgets.observation_panel import ObservationPanel
from widgets.rating_form import RatingForm
from widgets.session_actions import SessionActions, StepButton
from widgets.session_header import SessionHeader
from widgets.theme import named
from widgets.vitals.panel import VitalsPanel
from widgets.vitals_entry import VitalsEntry

if TYPE_CHECKING:  # imported when their page is first shown
    from widgets.discharge_panel import DischargePanel
    from widgets.dose_form import DoseForm
    from widgets.predose_panel import PreDosePanel

PAGE_TITLES = ("Monitoring  (F5)", "Pre-dose && dose  (F6)", "Discharge  (F7)")
PAGE_FOR_FORM = {"dose": 1, "discharge": 2}


def scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


@dataclass(frozen=True)
class ViewContext:
    """What every bed view shares: the room, the clinic's lists and who is at the console."""

    room: Room
    people: PeopleService
    devices: DeviceManager
    clock: Clock
    actor: Callable[[], int | None]
    staff_name: Callable[[int], str]
    minimum_minutes: int
    clinic: ClinicContact | None = None


class BedView(QWidget):
    """Observes one bed's services only: nothing on it can show or store another patient's data.

    Built when the bed is first shown, dropped when another user signs in (so unsaved text never
    passes from one person to the next) and when a closed bed is left.
    """

    # the lifecycle step's page was asked for by a form ("dose", "discharge")
    formRequested = Signal(str)

    def __init__(self, bed: Bed, context: ViewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bed = bed
        self._context = context
        actor, staff_name, clock = context.actor, context.staff_name, context.clock
        self.header = SessionHeader()
        self.header.set_minimum_minutes(context.minimum_minutes)
        self.vitals_area = VitalsPanel(bed.vitals, bed.session, clock)
        self.observations = ObservationPanel(bed.session, actor)
        self.actions_panel = SessionActions(bed.session, actor)
        self.actions_panel.formRequested.connect(self._on_actions_form_requested)
        self.vitals_entry = VitalsEntry(bed.vitals, actor, author_name=staff_name)
        self.device_status = DeviceStatusPanel(
            context.devices, clock, context.room, actor, bed.session_id
        )
        monitors = QScrollArea()
        monitors.setWidget(self.device_status)
        monitors.setWidgetResizable(True)
        self.rating_form = RatingForm(bed.workflow, actor, staff_name=staff_name)
        self.event_form = AdverseEventForm(bed.workflow, clock, actor, staff_name=staff_name)
        self.alarm_list = AlarmList(bed.alarms, staff_name=staff_name)
        self.tools = QTabWidget()
        self.tools.addTab(self.vitals_entry, "Vitals by hand  (Ctrl+M)")
        self.tools.addTab(self.rating_form, "Rating  (Ctrl+R)")
        self.tools.addTab(scrolled(self.event_form), "Event")
        self.tools.addTab(self.alarm_list, "Alarms")
        self.tools.addTab(monitors, "Monitors")
        self.tools.addTab(self.actions_panel, "Session steps")

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.observations)
        right.addWidget(self.tools)
        right.setStretchFactor(0, 1)
        right.setStretchFactor(1, 1)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.vitals_area)
        body.addWidget(right)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        body.setSizes([880, 560])
        # each lifecycle step also has its button on the page where it belongs
        self.recovery_step = StepButton(self.actions_panel, SessionState.RECOVERY)
        self.baseline_step = StepButton(self.actions_panel, SessionState.BASELINE)
        monitoring = QWidget()
        monitoring_layout = QVBoxLayout(monitoring)
        monitoring_layout.setContentsMargins(0, 0, 0, 0)
        monitoring_layout.addWidget(self.recovery_step)
        monitoring_layout.addWidget(body, 1)
        self.alarm_banner = AlarmBanner(bed.alarms, actor, staff_name=staff_name)
        self.alarm_slot = AlarmSlot(self.alarm_banner)  # the page never moves for an alarm
        # the pre-dose and discharge pages are built when first shown: a quicker first paint
        self._editable = True
        self._predose_panel: PreDosePanel | None = None
        self._dose_form: DoseForm | None = None
        self._discharge_panel: DischargePanel | None = None
        self._predose_page = QWidget()
        predose_layout = QVBoxLayout(self._predose_page)
        predose_layout.setContentsMargins(0, 0, 0, 0)
        predose_layout.addWidget(self.baseline_step)
        self._predose_forms = QHBoxLayout()
        predose_layout.addLayout(self._predose_forms, 1)
        self._discharge_page = QWidget()
        QVBoxLayout(self._discharge_page).setContentsMargins(0, 0, 0, 0)
        self.pages = QStackedWidget()
        for page in (monitoring, self._predose_page, self._discharge_page):
            self.pages.addWidget(page)
        self.page_tabs = QTabBar()
        for title in PAGE_TITLES:
            self.page_tabs.addTab(title)
        self.page_tabs.currentChanged.connect(self._on_page_tabs_current_changed)
        self.closed_note = named(QLabel(""), "secondary")
        self.closed_note.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.header)
        layout.addWidget(self.alarm_slot)
        layout.addWidget(self.closed_note)
        layout.addWidget(self.page_tabs)
        layout.addWidget(self.pages, 1)

        bed.session.sessionChanged.connect(self._on_session_session_changed)
        bed.clock.faceChanged.connect(self._on_clock_face_changed)
        bed.clock.faceChanged.connect(self.vitals_area.show_check)
        record = bed.record
        self._show_record(record)
        early = record.state in (SessionState.CHECKED_IN, SessionState.BASELINE)
        self.page_tabs.setCurrentIndex(1 if early else 0)
        self._on_clock_face_changed(bed.clock.face)
        self.vitals_area.show_check(bed.clock.face)
        self.vitals_area.set_active(False)  # drawn from the moment it is shown

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.vitals_area.set_active(True)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.vitals_area.set_active(False)

    # ---- pages -----------------------------------------------------------------------------
    @property
    def predose_panel(self) -> PreDosePanel:
        if self._predose_panel is None:
            self._build_predose_page()
        assert self._predose_panel is not None
        return self._predose_panel

    @property
    def dose_form(self) -> DoseForm:
        if self._dose_form is None:
            self._build_predose_page()
        assert self._dose_form is not None
        return self._dose_form

    @property
    def discharge_panel(self) -> DischargePanel:
        if self._discharge_panel is None:
            from widgets.discharge_panel import DischargePanel

            c = self._context
            self._discharge_panel = DischargePanel(
                self.bed.discharge, c.people, c.actor, clinic=c.clinic
            )
            layout = self._discharge_page.layout()
            assert layout is not None
            layout.addWidget(scrolled(self._discharge_panel))
        return self._discharge_panel

    def _build_predose_page(self) -> None:
        from widgets.dose_form import DoseForm
        from widgets.predose_panel import PreDosePanel

        c = self._context
        self._predose_panel = PreDosePanel(self.bed.workflow, c.people, c.actor)
        self._dose_form = DoseForm(self.bed.workflow, c.clock, c.actor, staff_name=c.staff_name)
        for form in (self._predose_panel, self._dose_form):
            form.setEnabled(self._editable)
            self._predose_forms.addWidget(scrolled(form))

    def show_page(self, index: int) -> None:
        """Monitoring (0), pre-dose and dose (1) or discharge (2), under the header."""
        self.page_tabs.setCurrentIndex(index)

    # ---- keyboard targets (the window's actions land here) ---------------------------------
    def focus_note(self) -> None:
        self.show_page(0)
        self.observations.focus_entry()

    def focus_rating(self) -> None:
        self.show_page(0)
        self.tools.setCurrentWidget(self.rating_form)
        self.rating_form.focus_value()

    def focus_vitals(self) -> None:
        self.show_page(0)
        self.tools.setCurrentWidget(self.vitals_entry)
        self.vitals_entry.focus_first()

    def stop(self) -> None:
        """Stop the panels' timers (the view is going away)."""
        self.vitals_area.stop()
        if self._discharge_panel is not None:
            self._discharge_panel.hide()  # its refresh timer runs only while shown
        self.device_status.stop()

    # ---- slots -----------------------------------------------------------------------------
    def _on_page_tabs_current_changed(self, index: int) -> None:
        if index == 1:
            self.predose_panel  # noqa: B018 - built on first show
        elif index == 2:
            self.discharge_panel  # noqa: B018 - built on first show
        self.pages.setCurrentIndex(index)
        if index == PAGE_FOR_FORM["discharge"]:
            self.bed.discharge.refresh()  # the figures as of now, not of the last timer tick

    def _on_actions_form_requested(self, form: str) -> None:
        self.show_page(PAGE_FOR_FORM[form])

    def _on_session_session_changed(self, record: SessionRecord | None) -> None:
        if record is not None:
            self._show_record(record)

    def _show_record(self, record: SessionRecord) -> None:
        self.header.show_session(record, self.bed.patient)
        readonly = not record.state.is_open
        self._editable = not readonly
        for form in (
            self.vitals_entry,
            self.rating_form,
            self.event_form,
            self._predose_panel,
            self._dose_form,
        ):
            if form is not None:
                form.setEnabled(not readonly)
        if readonly:
            self.closed_note.setText(
                f"{self.bed.label}: this session is closed ({record.state.value}). "
                "Notes added now are refused; corrections go in the review as amendments."
            )
            self.closed_note.show()

    def _on_clock_face_changed(self, face: ClockFace | None) -> None:
        self.header.show_face(face)
