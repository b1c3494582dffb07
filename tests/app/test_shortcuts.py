"""Keys land where the user looks: every shortcut pressed through the real window on every page.

Keys are typed into whatever widget has the focus (QApplication.focusWidget()), as a person's
keyboard would, and the README's keyboard table is checked against the window's actions.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from console.domain.lifecycle import SessionState
from console.domain.vitals import MANUAL_FIELDS
from tests.widgets.conftest import PASSWORD, App, give_accounts, open_console
from widgets.shortcuts_help import ShortcutsHelp

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
PAGES = (Qt.Key.Key_F5, Qt.Key.Key_F6, Qt.Key.Key_F7)
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def app(qtbot, sqlite_clinic, sqlite_store, clock, tmp_path) -> Iterator[App]:
    """The real window, unmaximised, the therapist signed in."""
    give_accounts(sqlite_clinic)
    with open_console(
        qtbot, sqlite_store, clock, tmp_path, "therapist", size=(1400, 900)
    ) as running:
        window = running.window
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        yield running


def advance_stored(c, session_id: int, clock, *steps: SessionState) -> None:
    """Move a stored session on (before its bed opens), dosed three hours ago."""
    states = [SessionState.CHECKED_IN, *steps]
    for before, after in pairwise(states):
        c.sessions.apply_transition(
            uid=str(uuid.uuid4()),
            session_id=session_id,
            from_state=before,
            to_state=after,
            at=clock.now() - timedelta(hours=3),
            by_staff_id=c.nurse.id,
            t0=clock.now() - timedelta(hours=3) if after is SessionState.MONITORING else None,
        )


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def press(qtbot, key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed where the cursor is (the window when nothing in it has the focus)."""
    target = QApplication.focusWidget() or QApplication.activeWindow()
    qtbot.keyClick(target, key, modifiers)


