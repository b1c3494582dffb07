"""The modified PADSS: the vitals item with its working, the other items and the total."""

from __future__ import annotations

import enum
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from console.domain.vitals import PARAMETERS, Parameter
from console.errors import FieldError, ValidationFailed

# --- PADSS: vital signs --------------------------------------------------------------------------

# Compared first, and required in both sets for the item to be scored at all.
PADSS_REQUIRED: tuple[Parameter, ...] = (Parameter.NIBP_SYS, Parameter.HR)
# Not a vital sign: the perfusion index swings widely with finger temperature and probe position.
PADSS_NOT_COMPARED: frozenset[Parameter] = frozenset({Parameter.PI})

_LABELS: dict[Parameter, str] = {
    Parameter.NIBP_SYS: "SBP",
    Parameter.NIBP_DIA: "DBP",
    Parameter.NIBP_MEAN: "MAP",
}
_MINUS = "\u2212"


def parameter_label(parameter: Parameter) -> str:
    """The short clinical label (SBP, DBP, MAP, HR, SpO2, …)."""
    return _LABELS.get(parameter, PARAMETERS[parameter].label)


def _signed(number: float, digits: str = "g") -> str:
    text = format(abs(number), digits)
    if number > 0:
        return f"+{text}"
    if number < 0:
        return f"{_MINUS}{text}"
    return text


@dataclass(frozen=True, slots=True)
class VitalChange:
    """One parameter's baseline and latest value and the signed change, rounded to 0.1 %."""

    parameter: Parameter
    baseline: float
    latest: float
    percent: float

    @property
    def text(self) -> str:
        """As shown beside the score: "SBP 128 → 141 (+10.2 %)"."""
        return (
            f"{parameter_label(self.parameter)} {self.baseline:g} → {self.latest:g} "
            f"({_signed(self.percent)} %)"
        )


