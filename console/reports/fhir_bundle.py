"""One session as a FHIR R4 Bundle: Patient, Encounter, vital-sign Observations, medication given.

Plain Python (no Qt): the result is a JSON-ready ``dict``.

Choices made here:

* **Bundle type "collection"**: the export hands a set of resources to another system (an EHR
  importing them one by one). A "document" Bundle would need a Composition first and stands for
  one attested, human-readable document; the PDF report is that document. Resource ids and
  ``urn:uuid`` full URLs are derived from the session's uid (UUID 5), so exporting the same
  session twice gives the same ids and an importer can recognise a repeat.
* **What is exported**: the *charted* values a records system wants, not every 1 Hz sample:
  every hand-entered value, every cuff (NIBP) reading, and one device value per minute for the
  continuous parameters (the first sample of each minute, a real reading, not an average). A
  ``device_interval_s`` of 0 exports every sample. The CSV export has every sample.
* **Blood pressure**: systolic, diastolic and mean taken together (same time) become one
  85354-9 panel with 8480-6 / 8462-4 / 8478-0 components, as the FHIR vital-signs profile asks. A
  value without its partner (which the monitor should never send) is exported on its own code.
* **Parameters without a LOINC code given in the issue are left out**: pulse rate from the
  oximeter (PR), perfusion index (PI) and end-tidal CO2 (EtCO2). SpO2 carries both 2708-6 and
  59408-5, as the R4 pulse-oximetry profile requires.
* **Medication codes**: esketamine is coded RxNorm 2201623 ("esketamine Nasal Spray", the
  clinical drug form; Vigil only records it intranasally). Racemic ketamine is sent as text only:
  its RxNorm code could not be checked against a reliable source when this was written.
  Rescue medication from the adverse-event records is exported too, as text.
* **A dose marked entered in error** stays in the bundle with status "entered-in-error" (FHIR's
  way to nullify a record another system may already hold) and the signed reason as a note;
  receivers count only "completed" administrations. The vitals CSV holds no doses.
* **Encounter status**: discharged → finished; aborted before any dose → cancelled; aborted after
  a dose → finished (the dosing happened; the abort is in the report); still open → in-progress.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseRecord
from console.domain.events import AdverseEvent
from console.domain.lifecycle import SessionState
from console.domain.review import SessionDossier, VitalSeries
from console.domain.vitals import Parameter

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
VITAL_SIGNS_PROFILE = "http://hl7.org/fhir/StructureDefinition/vitalsigns"
BP_PROFILE = "http://hl7.org/fhir/StructureDefinition/bp"

DEFAULT_DEVICE_INTERVAL_S = 60

# a fixed namespace, so resource ids follow from the session uid (never change this value)
_NAMESPACE = uuid.UUID("6f1d3c1e-5b52-4f7e-9a59-3d1f0e7a2b44")


@dataclass(frozen=True, slots=True)
class Vital:
    """How one parameter is coded in FHIR: LOINC code(s), display, and the UCUM unit."""

    codes: tuple[tuple[str, str], ...]  # (LOINC code, display), the first is the main one
    ucum: str
    unit: str  # the unit as people read it


VITALS: dict[Parameter, Vital] = {
    Parameter.HR: Vital((("8867-4", "Heart rate"),), "/min", "/min"),
    Parameter.SPO2: Vital(
        (
            ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
            ("2708-6", "Oxygen saturation in Arterial blood"),
        ),
        "%",
        "%",
    ),
    Parameter.RR: Vital((("9279-1", "Respiratory rate"),), "/min", "/min"),
    Parameter.TEMP: Vital((("8310-5", "Body temperature"),), "Cel", "°C"),
    Parameter.NIBP_SYS: Vital((("8480-6", "Systolic blood pressure"),), "mm[Hg]", "mmHg"),
    Parameter.NIBP_DIA: Vital((("8462-4", "Diastolic blood pressure"),), "mm[Hg]", "mmHg"),
    Parameter.NIBP_MEAN: Vital((("8478-0", "Mean blood pressure"),), "mm[Hg]", "mmHg"),
}
SKIPPED: frozenset[Parameter] = frozenset(p for p in Parameter if p not in VITALS)
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
_BP = (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN)

ROUTES: dict[Route, tuple[str, str]] = {  # SNOMED CT route of administration
    Route.IV_INFUSION: ("47625008", "Intravenous route"),
    Route.IM: ("78421000", "Intramuscular route"),
    Route.SUBLINGUAL: ("37839007", "Sublingual route"),
    Route.ORAL: ("26643006", "Oral route"),
    Route.INTRANASAL: ("46713006", "Nasal route"),
}

MEDICATIONS: dict[Drug, dict[str, Any]] = {
    Drug.KETAMINE: {"text": "ketamine (racemic)"},
    Drug.ESKETAMINE: {
        "coding": [{"system": RXNORM, "code": "2201623", "display": "esketamine Nasal Spray"}],
        "text": "esketamine",
    },
}


@dataclass(frozen=True, slots=True)
class Charted:
    """One exported value: when, how much, and whether it was typed in by hand."""

    at: float  # seconds since the epoch, UTC
    value: float
    manual: bool


def fhir_datetime(when: datetime) -> str:
    """A FHIR dateTime/instant in UTC ("2026-03-08T06:30:00Z"); naive times are refused."""
    if when.utcoffset() is None:
        raise ValueError(f"a FHIR time must be timezone-aware, got {when!r}")
    utc = when.astimezone(UTC)
    spec = "seconds" if utc.microsecond == 0 else "milliseconds"
    return utc.isoformat(timespec=spec).replace("+00:00", "Z")


def _epoch(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


def charted_values(series: VitalSeries, device_interval_s: int) -> list[Charted]:
    """The values worth charting: hand entries, cuff readings, one device value per interval."""
    every = series.parameter in _BP or device_interval_s <= 0
    seen: set[int] = set()
    out: list[Charted] = []
    for at, value, manual in zip(series.times, series.values, series.manual, strict=True):
        if not math.isfinite(value):
            continue
        if not (manual or every):
            bucket = int(at // device_interval_s)
            if bucket in seen:
                continue
            seen.add(bucket)
        out.append(Charted(at, value, manual))
    return out


class _Ids:
    """Stable ``urn:uuid`` full URLs derived from the session's uid."""

    def __init__(self, session_uid: str) -> None:
        self._base = session_uid

    def uuid(self, *parts: object) -> str:
        return str(uuid.uuid5(_NAMESPACE, "/".join([self._base, *map(str, parts)])))

    @staticmethod
    def url(resource_id: str) -> str:
        return f"urn:uuid:{resource_id}"


