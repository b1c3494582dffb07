"""Discharge: the modified PADSS, full vital-sign sets, the checklist and what blocks leaving.

A package split by subject (full sets, PADSS, ride home, follow-up, checklist, the typed
record and its evaluation); every public name is importable from here.

Everything here is plain data and arithmetic. Times are timezone-aware UTC and always passed in
(nothing here reads a clock); a naive datetime is a programming error and raises ``ValueError``.

Modified PADSS (0–10, fit for discharge at 9 or more):

* vitals — the largest percentage change of any compared parameter from the pre-dose baseline
  set to the latest full set: within 20 % (20.0 % included) = 2, over 20 up to 40 % (40.0 %
  included) = 1, over 40 % = 0. Percentages are rounded to 0.1 % first, and the rounded number is
  both the one shown and the one scored (halves away from zero), so the screen never contradicts the score.
* ambulation — steady gait = 2, needs help = 1, unable = 0.
* nausea/vomiting — none needing treatment = 2, controlled with medication = 1, not controlled = 0.
* pain — from the 0–10 pain rating: 0–3 = 2, 4–6 = 1, 7–10 = 0.
* bleeding — not applicable after ketamine: always 2 ("n/a after ketamine") so the total stays
  out of 10.

A *full set* is HR, SBP, DBP, SpO2 and RR all recorded within ``FULL_SET_WINDOW`` (5 min) of one
another: every value lies in the 5 minutes up to the moment the set became complete.
"""

from __future__ import annotations

from console.domain.discharge.checklist import (
    MINIMUM_MONITORING,
    ChecklistItem,
    ItemId,
    ItemSource,
    checklist,
    contradictions,
    discharge_blockers,
    validate_item_override,
)
from console.domain.discharge.evaluate import (
    NO_DOSE,
    PAIN_SCALE,
    Evaluation,
    IntegrationState,
    ItemState,
    PadssState,
    RemsState,
    RideState,
    answered_item,
    computed_item,
    evaluate,
    latest_pain,
    vital_sets,
)
from console.domain.discharge.followup import (
    INTEGRATION_EARLIEST,
    INTEGRATION_LATEST,
    MAX_OVERRIDE_REASON,
    RemsFacts,
    check_integration,
    rems_facts,
    validate_override,
    validate_rems_times,
)
from console.domain.discharge.full_sets import (
    FULL_SET_PARAMETERS,
    FULL_SET_WINDOW,
    baseline_set,
    full_set,
)
from console.domain.discharge.model import (
    DRAFT_VERSION,
    Answer,
    Booking,
    Choice,
    ConfirmedVitals,
    DischargeDraft,
    ItemOverride,
    Mark,
    RideEntry,
    SignedDischarge,
)
from console.domain.discharge.padss import (
    BLEEDING_NOTE,
    BLEEDING_SCORE,
    PADSS_FIT_AT,
    PADSS_NOT_COMPARED,
    PADSS_REQUIRED,
    Ambulation,
    NauseaControl,
    PadssItem,
    PadssScore,
    VitalChange,
    VitalsComparison,
    pain_points,
    parameter_label,
    validate_padss,
    vitals_item,
    vitals_score,
)
from console.domain.discharge.ride import (
    MAX_NAME_LENGTH,
    MIN_PHONE_DIGITS,
    RideHome,
    validate_ride_home,
)

__all__ = [
    "BLEEDING_NOTE",
    "BLEEDING_SCORE",
    "DRAFT_VERSION",
    "FULL_SET_PARAMETERS",
    "FULL_SET_WINDOW",
    "INTEGRATION_EARLIEST",
    "INTEGRATION_LATEST",
    "MAX_NAME_LENGTH",
    "MAX_OVERRIDE_REASON",
    "MINIMUM_MONITORING",
    "MIN_PHONE_DIGITS",
    "NO_DOSE",
    "PADSS_FIT_AT",
    "PADSS_NOT_COMPARED",
    "PADSS_REQUIRED",
    "PAIN_SCALE",
    "Ambulation",
    "Answer",
    "Booking",
    "ChecklistItem",
    "Choice",
    "ConfirmedVitals",
    "DischargeDraft",
    "Evaluation",
    "IntegrationState",
    "ItemId",
    "ItemOverride",
    "ItemSource",
    "ItemState",
    "Mark",
    "NauseaControl",
    "PadssItem",
    "PadssScore",
    "PadssState",
    "RemsFacts",
    "RemsState",
    "RideEntry",
    "RideHome",
    "RideState",
    "SignedDischarge",
    "VitalChange",
    "VitalsComparison",
    "answered_item",
    "baseline_set",
    "check_integration",
    "checklist",
    "computed_item",
    "contradictions",
    "discharge_blockers",
    "evaluate",
    "full_set",
    "latest_pain",
    "pain_points",
    "parameter_label",
    "rems_facts",
    "validate_item_override",
    "validate_override",
    "validate_padss",
    "validate_rems_times",
    "validate_ride_home",
    "vital_sets",
    "vitals_item",
    "vitals_score",
]
