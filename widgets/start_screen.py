"""The start screen: resume an open session, or check a patient in for a new one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.people import (
    DATE_FORMAT,
    PatientDraft,
    parse_date_of_birth,
    parse_weight,
    validate_patient,
)
from console.domain.room import MAX_CHAIRS
from console.domain.sessions import SessionRecord
from console.errors import ValidationFailed
from console.services.people import PeopleService
from console.services.room import Room
from console.services.sessions import SessionService
from widgets.forms import CommandRunner, FieldErrors, field_messages
from widgets.theme import named, placeholder_edit

NEW_PATIENT = -1
CHAIRS_LISTED = MAX_CHAIRS


class StartScreen(QWidget):
    """Lists open sessions to resume and holds the check-in form."""

    # the id of the session the user chose to resume (int)
    resumeRequested = Signal(int)
    # a patient was checked in: the new session's id (int)
    checkedIn = Signal(int)

    def __init__(
        self,
        people: PeopleService,
        sessions: SessionService,
        parent: QWidget | None = None,
        *,
        actor: Callable[[], int | None] | None = None,
        room: Room,
    ) -> None:
        super().__init__(parent)
        self._people = people
        self._sessions = sessions
        self._room = room
        self._open: list[SessionRecord] = []  # the open sessions as last read
        self._patient_names: dict[int, str] = {}
        self._actor = actor  # who checks in (the signed-in user); the therapist when not given

        # ---- resume ----
        resume = named(QFrame(), "panel")
        resume_layout = QVBoxLayout(resume)
        title = named(QLabel("Open sessions"), "panelTitle")
        self.open_list = QListWidget()
        self.open_list.setAlternatingRowColors(True)
        self.open_list.itemActivated.connect(self._on_open_list_activated)
        self.resume_button = QPushButton("Resume session")
        self.resume_button.clicked.connect(self._on_resume_clicked)
        resume_layout.addWidget(title)
        resume_layout.addWidget(self.open_list, 1)
        resume_layout.addWidget(self.resume_button)

        # ---- check-in ----
        form_panel = named(QFrame(), "panel")
        outer = QVBoxLayout(form_panel)
        outer.addWidget(named(QLabel("New session: check in"), "panelTitle"))
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.patient_pick = QComboBox()
        self.patient_pick.currentIndexChanged.connect(self._on_patient_pick_changed)
        self.name_edit = placeholder_edit("name or initials")
        self.chart_edit = placeholder_edit("MRN / chart id")
        # typed text, read by the domain's parsers: no default date, nothing guessed or dropped
        self.dob_edit = placeholder_edit(DATE_FORMAT)
        self.dob_edit.setToolTip(f"Year first: {DATE_FORMAT}, e.g. 1985-03-12")
        self.weight_edit = placeholder_edit("kg, e.g. 72.5")
        self._fields: dict[str, QLineEdit] = {
            "display_name": self.name_edit,
            "chart_id": self.chart_edit,
            "date_of_birth": self.dob_edit,
            "weight_kg": self.weight_edit,
        }
        for key, edit in self._fields.items():
            edit.textEdited.connect(lambda _text, key=key: self._recheck(key))
        self.room_pick = QComboBox()
        self.room_pick.currentIndexChanged.connect(self._on_room_pick_changed)
        self.chair_pick = QComboBox()
        self.therapist_pick = QComboBox()
        self.medical_pick = QComboBox()
        # a message about the whole check-in, or about no field shown here, goes under "session"
        self.field_errors = FieldErrors(("chair", "session"), loose="session")
        for key, edit in self._fields.items():
            self.field_errors.add(key, edit)
        self.errors = self.field_errors.labels
        self._runner = CommandRunner(
            self._show_errors,
            lambda text: self._show_errors({"session": f"Not checked in: {text}"}),
        )
        form.addRow("Patient", self.patient_pick)
        for label, widget, key in (
            ("Name", self.name_edit, "display_name"),
            ("Chart id", self.chart_edit, "chart_id"),
            ("Date of birth", self.dob_edit, "date_of_birth"),
            ("Weight", self.weight_edit, "weight_kg"),
        ):
            form.addRow(label, widget)
            form.addRow("", self.errors[key])
        form.addRow("Room", self.room_pick)
        form.addRow("Chair", self.chair_pick)
        self.chair_pick.activated.connect(lambda _index: self._set_error("chair", ""))
        form.addRow("", self.errors["chair"])
        form.addRow("Therapist", self.therapist_pick)
        form.addRow("Medical staff", self.medical_pick)
        self.check_in_button = QPushButton("Check in  (Ctrl+Enter)")
        self.check_in_button.clicked.connect(self._on_check_in_clicked)
        outer.addLayout(form)
        outer.addWidget(self.errors["session"])
        outer.addWidget(self.check_in_button)
        outer.addStretch(1)

        row = QHBoxLayout(self)
        row.setContentsMargins(24, 24, 24, 24)
        row.setSpacing(24)
        row.addWidget(resume, 1)
        row.addWidget(form_panel, 1)
        self._people.changed.connect(self.reload)

    # ---- data -----------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read patients, staff, rooms and open sessions."""
        patients = self._people.patients()
        names = {p.id: p for p in patients}
        rooms = {r.id: r.name for r in self._people.rooms()}
        self.open_list.clear()
        self._open = self._sessions.open_sessions()
        for record in self._open:
            patient = names.get(record.patient_id)
            local = record.checked_in_at.astimezone().strftime("%H:%M")
            who = f"{patient.display_name} ({patient.chart_id})" if patient else "?"
            chair = f" chair {record.chair}" if record.chair is not None else ""
            item = QListWidgetItem(
                f"{who}  ·  {rooms.get(record.room_id, '?')}{chair}  ·  {record.state.label}"
                f"  ·  in {local}"
            )
            item.setData(Qt.ItemDataRole.UserRole, record.id)
            self.open_list.addItem(item)
        if self.open_list.count():
            self.open_list.setCurrentRow(0)
        self.resume_button.setEnabled(self.open_list.count() > 0)

        self.patient_pick.blockSignals(True)
        self.patient_pick.clear()
        self.patient_pick.addItem("New patient…", NEW_PATIENT)
        for p in patients:
            self.patient_pick.addItem(f"{p.display_name} ({p.chart_id})", p.id)
        self.patient_pick.blockSignals(False)
        self._on_patient_pick_changed()
        self._patient_names = {p.id: p.display_name for p in patients}
        watched = self._room.room_ids
        for combo, items in (
            (self.room_pick, [(r, i) for i, r in rooms.items() if not watched or i in watched]),
            (
                self.therapist_pick,
                [(s.name, s.id) for s in self._people.staff() if s.role == "therapist"],
            ),
            (
                self.medical_pick,
                [(s.name, s.id) for s in self._people.staff() if s.role.is_medical],
            ),
        ):
            combo.clear()
            for text, ident in items:
                combo.addItem(text, ident)
        self._on_room_pick_changed()
        missing = [
            what
            for what, combo in (("rooms", self.room_pick), ("therapists", self.therapist_pick))
            if combo.count() == 0
        ]
        if missing:
            self._show_errors(
                {
                    "session": f"No {' or '.join(missing)} yet. Add them first "
                    "(vigil room add NAME; vigil staff add NAME --role therapist)."
                }
            )

    # ---- slots ----------------------------------------------------------------------------
    def _on_room_pick_changed(self) -> None:
        """List the chairs of the chosen room: who sits where, the first free one chosen."""
        room_id = self.room_pick.currentData()
        taken = {
            r.chair: self._patient_names.get(r.patient_id, "?")
            for r in self._open
            if r.room_id == room_id and r.chair is not None
        }
        self.chair_pick.clear()
        first_free = None
        for chair in range(1, CHAIRS_LISTED + 1):
            who = taken.get(chair)
            self.chair_pick.addItem(f"Chair {chair}" + (f" — {who}" if who else ""), chair)
            if who is None and first_free is None:
                first_free = chair - 1
        self.chair_pick.setCurrentIndex(first_free or 0)

    def _on_patient_pick_changed(self) -> None:
        new = self.patient_pick.currentData() in (NEW_PATIENT, None)
        for key, widget in self._fields.items():
            widget.setEnabled(new)
            if not new:
                self._set_error(key, "")  # an existing patient: these fields are not used

    def _on_open_list_activated(self, item: QListWidgetItem) -> None:
        self.resumeRequested.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _on_resume_clicked(self) -> None:
        item = self.open_list.currentItem()
        if item is not None:
            self._on_open_list_activated(item)

    def _show_errors(self, messages: dict[str, str]) -> None:
        self.field_errors.show(messages)

    def _set_error(self, key: str, text: str) -> None:
        """Show ``text`` beside the field ``key`` (marking the field), or clear it when empty."""
        if self.errors[key].text() != text:
            self.field_errors.set(key, text)

    def _recheck(self, key: str) -> None:
        """After an edit, a field showing a message is checked again: fixed, the message goes."""
        if self.errors[key].text():
            _draft, messages = self._read_patient(date.today())
            self._set_error(key, messages.get(key, ""))

    def _read_patient(self, today: date) -> tuple[PatientDraft, dict[str, str]]:
        """The new patient as typed, and a message for every bad field (empty when valid).

        A date or weight that cannot be read goes into the draft as None, which the domain
        refuses, so such a draft is never stored; its message says what was wrong with the text.
        """
        unreadable: dict[str, str] = {}
        dob: date | None = None
        weight: float | None = None
        try:
            dob = parse_date_of_birth(self.dob_edit.text())
        except ValidationFailed as failed:
            unreadable.update(field_messages(failed))
        try:
            weight = parse_weight(self.weight_edit.text())
        except ValidationFailed as failed:
            unreadable.update(field_messages(failed))
        draft = PatientDraft(
            display_name=self.name_edit.text(),
            chart_id=self.chart_edit.text(),
            date_of_birth=dob,
            weight_kg=weight,
        )
        messages = {e.field: e.message for e in validate_patient(draft, today)}
        return draft, messages | unreadable

    def _taken_chair(self, room_id: object, chair: object) -> str | None:
        """The message for a chair the open sessions (as last read) show as taken, or None."""
        for record in self._open:
            if record.room_id == room_id and record.chair is not None and record.chair == chair:
                who = self._patient_names.get(record.patient_id, "?")
                return f"Chair {chair} is taken: {who} is checked in there."
        return None

    def _on_check_in_clicked(self) -> None:
        self.check_in()

    def check_in(self) -> int | None:
        """Check the patient in from the form; returns the new session's id, or None."""
        room, therapist = self.room_pick.currentData(), self.therapist_pick.currentData()
        missing = []
        if room is None:
            missing.append("a room")
        if therapist is None:
            missing.append("a therapist")
        if missing:
            self._show_errors({"session": f"Choose {' and '.join(missing)} first."})
            return None
        actor = self._actor() if self._actor is not None else None
        if self._actor is not None and actor is None:
            self._show_errors({"session": "Sign in first: a check-in carries your name."})
            return None
        patient_id = self.patient_pick.currentData()
        new = patient_id in (NEW_PATIENT, None)
        # every bad field is named at once, and nothing is stored while any is bad
        messages: dict[str, str] = {}
        draft = None
        if new:
            draft, messages = self._read_patient(date.today())
        taken = self._taken_chair(room, self.chair_pick.currentData())
        if taken is not None:
            messages["chair"] = taken
        if messages:
            self._show_errors(messages)
            return None

        def check_in() -> int:
            """The new session's id."""
            chosen = patient_id
            if draft is not None:
                # the service checks again against its own clock (and the chart id)
                chosen = self._people.register_patient(draft).id
            return self._room.check_in(
                int(chosen),
                int(room),
                self.chair_pick.currentData(),
                int(therapist),
                self.medical_pick.currentData(),
                by_staff_id=actor,
            ).session_id

        session_id = self._runner.run(check_in)
        if session_id is None:
            return None
        self._show_errors({})
        for edit in self._fields.values():
            edit.clear()
        self.reload()
        self.checkedIn.emit(session_id)
        return session_id