def _quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    if not math.isfinite(value):  # never written as NaN/Infinity (not JSON): the value is left out
        return {"unit": unit, "system": UCUM, "code": code}
    number: float | int = int(value) if float(value).is_integer() else round(value, 3)
    return {"value": number, "unit": unit, "system": UCUM, "code": code}


def _loinc(codes: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {
        "coding": [{"system": LOINC, "code": c, "display": d} for c, d in codes],
        "text": codes[0][1],
    }


def _uid_identifier(uid: str) -> list[dict[str, str]]:
    """The record's own uid as an identifier, when it is a UUID (it always is when stored)."""
    try:
        value = uuid.UUID(uid)
    except ValueError:
        return []
    return [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{value}"}]


def _method(manual: bool) -> dict[str, Any]:
    return {"text": "entered by hand" if manual else "from the monitor"}


def _encounter_status(dossier: SessionDossier) -> str:
    state = dossier.session.state
    if state is SessionState.DISCHARGED:
        return "finished"
    if state is SessionState.ABORTED:
        return "finished" if dossier.session.t0 is not None or dossier.doses else "cancelled"
    return "in-progress"


class _Builder:
    def __init__(
        self,
        dossier: SessionDossier,
        device_interval_s: int,
        chart_id_system: str | None,
    ) -> None:
        self.d = dossier
        self.ids = _Ids(dossier.session.uid)
        self.interval = device_interval_s
        self.chart_id_system = chart_id_system
        self.patient_url = self.ids.url(self.ids.uuid("patient"))
        self.encounter_url = self.ids.url(self.ids.uuid("encounter"))
        self.location_url = self.ids.url(self.ids.uuid("location"))
        self.entries: list[dict[str, Any]] = []
        self.practitioners: dict[int, str] = {}

    # -- plumbing -----------------------------------------------------------------------------
    def add(self, resource: dict[str, Any]) -> None:
        self.entries.append({"fullUrl": self.ids.url(resource["id"]), "resource": resource})

    def practitioner(self, staff_id: int) -> dict[str, Any]:
        """A reference to the staff member's Practitioner (added on first use)."""
        url = self.practitioners.get(staff_id)
        if url is None:
            resource_id = self.ids.uuid("staff", staff_id)
            url = self.ids.url(resource_id)
            self.practitioners[staff_id] = url
            self.add(
                {
                    "resourceType": "Practitioner",
                    "id": resource_id,
                    "name": [{"text": self.d.name(staff_id)}],
                }
            )
        return {"reference": url, "display": self.d.name(staff_id)}

    def subject(self) -> dict[str, Any]:
        return {"reference": self.patient_url, "display": self.d.patient.display_name}

    def encounter(self) -> dict[str, Any]:
        return {"reference": self.encounter_url}

    # -- resources ----------------------------------------------------------------------------
    def patient(self) -> None:
        p = self.d.patient
        identifier: dict[str, Any] = {
            "use": "usual",
            "type": {
                "coding": [
                    {"system": IDENTIFIER_TYPE, "code": "MR", "display": "Medical record number"}
                ],
                "text": "Chart id",
            },
            "value": p.chart_id,
        }
        if self.chart_id_system:
            identifier["system"] = self.chart_id_system
        self.add(
            {
                "resourceType": "Patient",
                "id": self.ids.uuid("patient"),
                "identifier": [identifier],
                "name": [{"text": p.display_name}],
                "birthDate": p.date_of_birth.isoformat(),
            }
        )

    def location(self) -> None:
        self.add(
            {
                "resourceType": "Location",
                "id": self.ids.uuid("location"),
                "status": "active",
                "name": self.d.room,
                "mode": "instance",
            }
        )

    def encounter_resource(self) -> None:
        s = self.d.session
        period: dict[str, str] = {"start": fhir_datetime(s.checked_in_at)}
        if s.closed_at is not None:
            period["end"] = fhir_datetime(s.closed_at)
        participants: list[dict[str, Any]] = [
            {
                "type": [
                    {
                        "coding": [
                            {
                                "system": PARTICIPATION,
                                "code": "PPRF",
                                "display": "primary performer",
                            }
                        ],
                        "text": "therapist",
                    }
                ],
                "individual": self.practitioner(s.therapist_id),
            }
        ]
        if s.medical_staff_id is not None:
            participants.append(
                {
                    "type": [
                        {
                            "coding": [
                                {"system": PARTICIPATION, "code": "ATND", "display": "attender"}
                            ],
                            "text": "medical staff",
                        }
                    ],
                    "individual": self.practitioner(s.medical_staff_id),
                }
            )
        encounter: dict[str, Any] = {
            "resourceType": "Encounter",
            "id": self.ids.uuid("encounter"),
            "status": _encounter_status(self.d),
            "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
            "type": [{"text": "Monitored dosing session (ketamine-assisted psychotherapy)"}],
            "subject": self.subject(),
            "participant": participants,
            "period": period,
            "location": [{"location": {"reference": self.location_url, "display": self.d.room}}],
        }
        identifier = _uid_identifier(s.uid)
        if identifier:
            encounter["identifier"] = identifier
        self.add(encounter)

    def _observation(
        self, key: tuple[object, ...], at: float, manual: bool, profile: str
    ) -> dict[str, Any]:
        return {
            "resourceType": "Observation",
            "id": self.ids.uuid("obs", *key),
            "meta": {"profile": [profile]},
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": OBSERVATION_CATEGORY,
                            "code": "vital-signs",
                            "display": "Vital Signs",
                        }
                    ],
                    "text": "Vital Signs",
                }
            ],
            "subject": self.subject(),
            "encounter": self.encounter(),
            "effectiveDateTime": fhir_datetime(_epoch(at)),
            "method": _method(manual),
        }

    def single(self, parameter: Parameter, value: Charted) -> None:
        vital = VITALS[parameter]
        resource = self._observation(
            (parameter.value, repr(value.at)), value.at, value.manual, VITAL_SIGNS_PROFILE
        )
        resource["code"] = _loinc(vital.codes)
        resource["valueQuantity"] = _quantity(value.value, vital.unit, vital.ucum)
        self.add(resource)

    def observations(self) -> None:
        charted = {
            parameter: charted_values(series, self.interval)
            for parameter, series in self.d.vitals.items()
            if parameter in VITALS
        }
        for parameter in (Parameter.HR, Parameter.SPO2, Parameter.RR, Parameter.TEMP):
            for value in charted.get(parameter, []):
                self.single(parameter, value)
        by_time: dict[float, dict[Parameter, Charted]] = {}
        for parameter in _BP:
            for value in charted.get(parameter, []):
                by_time.setdefault(value.at, {})[parameter] = value
        for at in sorted(by_time):
            group = by_time[at]
            if Parameter.NIBP_SYS in group and Parameter.NIBP_DIA in group:
                self.panel(at, group)
            else:
                for parameter, value in group.items():
                    self.single(parameter, value)

    def panel(self, at: float, group: dict[Parameter, Charted]) -> None:
        manual = any(v.manual for v in group.values())
        resource = self._observation(("bp", repr(at)), at, manual, BP_PROFILE)
        resource["code"] = _loinc((BP_PANEL,))
        resource["component"] = [
            {
                "code": _loinc(VITALS[parameter].codes),
                "valueQuantity": _quantity(
                    group[parameter].value, VITALS[parameter].unit, VITALS[parameter].ucum
                ),
            }
            for parameter in _BP
            if parameter in group
        ]
        self.add(resource)

    def dose(self, dose: DoseRecord) -> None:
        code, display = ROUTES[dose.route]
        dosage: dict[str, Any] = {
            "text": dose.summary,
            "route": {
                "coding": [{"system": SNOMED, "code": code, "display": display}],
                "text": dose.route.label,
            },
            "dose": _quantity(dose.amount_mg, "mg", "mg"),
        }
        if dose.rate_mg_per_h is not None:
            dosage["rateQuantity"] = _quantity(dose.rate_mg_per_h, "mg/h", "mg/h")
        resource: dict[str, Any] = {
            "resourceType": "MedicationAdministration",
            "id": self.ids.uuid("dose", dose.uid),
            # a dose marked entered in error is nullified the FHIR way: kept, never counted
            "status": "completed" if dose.correction is None else "entered-in-error",
            "medicationCodeableConcept": MEDICATIONS[dose.drug],
            "subject": self.subject(),
            "context": self.encounter(),
            "performer": [{"actor": self.practitioner(dose.given_by_id)}],
            "dosage": dosage,
        }
        identifier = _uid_identifier(dose.uid)
        if identifier:
            resource["identifier"] = identifier
        if dose.ended_at is not None:
            resource["effectivePeriod"] = {
                "start": fhir_datetime(dose.started_at),
                "end": fhir_datetime(dose.ended_at),
            }
        else:
            resource["effectiveDateTime"] = fhir_datetime(dose.started_at)
        notes = []
        if dose.lot:
            notes.append(f"Lot {dose.lot}")
        if dose.device_count:
            notes.append(f"{dose.device_count} nasal device(s)")
        if dose.confirm_reason:
            notes.append(f"Queried by the slip guard, confirmed: {dose.confirm_reason}")
        if dose.correction is not None:
            fix = dose.correction
            notes.append(
                f"Entered in error: {fix.reason} (signed {fix.printed_name}, "
                f"{fhir_datetime(fix.signed_at)})"
            )
        if notes:
            resource["note"] = [{"text": "; ".join(notes)}]
        self.add(resource)

    def rescue(self, event: AdverseEvent) -> None:
        if not event.rescue_given or event.rescue_at is None:
            return
        dosage: dict[str, Any] = {"text": f"Rescue medication: {event.rescue_drug}"}
        if event.rescue_route:
            dosage["route"] = {"text": event.rescue_route}
        if event.rescue_dose_mg is not None:
            dosage["dose"] = _quantity(event.rescue_dose_mg, "mg", "mg")
        self.add(
            {
                "resourceType": "MedicationAdministration",
                "id": self.ids.uuid("rescue", event.uid),
                "status": "completed",
                "medicationCodeableConcept": {"text": event.rescue_drug},
                "subject": self.subject(),
                "context": self.encounter(),
                "effectiveDateTime": fhir_datetime(event.rescue_at),
                "performer": [{"actor": self.practitioner(event.author_id)}],
                "reasonCode": [{"text": f"Adverse event: {event.kind} ({event.severity.value})"}],
                "dosage": dosage,
            }
        )


