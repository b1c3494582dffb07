"""Drives the real widgets from JSON lines on standard input (``--script``), for end-to-end tests.

Each input line is a command; each answer is one JSON line on standard output:
``{"cmd": "note", "text": "..."}`` types the note and presses Enter, answering once it is saved;
``{"cmd": "next"}`` takes the next lifecycle step; ``{"cmd": "state"}`` reports the header;
``{"cmd": "sign_in", "user": "...", "password": "..."}`` signs in on the screen that asks.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, Qt
from PySide6.QtTest import QTest

from widgets.main_window import MainWindow


class ScriptDriver(QObject):
    """Reads commands from stdin without blocking the event loop."""

    def __init__(self, window: MainWindow, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._buffer = b""
        self._notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_stdin_ready)
        self._reply({"ready": True})

    def _reply(self, payload: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()

    def _on_stdin_ready(self) -> None:
        chunk = os.read(sys.stdin.fileno(), 65536)
        if not chunk:
            self._notifier.setEnabled(False)
            return
        self._buffer += chunk
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            if line.strip():
                self._run(json.loads(line))

    def _run(self, command: dict[str, Any]) -> None:
        window = self._window
        name = command.get("cmd")
        if name == "note":
            panel = window.observations
            count = panel.log.topLevelItemCount()
            panel.focus_entry()
            panel.note_edit.setText(command["text"])
            QTest.keyClick(panel.note_edit, Qt.Key.Key_Return)
            item = panel.log.topLevelItem(count)
            saved = item is not None
            uid = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
            self._reply(
                {
                    "cmd": "note",
                    "saved": saved,
                    "uid": uid,
                    "pending": window.sessions.pending,
                    "error": panel.error_label.text(),
                }
            )
        elif name == "sign_in":
            # type into whichever screen asks: the sign-in screen, or the lock screen's switch
            if window.gate.currentWidget() is window.login_screen:
                user, password = (
                    window.login_screen.username_edit,
                    window.login_screen.password_edit,
                )
            else:
                user = window.lock_screen.switch_username_edit
                password = window.lock_screen.switch_password_edit
            user.setText(command["user"])
            password.setText(command["password"])
            QTest.keyClick(password, Qt.Key.Key_Return)
            signed = window.acting_staff_id()
            self._reply({"cmd": "sign_in", "staff_id": signed})
        elif name == "next":
            ok = window.actions_panel.advance()
            self._reply({"cmd": "next", "ok": ok, "error": window.actions_panel.message.text()})
        elif name == "state":
            header = window.header
            record = window.sessions.active
            self._reply(
                {
                    "cmd": "state",
                    "session_id": record.id if record else None,
                    "state": record.state.value if record else None,
                    "since_check_in": header.check_in_value.text(),
                    "since_dose": header.dose_value.text(),
                    "minimum": header.minimum_value.text(),
                    "check": header.check_text.text(),
                    "notes": window.observations.log.topLevelItemCount(),
                    "screen": window.screen_name(),
                    "lock_clock": window.lock_screen.dose_value.text(),
                }
            )
        else:
            self._reply({"error": f"unknown command {name!r}"})
