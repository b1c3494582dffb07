"""What the discharge panel's sections share: the service, the acting person, the messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QLabel, QWidget

from console.errors import FieldError, ValidationFailed
from console.services.discharge import DischargeService, DischargeState, Mark
from console.services.people import PeopleService
from widgets.forms import CommandRunner, FieldErrors, field_messages
from widgets.theme import named

ACTION = "action"  # error key for messages about an answer or a button, not one field
SIGN = "sign"
PRINT = "print"
NO_ACTOR = "Choose who is acting (Acting as, in the status bar)."


def hhmm(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M")


def qdatetime(when: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(when.timestamp()))


def subtitle(text: str) -> QLabel:
    return named(QLabel(text), "panelTitle")


def wrapped(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class PanelCore:
    """The discharge service and who acts, the message under each field (one ``FieldErrors``
    for the whole panel), the inputs disabled once signed, and the staff names.

    ``render`` redraws the whole panel from a state (the panel sets it).
    """

    def __init__(
        self,
        service: DischargeService,
        people: PeopleService,
        actor: Callable[[], int | None],
    ) -> None:
        self.service = service
        self.people = people
        self.actor = actor
        self.errors = FieldErrors(loose=ACTION)
        self.inputs: list[QWidget] = []
        self.names: dict[int, str] = {}
        self.state: DischargeState | None = None
        self.render: Callable[[DischargeState | None], None] = lambda _state: None

    # ---- building ----------------------------------------------------------------------------
    def error(self, key: str, field: QWidget | None = None) -> QLabel:
        """The message label under ``key``; ``field`` is marked invalid while it shows one."""
        return self.errors.add(key, field)

    def input(self, widget: QWidget) -> QWidget:
        """A widget that can change the record: disabled once the discharge is signed."""
        self.inputs.append(widget)
        return widget

    # ---- names -------------------------------------------------------------------------------
    def name(self, staff_id: int) -> str:
        return self.names.get(staff_id, f"staff #{staff_id}")

    def by(self, mark: Mark | None, verb: str = "") -> str:
        if mark is None:
            return ""
        prefix = f"{verb} by" if verb else "by"
        return f"{prefix} {self.name(mark.by_id)} at {hhmm(mark.at)}"

    # ---- messages ----------------------------------------------------------------------------
    def show(self, key: str, text: str) -> None:
        self.errors.set(key, text)

    def clear_error(self, key: str) -> None:
        if self.errors[key].text():
            self.show(key, "")

    def show_failed(self, errors: list[FieldError], fallback: str) -> None:
        """Each message beside its field; one for no field of the panel under ``fallback``."""
        for field, message in field_messages(ValidationFailed(errors)).items():
            key = field if field in self.errors else fallback
            current = self.errors[key].text() if key == fallback else ""
            self.show(key, f"{current} {message}".strip())

    def acting(self) -> int | None:
        actor = self.actor()
        self.show(ACTION, NO_ACTOR if actor is None else "")
        return actor

    def attempt(self, key: str, action: Callable[[], object]) -> bool:
        """Run a service command; expected errors go beside their field (or under ``key``)."""
        self.show(key, "")
        runner = CommandRunner(
            lambda messages: self.show_failed(
                [FieldError(field, text) for field, text in messages.items()], key
            ),
            lambda text: self.show(key, text),
        )
        return runner.attempt(action)

    def rerender(self) -> None:
        """Redraw from the service's state (undo a tick or a choice that did not go through)."""
        self.render(self.service.state())

    def time_today(self, text: str, key: str) -> tuple[bool, datetime | None]:
        """(ok, time): a typed HH:MM as an aware time today, None for blank (now)."""
        text = text.strip()
        if not text or self.state is None:
            return True, None
        try:
            parsed = time.fromisoformat(text if len(text) > 2 else f"{text}:00")
        except ValueError:
            self.show(key, f"Type the time as HH:MM, not “{text}”.")
            return False, None
        today: date = self.state.now.astimezone().date()
        return True, datetime.combine(today, parsed).astimezone()