def fhir_bundle(
    dossier: SessionDossier,
    *,
    generated_at: datetime,
    device_interval_s: int = DEFAULT_DEVICE_INTERVAL_S,
    chart_id_system: str | None = None,
) -> dict[str, Any]:
    """The session as a FHIR R4 "collection" Bundle (a JSON-ready dict).

    ``device_interval_s``: one device value per this many seconds for the continuous parameters
    (0 exports every sample). ``chart_id_system``: the clinic's identifier namespace for chart
    ids (a URI), when it has one; without it the Patient identifier carries only its type (MR).
    """
    builder = _Builder(dossier, device_interval_s, chart_id_system)
    builder.patient()
    builder.location()
    builder.encounter_resource()
    builder.observations()
    for dose in dossier.doses:
        builder.dose(dose)
    for event in dossier.adverse_events:
        builder.rescue(event)
    return {
        "resourceType": "Bundle",
        "id": builder.ids.uuid("bundle", fhir_datetime(generated_at)),
        "meta": {"lastUpdated": fhir_datetime(generated_at)},
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:uuid:{builder.ids.uuid('bundle')}",
        },
        "type": "collection",
        "timestamp": fhir_datetime(generated_at),
        "entry": builder.entries,
    }


def resources(bundle: dict[str, Any], resource_type: str) -> Iterator[dict[str, Any]]:
    """The resources of one type in a bundle, in order (for tests and callers that inspect it)."""
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        if resource["resourceType"] == resource_type:
            yield resource
