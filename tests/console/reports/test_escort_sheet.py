"""The escort sheet PDF, read back with QtPdf: one page, the facts on it, and not blank."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPdf import QPdfDocument

from console.reports.escort_sheet import write_escort_sheet

APPOINTMENT = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)


def write(path, **changes):
    values = {
        "patient_display_name": "J. D.",
        "clinic_name": "Harbor Light Clinic",
        "clinic_phone": "(555) 010-4400",
        "after_hours_phone": "(555) 010-4499",
        "integration_at": APPOINTMENT,
        "driver_name": "Sam Rivera",
        "session_date": date(2026, 3, 8),
    }
    values.update(changes)
    return write_escort_sheet(path, **values)


def load(path) -> QPdfDocument:
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    return document


def text_of(document: QPdfDocument) -> str:
    return " ".join(document.getAllText(0).text().split())


def test_the_sheet_is_one_page_with_the_driver_crisis_line_and_appointment(qapp, tmp_path):
    path = write(tmp_path / "escort.pdf")
    document = load(path)
    assert document.pageCount() == 1
    text = text_of(document)
    local = APPOINTMENT.astimezone()
    assert "Escort: Sam Rivera" in text
    assert "crisis line 988" in text
    assert f"{local:%A} {local.day} {local:%B %Y}, at {local:%H:%M} (local time)" in text
    assert "(555) 010-4400" in text and "(555) 010-4499" in text
    assert "J. D." in text
    for advice in ("stay with them", "must not drive", "No big decisions", "No alcohol"):
        assert advice in text
    document.close()


def test_page_one_renders_as_a_page_with_ink_on_it(qapp, tmp_path):
    document = load(write(tmp_path / "escort.pdf"))
    size = document.pagePointSize(0).toSize()
    assert (size.width(), size.height()) == (612, 792)  # US Letter
    rendered = document.render(0, QSize(size.width(), size.height()))
    page = QImage(rendered.size(), QImage.Format.Format_RGB32)
    page.fill(QColor("white"))
    painter = QPainter(page)
    painter.drawImage(0, 0, rendered)
    painter.end()
    dark = sum(
        1
        for y in range(0, page.height(), 2)
        for x in range(0, page.width(), 2)
        if QColor(page.pixel(x, y)).lightness() < 128
    )
    sampled = (page.width() // 2) * (page.height() // 2)
    assert 0.01 < dark / sampled < 0.5  # text on a white page, not blank and not black
    document.close()


def test_no_integration_booking_and_markup_in_names_print_as_plain_words(qapp, tmp_path):
    document = load(
        write(tmp_path / "escort.pdf", integration_at=None, driver_name="<b>Sam</b> & Co")
    )
    text = text_of(document)
    assert "Not booked yet" in text
    assert "Escort: <b>Sam</b> & Co" in text
    document.close()


def test_an_unwritable_place_is_an_os_error(qapp, tmp_path):
    with pytest.raises(OSError):
        write(tmp_path / "no such folder" / "escort.pdf")
