"""The discharge record as typed, frozen, versioned data: the draft and the signed discharge.

``to_json`` gives the plain dict that is stored (and digested when signed); ``from_json`` reads
what today's code stores as well as the older shapes still on disk: drafts without a
``version``, a vitals confirmation without the confirmed numbers, a ride without who confirmed
it. Anything malformed reads as absent rather than failing, so an old record still opens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from console.domain.vitals import Parameter

DRAFT_VERSION = 1  # the shape written today; from_json reads it and the unversioned drafts


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _when(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class Mark:
    """Who answered or confirmed something, and when."""

    by_id: int
    at: datetime

    @staticmethod
    def from_json(entry: Any) -> Mark | None:
        if not isinstance(entry, dict) or entry.get("by") is None:
            return None
        at = _when(entry.get("at"))
        try:
            return Mark(int(entry["by"]), at) if at is not None else None
        except (TypeError, ValueError):
            return None

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by_id, "at": _iso(self.at)}


def _with_mark(data: dict[str, Any], mark: Mark | None) -> dict[str, Any]:
    return {**data, **mark.to_json()} if mark is not None else data


@dataclass(frozen=True, slots=True)
class ItemOverride:
    """A tick the record contradicted, signed anyway: the override's id, reason and what it was."""

    uid: str
    reason: str
    against: str


@dataclass(frozen=True, slots=True)
class Answer:
    """The clinician's tick (or untick) of one checklist item."""

    done: bool
    mark: Mark | None
    override: ItemOverride | None = None

    @staticmethod
    def from_json(entry: Any) -> Answer | None:
        if not isinstance(entry, dict):
            return None
        signed = entry.get("override")
        override = (
            ItemOverride(
                str(signed.get("uid", "")),
                str(signed.get("reason", "")),
                str(signed.get("against", "")),
            )
            if isinstance(signed, dict)
            else None
        )
        return Answer(entry.get("done") is True, Mark.from_json(entry), override)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"done": self.done}
        if self.mark is not None:
            data.update(self.mark.to_json())
        if self.override is not None:
            o = self.override
            data["override"] = {"uid": o.uid, "reason": o.reason, "against": o.against}
        return data


@dataclass(frozen=True, slots=True)
class Choice:
    """A PADSS answer chosen from a list (ambulation, nausea): its points, who, when."""

    value: int
    mark: Mark | None

    @staticmethod
    def from_json(entry: Any) -> Choice | None:
        value = _int(entry.get("value")) if isinstance(entry, dict) else None
        return Choice(value, Mark.from_json(entry)) if value is not None else None

    def to_json(self) -> dict[str, Any]:
        return _with_mark({"value": self.value}, self.mark)


def _numbers(entry: Any) -> dict[Parameter, float] | None:
    if not isinstance(entry, dict):
        return None
    try:
        return {Parameter(k): float(v) for k, v in entry.items()}
    except (ValueError, TypeError):
        return None


@dataclass(frozen=True, slots=True)
class ConfirmedVitals:
    """The PADSS vitals item as confirmed; older drafts kept only the summary and the score."""

    summary: str
    score: int | None
    baseline: Mapping[Parameter, float] | None
    latest: Mapping[Parameter, float] | None
    mark: Mark | None

    @staticmethod
    def from_json(entry: Any) -> ConfirmedVitals | None:
        if not isinstance(entry, dict):
            return None
        return ConfirmedVitals(
            str(entry.get("summary", "")),
            _int(entry.get("score")),
            _numbers(entry.get("baseline")),
            _numbers(entry.get("latest")),
            Mark.from_json(entry),
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"summary": self.summary, "score": self.score}
        if self.baseline is not None and self.latest is not None:
            data["baseline"] = {p.value: v for p, v in self.baseline.items()}
            data["latest"] = {p.value: v for p, v in self.latest.items()}
        return _with_mark(data, self.mark)


@dataclass(frozen=True, slots=True)
class RideEntry:
    """The ride home as typed or confirmed here (or prefilled from check-in, unconfirmed)."""

    driver_name: str = ""
    phone: str = ""
    relationship: str = ""
    confirmed_at: datetime | None = None
    mark: Mark | None = None

    @property
    def empty(self) -> bool:
        return not (self.driver_name or self.phone or self.relationship or self.confirmed_at)

    @staticmethod
    def from_json(entry: Any) -> RideEntry:
        if not isinstance(entry, dict):
            return RideEntry()
        return RideEntry(
            str(entry.get("driver_name") or ""),
            str(entry.get("phone") or ""),
            str(entry.get("relationship") or ""),
            _when(entry.get("confirmed_at")),
            Mark.from_json(entry),
        )

    def to_json(self) -> dict[str, Any]:
        data = {
            "driver_name": self.driver_name,
            "phone": self.phone,
            "relationship": self.relationship,
            "confirmed_at": _iso(self.confirmed_at),
        }
        return _with_mark(data, self.mark)


