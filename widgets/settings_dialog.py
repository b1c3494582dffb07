"""The admin's settings dialog: one tab per subject, each field checked beside it, saved all or none.

Pages are ``SettingsPage`` widgets (a form of named fields); ``SettingsDialog.add_page`` adds one
more (e.g. an "Interface" page), and its fields are checked and saved with the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.services.clinic_settings import ClinicSettings, check_changes
from console.services.limit_changes import check_limit_changes
from console.services.room_sound import RoomSound
from console.settings import Settings
from widgets.alarm_limits_editor import AlarmLimitsTable
from widgets.forms import CommandRunner, FieldErrors, FieldForm
from widgets.theme import named

Parse = Callable[[str], Any]  # text → value; raises ValueError(message) when it cannot


def whole_number(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError("Enter a whole number.") from None


def percent(text: str) -> float:
    """Read a percentage: 50 (or 50 %) → 0.5."""
    try:
        return round(float(text.strip().removesuffix("%").strip()) / 100, 4)
    except ValueError:
        raise ValueError("Enter a percentage, e.g. 50.") from None


def plain_text(text: str) -> str:
    return text.strip()


class SettingsPage(QWidget):
    """A form of named settings; each field's message shows under it and goes once it is fixed."""

    def __init__(self, intro: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = FieldForm()
        self._parsers: dict[str, Parse] = {}
        self._lists: dict[str, QPlainTextEdit] = {}
        self._list_errors = FieldErrors()
        self.edited: Callable[[], None] = lambda: None  # set by the dialog: re-check live
        self._layout = QVBoxLayout(self)
        if intro:
            note = named(QLabel(intro), "secondary")
            note.setWordWrap(True)
            self._layout.addWidget(note)
        self._layout.addLayout(self.form)
        self._layout.addStretch(1)

    def add_field(self, name: str, title: str, value: str, parse: Parse = plain_text) -> QLineEdit:
        """A one-line field for the setting ``name``, showing ``value``."""
        edit = self.form.add(name, title, QLineEdit(value))
        edit.setObjectName(f"setting-{name}")
        edit.textEdited.connect(lambda _text: self.edited())
        self._parsers[name] = parse
        return edit

    def add_list(self, name: str, title: str, lines: list[str]) -> QPlainTextEdit:
        """A field of one entry per line (a list setting)."""
        edit = QPlainTextEdit("\n".join(lines))
        edit.setObjectName(f"setting-{name}")
        edit.setAccessibleName(title)
        edit.setMaximumHeight(90)
        error = self._list_errors.add(name)
        self._layout.insertWidget(self._layout.count() - 1, named(QLabel(title), "authLabel"))
        self._layout.insertWidget(self._layout.count() - 1, edit)
        self._layout.insertWidget(self._layout.count() - 1, error)
        edit.textChanged.connect(self.edited)
        self._lists[name] = edit
        return edit

    def add_widget(self, widget: QWidget) -> None:
        self._layout.insertWidget(self._layout.count() - 1, widget)

    def names(self) -> set[str]:
        return set(self._parsers) | set(self._lists)

    def values(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The typed value of every field, and the fields that could not be read."""
        found: dict[str, Any] = {}
        bad: dict[str, str] = {}
        for name, parse in self._parsers.items():
            try:
                found[name] = parse(self.form.edits[name].text())
            except ValueError as error:
                bad[name] = str(error)
        for name, edit in self._lists.items():
            found[name] = [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]
        return found, bad

    def show_errors(self, messages: dict[str, str]) -> None:
        self.form.show_errors({k: v for k, v in messages.items() if k in self._parsers})
        self._list_errors.show({k: v for k, v in messages.items() if k in self._lists})

    def message(self, name: str) -> str:
        """The message under ``name`` ("" when none)."""
        if name in self._list_errors:
            return self._list_errors.message(name)
        return self.form.message(name)


class SettingsDialog(QDialog):
    """Clinic, Alarms & gate, Alarm limits, Schedule and Sound; Save checks every page first."""

    def __init__(
        self,
        clinic: ClinicSettings,
        sound: RoomSound,
        actor: Callable[[], int | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Vigil — settings")
        self.setMinimumWidth(640)
        self._clinic = clinic
        self._sound = sound
        self._actor = actor
        self._limits_now = clinic.clinic_limits()  # read once: live checks never wait on the store
        now = clinic.current
        self.tabs = QTabWidget()
        self.pages: dict[str, SettingsPage] = {}
        self._build_pages(now)
        self.status = named(QLabel(""), "actionError")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    # ---- pages ---------------------------------------------------------------------------------
    def add_page(self, title: str, page: SettingsPage | QWidget) -> None:
        """One more tab; a ``SettingsPage``'s fields are checked and saved with the rest."""
        if isinstance(page, SettingsPage):
            self.pages[title] = page
            page.edited = self._recheck
        self.tabs.addTab(page, title.replace("&", "&&"))  # a title's "&" is not a shortcut

    def _build_pages(self, now: Settings) -> None:
        clinic = SettingsPage("Printed on the escort sheet the patient takes home.")
        clinic.add_field("clinic_name", "Clinic name", now.clinic_name)
        clinic.add_field("clinic_phone", "Clinic phone", now.clinic_phone)
        clinic.add_field("after_hours_phone", "After-hours phone", now.after_hours_phone)
        clinic.add_field("crisis_line", "Crisis line", now.crisis_line)
        clinic.add_list("scale_files", "Rating scale files (one per line)", list(now.scale_files))
        self.add_page("Clinic", clinic)
        gate = SettingsPage(
            "Blood pressure before a dose: at the warning level the nurse confirms, at the hold"
            " level dosing waits for an override. Applies to sessions checked in from now on."
        )
        for name, title in (
            ("gate_warn_sys", "Warn at systolic (mmHg)"),
            ("gate_warn_dia", "Warn at diastolic (mmHg)"),
            ("gate_hold_sys", "Hold at systolic (mmHg)"),
            ("gate_hold_dia", "Hold at diastolic (mmHg)"),
        ):
            gate.add_field(name, title, str(getattr(now, name)), whole_number)
        self.add_page("Alarms & gate", gate)
        self.limits = AlarmLimitsTable(self._limits_now)
        self.limits.edited.connect(self._recheck)
        limits_page = SettingsPage(
            "The clinic's alarm limits. A session starts with these; open sessions keep theirs."
            " Leave a field empty for no limit there."
        )
        limits_page.add_widget(self.limits)
        self.add_page("Alarm limits", limits_page)
        schedule = SettingsPage("Applies to sessions checked in from now on.")
        for name, title in (
            ("first_check_min", "First vitals check after the dose (min)"),
            ("check_interval_min", "Then every (min)"),
            ("check_grace_min", "Overdue after a grace of (min)"),
            ("min_monitoring_min", "Minimum monitoring before discharge (min)"),
            ("idle_lock_min", "Lock the screen after idle (min)"),
        ):
            schedule.add_field(name, title, str(getattr(now, name)), whole_number)
        self.add_page("Schedule", schedule)
        sound = SettingsPage()
        sound.add_field(
            "alarm_volume", "Alarm tone volume (%)", f"{now.alarm_volume * 100:g}", percent
        )
        self.sound_state = named(QLabel(self._sound_text()), "secondary")
        self.sound_state.setWordWrap(True)
        self.test_button = named(QPushButton("Test tone"), "secondary")
        self.test_button.clicked.connect(self.test_tone)
        self.test_result = named(QLabel(""), "secondary")
        self.test_result.setWordWrap(True)
        row = QWidget()
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.test_button)
        row_layout.addWidget(self.test_result, 1)
        sound.add_widget(self.sound_state)
        sound.add_widget(row)
        self.add_page("Sound", sound)

    def _sound_text(self) -> str:
        problem = self._sound.problem
        return f"Alarm tones off — {problem}." if problem else "Alarm tones are on."

    # ---- checking and saving -------------------------------------------------------------------
    def changes(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The settings that differ from the current ones, and the fields that cannot be read."""
        now = self._clinic.current
        changed: dict[str, Any] = {}
        bad: dict[str, str] = {}
        for page in self.pages.values():
            values, unreadable = page.values()
            bad.update(unreadable)
            changed.update({k: v for k, v in values.items() if v != getattr(now, k, None)})
        return changed, bad

    def _recheck(self) -> None:
        self.check()

    def check(self) -> bool:
        """Check every page now and show each message under its field; True when all is well."""
        changed, bad = self.changes()
        limit_changes, limit_bad = self.limits.changes()
        errors = check_changes(
            self._clinic.current, {k: v for k, v in changed.items() if k not in bad}
        )
        errors += check_limit_changes(self._limits_now, limit_changes)
        messages = dict(bad)
        for error in errors:
            messages.setdefault(error.field, error.message)
        self._show(messages, limit_bad)
        return not messages and not limit_bad

    def _show(self, messages: dict[str, str], limit_bad: dict[str, str]) -> None:
        for page in self.pages.values():
            page.show_errors({k: v for k, v in messages.items() if k in page.names()})
        self.limits.show_errors({**{k: v for k, v in messages.items() if "." in k}, **limit_bad})
        known = set().union(*(p.names() for p in self.pages.values()))
        stray = [v for k, v in messages.items() if k not in known and "." not in k]
        self.status.setText(" ".join(stray))

    def message(self, name: str) -> str:
        """The message under the field ``name`` ("" when none): settings and limits alike."""
        if "." in name:
            return self.limits.message(name)
        for page in self.pages.values():
            if name in page.names():
                return page.message(name)
        return ""

    def save(self) -> bool:
        """Check everything, then save all of it (audited) or nothing; the dialog closes on success."""
        if not self.check():
            self._show_first_page_with_a_message()
            return False
        changed, _ = self.changes()
        limit_changes, _ = self.limits.changes()
        saving = CommandRunner(self._on_save_invalid, self.status.setText)
        if not saving.attempt(
            lambda: self._clinic.update_all(self._actor(), changed, limit_changes)
        ):
            return False
        self.accept()
        return True

    def _on_save_invalid(self, messages: dict[str, str]) -> None:
        self._show(messages, {})
        self._show_first_page_with_a_message()

    def _show_first_page_with_a_message(self) -> None:
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if isinstance(page, SettingsPage) and any(page.message(n) for n in page.names()):
                self.tabs.setCurrentIndex(index)
                return
            if page is not None and page.isAncestorOf(self.limits) and self.limits.has_messages():
                self.tabs.setCurrentIndex(index)
                return

    def test_tone(self) -> str:
        """Play the tone once, or say why it cannot; returns what is shown."""
        problem = self._sound.test_tone()
        text = f"Cannot play a tone: {problem}." if problem else "A tone was played."
        self.test_result.setText(text)
        self.sound_state.setText(self._sound_text())
        return text
