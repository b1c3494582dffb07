"""The PDF session report, read back as text (pypdf) and as images (QtPdf)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPdf import QPdfDocument

from console.domain.lifecycle import SessionState
from console.domain.scales import load_definitions
from console.domain.sessions import Observation, ObservationCategory
from console.reports.session_report import write_session_report
from tests.console.reports.sample_dossier import (
    NOTE_TEXT,
    T0,
    THERAPIST,
    flapping_alarm,
    sample_dossier,
)

GENERATED = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


def write(path, dossier, **options):
    return write_session_report(
        path,
        dossier,
        generated_at=GENERATED,
        clinic_name="Harbor Light Clinic",
        scales=load_definitions(),
        zone=UTC,
        **options,
    )


def page_texts(path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def render(path, index: int) -> QImage:
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    size = document.pagePointSize(index).toSize()
    assert (size.width(), size.height()) == (612, 792)  # US Letter
    rendered = document.render(index, QSize(size.width() * 2, size.height() * 2))
    page = QImage(rendered.size(), QImage.Format.Format_RGB32)
    page.fill(QColor("white"))
    painter = QPainter(page)
    painter.drawImage(0, 0, rendered)
    painter.end()
    document.close()
    return page


def count(page: QImage, test, top: float = 0.0, bottom: float = 1.0) -> int:
    return sum(
        1
        for y in range(int(page.height() * top), int(page.height() * bottom), 2)
        for x in range(0, page.width(), 2)
        if test(QColor(page.pixel(x, y)))
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory, qapp):
    path = tmp_path_factory.mktemp("report") / "report.pdf"
    pages = write_session_report(
        path,
        sample_dossier(minutes=150),
        generated_at=GENERATED,
        clinic_name="Harbor Light Clinic",
        scales=load_definitions(),
        zone=UTC,
    )
    return path, pages


@pytest.fixture(scope="module", autouse=True)
def _gui(qapp):
    return qapp


def test_the_report_holds_the_session_facts_doses_notes_and_signatures(report):
    path, pages = report
    texts = page_texts(path)
    assert len(texts) == pages >= 3
    text = " ".join(texts)
    for expected in (
        "Harbor Light Clinic",
        "Session report",
        "Patient J. D.",
        "Chart id MRN-20417",
        "Date of birth 1986-04-12",
        "Room Room 1",
        "Therapist Alex Morgan",
        "Medical staff Jordan Lee",
        "Session state Discharged",
        "Checked in 2026-03-08 14:00",
        "T0 (first dose) 2026-03-08 14:25",
        "Closed 2026-03-08 16:30",
        "2:30 (check-in to close); 2:05 after T0",
        "14:25 T+0:00 Ketamine IM 50 mg 0.69 KT-2291 Jordan Lee",  # the dose table
        "14:55 T+0:30 Ketamine IM 25 mg",
        "16:20 T+1:55 by hand, Jordan Lee 126/79 70 — — 36.7",  # a hand-entered set, and who
        "MOAA/S 5 Answers at once",
        "nausea / vomiting mild",
        "ondansetron 4 mg sublingual at 15:10",
        "Dosed despite the blood- pressure gate",
        NOTE_TEXT,
        "High alarm: SpO2 89 % is below 90 %; 14:45–14:46, worst 88 % Jordan Lee",
        "Printed name Jordan Lee Meaning discharged by Date and time 2026-03-08 16:30",
        "Printed name Dr Sam Patel Meaning reviewed by Date and time 2026-03-09 18:30",
        "Comment: Alarm handled well; nausea plan fine.",
        "PADSS 10 of 10",
        "Ride home Chris D. (partner)",
    ):
        assert expected in text, expected


def test_every_page_has_its_number_and_the_chart_id_in_the_footer(tmp_path):
    path = tmp_path / "long.pdf"
    pages = write(path, sample_dossier(minutes=8 * 60))  # 8 hours of 1 Hz data
    texts = page_texts(path)
    assert len(texts) == pages >= 5
    for number, text in enumerate(texts, start=1):
        assert "J. D. · chart MRN-20417 · session 42 · printed 2026-03-09 10:00" in text
        assert text.endswith(f"Page {number} of {pages}")
    timeline = " ".join(texts)
    assert timeline.count("Cuff: BP") == 96  # one line per cuff reading, none lost at breaks


def test_page_one_is_ink_on_white_and_the_plots_show_their_traces(report):
    path, _ = report
    page = render(path, 0)
    dark = count(page, lambda c: c.lightness() < 128)
    sampled = (page.width() // 2) * (page.height() // 2)
    assert 0.01 < dark / sampled < 0.5  # not blank, not black

    def red(c: QColor) -> bool:  # the heart-rate trace
        return c.red() > 150 and c.green() < 90 and c.blue() < 90

    def blue(c: QColor) -> bool:  # the SpO2 trace
        return c.blue() > 150 and c.red() < 60 and c.green() < 140

    def purple(c: QColor) -> bool:  # systolic pressure
        return c.red() > 70 and c.blue() > 110 and c.green() < 60

    # the heart-rate plot lies in the upper half of the page, the pressure plot below it
    assert count(page, red, 0.28, 0.53) > 500
    assert count(page, blue, 0.28, 0.53) > 500
    assert count(page, purple, 0.53, 0.76) > 100
    assert count(page, red, 0.0, 0.25) == 0  # nothing drawn over the header


def test_an_open_session_without_discharge_or_review_says_so(tmp_path):
    dossier = sample_dossier(minutes=90, state=SessionState.RECOVERY)
    path = tmp_path / "open.pdf"
    write(path, dossier)
    text = " ".join(page_texts(path))
    assert "Session state Recovery" in text
    assert "Closed — Total monitoring the session is still open" in text
    assert "The discharge was not signed." in text
    assert "Not reviewed yet." in text


def test_a_session_without_vitals_or_dose_still_prints(tmp_path):
    dossier = sample_dossier(minutes=30, state=SessionState.ABORTED)
    dossier = replace(
        dossier,
        session=replace(dossier.session, t0=None),
        doses=(),
        vitals={},
        reviews=(),
        discharge=None,
    )
    path = tmp_path / "aborted.pdf"
    write(path, dossier)
    text = " ".join(page_texts(path))
    assert "No heart rate or SpO2 was recorded." in text
    assert "No blood pressure was recorded." in text
    assert "No dose was recorded." in text
    assert "The discharge was not signed. The session was aborted." in text
    assert "Total monitoring 0:30 (check-in to close); no dose given" in text
    assert "Open circles" not in text  # no plot, so no legend for one


def test_markup_and_long_words_print_as_written(tmp_path):
    dossier = sample_dossier(minutes=40)
    note = Observation(
        "o-x", 42, T0, THERAPIST, ObservationCategory.STATEMENT, "<b>Not bold</b> & fine"
    )
    long_word = "x" * 120
    dossier = replace(
        dossier,
        observations=(*dossier.observations, note),
        patient=replace(dossier.patient, display_name="Jo <i>" + long_word),
    )
    path = tmp_path / "markup.pdf"
    write(path, dossier)
    text = " ".join(page_texts(path))
    assert "Patient statement: <b>Not bold</b> & fine" in text
    assert "Jo <i>" in text
    assert text.replace("\u200b", "").replace(" ", "").count(long_word) >= 2


def test_an_unwritable_place_is_an_os_error(tmp_path):
    with pytest.raises(OSError):
        write(tmp_path / "no such folder" / "report.pdf", sample_dossier(minutes=20))


def test_a_flapping_alarm_prints_as_one_episode_line(tmp_path):
    dossier = sample_dossier(minutes=150)
    start = T0 + timedelta(minutes=60)  # 15:25
    dossier = replace(dossier, alarms=dossier.alarms + flapping_alarm(start, 40))
    path = tmp_path / "flapping.pdf"
    write(path, dossier)
    text = " ".join(page_texts(path))
    assert text.count("Medium alarm") == 1  # not 80 lines of raised and cleared
    assert "raised" not in text.replace("raised 40 times", "")
    assert (
        "15:25 T+1:00 alarm Medium alarm: RR 9 < 10; raised 40 times, 15:25–16:04, worst 6 /min "
        "Jordan Lee" in text
    )


def test_hand_entered_vitals_name_who_entered_them_in_the_timeline(report):
    path, _ = report
    text = " ".join(page_texts(path))
    assert (
        "16:20 T+1:55 vitals Vitals by hand: BP 126/79 mmHg, HR 70 /min, Temp 36.7°C Jordan Lee"
        in text
    )
