"""Pages: a US Letter PDF writer, the layout as drawing steps per page, one-page HTML documents."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF, Qt
from PySide6.QtGui import (
    QFont,
    QGuiApplication,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

RESOLUTION_DPI = 300

Op = Callable[[QPainter], None]  # one drawing step, replayed when the pages are painted

WRAP = int(Qt.TextFlag.TextWordWrap.value)
LEFT = int(Qt.AlignmentFlag.AlignLeft.value) | int(Qt.AlignmentFlag.AlignTop.value)
RIGHT = int(Qt.AlignmentFlag.AlignRight.value) | int(Qt.AlignmentFlag.AlignTop.value)
CENTER = int(Qt.AlignmentFlag.AlignHCenter.value) | int(Qt.AlignmentFlag.AlignTop.value)
VCENTER_LEFT = int(Qt.AlignmentFlag.AlignLeft.value) | int(Qt.AlignmentFlag.AlignVCenter.value)
VCENTER_RIGHT = int(Qt.AlignmentFlag.AlignRight.value) | int(Qt.AlignmentFlag.AlignVCenter.value)


def require_gui(what: str = "The PDF report") -> None:
    """RuntimeError unless a QGuiApplication exists (QPdfWriter and fonts need one)."""
    if not isinstance(QGuiApplication.instance(), QGuiApplication):
        raise RuntimeError(
            f"{what} needs a QGuiApplication: create one first "
            "(with QT_QPA_PLATFORM=offscreen where there is no display)."
        )


def letter_writer(path: Path | str, title: str, margin_mm: float) -> QPdfWriter:
    """A US Letter, portrait QPdfWriter at ``RESOLUTION_DPI`` with even margins.

    The file is opened once first, so an unwritable place fails as a plain OSError.
    """
    target = Path(path)
    with target.open("wb"):
        pass
    writer = QPdfWriter(str(target))
    writer.setResolution(RESOLUTION_DPI)
    writer.setTitle(title)
    writer.setCreator("Vigil")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.Letter),
            QPageLayout.Orientation.Portrait,
            QMarginsF(margin_mm, margin_mm, margin_mm, margin_mm),
            QPageLayout.Unit.Millimeter,
        )
    )
    return writer


def one_page_document(
    device: QPagedPaintDevice, font_points: Sequence[int], html: Callable[[int], str]
) -> QTextDocument:
    """The HTML laid out on ``device``'s page at the largest of ``font_points`` that keeps it
    on one page (the smallest when none does).
    """
    document = QTextDocument()
    document.documentLayout().setPaintDevice(device)
    document.setPageSize(QSizeF(device.width(), device.height()))
    document.setDocumentMargin(0)
    for points in font_points:
        font = QFont()
        font.setPointSize(points)
        document.setDefaultFont(font)
        document.setHtml(html(points))
        if document.pageCount() <= 1:
            break
    return document


def draw_document(device: QPagedPaintDevice, document: QTextDocument) -> bool:
    """Paint ``document`` on ``device``; False when the device cannot be painted on."""
    painter = QPainter()
    if not painter.begin(device):
        return False
    try:
        document.drawContents(painter)
    finally:
        painter.end()
    return True


def font(points: float, *, bold: bool = False) -> QFont:
    """The reports' sans-serif font; ligatures off, so copy and search find "fi" and "ff"."""
    chosen = QFont("DejaVu Sans")
    chosen.setStyleHint(QFont.StyleHint.SansSerif)
    chosen.setPointSizeF(points)
    chosen.setBold(bold)
    for tag in ("liga", "clig"):
        chosen.setFeature(QFont.Tag(tag), 0)
    return chosen


class Pages:
    """Drawing steps per page, and the running vertical position on the current page."""

    def __init__(self, height: float) -> None:
        self.height = height
        self.pages: list[list[Op]] = [[]]
        self.y = 0.0

    def add(self, op: Op) -> None:
        self.pages[-1].append(op)

    def new_page(self) -> None:
        self.pages.append([])
        self.y = 0.0

    def room(self) -> float:
        return self.height - self.y

    def ensure(self, needed: float) -> None:
        """Start a new page unless ``needed`` fits below the current position."""
        if self.y > 0 and needed > self.room():
            self.new_page()