def _one_decimal(number: float) -> float:
    """Rounded to 0.1, halves away from zero (41.25 → 41.3), as a person would round it."""
    rounded = Decimal(repr(number)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(rounded) + 0.0  # + 0.0 turns −0.0 into 0.0


def vitals_score(percent: float) -> int:
    """PADSS points for a change of ``percent`` (either sign): ≤ 20 → 2, ≤ 40 → 1, else 0."""
    size = abs(percent)
    if size <= 20:
        return 2
    if size <= 40:
        return 1
    return 0


@dataclass(frozen=True, slots=True)
class VitalsComparison:
    """The PADSS vitals item with the numbers it used, so the screen can show its working."""

    changes: tuple[VitalChange, ...]  # SBP, HR, then the others in Parameter order
    missing: tuple[Parameter, ...]  # required parameters absent from the baseline or latest set
    score: int

    @property
    def largest(self) -> VitalChange | None:
        """The change that set the score (the first of equals), or None when nothing compared."""
        if not self.changes:
            return None
        return max(self.changes, key=lambda change: abs(change.percent))

    @property
    def summary(self) -> str:
        """One line for the checklist: the numbers, or why the item scored 0."""
        if self.missing:
            names = ", ".join(parameter_label(p) for p in self.missing)
            return f"No baseline and latest value for {names}: scored 0."
        return "; ".join(change.text for change in self.changes)


def vitals_item(
    baseline: Mapping[Parameter, float],
    latest: Mapping[Parameter, float],
    parameters: Collection[Parameter] | None = None,
) -> VitalsComparison:
    """Score the vitals item from the baseline and latest sets.

    Compares SBP and HR (both required: without them the item scores 0) and every other
    parameter present in both sets, or only ``parameters`` when given. A parameter whose baseline
    is zero cannot give a percentage and is left out.
    """
    wanted = set(parameters) if parameters is not None else set(Parameter) - PADSS_NOT_COMPARED
    wanted.update(PADSS_REQUIRED)
    missing = tuple(p for p in PADSS_REQUIRED if p not in baseline or p not in latest)
    order = [*PADSS_REQUIRED, *(p for p in Parameter if p not in PADSS_REQUIRED)]
    changes: list[VitalChange] = []
    for parameter in order:
        if parameter not in wanted or parameter not in baseline or parameter not in latest:
            continue
        before, after = float(baseline[parameter]), float(latest[parameter])
        if before == 0 or not (math.isfinite(before) and math.isfinite(after)):
            continue
        percent = _one_decimal((after - before) / before * 100)
        changes.append(VitalChange(parameter, before, after, percent))
    if missing or not changes:
        return VitalsComparison(tuple(changes), missing, 0)
    score = min(vitals_score(change.percent) for change in changes)
    return VitalsComparison(tuple(changes), (), score)


# --- PADSS: the other items and the total --------------------------------------------------------

PADSS_FIT_AT = 9
BLEEDING_SCORE = 2
BLEEDING_NOTE = "n/a after ketamine"


class Ambulation(enum.IntEnum):
    """PADSS ambulation item; the value is the points."""

    UNABLE = 0
    NEEDS_HELP = 1
    STEADY = 2

    @property
    def label(self) -> str:
        return ("Unable to walk", "Walks with help", "Steady gait, no dizziness")[self.value]


class NauseaControl(enum.IntEnum):
    """PADSS nausea/vomiting item; the value is the points."""

    NOT_CONTROLLED = 0
    CONTROLLED_WITH_MEDICATION = 1
    NONE_NEEDING_TREATMENT = 2

    @property
    def label(self) -> str:
        return (
            "Not controlled",
            "Controlled with medication",
            "None needing treatment",
        )[self.value]


def pain_points(pain_rating: int) -> int:
    """PADSS pain points from a 0–10 pain rating: 0–3 → 2, 4–6 → 1, 7–10 → 0."""
    if not 0 <= pain_rating <= 10:
        raise ValueError(f"a pain rating is 0–10, not {pain_rating}")
    if pain_rating <= 3:
        return 2
    if pain_rating <= 6:
        return 1
    return 0


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_padss(
    vitals: VitalsComparison | None,
    ambulation: int | None,
    nausea: int | None,
    pain_rating: int | None,
    bleeding: int = BLEEDING_SCORE,
) -> list[FieldError]:
    """Every problem with the PADSS items, one message per field; empty when it can be scored."""
    errors: list[FieldError] = []
    if vitals is None:
        errors.append(FieldError("vitals", "Record a baseline and a latest full set of vitals."))
    elif vitals.score not in (0, 1, 2):
        errors.append(FieldError("vitals", f"The vitals item is 0–2, not {vitals.score}."))
    if ambulation is None:
        errors.append(FieldError("ambulation", "Choose how the patient walks."))
    elif not _is_int(ambulation) or ambulation not in (0, 1, 2):
        errors.append(FieldError("ambulation", f"Ambulation is 0–2, not {ambulation}."))
    if nausea is None:
        errors.append(FieldError("nausea", "Choose how nausea and vomiting stand."))
    elif not _is_int(nausea) or nausea not in (0, 1, 2):
        errors.append(FieldError("nausea", f"Nausea is 0–2, not {nausea}."))
    if pain_rating is None:
        errors.append(FieldError("pain", "Rate the patient's pain (0–10)."))
    elif not _is_int(pain_rating) or not 0 <= pain_rating <= 10:
        errors.append(FieldError("pain", f"A pain rating is 0–10, not {pain_rating}."))
    if bleeding != BLEEDING_SCORE:
        errors.append(FieldError("bleeding", f"Bleeding is {BLEEDING_NOTE}: always 2."))
    return errors


@dataclass(frozen=True, slots=True)
class PadssItem:
    """One line of the score sheet."""

    id: str
    label: str
    points: int
    note: str


@dataclass(frozen=True, slots=True)
class PadssScore:
    """A checked modified PADSS; building one with an invalid item raises ``ValidationFailed``."""

    vitals: VitalsComparison
    ambulation: int
    nausea: int
    pain_rating: int  # the 0–10 rating the pain item comes from
    bleeding: int = BLEEDING_SCORE

    def __post_init__(self) -> None:
        errors = validate_padss(
            self.vitals, self.ambulation, self.nausea, self.pain_rating, self.bleeding
        )
        if errors:
            raise ValidationFailed(errors)

    @property
    def pain(self) -> int:
        return pain_points(self.pain_rating)

    @property
    def total(self) -> int:
        return self.vitals.score + self.ambulation + self.nausea + self.pain + self.bleeding

    @property
    def fit(self) -> bool:
        """Fit for discharge on this score (9 or more out of 10)."""
        return self.total >= PADSS_FIT_AT

    @property
    def items(self) -> tuple[PadssItem, ...]:
        return (
            PadssItem("vitals", "Vital signs", self.vitals.score, self.vitals.summary),
            PadssItem(
                "ambulation", "Ambulation", self.ambulation, Ambulation(self.ambulation).label
            ),
            PadssItem("nausea", "Nausea/vomiting", self.nausea, NauseaControl(self.nausea).label),
            PadssItem("pain", "Pain", self.pain, f"Pain rated {self.pain_rating}/10"),
            PadssItem("bleeding", "Bleeding", self.bleeding, BLEEDING_NOTE),
        )
