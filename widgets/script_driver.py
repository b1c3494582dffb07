"""Drives the real widgets from JSON lines on standard input (``--script``), for end-to-end tests.

Each input line is a command; each answer is one JSON line on standard output:
``{"cmd": "note", "text": "..."}`` types the note and presses Enter, answering once it is saved;
``{"cmd": "next"}`` takes the next lifecycle step; ``{"cmd": "state"}`` reports the header;
``{"cmd": "sign_in", "user": "...", "password": "..."}`` signs in on the screen that asks;
``{"cmd": "beds"}`` lists the open beds with their monitors; ``{"cmd": "show", "bed": ID}`` shows a
bed; ``{"cmd": "connect", "bed": ID, "protocol": P, "port": PATH}`` binds a monitor to a bed;
``{"cmd": "limits", "bed": ID, "set": {"hr.medium_upper": "130"}}`` types the patient's own limits
into the limits dialog and saves (without ``set``: reports the bed's limits only).
Commands about one bed take ``"bed": ID`` (the session id); without it, the bed on screen.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, Qt
from PySide6.QtTest import QTest

from widgets.bed_view import BedView
from widgets.main_window import MainWindow


class ScriptDriver(QObject):
    """Reads commands from stdin without blocking the event loop."""

    def __init__(
        self,
        window: MainWindow,
        parent: QObject | None = None,
        *,
        when_durable: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._when_durable = when_durable  # answers wait until what was written is durable
        self._buffer = b""
        self._notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_stdin_ready)
        self._reply({"ready": True})

    def _reply(self, payload: dict[str, Any]) -> None:
        line = json.dumps(payload) + "\n"

        def answer() -> None:  # on the writer's thread when it waited: stdout only
            sys.stdout.write(line)
            sys.stdout.flush()

        if self._when_durable is None:
            answer()
        else:
            self._when_durable(answer)

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

    def _view(self, command: dict[str, Any]) -> BedView | None:
        window = self._window
        if "bed" in command:
            window.show_bed(int(command["bed"]))
        return window.bed_view

    def _run(self, command: dict[str, Any]) -> None:
        window = self._window
        name = command.get("cmd")
        if name in ("note", "next", "state", "show"):
            view = self._view(command)
            if view is None and name != "state":
                self._reply({"cmd": name, "error": "no bed on screen"})
                return
        if name == "show":
            self._reply({"cmd": "show", "ok": view is not None})
        elif name == "beds":
            room, devices = window.room, window.devices
            self._reply(
                {
                    "cmd": "beds",
                    "beds": [
                        {
                            "session_id": bed.session_id,
                            "label": bed.label,
                            "state": bed.record.state.value,
                            "ports": devices.ports_of(bed.session_id),
                        }
                        for bed in room.beds()
                    ],
                }
            )
        elif name == "connect":
            from console.errors import VigilError
            from console.services.devices import DeviceSpec

            try:
                window.devices.connect_device(
                    DeviceSpec(command["protocol"], command["port"]),
                    int(command["bed"]),
                    window.acting_staff_id(),
                )
                self._reply({"cmd": "connect", "ok": True})
            except VigilError as error:
                self._reply({"cmd": "connect", "ok": False, "error": str(error)})
        elif name == "limits":
            self._limits(command)
        elif name == "note":
            assert view is not None
            panel = view.observations
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
            assert view is not None
            ok = view.actions_panel.advance()
            self._reply({"cmd": "next", "ok": ok, "error": view.actions_panel.message.text()})
        elif name == "state":
            if view is None:
                self._reply(
                    {
                        "cmd": "state",
                        "session_id": None,
                        "state": None,
                        "screen": window.screen_name(),
                        "banner": "" if window.banner.isHidden() else window.banner.text(),
                    }
                )
                return
            header = view.header
            record = view.bed.record
            self._reply(
                {
                    "cmd": "state",
                    "session_id": record.id if record else None,
                    "state": record.state.value if record else None,
                    "since_check_in": header.check_in_value.text(),
                    "since_dose": header.dose_value.text(),
                    "minimum": header.minimum_value.text(),
                    "check": header.check_text.text(),
                    "notes": view.observations.log.topLevelItemCount(),
                    "screen": window.screen_name(),
                    "lock_clock": window.lock_screen.dose_value.text(),
                    "banner": "" if window.banner.isHidden() else window.banner.text(),
                }
            )
        else:
            self._reply({"error": f"unknown command {name!r}"})

    def _limits(self, command: dict[str, Any]) -> None:
        """Type limits into the bed's limits dialog and save; answer with the limits in force."""
        from console.domain.alarms import Bound
        from widgets.alarm_limits_editor import PatientLimitsDialog

        view = self._view(command)
        if view is None:
            self._reply({"cmd": "limits", "error": "no bed on screen"})
            return
        saved, error = True, ""
        if command.get("set"):
            dialog = self._window.open_patient_limits()
            assert isinstance(dialog, PatientLimitsDialog)
            for name, text in command["set"].items():
                dialog.table.edits[name].setText(str(text))
            saved = dialog.save()
            error = dialog.status.text() or "; ".join(
                dialog.table.message(n) for n in dialog.table.edits if dialog.table.message(n)
            )
            if not saved:
                dialog.reject()
        shown = {
            f"{parameter.value}.{bound.value}": value
            for parameter, limit in view.bed.alarms.limits.limits.items()
            for bound in Bound
            if (value := limit.get(bound)) is not None
        }
        self._reply({"cmd": "limits", "saved": saved, "error": error, "limits": shown})