@dataclass(frozen=True, slots=True)
class Booking:
    """A time recorded by staff (the integration session, the REMS "ready to leave")."""

    when: datetime | None
    mark: Mark | None

    @staticmethod
    def from_json(entry: Any) -> Booking | None:
        if not isinstance(entry, dict):
            return None
        return Booking(_when(entry.get("when")), Mark.from_json(entry))

    def to_json(self) -> dict[str, Any]:
        return _with_mark({"when": _iso(self.when)}, self.mark)


@dataclass(frozen=True, slots=True)
class DischargeDraft:
    """A session's discharge while it is being filled in (version ``DRAFT_VERSION``)."""

    esketamine: bool = False
    answers: Mapping[str, Answer] = field(default_factory=dict)
    vitals: ConfirmedVitals | None = None
    ambulation: Choice | None = None
    nausea: Choice | None = None
    ride: RideEntry = RideEntry()
    integration: Booking | None = None
    ready: Booking | None = None
    version: int = DRAFT_VERSION

    def answer(self, item_id: str) -> Answer | None:
        return self.answers.get(item_id)

    def with_answer(self, item_id: str, answer: Answer) -> DischargeDraft:
        return replace(self, answers={**self.answers, item_id: answer})

    @staticmethod
    def from_json(data: Mapping[str, Any] | None) -> DischargeDraft:
        """The draft in ``data``, in today's shape or an older one (see the module docstring)."""
        data = data if isinstance(data, Mapping) else {}
        version = _int(data.get("version")) or DRAFT_VERSION
        if version > DRAFT_VERSION:
            raise ValueError(f"a discharge record of version {version} is newer than this console")
        answers = data.get("answers")
        padss = data.get("padss")
        padss = padss if isinstance(padss, dict) else {}
        return DischargeDraft(
            esketamine=bool(data.get("esketamine")),
            answers={
                str(k): a
                for k, v in (answers.items() if isinstance(answers, dict) else ())
                if (a := Answer.from_json(v)) is not None
            },
            vitals=ConfirmedVitals.from_json(padss.get("vitals")),
            ambulation=Choice.from_json(padss.get("ambulation")),
            nausea=Choice.from_json(padss.get("nausea")),
            ride=RideEntry.from_json(data.get("ride")),
            integration=Booking.from_json(data.get("integration")),
            ready=Booking.from_json(data.get("ready")),
            version=version,
        )

    def to_json(self) -> dict[str, Any]:
        padss: dict[str, Any] = {}
        if self.vitals is not None:
            padss["vitals"] = self.vitals.to_json()
        if self.ambulation is not None:
            padss["ambulation"] = self.ambulation.to_json()
        if self.nausea is not None:
            padss["nausea"] = self.nausea.to_json()
        data: dict[str, Any] = {
            "version": self.version,
            "esketamine": self.esketamine,
            "answers": {k: a.to_json() for k, a in self.answers.items()},
            "padss": padss,
            "ride": self.ride.to_json(),
        }
        if self.integration is not None:
            data["integration"] = self.integration.to_json()
        if self.ready is not None:
            data["ready"] = self.ready.to_json()
        return data


@dataclass(frozen=True, slots=True)
class SignedDischarge:
    """The discharge as signed: the draft, what was still open, the PADSS total, the REMS
    minutes (esketamine only), the override's id when open items were overridden, and the
    signature's printed name and meaning.
    """

    draft: DischargeDraft
    open_items: tuple[str, ...]
    padss_total: int | None
    rems_total_minutes: int | None = None
    rems_ready_minutes: int | None = None
    rems: bool = False  # the REMS minutes were recorded (esketamine)
    override_uid: str | None = None
    signature_name: str = ""
    signature_meaning: str = ""
    signature_at: datetime | None = None

    @staticmethod
    def from_json(data: Mapping[str, Any] | None) -> SignedDischarge:
        data = data if isinstance(data, Mapping) else {}
        rems = data.get("rems")
        signature = data.get("signature")
        signature = signature if isinstance(signature, dict) else {}
        items = data.get("open_items")
        uid = data.get("override_uid")
        return SignedDischarge(
            draft=DischargeDraft.from_json(data),
            open_items=tuple(str(i) for i in items) if isinstance(items, list) else (),
            padss_total=_int(data.get("padss_total")),
            rems_total_minutes=_int(rems.get("total_minutes")) if isinstance(rems, dict) else None,
            rems_ready_minutes=_int(rems.get("ready_minutes")) if isinstance(rems, dict) else None,
            rems=isinstance(rems, dict),
            override_uid=str(uid) if uid else None,
            signature_name=str(signature.get("name", "")),
            signature_meaning=str(signature.get("meaning", "")),
            signature_at=_when(signature.get("at")),
        )

    def to_json(self) -> dict[str, Any]:
        data = self.draft.to_json()
        if self.override_uid:
            data["override_uid"] = self.override_uid
        data["open_items"] = list(self.open_items)
        data["padss_total"] = self.padss_total
        if self.rems:
            data["rems"] = {
                "total_minutes": self.rems_total_minutes,
                "ready_minutes": self.rems_ready_minutes,
            }
        data["signature"] = {
            "name": self.signature_name,
            "meaning": self.signature_meaning,
            "at": _iso(self.signature_at),
        }
        return data