def type_here(qtbot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def open_bed(qtbot, app: App, sqlite_clinic, *steps: SessionState) -> int:
    session_id = sqlite_clinic.check_in(app.clock.now() - timedelta(hours=3, minutes=20))
    advance_stored(sqlite_clinic, session_id, app.clock, *steps)
    app.open(session_id)
    return session_id


def test_ctrl_m_and_ctrl_n_from_every_page_type_into_the_visible_field(qtbot, app, sqlite_clinic):
    open_bed(qtbot, app, sqlite_clinic, SessionState.BASELINE)
    view = app.view
    hr = view.vitals_entry.fields[MANUAL_FIELDS[0]]
    note = view.observations.note_edit
    for page_key in PAGES:
        press(qtbot, page_key)
        press(qtbot, Qt.Key.Key_M, CTRL)
        assert view.pages.currentIndex() == 0 and view.page_tabs.currentIndex() == 0
        assert view.tools.currentWidget() is view.vitals_entry
        assert focused() is hr and hr.isVisible()
        type_here(qtbot, "80")
        assert hr.text() == "80"  # every digit arrived in the visible field
        hr.clear()

        press(qtbot, page_key)
        press(qtbot, Qt.Key.Key_N, CTRL)
        assert view.pages.currentIndex() == 0
        assert focused() is note and note.isVisible()
        type_here(qtbot, "Calm")
        assert note.text() == "Calm"
        note.clear()
        press(qtbot, page_key)
        press(qtbot, Qt.Key.Key_F2)
        assert focused() is note and note.isVisible()


def test_ctrl_r_puts_the_cursor_in_the_value_from_every_page(qtbot, app, sqlite_clinic):
    open_bed(qtbot, app, sqlite_clinic, SessionState.BASELINE)
    view = app.view
    value = view.rating_form.value
    for page_key in PAGES:
        press(qtbot, page_key)
        press(qtbot, Qt.Key.Key_R, CTRL)
        assert view.pages.currentIndex() == 0
        assert view.tools.currentWidget() is view.rating_form
        assert focused() is value and value.isVisible()
        type_here(qtbot, "4")
        assert value.text() == "4"  # the first digit is not lost
        value.clear()


def test_the_page_keys_bring_their_page_forward(qtbot, app, sqlite_clinic):
    open_bed(qtbot, app, sqlite_clinic)
    view = app.view
    for index, page_key in reversed(list(enumerate(PAGES))):
        press(qtbot, page_key)
        assert view.pages.currentIndex() == index and view.page_tabs.currentIndex() == index
        assert view.pages.currentWidget().isVisible()


def test_ctrl_shift_right_steps_the_session_even_from_a_text_field(qtbot, app, sqlite_clinic):
    open_bed(qtbot, app, sqlite_clinic)
    view = app.view
    press(qtbot, Qt.Key.Key_F6)  # the pre-dose page: a field of its own has the cursor
    field = next(e for e in view.predose_panel.findChildren(QLineEdit) if e.isVisible())
    field.setFocus()
    field.setText("two words")
    field.setCursorPosition(0)
    assert focused() is field
    press(qtbot, Qt.Key.Key_Right, CTRL | SHIFT)
    assert app.sessions.active.state is SessionState.BASELINE
    assert field.selectedText() == ""  # the key stepped the session, it selected no word

    # the same from the note field on the monitoring page: the baseline's next step is the dose
    view.observations.note_edit.setText("settled now")
    press(qtbot, Qt.Key.Key_N, CTRL)
    view.observations.note_edit.setCursorPosition(0)
    press(qtbot, Qt.Key.Key_Right, CTRL | SHIFT)
    # the dose needs its form (it sets T0): the dose page comes forward, no word is selected
    assert app.sessions.active.state is SessionState.BASELINE
    assert view.pages.currentIndex() == 1


def test_ctrl_shift_right_moves_a_monitored_session_to_recovery_from_the_note(
    qtbot, app, sqlite_clinic
):
    open_bed(qtbot, app, sqlite_clinic, SessionState.BASELINE, SessionState.MONITORING)
    view = app.view
    note = view.observations.note_edit
    press(qtbot, Qt.Key.Key_N, CTRL)
    type_here(qtbot, "eyes open")
    note.setCursorPosition(0)
    press(qtbot, Qt.Key.Key_Right, CTRL | SHIFT)
    assert app.sessions.active.state is SessionState.RECOVERY
    assert note.selectedText() == "" and note.text() == "eyes open"


def test_the_lifecycle_steps_have_buttons_on_their_pages(qtbot, app, sqlite_clinic):
    open_bed(qtbot, app, sqlite_clinic)
    view = app.view
    assert view.pages.currentIndex() == 1  # a checked-in session opens on the pre-dose page
    baseline = view.baseline_step
    assert baseline.isVisible() and baseline.button.text().startswith("Start the baseline")
    assert not view.recovery_step.isVisible()
    qtbot.mouseClick(baseline.button, Qt.MouseButton.LeftButton)
    assert app.sessions.active.state is SessionState.BASELINE
    assert baseline.isHidden()


def test_start_recovery_is_on_the_monitoring_page(qtbot, app, sqlite_clinic):
    open_bed(qtbot, app, sqlite_clinic, SessionState.BASELINE, SessionState.MONITORING)
    view = app.view
    press(qtbot, Qt.Key.Key_F5)
    recovery = view.recovery_step
    assert recovery.isVisible() and recovery.button.text().startswith("Start recovery")
    qtbot.mouseClick(recovery.button, Qt.MouseButton.LeftButton)
    assert app.sessions.active.state is SessionState.RECOVERY
    assert recovery.isHidden()


def test_ctrl_shift_l_asks_for_the_next_user_name_never_a_password(qtbot, app, sqlite_clinic):
    open_bed(qtbot, app, sqlite_clinic)
    press(qtbot, Qt.Key.Key_N, CTRL)
    press(qtbot, Qt.Key.Key_L, CTRL | SHIFT)
    lock = app.window.lock_screen
    assert app.window.screen_name() == "locked"
    assert focused() is lock.switch_username_edit
    type_here(qtbot, "nurse")
    assert lock.switch_username_edit.text() == "nurse"
    assert lock.password_edit.text() == "" and lock.switch_password_edit.text() == ""
    press(qtbot, Qt.Key.Key_Return)  # on to the password
    type_here(qtbot, PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    assert app.services.accounts.current.id == sqlite_clinic.nurse.id
    assert app.window.screen_name() == "console"


def test_ctrl_l_locks_with_the_cursor_in_the_password(qtbot, app, sqlite_clinic):
    open_bed(qtbot, app, sqlite_clinic)
    press(qtbot, Qt.Key.Key_L, CTRL)
    assert app.window.screen_name() == "locked"
    assert focused() is app.window.lock_screen.password_edit


def shortcut_dialog(app: App) -> ShortcutsHelp:
    dialogs = [d for d in app.window.findChildren(ShortcutsHelp) if d.isVisible()]
    assert len(dialogs) == 1, "F1 shows one list"
    return dialogs[0]


def test_f1_lists_every_shortcut_of_the_window_on_every_screen(qtbot, app, sqlite_clinic):
    open_bed(qtbot, app, sqlite_clinic)
    window = app.window
    keyed = [a for a in window.findChildren(QAction) if not a.shortcut().isEmpty()]
    for show in (window.show_start, window.show_overview, lambda: press(qtbot, Qt.Key.Key_F7)):
        show()
        press(qtbot, Qt.Key.Key_F1)
        dialog = shortcut_dialog(app)
        shown = dict(dialog.rows())
        for action in keyed:
            keys = " or ".join(
                k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()
            )
            assert keys in shown, f"{action.text()} missing from the F1 list"
        assert shown["Ctrl+M"] == "Enter vitals by hand"
        assert shown["F5"] == "Monitoring"
        assert shown["Ctrl+Shift+A"] == "Acknowledge alarms"
        assert shown["Esc"] == "Room overview"
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert not dialog.isVisible()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)


# ---- the README's keyboard table ----------------------------------------------------------------
def readme_keyboard_table() -> list[tuple[list[str], str]]:
    """(keys as QKeySequence text, what the row says) for each row of "### Keyboard"."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Keyboard", 1)[1].split("\n#", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("keys", "---") or set(cells[0]) <= {"-"}:
            continue
        rows.append((cells[0], cells[1]))
    assert rows, "the README has no keyboard table"
    return [(keys, what) for keys, what in rows]  # type: ignore[misc]


def key_text(written: str) -> str:
    written = written.replace("→", "Right").replace("←", "Left").replace("Enter", "Return")
    return QKeySequence(written).toString()


def expand(keys: str) -> list[list[str]]:
    """ "Ctrl+N or F2" → [[Ctrl+N, F2]]; "F5 / F6" → [[F5], [F6]]; "Alt+1 … Alt+3" → 3 groups."""
    ranged = re.fullmatch(r"(\w+\+)(\d) … \1(\d)", keys)
    if ranged:
        prefix, first, last = ranged.group(1), int(ranged.group(2)), int(ranged.group(3))
        return [[key_text(f"{prefix}{n}")] for n in range(first, last + 1)]
    return [[key_text(k) for k in part.split(" or ")] for part in keys.split(" / ")]


def plain(text: str) -> str:
    text = re.sub(r"\([^)]*\)", "", text.lower()).replace("…", "")
    return re.sub(r"\s+", " ", re.sub(r"\d+", "N", text)).strip()


def test_the_readme_keyboard_table_matches_the_window(app):
    window = app.window
    defined: dict[str, str] = {}
    for row in window.keyboard_shortcuts():
        for key in row.keys:
            defined.setdefault(key, row.text)
    documented: set[str] = set()
    for keys, what in readme_keyboard_table():
        groups = expand(keys)
        parts = what.split(" / ") if len(groups) > 1 and " / " in what else [what] * len(groups)
        assert len(parts) == len(groups), f"README row {keys!r}: keys and meanings differ"
        for group, meaning in zip(groups, parts, strict=True):
            for key in group:
                documented.add(key)
                assert key in defined, f"README documents {key}, the window has no such key"
                assert plain(defined[key]) in plain(meaning), (
                    f"README says {key} does {meaning!r}, the window's action is {defined[key]!r}"
                )
    keyed = [a for a in window.findChildren(QAction) if not a.shortcut().isEmpty()]
    assert keyed
    for action in keyed:
        for keys in action.shortcuts():
            assert keys.toString() in documented, (
                f"{keys.toString()} ({action.text()}) undocumented"
            )
    assert set(defined) <= documented, f"undocumented: {sorted(set(defined) - documented)}"
