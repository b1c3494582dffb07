"""The lifecycle controls: baseline and recovery steps and abort; dose and discharge open forms."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console.domain.lifecycle import SessionState, allowed_targets
from console.domain.sessions import SessionRecord
from console.services.sessions import SessionService
from widgets.forms import CommandRunner, error_label, show_message
from widgets.theme import named, placeholder_edit

STEP_TEXT = {
    SessionState.BASELINE: "Start baseline",
    SessionState.MONITORING: "Record the dose…",
    SessionState.RECOVERY: "Move to recovery",
    SessionState.DISCHARGED: "Discharge…",
}
# steps that need a form of their own (the dose sets T0; discharge needs its checklist)
FORM_FOR = {SessionState.MONITORING: "dose", SessionState.DISCHARGED: "discharge"}
# the steps that also get a button on the page where they belong (see StepButton)
PAGE_STEP_TEXT = {
    SessionState.BASELINE: "Start the baseline  (Ctrl+Shift+→)",
    SessionState.RECOVERY: "Start recovery  (Ctrl+Shift+→)",
}


class SessionActions(QFrame):
    """Next-step button and abort; refusals appear beside the buttons."""

    # the form a step needs ("dose" or "discharge"), for the window to bring forward
    formRequested = Signal(str)
    # the next lifecycle step changed (SessionState, or None when the session is closed)
    nextChanged = Signal(object)

    def __init__(
        self,
        sessions: SessionService,
        actor: Callable[[], int | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self._sessions = sessions
        self._actor = actor
        self._next: SessionState | None = None
        self.title = named(QLabel("Session"), "panelTitle")
        self.next_button = QPushButton("")
        self.next_button.clicked.connect(self._on_next_clicked)
        self.abort_reason = placeholder_edit("reason for aborting")
        self.abort_button = named(QPushButton("Abort session"), "danger")
        self.abort_button.clicked.connect(self._on_abort_clicked)
        self.message = error_label("actionError")
        # a step has no fields: every refusal shows beside the buttons
        self._runner = CommandRunner(self._on_invalid, self.message)

        abort = QHBoxLayout()
        abort.addWidget(self.abort_reason, 1)
        abort.addWidget(self.abort_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.next_button)
        layout.addLayout(abort)
        layout.addWidget(self.message)
        layout.addStretch(1)
        sessions.sessionChanged.connect(self._on_sessions_session_changed)
        if sessions.active is not None:  # a bed's view shows its session from the start
            self._on_sessions_session_changed(sessions.active)

    def _say(self, text: str) -> None:
        show_message(self.message, text)

    def _on_invalid(self, messages: dict[str, str]) -> None:
        self._say(" ".join(messages.values()))

    def _on_sessions_session_changed(self, record: SessionRecord | None) -> None:
        targets = allowed_targets(record.state) if record is not None else []
        self._next = targets[0] if targets else None
        self.next_button.setVisible(self._next is not None)
        self.next_button.setText(STEP_TEXT[self._next] if self._next else "")
        self.abort_reason.setVisible(bool(targets))
        self.abort_button.setVisible(bool(targets))
        closed = record is not None and not record.state.is_open
        self.title.setText("Session closed — read-only" if closed else "Session")
        self._say("")
        self.nextChanged.emit(self._next)

    @property
    def next_step(self) -> SessionState | None:
        """The state the next step leads to (None: the session is closed)."""
        return self._next

    def advance(self) -> bool:
        """Take the next lifecycle step (or open its form); returns whether the state changed."""
        if self._next is None:
            return False
        if self._next in FORM_FOR:
            self.formRequested.emit(FORM_FOR[self._next])
            return False
        actor = self._actor()
        if actor is None:
            self._say("Choose who is acting (Acting as, in the status bar).")
            return False
        step = self._next
        return self._runner.attempt(lambda: self._sessions.transition(step, actor))

    def _on_next_clicked(self) -> None:
        self.advance()

    def _on_abort_clicked(self) -> None:
        actor = self._actor()
        if actor is None:
            self._say("Choose who is acting (Acting as, in the status bar).")
            return
        if self._runner.attempt(
            lambda: self._sessions.transition(
                SessionState.ABORTED, actor, reason=self.abort_reason.text()
            )
        ):
            self.abort_reason.clear()


class StepButton(QWidget):
    """One lifecycle step's button on the page where it belongs (the baseline on the pre-dose
    page, recovery on the monitoring page); shown only while that step is the next one.

    It takes the step through ``SessionActions.advance`` (the same checks and refusals as the
    "Session steps" tab and Ctrl+Shift+→); a refusal shows beside the button.
    """

    def __init__(
        self, actions: SessionActions, step: SessionState, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._actions = actions
        self._step = step
        self.button = QPushButton(PAGE_STEP_TEXT[step])
        self.button.clicked.connect(self._on_button_clicked)
        self.message = error_label("actionError")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 6)
        layout.addWidget(self.message, 1)
        # the button keeps its own width, at the right: not a full-width bar to brush against
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignRight)
        actions.nextChanged.connect(self._on_actions_next_changed)
        self._on_actions_next_changed(actions.next_step)

    def _on_actions_next_changed(self, step: SessionState | None) -> None:
        self.setHidden(step is not self._step)
        self.message.hide()

    def _on_button_clicked(self) -> None:
        if self._actions.advance():
            return
        show_message(self.message, self._actions.message.text())
