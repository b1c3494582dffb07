"""Render the demo's esketamine REMS monitoring form (the PDF's page) to docs/rems-form.png."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSize  # noqa: E402
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtPdf import QPdfDocument  # noqa: E402

from console.clock import SystemClock  # noqa: E402
from console.demo import seed_demo  # noqa: E402
from console.demo_esketamine import seed_demo_esketamine  # noqa: E402
from console.domain.rems import RemsSetting, rems_form  # noqa: E402
from console.reports.rems_form import write_rems_form_pdf  # noqa: E402
from console.store.database import Store  # noqa: E402
from console.store.rems_repository import RemsRepository  # noqa: E402
from console.store.repositories import PeopleRepository, SessionRepository  # noqa: E402
from console.store.review_repository import ReviewRepository  # noqa: E402
from console.store.vitals_repository import VitalsRepository  # noqa: E402
from console.store.workflow_repository import WorkflowRepository  # noqa: E402


def main() -> None:
    app = QGuiApplication.instance() or QGuiApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/demo.sqlite3")
        clock = SystemClock()
        seed_demo(
            clock,
            PeopleRepository(store),
            SessionRepository(store),
            VitalsRepository(store),
            WorkflowRepository(store),
        )
        session_id = seed_demo_esketamine(store, clock)
        assert session_id is not None
        dossier = ReviewRepository(store).dossier(session_id)
        assert dossier is not None
        form = rems_form(
            dossier,
            RemsSetting("Vigil Demo Clinic", "12 Harbor Road, Springfield"),
            RemsRepository(store).submission(session_id),
        )
        pdf = write_rems_form_pdf(Path(tmp) / "rems.pdf", form)
        document = QPdfDocument()
        document.load(str(pdf))
        size = document.pagePointSize(0).toSize()
        rendered = document.render(0, QSize(size.width() * 2, size.height() * 2))
        page = QImage(rendered.size(), QImage.Format.Format_RGB32)
        page.fill(QColor("white"))
        painter = QPainter(page)
        painter.drawImage(0, 0, rendered)
        painter.end()
        document.close()
        page.save(str(ROOT / "docs" / "rems-form.png"))
        store.close()
    del app


if __name__ == "__main__":
    main()
