"""Renders the console's screens offscreen to PNG files in docs/ (run: make screenshots)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from console.clock import SystemClock  # noqa: E402
from console.demo import DEMO_PASSWORD, DEMO_SIGN_IN, seed_demo  # noqa: E402
from console.domain.sessions import ObservationCategory  # noqa: E402
from console.domain.vitals import Parameter  # noqa: E402
from console.reports.escort_sheet import ClinicContact  # noqa: E402
from console.services.devices import DeviceSpec  # noqa: E402
from console.settings import Settings  # noqa: E402
from console.store.account_repository import AccountRepository  # noqa: E402
from console.store.database import Store  # noqa: E402
from console.store.repositories import PeopleRepository, SessionRepository  # noqa: E402
from console.store.vitals_repository import VitalsRepository  # noqa: E402
from console.store.workflow_repository import WorkflowRepository  # noqa: E402
from devices.base import Reading  # noqa: E402
from devices.simulator_process import start_simulator  # noqa: E402
from main import build_services  # noqa: E402
from widgets.main_window import MainWindow  # noqa: E402
from widgets.theme import apply_theme  # noqa: E402

SIZE = (1366, 820)


def settle(app: QApplication, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.05)


def shoot(app: QApplication, widget: QWidget, name: str, themes: tuple[str, ...]) -> None:
    for theme in themes:
        apply_theme(app, theme)
        app.processEvents()
        widget.grab().save(str(ROOT / "docs" / f"{name}-{theme}.png"))


def more_beds(store: Store, clock: SystemClock) -> None:
    """Two more patients in Room 1 (chairs 3 and 4): a group session of four."""
    import uuid
    from datetime import date, timedelta

    from console.demo import seed_demo_history
    from console.domain.lifecycle import SessionState
    from console.domain.people import PatientDraft

    people, sessions = PeopleRepository(store), SessionRepository(store)
    room = people.rooms()[0]
    staff = {member.role.value: member.id for member in people.staff()}
    now = clock.now()
    for chair, (name, chart, minutes_in, dosed) in enumerate(
        (("R. S.", "DEMO-1003", 70, True), ("T. W.", "DEMO-1004", 12, False)), start=3
    ):
        patient = people.add_patient(PatientDraft(name, chart, date(1979, 5, 6), 80.0), now)
        checked_in = now - timedelta(minutes=minutes_in)
        record = sessions.check_in(
            uid=str(uuid.uuid4()),
            patient_id=patient.id,
            room_id=room.id,
            therapist_id=staff["therapist"],
            medical_staff_id=staff["nurse"],
            at=checked_in,
            chair=chair,
        )
        t0 = checked_in + timedelta(minutes=15) if dosed else None
        steps = [(SessionState.CHECKED_IN, SessionState.BASELINE, None)]
        if dosed:
            steps.append((SessionState.BASELINE, SessionState.MONITORING, t0))
        for before, after, when in steps:
            sessions.apply_transition(
                uid=str(uuid.uuid4()),
                session_id=record.id,
                from_state=before,
                to_state=after,
                at=checked_in + timedelta(minutes=5),
                by_staff_id=staff["nurse"],
                t0=when,
            )
        seed_demo_history(
            VitalsRepository(store), record.id, checked_in, t0 or now + timedelta(hours=1), now
        )


def dose_confirmation(
    app: QApplication, bed: Any, clock: SystemClock, nurse: int | None, staff_name: Any
) -> Any:
    """The slip guard holding a 360 mg IM booster for a typed reason (dose-confirm-*.png)."""
    from datetime import timedelta

    from console.domain.doses import DoseDraft, Drug, Route
    from widgets.dose_form import DoseForm

    if nurse is not None:  # the booster a minute ago that the slip follows
        started = clock.now() - timedelta(minutes=1)
        bed.workflow.record_dose(
            DoseDraft(Drug.KETAMINE, Route.IM, 36, started, lot="K-2291"), nurse
        )
    form = DoseForm(bed.workflow, clock, lambda: nurse, staff_name=staff_name)
    form.resize(760, 640)
    form.show()
    form.route.setCurrentIndex(form.route.findData(Route.IM))
    form.amount.setText("360")
    form.lot.setText("K-2291")
    form.record()  # the Enter that used to store it: now the confirmation opens
    settle(app, 0.3)
    shoot(app, form, "dose-confirm", ("day", "night"))
    return form


def dose_corrected(app: QApplication, form: Any, bed: Any, nurse: int) -> None:
    """The slip stored with its reason, then marked entered in error (dose-corrected-*.png)."""
    form.confirm_reason.setText("Booster as planned")
    dose = form.confirm()
    bed.workflow.mark_entered_in_error(dose.uid, "Typed 360 for 36", nurse, DEMO_PASSWORD)
    settle(app, 0.3)
    shoot(app, form, "dose-corrected", ("day", "night"))
    form.close()


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/demo.sqlite3")
        clock = SystemClock()
        session_id = seed_demo(
            clock,
            PeopleRepository(store),
            SessionRepository(store),
            VitalsRepository(store),
            WorkflowRepository(store),
            AccountRepository(store),
        )
        assert session_id is not None
        more_beds(store, clock)
        services = build_services(store, clock, Path(tmp) / "spool.jsonl", Settings())
        services.room.load()
        clinic = ClinicContact("Vigil Demo Clinic", "(555) 010-4400", "(555) 010-4499")
        window = MainWindow(services, 120, "day", clinic=clinic)
        window.resize(*SIZE)
        window.show()
        shoot(app, window, "sign-in", ("night",))
        services.accounts.sign_in(DEMO_SIGN_IN, DEMO_PASSWORD)
        nurse = window.acting_staff_id()
        window.show_bed(session_id)
        bed = services.room.bed(session_id)
        assert bed is not None
        services.start()
        simulator = start_simulator("ivy", "--t0-offset-min", "38")
        services.devices.connect_device(DeviceSpec("ivy", simulator.port), session_id, nurse)
        settle(app, 8)  # live values and the device status arrive
        for category, text in (
            (ObservationCategory.AFFECT, "Settled, eyes closed under the mask, music on"),
            (ObservationCategory.DISSOCIATION, "Describes floating; calm, responds to voice"),
            (ObservationCategory.STATEMENT, "\u201cIt feels like a wide open field\u201d"),
        ):
            bed.session.add_note(category, text, 1)  # the demo therapist
        shoot(app, window, "session", ("day", "night"))
        view = window.bed_view
        assert view is not None
        view.tools.setCurrentWidget(view.device_status.parentWidget().parentWidget())
        shoot(app, window, "monitors", ("night",))

        # an alarm: a cuff reading far above the limit arrives from the monitor (stopped first,
        # so its next message does not replace the reading)
        services.devices.stop_all()
        settle(app, 0.5)
        key = "nibp:screenshot"
        bed.vitals.ingest(
            "ivy",
            [
                Reading(Parameter.NIBP_SYS, 186, "mmHg", measurement_key=key),
                Reading(Parameter.NIBP_DIA, 104, "mmHg", measurement_key=key),
                Reading(Parameter.NIBP_MEAN, 131, "mmHg", measurement_key=key),
            ],
            clock.now(),
            simulator.port,
        )
        view.tools.setCurrentWidget(view.alarm_list)
        settle(app, 0.5)
        shoot(app, window, "alarm", ("day", "night"))
        window.show_overview()  # four beds, chair 1 alarming: its frame and the strip say so
        settle(app, 1.2)
        shoot(app, window, "overview", ("night", "day"))
        window.show_bed(session_id)
        services.accounts.lock()  # the lock screen keeps the clock and the alarm in view
        settle(app, 0.3)
        shoot(app, window, "locked", ("night",))
        services.accounts.unlock(DEMO_PASSWORD)

        view.tools.setCurrentWidget(view.rating_form)
        window.show_page(1)
        shoot(app, window, "predose", ("day", "night"))
        window.show_page(2)
        settle(app, 0.3)
        shoot(app, window, "discharge", ("day", "night"))
        window.show_page(0)
        assert nurse is not None
        dose_corrected(
            app, dose_confirmation(app, bed, clock, nurse, window._staff_name), bed, nurse
        )

        window.show_start()
        shoot(app, window, "start", ("day",))

        window.show_bed(session_id)
        limits = window.open_patient_limits()  # the nurse: this patient's limits, this session
        if limits is not None:
            limits.resize(760, 560)
            settle(app, 0.3)
            shoot(app, limits, "limits", ("day",))
            limits.close()

        services.accounts.switch_user("admin", DEMO_PASSWORD)  # the audit trail, as the admin
        settings_dialog = window.open_settings()
        if settings_dialog is not None:
            settings_dialog.resize(820, 640)
            settle(app, 0.3)
            shoot(app, settings_dialog, "settings", ("day",))
            settings_dialog.close()
        window.show_records()  # an admin sees only the audit trail tab
        settle(app, 1.0)  # opening the tab starts the search off the GUI thread
        shoot(app, window, "audit", ("day",))
        window.stop()
        services.stop()
        simulator.stop()
        window.close()
        store.close()


if __name__ == "__main__":
    main()
