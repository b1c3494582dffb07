"""The bed views: which bed is on screen, views built ahead and dropped when done."""

from __future__ import annotations

from console.errors import IllegalTransition, PermissionDenied, StoreUnavailable
from widgets.bed_view import BedView
from widgets.window.parts import WindowParts

PREBUILD_MS = 300  # the pause between two bed views built ahead


class BedNavigation(WindowParts):
    """The start screen, the room overview and one view per bed, each built the first time."""

    @property
    def bed_view(self) -> BedView | None:
        """The bed shown in detail, or None (overview, start screen, records)."""
        if self.stack.currentWidget() is not self.bed_stack:
            return None
        current = self.bed_stack.currentWidget()
        return current if isinstance(current, BedView) else None

    def view_of(self, session_id: int) -> BedView | None:
        """The bed view built for a session (None until it is first shown)."""
        return self._views.get(session_id)

    def show_start(self) -> None:
        try:
            self.start_screen.reload()
        except StoreUnavailable as error:
            self._on_sessions_store_problem(str(error))
        self.stack.setCurrentWidget(self.start_screen)
        self.setWindowTitle("Vigil — check in")
        self._drop_closed_views()

    def show_overview(self) -> None:
        """Every bed of the room; with no open bed, the start screen."""
        if not self._room.beds():
            self.show_start()
            return
        self.stack.setCurrentWidget(self.overview)
        self.setWindowTitle("Vigil — room overview")
        self._drop_closed_views()

    def show_home(self) -> None:
        """Where the console opens: the only bed in detail, the overview, or the start screen."""
        beds = self._room.beds()
        if len(beds) == 1:
            self.show_bed(beds[0].session_id)
        else:
            self.show_overview()

    def show_bed(self, session_id: int) -> bool:
        """Show one bed in detail (its view is built the first time)."""
        view = self._views.get(session_id) or self._build_view(session_id)
        if view is None:
            return False
        self.bed_stack.setCurrentWidget(view)
        self.stack.setCurrentWidget(self.bed_stack)
        self.setWindowTitle(f"Vigil — {view.bed.label}")
        self._drop_closed_views()
        return True

    def _build_view(self, session_id: int) -> BedView | None:
        bed = self._room.bed(session_id)
        if bed is None:
            return None
        view = BedView(bed, self._context)
        view.setObjectName(f"bed-{session_id}")
        view.device_status.set_sound_notice(self._sound_text)
        self._views[session_id] = view
        self._views_for = self.acting_staff_id()
        self.bed_stack.addWidget(view)
        return view

    def show_bed_number(self, number: int) -> bool:
        """Alt+1…8: the n-th bed as the overview orders them."""
        beds = self._room.beds()
        if not 1 <= number <= len(beds):
            return False
        return self.show_bed(beds[number - 1].session_id)

    def open_session(self, session_id: int) -> bool:
        """Show a stored open session's bed (opening a bed for it if this console has none)."""
        try:
            bed = self._room.open_bed(session_id)
        except (IllegalTransition, PermissionDenied, StoreUnavailable) as error:
            self._on_sessions_store_problem(str(error))
            return False
        return self.show_bed(bed.session_id)

    def show_page(self, index: int) -> None:
        """Monitoring (0), pre-dose and dose (1) or discharge (2) of the bed on screen."""
        view = self.bed_view
        if view is not None:
            view.show_page(index)

    def _forget_views_of_another_user(self, user_id: int | None) -> None:
        """A different person at the console: no bed view keeps what the last one typed."""
        if user_id is None or user_id == self._views_for or not self._views:
            if user_id is not None:
                self._views_for = user_id
            return
        shown = self.bed_view
        for session_id in list(self._views):
            self._drop_view(session_id)
        self._views_for = user_id
        if shown is not None and not self.show_bed(shown.bed.session_id):
            self.show_overview()

    def _drop_view(self, session_id: int) -> None:
        view = self._views.pop(session_id, None)
        if view is None:
            return
        view.stop()
        self.bed_stack.removeWidget(view)
        view.deleteLater()

    def _drop_closed_views(self) -> None:
        """A closed bed's view stays while it is on screen (to print the escort sheet), no longer."""
        shown = self.bed_view
        for session_id, view in list(self._views.items()):
            if view is not shown and self._room.bed(session_id) is None:
                self._drop_view(session_id)

    def _on_start_screen_resume_requested(self, session_id: int) -> None:
        self.open_session(session_id)

    def _on_start_screen_checked_in(self, session_id: int) -> None:
        self.show_bed(session_id)

    def _on_room_beds_changed(self) -> None:
        self._update_quit_action()
        if self.stack.currentWidget() is self.start_screen:
            self.start_screen.reload()
        self._prebuild.start()

    def _on_prebuild_timeout(self) -> None:
        """Build the next bed's view while nobody waits for it (one per turn: the clock and
        alarms keep their pace).
        """
        if not self.prebuild_views or self.acting_staff_id() is None:
            return
        missing = [b for b in self._room.beds() if b.session_id not in self._views]
        if missing:
            self._build_view(missing[0].session_id)
            if len(missing) > 1:
                self._prebuild.start()

    def _on_room_bed_closed(self, session_id: int) -> None:
        if self.bed_view is None or self.bed_view.bed.session_id != session_id:
            self._drop_view(session_id)
