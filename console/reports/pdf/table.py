"""Tables: a header row repeated on every page, shaded alternate rows, wrapped cells."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont, QPainter

from console.reports.pdf.page import LEFT
from console.reports.pdf.palette import HEAD, MUTED, SHADE
from console.reports.pdf.text import Document, soft


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: title, share of the width, and alignment (Qt flags)."""

    title: str
    share: float
    align: int = LEFT


def table(
    doc: Document, columns: Sequence[Column], rows: Iterable[Sequence[str]], empty: str
) -> None:
    """The rows under a header (repeated after a page break); ``empty`` when there are none."""
    rows = [list(r) for r in rows]
    if not rows:
        doc.paragraph(empty, doc.body, color=MUTED)
        return
    total = sum(c.share for c in columns)
    widths = [doc.width * c.share / total for c in columns]
    lefts = [sum(widths[:i]) for i in range(len(widths))]
    pad = doc.mm(1.0)

    def row_height(cells: Sequence[str], chosen: QFont) -> float:
        return (
            max(
                doc.text_height(soft(text), chosen, w - 2 * pad)
                for text, w in zip(cells, widths, strict=True)
            )
            + 2 * pad * 0.7
        )

    titles = [c.title for c in columns]
    head_h = row_height(titles, doc.cell_bold)

    def draw_row(cells: Sequence[str], chosen: QFont, height: float, fill: QColor | None) -> None:
        y = doc.pages.y
        if fill is not None:
            rect = QRectF(0, y, doc.width, height)

            def shade(p: QPainter) -> None:
                p.fillRect(rect, fill)

            doc.pages.add(shade)
        for text, x, w, column in zip(cells, lefts, widths, columns, strict=True):
            doc.draw_text(
                QRectF(x + pad, y + pad * 0.7, w - 2 * pad, height - pad),
                soft(text),
                chosen,
                flags=column.align,
            )
        doc.pages.y += height

    def header() -> None:
        draw_row(titles, doc.cell_bold, head_h, HEAD)

    first = row_height(rows[0], doc.cell)
    doc.pages.ensure(head_h + first)
    header()
    for index, cells in enumerate(rows):
        height = row_height(cells, doc.cell)
        if height > doc.pages.room():
            doc.pages.new_page()
            header()
        draw_row(cells, doc.cell, height, SHADE if index % 2 else None)
    doc.gap(1.5)
