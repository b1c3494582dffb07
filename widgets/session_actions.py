"""The lifecycle controls: move the session on (baseline, dose, recovery, discharge) or abort it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.clock import Clock
from console.domain.lifecycle import SessionState, allowed_targets
from console.domain.sessions import SessionRecord
from console.errors import IllegalTransition, StoreUnavailable
from console.services.sessions import SessionService
from widgets.theme import named, placeholder_edit

STEP_TEXT = {
    SessionState.BASELINE: "Start baseline",
    SessionState.MONITORING: "Record dose given → T0",
    SessionState.RECOVERY: "Move to recovery",
    SessionState.DISCHARGED: "Discharge patient",
}


class SessionActions(QFrame):
    """Next-step button, dose time, abort with a reason; refusals appear beside the buttons."""

    def __init__(
        self,
        sessions: SessionService,
        clock: Clock,
        actor: Callable[[], int | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._sessions = sessions
        self._clock = clock
        self._actor = actor
        self._next: SessionState | None = None
        self.title = named(QLabel("Session"), "panelTitle")
        self.next_button = QPushButton("")
        self.next_button.clicked.connect(self._on_next_clicked)
        self.dose_time = QDateTimeEdit()
        self.dose_time.setDisplayFormat("HH:mm")
        self._dose_default = 0  # seconds shown when the step appeared; untouched means "given now"
        self.dose_label = QLabel("Dose given at")
        self.abort_reason = placeholder_edit("reason for aborting")
        self.abort_button = named(QPushButton("Abort session"), "danger")
        self.abort_button.clicked.connect(self._on_abort_clicked)
        self.message = named(QLabel(""), "actionError")
        self.message.setWordWrap(True)
        self.message.hide()

        step = QHBoxLayout()
        step.addWidget(self.dose_label)
        step.addWidget(self.dose_time)
        step.addWidget(self.next_button, 1)
        abort = QHBoxLayout()
        abort.addWidget(self.abort_reason, 1)
        abort.addWidget(self.abort_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(step)
        layout.addLayout(abort)
        layout.addWidget(self.message)
        layout.addStretch(1)
        sessions.sessionChanged.connect(self._on_sessions_session_changed)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _on_sessions_session_changed(self, record: SessionRecord | None) -> None:
        targets = allowed_targets(record.state) if record is not None else []
        self._next = targets[0] if targets else None
        is_dose = self._next == SessionState.MONITORING
        self.dose_label.setVisible(is_dose)
        self.dose_time.setVisible(is_dose)
        if is_dose:
            self._dose_default = int(self._clock.now().timestamp())
            self.dose_time.setDateTime(QDateTime.fromSecsSinceEpoch(self._dose_default))
        self.next_button.setVisible(self._next is not None)
        self.next_button.setText(STEP_TEXT[self._next] if self._next else "")
        self.abort_reason.setVisible(bool(targets))
        self.abort_button.setVisible(bool(targets))
        closed = record is not None and not record.state.is_open
        self.title.setText("Session closed — read-only" if closed else "Session")
        self._say("")

    def advance(self) -> bool:
        """Take the next lifecycle step; returns whether it happened."""
        if self._next is None:
            return False
        actor = self._actor()
        if actor is None:
            self._say("Choose who is acting (Acting as, in the status bar).")
            return False
        t0: datetime | None = None
        if self._next == SessionState.MONITORING:
            shown = self.dose_time.dateTime().toSecsSinceEpoch()
            if abs(shown - self._dose_default) >= 60:  # the user set the time the dose was given
                t0 = datetime.fromtimestamp(shown, UTC)
        try:
            self._sessions.transition(self._next, actor, t0=t0)
        except (IllegalTransition, StoreUnavailable) as error:
            self._say(str(error))
            return False
        return True

    def _on_next_clicked(self) -> None:
        self.advance()

    def _on_abort_clicked(self) -> None:
        actor = self._actor()
        if actor is None:
            self._say("Choose who is acting (Acting as, in the status bar).")
            return
        try:
            self._sessions.transition(SessionState.ABORTED, actor, reason=self.abort_reason.text())
        except (IllegalTransition, StoreUnavailable) as error:
            self._say(str(error))
            return
        self.abort_reason.clear()
