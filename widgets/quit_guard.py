"""Quitting while sessions are open: the question that names them (chair and patient)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QMessageBox, QWidget

from console.services.bed import Bed


def quit_question(beds: Sequence[Bed]) -> str:
    """What the user is asked before quitting with ``beds`` open."""
    named = "\n".join(f"  • {bed.label} (session {bed.session_id})" for bed in beds)
    count = "1 session is" if len(beds) == 1 else f"{len(beds)} sessions are"
    return (
        f"{count} open:\n{named}\n\n"
        "After quitting, no monitor is read and no alarm sounds at this console until Vigil is"
        " started again. Everything recorded so far is kept, and the sessions resume at the"
        " next start."
    )


def confirm_quit(parent: QWidget, beds: Sequence[Bed]) -> bool:
    """Ask (modal) whether to quit with ``beds`` open; "Keep monitoring" is the default."""
    box = QMessageBox(parent)
    box.setObjectName("quitConfirmation")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Quit Vigil?")
    box.setText("Quit Vigil while patients are monitored?")
    box.setInformativeText(quit_question(beds))
    quit_button = box.addButton("Quit Vigil", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("Keep monitoring", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is quit_button
