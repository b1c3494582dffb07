"""On a full disk the tiles and the observation log mark what is not stored yet, until it is."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from console.domain.vitals import Parameter
from console.store.database import Store
from devices.base import Reading
from tests.app.test_full_disk import fill, small_disk  # noqa: F401  (a real 2 MB tmpfs)
from tests.conftest import Clinic
from tests.widgets.conftest import App, give_accounts, open_console
from widgets.observation_panel import NOT_STORED as NOTE_NOT_STORED
from widgets.vitals.tiles import NOT_STORED as TILE_NOT_STORED


def wait_until(qtbot, condition, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        qtbot.wait(50)


def read(app: App, value: float) -> None:
    """One heart rate from a monitor, saved in its own batch a second after the last."""
    app.clock.advance(timedelta(seconds=1))
    app.vitals.ingest("ivy", [Reading(Parameter.HR, value, "bpm")], app.clock.now(), "pty")
    app.vitals.flush()


def write_note(qtbot, app: App, text: str) -> str:
    """Type a note in the observation panel and press Enter; returns its uid."""
    panel = app.view.observations
    panel.note_edit.setText(text)
    qtbot.keyClick(panel.note_edit, Qt.Key.Key_Return)
    assert panel.error_label.isHidden(), panel.error_label.text()
    return app.sessions.observations()[-1].uid


@pytest.mark.slow
def test_a_full_disk_marks_the_tile_and_the_note_not_stored_yet_until_space_is_freed(
    qtbot,
    small_disk: Path,  # noqa: F811
    clock,
) -> None:
    store = Store.open(f"sqlite:///{small_disk / 'vigil.sqlite3'}")
    clinic = Clinic(store, clock)
    session_id = clinic.check_in(clock.now())
    give_accounts(clinic)
    with open_console(
        qtbot, store, clock, small_disk, "therapist", before_window=lambda s: s.writer.start()
    ) as app:
        app.view.show_page(0)  # monitoring: the tiles and the observation log on screen
        panel, tiles, writer = (
            app.view.observations,
            app.view.vitals_area.tiles,
            app.services.writer,
        )
        read(app, 60.0)
        stored_uid = write_note(qtbot, app, "settled before the disk filled")
        assert writer.drain(10)
        qtbot.wait(100)  # the writer's news reaches the GUI thread (queued)
        assert tiles.tile_text(Parameter.HR) == "60"
        assert tiles.not_stored_text(Parameter.HR) == ""
        assert panel.not_stored_text(stored_uid) == ""

        filler = fill(small_disk)
        # the database may still find room for a few entries; once one is held in memory,
        # every later one waits behind it (the order is kept)
        value = 60.0
        while app.vitals.unstored_count == 0:
            assert value < 120, "no reading was ever held in memory"
            value += 1
            read(app, value)
            assert writer.drain(10)
            qtbot.wait(50)
        held_uid = write_note(qtbot, app, "breathing slowly, eyes closed")
        wait_until(qtbot, lambda: panel.not_stored_text(held_uid) == NOTE_NOT_STORED)
        assert tiles.tile_text(Parameter.HR) == f"{value:.0f}"
        assert tiles.not_stored_text(Parameter.HR) == TILE_NOT_STORED
        assert tiles.tile(Parameter.HR).not_stored.isVisible()
        assert panel.not_stored_text(stored_uid) == ""  # the stored note has no mark
        held_row = panel.log.topLevelItem(panel.log.topLevelItemCount() - 1)
        assert held_row is not None and NOTE_NOT_STORED in held_row.text(1)
        assert "disk is full" in held_row.toolTip(1)
        assert tiles.not_stored_text(Parameter.SPO2) == ""  # no value there: no mark

        filler.unlink()  # space is freed: the writer retries by itself and the marks go
        wait_until(qtbot, lambda: tiles.not_stored_text(Parameter.HR) == "")
        wait_until(qtbot, lambda: panel.not_stored_text(held_uid) == "")
        assert not tiles.tile(Parameter.HR).not_stored.isVisible()
        assert NOTE_NOT_STORED not in held_row.text(1) and held_row.toolTip(1) == ""
        assert app.vitals.unstored_count == 0
        # what went to the spool meanwhile is on disk, unmarked; the writer empties it soon
        wait_until(qtbot, lambda: app.services.writer.pending == 0)
    notes = [o.text for o in clinic.sessions.observations(session_id)]
    assert notes == ["settled before the disk filled", "breathing slowly, eyes closed"]
    assert [p.value for p in clinic.vitals.history(session_id)][-1] == value
    store.close()
