"""The discharge as the panel sees it: an immutable snapshot of one session's discharge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from console.domain.discharge import (
    IntegrationState,
    ItemState,
    PadssState,
    RemsState,
    RideState,
)
from console.domain.events import Override
from console.domain.lifecycle import SessionState
from console.services.signatures import Signature


@dataclass(frozen=True, slots=True)
class DischargeState:
    """An immutable snapshot of the active session's discharge."""

    session_id: int
    patient_id: int
    session_state: SessionState
    now: datetime  # the moment computed for (the signing time once signed)
    t0: datetime | None
    esketamine: bool
    items: tuple[ItemState, ...]
    padss: PadssState
    blockers: tuple[str, ...]
    ride: RideState
    integration: IntegrationState
    rems: RemsState | None  # only for esketamine
    signature: Signature | None
    override: Override | None

    @property
    def signed(self) -> bool:
        return self.signature is not None

    @property
    def fit_text(self) -> str:
        """The PADSS verdict; never "fit" while anything blocks discharge."""
        score = self.padss.score
        if score is None:
            return "PADSS not yet scored"
        if not score.fit:
            return f"PADSS {score.total} / 10 — not fit for discharge (9 needed)"
        others = [b for b in self.blockers if not b.startswith("Modified PADSS")]
        if others and not self.signed:
            return (
                f"PADSS {score.total} / 10 — the score reaches 9, but discharge is blocked "
                f"({len(others)} item(s) open)"
            )
        return f"PADSS {score.total} / 10 — fit for discharge"
