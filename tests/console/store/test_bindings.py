"""Monitors bound to patients, chairs and rooms, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from console.domain.lifecycle import SessionState
from console.domain.people import PatientDraft
from console.domain.room import MAX_CHAIRS, DeviceBinding, validate_chair
from console.errors import FieldError, IllegalTransition
from console.store.binding_repository import BindingRepository

PORT = "/dev/ttyUSB0"


def _check_in(clinic, at, *, chair=None, room_id=None, chart="MRN-1") -> int:
    patient = clinic.people.patient_by_chart(chart) or clinic.people.add_patient(
        PatientDraft(f"Patient {chart}", chart, date(1980, 1, 1), 70.0), at
    )
    return clinic.sessions.check_in(
        uid=str(uuid.uuid4()),
        patient_id=patient.id,
        room_id=clinic.room.id if room_id is None else room_id,
        therapist_id=clinic.therapist.id,
        medical_staff_id=clinic.nurse.id,
        at=at,
        chair=chair,
    ).id


def _abort(clinic, session_id, at) -> None:
    clinic.sessions.apply_transition(
        uid=str(uuid.uuid4()),
        session_id=session_id,
        from_state=SessionState.CHECKED_IN,
        to_state=SessionState.ABORTED,
        at=at,
        by_staff_id=clinic.nurse.id,
        reason="patient left",
    )


# ---- bindings ------------------------------------------------------------------------------


def test_a_binding_is_stored_with_who_and_when(clinic, store, clock):
    repo = BindingRepository(store)
    session_id = _check_in(clinic, clock.now())
    binding = repo.bind(session_id, "masimo", PORT, clock.now(), clinic.nurse.id)
    assert binding == DeviceBinding(
        binding.id, session_id, "masimo", PORT, clock.now(), clinic.nurse.id
    )
    assert binding.is_open
    assert repo.open_bindings() == [binding]
    assert repo.history(session_id) == [binding]


def test_a_bound_port_is_refused_to_another_session_and_to_the_same_one(clinic, store, clock):
    repo = BindingRepository(store)
    first = _check_in(clinic, clock.now(), chart="MRN-A")
    second = _check_in(clinic, clock.now(), chart="MRN-B")
    repo.bind(first, "masimo", PORT, clock.now(), clinic.nurse.id)
    with pytest.raises(IllegalTransition, match=f"{PORT}.*session {first}"):
        repo.bind(second, "masimo", PORT, clock.now(), clinic.nurse.id)
    with pytest.raises(IllegalTransition, match=f"{PORT}.*this session"):
        repo.bind(first, "nonin", PORT, clock.now(), clinic.nurse.id)
    other = repo.bind(second, "nonin", "/dev/ttyUSB1", clock.now(), clinic.nurse.id)
    assert [(b.session_id, b.port) for b in repo.open_bindings()] == [
        (first, PORT),
        (other.session_id, "/dev/ttyUSB1"),
    ]


def test_a_released_port_can_be_bound_to_another_patient(clinic, store, clock):
    repo = BindingRepository(store)
    first = _check_in(clinic, clock.now(), chart="MRN-A")
    second = _check_in(clinic, clock.now(), chart="MRN-B")
    old = repo.bind(first, "masimo", PORT, clock.now(), clinic.nurse.id)
    later = clock.now() + timedelta(minutes=20)
    repo.release(old.id, later, clinic.therapist.id)
    new = repo.bind(second, "masimo", PORT, later, clinic.therapist.id)
    assert repo.open_bindings() == [new]
    [released] = repo.history(first)
    assert not released.is_open
    assert (released.released_at, released.released_by) == (later, clinic.therapist.id)
    assert repo.history(second) == [new]


def test_releasing_twice_keeps_the_first_release(clinic, store, clock):
    repo = BindingRepository(store)
    session_id = _check_in(clinic, clock.now())
    binding = repo.bind(session_id, "masimo", PORT, clock.now(), None)
    first = clock.now() + timedelta(minutes=1)
    repo.release(binding.id, first, clinic.nurse.id)
    repo.release(binding.id, first + timedelta(minutes=5), clinic.therapist.id)
    [stored] = repo.history(session_id)
    assert stored.bound_by is None
    assert (stored.released_at, stored.released_by) == (first, clinic.nurse.id)


def test_an_unknown_binding_or_session_is_refused(clinic, store, clock):
    repo = BindingRepository(store)
    with pytest.raises(IllegalTransition, match="binding 999"):
        repo.release(999, clock.now(), clinic.nurse.id)
    with pytest.raises(IllegalTransition, match="no session 999"):
        repo.bind(999, "masimo", PORT, clock.now(), clinic.nurse.id)
    assert repo.open_bindings() == []


def test_a_closed_session_cannot_be_bound(clinic, store, clock):
    repo = BindingRepository(store)
    session_id = _check_in(clinic, clock.now())
    _abort(clinic, session_id, clock.now())
    with pytest.raises(IllegalTransition, match=f"aborted.*{PORT}"):
        repo.bind(session_id, "masimo", PORT, clock.now(), clinic.nurse.id)
    assert repo.history(session_id) == []


def test_releasing_a_session_releases_only_its_open_bindings(clinic, store, clock):
    repo = BindingRepository(store)
    mine = _check_in(clinic, clock.now(), chart="MRN-A")
    theirs = _check_in(clinic, clock.now(), chart="MRN-B")
    early = repo.bind(mine, "masimo", "/dev/ttyUSB0", clock.now(), clinic.nurse.id)
    repo.release(early.id, clock.now() + timedelta(minutes=1), clinic.nurse.id)
    oximeter = repo.bind(mine, "masimo", "/dev/ttyUSB1", clock.now(), clinic.nurse.id)
    cuff = repo.bind(mine, "welch", "/dev/ttyUSB2", clock.now(), clinic.nurse.id)
    kept = repo.bind(theirs, "nonin", "/dev/ttyUSB3", clock.now(), clinic.nurse.id)
    at = clock.now() + timedelta(hours=2)
    released = repo.release_session(mine, at, clinic.therapist.id)
    assert [b.id for b in released] == [oximeter.id, cuff.id]
    assert all(b.released_at == at and b.released_by == clinic.therapist.id for b in released)
    assert repo.open_bindings() == [kept]
    assert repo.release_session(mine, at + timedelta(minutes=1), clinic.nurse.id) == []
    assert [b.released_at for b in repo.history(mine)] == [
        clock.now() + timedelta(minutes=1),
        at,
        at,
    ]


def test_open_bindings_can_be_limited_to_some_sessions(clinic, store, clock):
    repo = BindingRepository(store)
    a = _check_in(clinic, clock.now(), chart="MRN-A")
    b = _check_in(clinic, clock.now(), chart="MRN-B")
    c = _check_in(clinic, clock.now(), chart="MRN-C")
    ba = repo.bind(a, "masimo", "/dev/ttyUSB0", clock.now(), None)
    bc = repo.bind(c, "masimo", "/dev/ttyUSB2", clock.now(), None)
    bb = repo.bind(b, "masimo", "/dev/ttyUSB1", clock.now(), None)
    assert repo.open_bindings() == [ba, bc, bb]
    assert repo.open_bindings([c, a]) == [ba, bc]
    assert repo.open_bindings({b}) == [bb]
    assert repo.open_bindings([]) == []


# ---- chairs and rooms ----------------------------------------------------------------------


def test_the_chair_is_stored_and_read_back(clinic, clock):
    session_id = _check_in(clinic, clock.now(), chair=7)
    assert clinic.sessions.get(session_id).chair == 7
    assert [r.chair for r in clinic.sessions.open_sessions()] == [7]
    unseated = _check_in(clinic, clock.now() + timedelta(minutes=1), chart="MRN-2")
    assert clinic.sessions.get(unseated).chair is None


def test_the_occupant_is_the_open_session_in_that_chair(clinic, clock):
    other_room = clinic.people.add_room("Room 2")
    seated = _check_in(clinic, clock.now(), chair=3, chart="MRN-A")
    elsewhere = _check_in(clinic, clock.now(), chair=4, room_id=other_room.id, chart="MRN-B")
    occupant = clinic.sessions.occupant(clinic.room.id, 3)
    assert occupant is not None and occupant.id == seated and occupant.chair == 3
    assert clinic.sessions.occupant(clinic.room.id, 4) is None
    assert clinic.sessions.occupant(other_room.id, 3) is None
    assert clinic.sessions.occupant(other_room.id, 4).id == elsewhere
    _abort(clinic, seated, clock.now() + timedelta(minutes=5))
    assert clinic.sessions.occupant(clinic.room.id, 3) is None
    newcomer = _check_in(clinic, clock.now() + timedelta(minutes=6), chair=3, chart="MRN-C")
    assert clinic.sessions.occupant(clinic.room.id, 3).id == newcomer


def test_open_sessions_can_be_limited_to_some_rooms(clinic, clock):
    room2 = clinic.people.add_room("Room 2")
    room3 = clinic.people.add_room("Room 3")
    late = _check_in(clinic, clock.now() + timedelta(minutes=9), room_id=room2.id, chart="A")
    early = _check_in(clinic, clock.now(), room_id=room3.id, chart="B")
    middle = _check_in(clinic, clock.now() + timedelta(minutes=4), chart="C")
    closed = _check_in(clinic, clock.now() + timedelta(minutes=1), room_id=room2.id, chart="D")
    _abort(clinic, closed, clock.now() + timedelta(minutes=2))

    def ids(rooms):
        return [r.id for r in clinic.sessions.open_sessions(rooms)]

    assert ids(None) == [early, middle, late]
    assert ids(()) == [early, middle, late]
    assert ids([room2.id]) == [late]
    assert ids({room2.id, clinic.room.id}) == [middle, late]
    assert ids([999]) == []


def test_a_chair_must_be_chosen_among_the_rooms_chairs():
    assert MAX_CHAIRS == 16
    assert validate_chair(1) == [] and validate_chair(MAX_CHAIRS) == []
    for bad in (None, 0, -1, MAX_CHAIRS + 1, True):
        assert validate_chair(bad) == [FieldError("chair", "Choose the chair (1 to 16).")]
