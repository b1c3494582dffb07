"""The FHIR R4 export, read back by the SMART on FHIR R4 models (fhirclient, strict)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fhirclient.models.bundle import Bundle
from fhirclient.models.encounter import Encounter
from fhirclient.models.fhirabstractbase import FHIRValidationError
from fhirclient.models.location import Location
from fhirclient.models.medicationadministration import MedicationAdministration
from fhirclient.models.observation import Observation
from fhirclient.models.patient import Patient
from fhirclient.models.practitioner import Practitioner

from console.domain.doses import Drug, Route
from console.domain.doses_record import DoseRecord
from console.domain.lifecycle import SessionState
from console.domain.vitals import Parameter
from console.reports.fhir_bundle import fhir_bundle, resources
from tests.console.reports.sample_dossier import NURSE, T0, sample_dossier

GENERATED = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
MODELS = {
    "Patient": Patient,
    "Encounter": Encounter,
    "Observation": Observation,
    "MedicationAdministration": MedicationAdministration,
    "Practitioner": Practitioner,
    "Location": Location,
}
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


@pytest.fixture(scope="module")
def dossier():
    return sample_dossier(minutes=150)


@pytest.fixture(scope="module")
def bundle(dossier):
    return json.loads(json.dumps(fhir_bundle(dossier, generated_at=GENERATED)))  # as on disk


def codes(resource) -> list[str]:
    return [c["code"] for c in resource["code"]["coding"]]


def observations_with(bundle, code: str) -> list[dict]:
    return [o for o in resources(bundle, "Observation") if codes(o)[0] == code]


def at(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def test_the_bundle_and_every_resource_parse_with_the_strict_r4_models(bundle):
    parsed = Bundle(bundle, strict=True)
    assert parsed.type == "collection"
    assert len(parsed.entry) == len(bundle["entry"])
    for entry in bundle["entry"]:
        resource = entry["resource"]
        model = MODELS[resource["resourceType"]](resource, strict=True)
        # nothing was dropped or changed on the way through the model
        assert model.as_json() == resource
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"


def test_the_strict_models_do_reject_a_wrong_field(bundle):
    broken = json.loads(json.dumps(bundle))
    next(resources(broken, "Observation"))["valueQuantity"]["value"] = "ninety"
    with pytest.raises(FHIRValidationError):
        Bundle(broken, strict=True)


def test_every_reference_resolves_to_an_entry_of_the_bundle(bundle):
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("reference"), str):
                found.append(node["reference"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(bundle)
    assert len(found) > 500
    assert set(found) <= full_urls
    patient = next(resources(bundle, "Patient"))
    encounter = next(resources(bundle, "Encounter"))
    for kind in ("Observation", "MedicationAdministration"):
        for resource in resources(bundle, kind):
            assert resource["subject"]["reference"] == f"urn:uuid:{patient['id']}"
            link = resource["encounter" if kind == "Observation" else "context"]
            assert link["reference"] == f"urn:uuid:{encounter['id']}"


def test_patient_and_encounter_carry_the_chart_id_birth_date_and_period(bundle, dossier):
    patient = next(resources(bundle, "Patient"))
    assert patient["identifier"][0]["value"] == "MRN-20417"
    assert patient["identifier"][0]["type"]["coding"][0]["code"] == "MR"
    assert patient["name"] == [{"text": "J. D."}]
    assert patient["birthDate"] == "1986-04-12"
    encounter = next(resources(bundle, "Encounter"))
    assert encounter["status"] == "finished"
    assert encounter["class"]["code"] == "AMB"
    assert encounter["period"] == {"start": "2026-03-08T14:00:00Z", "end": "2026-03-08T16:30:00Z"}
    assert encounter["identifier"][0]["value"] == f"urn:uuid:{dossier.session.uid}"
    names = {p["individual"]["display"] for p in encounter["participant"]}
    assert names == {"Alex Morgan", "Jordan Lee"}
    assert next(resources(bundle, "Location"))["name"] == "Room 1"


@pytest.mark.parametrize(
    ("state", "t0", "status"),
    [
        (SessionState.ABORTED, None, "cancelled"),
        (SessionState.ABORTED, T0, "finished"),
        (SessionState.RECOVERY, T0, "in-progress"),
    ],
)
def test_encounter_status_follows_the_session_state(dossier, state, t0, status):
    record = replace(
        dossier.session,
        state=state,
        t0=t0,
        closed_at=None if state.is_open else dossier.session.closed_at,
    )
    changed = replace(dossier, session=record, doses=() if t0 is None else dossier.doses)
    encounter = next(resources(fhir_bundle(changed, generated_at=GENERATED), "Encounter"))
    assert encounter["status"] == status
    assert ("end" in encounter["period"]) is (not state.is_open)


def test_vital_sign_observations_have_loinc_codes_ucum_units_and_the_category(bundle):
    expected = {
        "8867-4": ("/min", "/min"),
        "59408-5": ("%", "%"),
        "9279-1": ("/min", "/min"),
        "8310-5": ("Cel", "°C"),
    }
    observations = list(resources(bundle, "Observation"))
    main_codes = {codes(o)[0] for o in observations}
    assert main_codes == {*expected, "85354-9"}  # PR and perfusion index are left out
    for observation in observations:
        assert observation["status"] == "final"
        category = observation["category"][0]["coding"][0]
        assert (category["code"], category["system"]) == (
            "vital-signs",
            "http://terminology.hl7.org/CodeSystem/observation-category",
        )
        assert all(c["system"] == LOINC for c in observation["code"]["coding"])
        code = codes(observation)[0]
        if code in expected:
            quantity = observation["valueQuantity"]
            assert (quantity["code"], quantity["unit"]) == expected[code]
            assert quantity["system"] == UCUM
    spo2 = observations_with(bundle, "59408-5")[0]
    assert codes(spo2) == ["59408-5", "2708-6"]  # the R4 pulse-oximetry profile wants both


def test_blood_pressure_is_a_panel_of_systolic_diastolic_and_mean(bundle, dossier):
    panels = observations_with(bundle, "85354-9")
    systolic = dossier.vitals[Parameter.NIBP_SYS]
    assert len(panels) == len(systolic.times)  # every cuff reading and hand-entered BP
    assert not observations_with(bundle, "8480-6")  # never on its own
    first = panels[0]
    assert first["effectiveDateTime"] == at(systolic.times[0])
    components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in first["component"]}
    assert set(components) == {"8480-6", "8462-4", "8478-0"}
    assert components["8480-6"]["value"] == systolic.values[0]
    assert components["8462-4"]["value"] == dossier.vitals[Parameter.NIBP_DIA].values[0]
    assert all(q["code"] == "mm[Hg]" and q["system"] == UCUM for q in components.values())
    by_hand = [p for p in panels if p["method"]["text"] == "entered by hand"]
    assert len(by_hand) == 2
    assert {len(p["component"]) for p in by_hand} == {2}  # a hand-entered BP has no mean


def test_device_values_are_charted_once_a_minute_and_hand_entries_all(bundle, dossier):
    hr = dossier.vitals[Parameter.HR]
    device_minutes = {int(t // 60) for t, m in zip(hr.times, hr.manual, strict=True) if not m}
    exported = observations_with(bundle, "8867-4")
    assert len(exported) == len(device_minutes) + sum(hr.manual)
    assert len(device_minutes) == 150 - 1  # 150 minutes, one without a signal
    manual_times = [t for t, m in zip(hr.times, hr.manual, strict=True) if m]
    manual = [o for o in exported if o["method"]["text"] == "entered by hand"]
    assert [o["effectiveDateTime"] for o in manual] == [at(t) for t in manual_times]
    temperature = observations_with(bundle, "8310-5")
    assert [o["valueQuantity"]["value"] for o in temperature] == [36.7, 36.7]


def test_every_sample_is_exported_when_asked(dossier):
    everything = fhir_bundle(dossier, generated_at=GENERATED, device_interval_s=0)
    assert len(observations_with(everything, "8867-4")) == len(dossier.vitals[Parameter.HR].times)


def test_each_dose_and_rescue_drug_is_a_medication_administration(bundle, dossier):
    given = list(resources(bundle, "MedicationAdministration"))
    assert len(given) == len(dossier.doses) + 1  # the two ketamine doses and the ondansetron
    first, booster, rescue = given
    assert first["status"] == "completed"
    assert first["medicationCodeableConcept"] == {"text": "ketamine (racemic)"}
    assert first["effectiveDateTime"] == "2026-03-08T14:25:00Z"
    assert first["dosage"]["dose"] == {"value": 50, "unit": "mg", "system": UCUM, "code": "mg"}
    route = first["dosage"]["route"]["coding"][0]
    assert (route["system"], route["code"]) == ("http://snomed.info/sct", "78421000")
    assert first["performer"][0]["actor"]["display"] == "Jordan Lee"
    assert first["note"] == [{"text": "Lot KT-2291"}]
    assert booster["dosage"]["dose"]["value"] == 25
    assert rescue["medicationCodeableConcept"] == {"text": "ondansetron"}
    assert rescue["dosage"]["dose"]["value"] == 4
    assert rescue["dosage"]["route"] == {"text": "sublingual"}
    assert rescue["effectiveDateTime"] == "2026-03-08T15:10:00Z"
    practitioners = {p["name"][0]["text"] for p in resources(bundle, "Practitioner")}
    assert practitioners == {"Alex Morgan", "Jordan Lee"}


def test_esketamine_is_coded_in_rxnorm_and_an_infusion_has_a_period_and_rate(dossier):
    esketamine = DoseRecord(
        "9d0b8f0e-8c53-4f6b-9c61-0f1c7f2a7c11",
        42,
        Drug.ESKETAMINE,
        Route.INTRANASAL,
        56.0,
        T0,
        NURSE,
        T0,
        device_count=2,
    )
    infusion = DoseRecord(
        "d-inf",
        42,
        Drug.KETAMINE,
        Route.IV_INFUSION,
        36.0,
        T0 + timedelta(minutes=5),
        NURSE,
        T0,
        ended_at=T0 + timedelta(minutes=45),
        rate_mg_per_h=54.0,
    )
    bundle = fhir_bundle(
        replace(dossier, doses=(esketamine, infusion), adverse_events=()), generated_at=GENERATED
    )
    spray, drip = resources(bundle, "MedicationAdministration")
    Bundle(bundle, strict=True)
    coding = spray["medicationCodeableConcept"]["coding"][0]
    assert (coding["system"], coding["code"]) == (
        "http://www.nlm.nih.gov/research/umls/rxnorm",
        "2201623",
    )
    assert spray["dosage"]["route"]["coding"][0]["code"] == "46713006"
    assert spray["note"] == [{"text": "2 nasal device(s)"}]
    assert spray["identifier"][0]["value"] == "urn:uuid:9d0b8f0e-8c53-4f6b-9c61-0f1c7f2a7c11"
    assert drip["effectivePeriod"] == {
        "start": "2026-03-08T14:30:00Z",
        "end": "2026-03-08T15:10:00Z",
    }
    assert drip["dosage"]["rateQuantity"] == {
        "value": 54,
        "unit": "mg/h",
        "system": UCUM,
        "code": "mg/h",
    }
    assert drip["dosage"]["route"]["coding"][0]["code"] == "47625008"
    assert "identifier" not in drip  # "d-inf" is no UUID: no made-up identifier


def test_the_same_session_gives_the_same_ids_and_naive_times_are_refused(dossier, bundle):
    again = json.loads(json.dumps(fhir_bundle(dossier, generated_at=GENERATED)))
    assert again == bundle
    with pytest.raises(ValueError, match="timezone-aware"):
        fhir_bundle(dossier, generated_at=datetime(2026, 3, 9, 10, 0))
