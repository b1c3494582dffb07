"""A paged document of text blocks: units, fonts, headings, paragraphs, label pairs, signatures."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPdfWriter, QPen

from console.reports.pdf.page import LEFT, RIGHT, WRAP, Pages, font
from console.reports.pdf.palette import INK, MUTED, RULE

FOOTER_MM = 9


def soft(text: str, limit: int = 28) -> str:
    """Let very long unbroken words wrap (a zero-width space every ``limit`` characters)."""
    words = text.split(" ")
    if all(len(w) <= limit for w in words):
        return text
    return " ".join(
        "\u200b".join(w[i : i + limit] for i in range(0, len(w), limit)) if len(w) > limit else w
        for w in words
    )


def number(value: float) -> str:
    """A value with at most one decimal, and none when it is whole ("72", "36.6")."""
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"


class Document:
    """The layout of a multi-page PDF as drawing steps, painted at the end with a footer."""

    def __init__(self, device: QPdfWriter) -> None:
        self.device = device
        self.dpmm = device.resolution() / 25.4
        self.width = float(device.width())
        self.full_height = float(device.height())
        self.pages = Pages(self.full_height - self.mm(FOOTER_MM))
        self.body = font(9)
        self.small = font(7.5)
        self.cell = font(8)
        self.cell_bold = font(8, bold=True)
        self.label = font(8, bold=True)
        self.heading = font(11.5, bold=True)
        self.title = font(17, bold=True)

    # ---- units and text ---------------------------------------------------------------------
    def mm(self, value: float) -> float:
        return value * self.dpmm

    def text_height(self, text: str, chosen: QFont, width: float) -> float:
        metrics = QFontMetricsF(chosen, self.device)
        if not text:
            return metrics.height()
        rect = metrics.boundingRect(QRectF(0, 0, width, 1e7), WRAP | LEFT, text)
        return max(rect.height(), metrics.height())

    def text_width(self, text: str, chosen: QFont) -> float:
        return QFontMetricsF(chosen, self.device).horizontalAdvance(text)

    def draw_text(
        self, rect: QRectF, text: str, chosen: QFont, *, color: QColor = INK, flags: int = LEFT
    ) -> None:
        def op(p: QPainter) -> None:
            p.setFont(chosen)
            p.setPen(color)
            p.drawText(rect, flags | WRAP, text)

        self.pages.add(op)

    # ---- blocks -----------------------------------------------------------------------------
    def gap(self, millimetres: float) -> None:
        self.pages.y += self.mm(millimetres)

    def heading_block(self, text: str, *, keep: float = 18) -> None:
        """A section heading with a rule, kept on a page with ``keep`` mm of what follows."""
        height = self.text_height(text, self.heading, self.width)
        self.pages.ensure(height + self.mm(keep))
        self.gap(2.5)
        y = self.pages.y
        self.draw_text(QRectF(0, y, self.width, height), text, self.heading)
        rule_y = y + height + self.mm(0.6)

        def rule(p: QPainter) -> None:
            p.setPen(QPen(RULE, self.mm(0.3)))
            p.drawLine(QPointF(0, rule_y), QPointF(self.width, rule_y))

        self.pages.add(rule)
        self.pages.y = rule_y + self.mm(1.8)

    def paragraph(self, text: str, chosen: QFont | None = None, *, color: QColor = INK) -> None:
        chosen = chosen or self.body
        text = soft(text)
        height = self.text_height(text, chosen, self.width)
        self.pages.ensure(height)
        self.draw_text(QRectF(0, self.pages.y, self.width, height), text, chosen, color=color)
        self.pages.y += height + self.mm(1)

    def pairs(self, items: Sequence[tuple[str, str]], columns: int = 2) -> None:
        """Label: value pairs in ``columns`` columns, row by row."""
        col_w = self.width / columns
        label_w = max(self.text_width(label, self.label) for label, _ in items) + self.mm(3.5)
        label_w = min(label_w, col_w * 0.45)
        for start in range(0, len(items), columns):
            row = items[start : start + columns]
            heights = [
                max(
                    self.text_height(label, self.label, label_w),
                    self.text_height(soft(value), self.body, col_w - label_w - self.mm(3)),
                )
                for label, value in row
            ]
            height = max(heights)
            self.pages.ensure(height)
            y = self.pages.y
            for index, (label, value) in enumerate(row):
                x = index * col_w
                self.draw_text(QRectF(x, y, label_w, height), label, self.label, color=MUTED)
                self.draw_text(
                    QRectF(x + label_w, y, col_w - label_w - self.mm(3), height),
                    soft(value),
                    self.body,
                )
            self.pages.y += height + self.mm(0.8)

    def signature(self, lines: Sequence[tuple[str, str]], comment: str = "") -> None:
        """A boxed signature: label/value lines (printed name, meaning, date/time), a comment."""
        pad = self.mm(2)
        inner = self.width - 2 * pad
        label_w = self.mm(30)
        heights = [self.text_height(soft(v), self.body, inner - label_w) for _, v in lines]
        comment = soft(comment.strip())
        comment_h = self.text_height(comment, self.body, inner) if comment else 0.0
        height = sum(heights) + self.mm(0.8) * len(heights) + 2 * pad
        if comment:
            height += comment_h + self.mm(1.5)
        self.pages.ensure(height)
        top = self.pages.y
        box = QRectF(0, top, self.width, height)

        def frame(p: QPainter) -> None:
            p.setPen(QPen(RULE, self.mm(0.3)))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(box)

        self.pages.add(frame)
        y = top + pad
        for (label, value), h in zip(lines, heights, strict=True):
            self.draw_text(QRectF(pad, y, label_w, h), label, self.label, color=MUTED)
            self.draw_text(QRectF(pad + label_w, y, inner - label_w, h), soft(value), self.body)
            y += h + self.mm(0.8)
        if comment:
            y += self.mm(0.7)
            self.draw_text(QRectF(pad, y, inner, comment_h), comment, self.body)
        self.pages.y = top + height + self.mm(2.5)

    # ---- paint ------------------------------------------------------------------------------
    def paint(self, painter: QPainter, footer: str) -> None:
        """Replay every page's steps, each page with ``footer`` and "Page N of M" below a rule."""
        total = len(self.pages.pages)
        footer_top = self.full_height - self.mm(FOOTER_MM) + self.mm(3)
        label_h = QFontMetricsF(self.small, self.device).height()
        for page_number, ops in enumerate(self.pages.pages, start=1):
            if page_number > 1 and not self.device.newPage():
                raise OSError("The PDF writer could not start a new page.")
            for op in ops:
                op(painter)
            painter.setPen(QPen(RULE, self.mm(0.3)))
            painter.drawLine(QPointF(0, footer_top), QPointF(self.width, footer_top))
            painter.setFont(self.small)
            painter.setPen(MUTED)
            rect = QRectF(0, footer_top + self.mm(1), self.width, label_h)
            painter.drawText(rect, LEFT, footer)
            painter.drawText(rect, RIGHT, f"Page {page_number} of {total}")
